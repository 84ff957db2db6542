"""French communes gazetteer: turn what a user types into a commune with coordinates.

Pure and synchronous: no Telegram, no database. The data is ``data/communes.csv`` (built by
``scripts/build_communes.py``, see ``data/README.md``): every current commune with its
postal codes, département, population and a point, plus former communes (merged into a
"commune nouvelle") that point to the commune they belong to now.

Main entry points:

* :func:`normalize` – the canonical matching form of a place name;
* :meth:`Gazetteer.resolve` – a query that is meant to be a place ("Ploermel", "56800",
  "Saint-Martin 32", "2A004") → a :class:`Resolution`;
* :meth:`Gazetteer.find_in_text` – the most plausible place mention in a free French
  sentence ("une formation excel pas loin de Ploërmel en mars");
* :func:`haversine_km` / :meth:`Gazetteer.distance_km`;
* :func:`is_petite_ville_de_demain` – whether a commune is one of the ANCT's Petites Villes
  de Demain (also :attr:`Commune.pvd`).

Layout:

* :mod:`.communes` – the :class:`Commune` record, reading the CSV, name normalisation and
  the words that are never a place;
* :mod:`.ranking` – :class:`Resolution` and how matching communes become one;
* :mod:`.resolution` – :class:`Gazetteer`, the index and its name matching (exact, prefix,
  without article), namesakes, and :meth:`Gazetteer.resolve`;
* :mod:`.typos` – typo correction: the same sound, a few wrong letters, a wrong first letter;
* :mod:`.phonetic` – Phonex, a French phonetic key ("Moron" sounds like Mauron);
* :mod:`.mentions` – :meth:`Gazetteer.find_in_text`, its three steps.
"""

from bot.gazetteer.communes import DEFAULT_PATH, Commune, is_petite_ville_de_demain, normalize
from bot.gazetteer.ranking import Resolution
from bot.gazetteer.resolution import Gazetteer, default_gazetteer
from bot.geo import haversine_km

__all__ = [
    "DEFAULT_PATH",
    "Commune",
    "Gazetteer",
    "Resolution",
    "default_gazetteer",
    "haversine_km",
    "is_petite_ville_de_demain",
    "normalize",
]
