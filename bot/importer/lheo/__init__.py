"""LHEO XML (the French standard for training offers) mapped onto spaces and sessions rows.

Parsed with defusedxml: a DTD, entity expansion ("billion laughs") or an external entity
(XXE) refuses the whole file before anything is expanded or fetched. Modules:

* `document`: which LHEO this is. LHEO 2.x (`lheo/offres/formation`), with the
  `http://www.lheo.org/2.x` namespace or none, is read; LHEO 1.3 (`offre-formation`,
  `action-formation`) and the summaries (`lheo-index`, `lheo-leger`) are refused with a message
  naming the format found and the versions read;
* `places`: every `action/lieu-de-formation` → a spaces row (`denomination` as the name, the
  address's `code-INSEE-commune` and `geolocalisation` passed on so that they win over
  postcode + town, "Cedex" dropped from the town); its id is derived from the address, so the
  same place in two files (or two Carif feeds) is one space;
* `dates`: `AAAAMMJJ`, `AAAAMM00`, `AAAA0000`, `00000000` (unknown), `99999999` (open end);
* `text`: escaped HTML in text fields → plain text (list items become lines);
* `sessions`: `formation/action/session` × places → sessions rows, ids namespaced by the
  organisation (SIRET, else its numero or name): two feeds may both have a session "16".
"""

from __future__ import annotations

from bot.importer.lheo.sessions import read_lheo

__all__ = ["read_lheo"]
