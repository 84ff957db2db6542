"""School-year phrases: "à la rentrée", "après les vacances".

* "à la rentrée" is September to mid-October (:data:`RENTREE_END`) of the coming rentrée:
  this year's until mid-October, next year's after.
* "après les vacances" starts the day classes resume after the school holidays in progress,
  or the next ones, with no end: the sessions from then on, soonest first among equals.

Holidays differ by zone; Proxi's towns are mostly in zone B (Bretagne, Normandie, Pays de la
Loire...), so :data:`HOLIDAYS_ZONE_B` holds zone B's periods, from the Ministry of Education's
calendar (education.gouv.fr, "calendrier scolaire"): each is (first day off, day classes
resume). 2027-2028 is the draft published ahead of the official order: check it, and add the
next school year, each summer. Past the table, "après les vacances" falls back to the next
summer's rentrée (1 September).
"""

from __future__ import annotations

from datetime import date

from bot.search.when.dates import Calendar, When

RENTREE_END = (10, 16)  # (month, day) the "rentrée" window ends, excluded: mid-October

HOLIDAYS_ZONE_B: tuple[tuple[date, date], ...] = (
    (date(2025, 10, 18), date(2025, 11, 3)),  # Toussaint
    (date(2025, 12, 20), date(2026, 1, 5)),  # Noël
    (date(2026, 2, 14), date(2026, 3, 2)),  # hiver
    (date(2026, 4, 11), date(2026, 4, 27)),  # printemps
    (date(2026, 7, 4), date(2026, 9, 1)),  # été
    (date(2026, 10, 17), date(2026, 11, 2)),
    (date(2026, 12, 19), date(2027, 1, 4)),
    (date(2027, 2, 20), date(2027, 3, 8)),
    (date(2027, 4, 17), date(2027, 5, 3)),
    (date(2027, 7, 3), date(2027, 9, 1)),
    (date(2027, 10, 23), date(2027, 11, 8)),
    (date(2027, 12, 18), date(2028, 1, 3)),
    (date(2028, 2, 12), date(2028, 2, 28)),
    (date(2028, 4, 8), date(2028, 4, 24)),
    (date(2028, 7, 1), date(2028, 9, 1)),
)


def rentree(c: Calendar) -> When:
    """September to mid-October, this year's until mid-October, then next year's."""
    year = c.today.year
    if c.today >= date(year, *RENTREE_END):
        year += 1
    return c.days(date(year, 9, 1), date(year, *RENTREE_END))


def after_holidays(c: Calendar) -> When:
    """From the day classes resume after the holidays in progress or the next ones."""
    resume = next((back for _, back in HOLIDAYS_ZONE_B if back > c.today), None)
    if resume is None:
        year = c.today.year if c.today < date(c.today.year, 9, 1) else c.today.year + 1
        resume = date(year, 9, 1)
    return When(max(c.at(resume), c.now), None)
