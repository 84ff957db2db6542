"""Travel saved (`/impact`): the trips a training place close to home spares its learners.

For each enrolled place in an organisation's sessions, the learner would otherwise have
travelled from their home town to the nearest large training centre (a commune of at least
`IMPACT_CENTRE_MIN_POPULATION` inhabitants); the space is closer, and the difference, round
trip, each day of the session, is the distance avoided; CO2e is that times `CO2_KG_PER_KM`.

* :mod:`.quarters` – calendar quarters in Paris time (`2026Q4`), their bounds in UTC;
* :mod:`.distances` – the reference centres and the distance avoided (pure functions);
* :mod:`.service` – the places of a quarter read from the database, aggregated;
* :mod:`.workbook` – the XLSX for a CSR report (quarters, sessions, method);
* :mod:`.cli` – `python -m bot impact`; :mod:`.demo` – the demo's learners and places.

Only aggregates leave this package: counts and sums per quarter and per session, never a
person.
"""
