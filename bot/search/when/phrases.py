"""Fixed time phrases: "demain", "la semaine prochaine", "le soir", "this weekend"...

Each rule turns a :class:`~bot.search.when.dates.Calendar` into a :class:`When`; the
decorator registers it under every wording. :func:`match_phrase` finds the longest one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.search.when import school
from bot.search.when.dates import AFTERNOON, EVENING, MORNING, Calendar, When

Rule = Callable[[Calendar], When]
_PHRASES: dict[tuple[str, ...], Rule] = {}


def _phrases(*texts: str) -> Callable[[Rule], Rule]:
    def register(rule: Rule) -> Rule:
        for text in texts:
            _PHRASES[tuple(text.split())] = rule
        return rule

    return register


@_phrases("aujourd hui", "today", "ce jour")
def _today(c: Calendar) -> When:
    return c.days(c.today, c.today + timedelta(days=1))


@_phrases("ce soir", "tonight", "this evening")
def _tonight(c: Calendar) -> When:
    return When(c.now, c.at(c.today + timedelta(days=1)), day_parts=(EVENING,))


@_phrases("demain", "tomorrow")
def _tomorrow(c: Calendar) -> When:
    return c.days(c.today + timedelta(days=1), c.today + timedelta(days=2))


@_phrases("apres demain", "day after tomorrow")
def _after_tomorrow(c: Calendar) -> When:
    return c.days(c.today + timedelta(days=2), c.today + timedelta(days=3))


@_phrases("cette semaine", "dans la semaine", "this week", "sous huitaine")
def _this_week(c: Calendar) -> When:
    return c.days(c.today, c.monday(1))


@_phrases("la semaine prochaine", "semaine prochaine", "la semaine d apres", "next week")
def _next_week(c: Calendar) -> When:
    return c.days(c.monday(1), c.monday(2))


@_phrases("ce week end", "ce weekend", "ce we", "this weekend", "this week end")
def _this_weekend(c: Calendar) -> When:
    return c.days(max(c.monday() + timedelta(days=5), c.today), c.monday(1))


@_phrases("le week end prochain", "week end prochain", "le weekend prochain",
          "weekend prochain", "next weekend")  # fmt: skip
def _next_weekend(c: Calendar) -> When:
    # On a weekday, "le week-end prochain" is the coming one; at the weekend, the next one.
    weeks = 1 if c.today.weekday() >= 5 else 0
    return c.days(c.monday(weeks) + timedelta(days=5), c.monday(weeks + 1))


@_phrases("le week end", "les week end", "week end", "weekend", "weekends", "le weekend",
          "les weekends", "on weekends", "at the weekend", "at weekends", "le we")  # fmt: skip
def _weekends(c: Calendar) -> When:
    return When(weekdays=frozenset({5, 6}))


@_phrases("en semaine", "du lundi au vendredi", "weekdays", "on weekdays", "during the week")
def _weekdays(c: Calendar) -> When:
    return When(weekdays=frozenset(range(5)))


@_phrases("ce mois", "ce mois ci", "dans le mois", "this month", "d ici la fin du mois")
def _this_month(c: Calendar) -> When:
    first, after = c.month(c.today.month, c.today.year)
    return c.days(first, after)


@_phrases("le mois prochain", "mois prochain", "next month", "le mois d apres")
def _next_month(c: Calendar) -> When:
    _, first = c.month(c.today.month, c.today.year)
    return c.days(*c.month(first.month, first.year))


@_phrases("le soir", "les soirs", "soir", "soirs", "en soiree", "soiree", "soirees",
          "apres le travail", "apres le boulot", "apres mon travail", "apres le taf",
          "evening", "evenings", "in the evening", "in the evenings", "after work")  # fmt: skip
def _evening(c: Calendar) -> When:
    return When(day_parts=(EVENING,))


@_phrases("le matin", "les matins", "matin", "matins", "en matinee", "matinee", "matinees",
          "morning", "mornings", "in the morning", "in the mornings")  # fmt: skip
def _morning(c: Calendar) -> When:
    return When(day_parts=(MORNING,))


@_phrases("l apres midi", "les apres midi", "apres midi", "aprem", "en debut d apres midi",
          "afternoon", "afternoons", "in the afternoon", "in the afternoons")  # fmt: skip
def _afternoon(c: Calendar) -> When:
    return When(day_parts=(AFTERNOON,))


# School-year phrases (bot.search.when.school): "à la rentrée", "après les vacances".
_phrases("a la rentree", "la rentree", "rentree", "pour la rentree", "des la rentree",
         "a la rentree prochaine", "la rentree prochaine", "after the summer",
         "back to school")(school.rentree)  # fmt: skip
_phrases("apres les vacances", "apres les vacances scolaires", "au retour des vacances",
         "apres les conges", "after the holidays",
         "after the school holidays")(school.after_holidays)  # fmt: skip

_MAX_PHRASE = max(len(p) for p in _PHRASES)


def match_phrase(words: Sequence[str], i: int, c: Calendar) -> tuple[int, When] | None:
    """The longest fixed phrase starting at ``words[i]``: (number of words, its meaning)."""
    for length in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
        rule = _PHRASES.get(tuple(words[i : i + length]))
        if rule is not None:
            return length, rule(c)
    return None
