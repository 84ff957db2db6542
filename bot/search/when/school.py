"""School-year phrases: "à la rentrée", "après les vacances".

* "à la rentrée" is September to mid-October (:data:`RENTREE_END`) of the coming rentrée:
  this year's until mid-October, next year's after.
* "après les vacances" starts the day classes resume after the school holidays in progress,
  or the next ones, with no end: the sessions from then on, soonest first among equals.

Holidays differ by zone; Proxi's towns are mostly in zone B (Bretagne, Normandie, Pays de la
Loire...). The periods come from the package ``vacances-scolaires-france``, which ships the
Ministry of Education's official calendar as data (one row a day, per zone; 1990 to the last
published school year): upgrading the package extends it, nothing is typed here. The
"Pont de l'Ascension" is a bridge, not "les vacances", so it is left out. Past the data,
"après les vacances" falls back to the next summer's rentrée (1 September).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from vacances_scolaires_france import SchoolHolidayDates

from bot.search.when.dates import Calendar, When

RENTREE_END = (10, 16)  # (month, day) the "rentrée" window ends, excluded: mid-October
ZONE = "B"
NOT_HOLIDAYS = frozenset({"Pont de l'Ascension"})


@cache
def holidays(zone: str = ZONE) -> tuple[tuple[date, date], ...]:
    """The zone's holiday periods as (first day off, day classes resume), oldest first.

    Read once, on first use (the package parses its CSV when built), not at import.
    """
    days = sorted(
        day
        for day, row in SchoolHolidayDates().data.items()
        if row[f"vacances_zone_{zone.lower()}"] and row["nom_vacances"] not in NOT_HOLIDAYS
    )
    periods: list[tuple[date, date]] = []
    for day in days:
        if periods and periods[-1][1] == day:
            periods[-1] = (periods[-1][0], day + timedelta(days=1))
        else:
            periods.append((day, day + timedelta(days=1)))
    return tuple(periods)


def rentree(c: Calendar) -> When:
    """September to mid-October, this year's until mid-October, then next year's."""
    year = c.today.year
    if c.today >= date(year, *RENTREE_END):
        year += 1
    return c.days(date(year, 9, 1), date(year, *RENTREE_END))


def after_holidays(c: Calendar) -> When:
    """From the day classes resume after the holidays in progress or the next ones."""
    resume = next((back for _, back in holidays() if back > c.today), None)
    if resume is None:
        year = c.today.year if c.today < date(c.today.year, 9, 1) else c.today.year + 1
        resume = date(year, 9, 1)
    return When(max(c.at(resume), c.now), None)
