"""`action/lieu-de-formation` → spaces rows.

The id is derived from the address (INSEE code or postcode, town, street, name), never from
the place's `numero`, which is only unique within one feed: the same place described by two
files, or by two Carif feeds, is one space. The address's `code-INSEE-commune` and
`geolocalisation` are passed on; validation lets them win over postcode + town.
"""

from __future__ import annotations

import hashlib
import logging
import re
from xml.etree.ElementTree import Element

from bot.i18n import translator
from bot.importer.values import fold

logger = logging.getLogger(__name__)

_CEDEX = re.compile(r"\s*\bcedex\b(\s*\d+)?\s*$", re.IGNORECASE)


def text_of(element: Element | None, path: str) -> str | None:
    """Stripped text of the first element at `path`, spaces collapsed, or None."""
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def places_of(action: Element) -> list[dict[str, str | None]]:
    """A spaces row for each `lieu-de-formation` of the action that has an address."""
    rows = [_place(place, action) for place in action.findall("lieu-de-formation")]
    return list({row["space_id"]: row for row in rows if row is not None}.values())


def town(text: str | None) -> str | None:
    """The town without its CEDEX mention: "VANNES CEDEX 9" → "VANNES"."""
    return _CEDEX.sub("", text).strip() or None if text else None


def _place(place: Element, action: Element) -> dict[str, str | None] | None:
    coords = place.find("coordonnees")
    address = coords.find("adresse") if coords is not None else None
    if coords is None or address is None:
        return None
    postcode, city = text_of(address, "codepostal"), town(text_of(address, "ville"))
    insee = text_of(address, "code-INSEE-commune")
    street = ", ".join(
        " ".join(line.text.split()) for line in address.findall("ligne") if line.text
    )
    name = (
        text_of(address, "denomination")
        or text_of(coords, "denomination")
        or text_of(coords, "ligne")
        or translator("fr")("importer.lheo.place_name", city=city or "")
    )
    return {
        "space_id": derived_space_id(insee or postcode or "", city or "", street, name),
        "name": name,
        "address": street or None,
        "postcode": postcode,
        "city": city,
        "insee": insee,
        "latitude": text_of(address, "geolocalisation/latitude"),
        "longitude": text_of(address, "geolocalisation/longitude"),
        "accessible": _accessible(action),
        "contact": text_of(coords, "courriel") or text_of(coords, "telfixe/numtel"),
    }


def _accessible(action: Element) -> str | None:
    """`oui` or `non` from the free text of `acces-handicapes`; None when it says nothing."""
    access = text_of(action, "acces-handicapes")
    if not access:
        return None
    refused = any(
        word in fold(access) for word in ("non accessible", "pas accessible", "inaccessible")
    )
    return "non" if refused else "oui"


def derived_space_id(code: str, city: str, street: str, name: str) -> str:
    """A readable id that stays the same as long as the address does."""
    key = "|".join(fold(part) for part in (code, city, street, name))
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "-", fold(city)).strip("-")[:40]
    return f"lieu-{code}-{slug}-{digest}"
