"""Demand by territory: searches recorded without the person, aggregated for `/demande`.

- `recording`: one row per search (`search_record`): concepts understood, commune and
  département searched around, radius, result count, whether an alert was saved from it,
  and `person`, a keyed hash of the user id whose key changes every month; the daily purge.
- `recorder`: `SearchRecorder`, the in-memory queue written in batches (off the search).
- `scope`: the communes within reach of an organisation's spaces, and the hubs.
- `aggregation`: `build_demand`, topics most asked and least served around an
  organisation's spaces or in a département, with k-anonymity (a cell needs k people).
- `model`: the report (`DemandReport`, `DemandRow`) that the text, the CLI, the XLSX/CSV and
  the chart are made from; `export`: JSON, CSV and XLSX of a report; `chart`: the PNG
  pictures (least served topics, map of the area; matplotlib, imported on use); `requests`:
  the open company requests line; `cli`: `python -m bot demand`; `demo`: plausible records
  for the offline demo.
"""
