"""The answer to a place query (:class:`Resolution`), and how matching communes become one.

Shared by :mod:`bot.gazetteer.resolution` and :mod:`bot.gazetteer.mentions`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.gazetteer.communes import Commune, by_population

MAX_CANDIDATES = 8
# A homonym is "clearly" the big one when it is a real town and dwarfs the next one
# (Valence 26 vs Valence 82): asking the user would be more annoying than helpful.
DOMINANT_MIN_POPULATION = 5_000
DOMINANT_RATIO = 10
# Overseas collectivities (Saint-Martin, Saint-Barthélemy...) never dwarf their homonyms in
# France: "Saint-Martin" stays a question, not a flight to the Caribbean.
OVERSEAS_COLLECTIVITIES = frozenset({"975", "977", "978", "986", "987", "988"})


@dataclass(frozen=True, slots=True)
class Resolution:
    """Outcome of :meth:`Gazetteer.resolve`.

    ``commune`` is set when there is one clear answer. ``candidates`` holds the other
    plausible communes, best first (most populous first among equals): when ``commune`` is
    None they are the choices to offer the user; when it is set they are mere alternatives
    (other communes sharing the postal code, smaller homonyms). ``corrected`` tells that a
    typo correction or a prefix completion was needed, so the bot may confirm.
    """

    commune: Commune | None = None
    candidates: list[Commune] = field(default_factory=list)
    corrected: bool = False

    @property
    def found(self) -> bool:
        """True when there is a single clear answer."""
        return self.commune is not None

    @property
    def ambiguous(self) -> bool:
        """True when the user has to choose among ``candidates``."""
        return self.commune is None and bool(self.candidates)


def rank(communes: Iterable[Commune], *, corrected: bool = False) -> Resolution:
    """Turn matching communes into a Resolution (one clear answer, or candidates)."""
    ranked = by_population(communes)
    if not ranked:
        return Resolution()
    if len(ranked) == 1:
        return Resolution(ranked[0], [], corrected)
    top, second = ranked[0], ranked[1]
    if (
        top.departement not in OVERSEAS_COLLECTIVITIES
        and top.population >= DOMINANT_MIN_POPULATION
        and top.population >= DOMINANT_RATIO * second.population
    ):
        return Resolution(top, ranked[1:MAX_CANDIDATES], corrected)
    return Resolution(None, ranked[:MAX_CANDIDATES], corrected)
