"""French regions by name ("anglais en Bretagne"), and how French says "in" an area.

The gazetteer's communes carry their region code (COG 2016 regions); the names and the
phrases ("en Bretagne", "dans le Grand Est") are here. The article of a département ("le
Morbihan", "la Manche", "l'Ain", "les Landes") is French grammar the COG does not give:
:func:`departement_with_article` reads it from the short lists below.
"""

from __future__ import annotations

from bot.gazetteer import normalize

__all__ = ["REGIONS", "departement_with_article", "region_code", "region_phrase"]

# code|official name|French phrase for "in" it.
_TEXT = """
11|Île-de-France|en Île-de-France
24|Centre-Val de Loire|en Centre-Val de Loire
27|Bourgogne-Franche-Comté|en Bourgogne-Franche-Comté
28|Normandie|en Normandie
32|Hauts-de-France|dans les Hauts-de-France
44|Grand Est|dans le Grand Est
52|Pays de la Loire|dans les Pays de la Loire
53|Bretagne|en Bretagne
75|Nouvelle-Aquitaine|en Nouvelle-Aquitaine
76|Occitanie|en Occitanie
84|Auvergne-Rhône-Alpes|en Auvergne-Rhône-Alpes
93|Provence-Alpes-Côte d'Azur|en Provence-Alpes-Côte d'Azur
94|Corse|en Corse
"""
# Normalised name → (code, official name, "en Bretagne").
REGIONS: dict[str, tuple[str, str, str]] = {}
for _line in _TEXT.strip().splitlines():
    _code, _name, _phrase = _line.split("|")
    REGIONS[normalize(_name)] = (_code, _name, _phrase)
# Everyday names: "la région parisienne", "PACA", "Auvergne" (part of a region, but meant so).
for _alias, _key in (("ile de france", "ile de france"), ("idf", "ile de france"),
                     ("paca", "provence alpes cote d azur"), ("region parisienne",
                     "ile de france"), ("auvergne", "auvergne rhone alpes"),
                     ("alsace", "grand est"), ("lorraine", "grand est"),
                     ("limousin", "nouvelle aquitaine"), ("picardie", "hauts de france"),
                     ("brittany", "bretagne"), ("normandy", "normandie"),
                     ("corsica", "corse"), ("burgundy", "bourgogne franche comte")):  # fmt: skip
    REGIONS.setdefault(_alias, REGIONS[_key])
MAX_WORDS = max(len(k.split()) for k in REGIONS)

_FEMININE_TEXT = """03 07 09 10 11 16 17 19 2A 2B 21 23 24 26 27 33 31 42 43 44 48 50 51 52 53
    54 55 57 58 70 71 72 73 74 76 77 80 85 86 87 93 971 972 973"""
_FEMININE = frozenset(_FEMININE_TEXT.split())
_PLURAL_TEXT = "04 05 06 08 13 22 40 64 65 66 78 79 88 92"
_PLURAL = frozenset(_PLURAL_TEXT.split())


def region_code(name: str) -> tuple[str, str, str] | None:
    """(code, official name, "en Bretagne") of a region named ``name``, or None."""
    return REGIONS.get(normalize(name))


def region_phrase(code: str, name: str) -> str:
    """ "en Bretagne", "dans le Grand Est" (the name alone for an unknown code)."""
    return next((phrase for c, _, phrase in REGIONS.values() if c == code), name)


def departement_with_article(code: str, name: str) -> str:
    """ "le Morbihan", "la Manche", "l'Ain", "les Landes", "La Réunion", "Paris"."""
    if code in ("75", "974", "976") or name.startswith("Territoire"):
        return name if code != "90" else f"le {name}"
    if code in _PLURAL:
        return f"les {name}"
    if normalize(name)[:1] in "aeiouy" or code == "34":  # "l'Hérault": a mute h
        return f"l'{name}"
    return f"la {name}" if code in _FEMININE else f"le {name}"
