"""The result list of a search as a message: the header, notes (typos corrected, radius
widened), one line per session of the page, and the keyboard (a button per session, pages,
radius, month, modality, and [M'alerter] when there is little or nothing).

[Rayon] and [Mois] open their choices in the same message (`choosing`), the one in use marked;
nothing within the largest radius offers the alert and the topics taught nearby instead of a
wider search."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.search.browse import (
    ALL_DATES,
    ASKED,
    Browse,
    Choice,
    month_choices,
    month_window,
    nothing_within_reach,
    page_of,
    radius_choices,
)
from bot.search.homonyms import alternatives
from bot.search.query import Place
from bot.search.regions import departement_with_article, region_phrase
from bot.search.service import SearchOutcome, SearchResult
from handlers import buttons
from handlers.render import starts

FEW_RESULTS = 3  # at most this many: offer an alert too
TITLE_BUTTON_LENGTH = 38
PAGE_SIZE = 5
PLACE_CHOICES = 8
CHOICES_PER_ROW = 4


@dataclass(frozen=True, slots=True)
class Answer:
    """What the learner reads, and whether [M'alerter] saves this search."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    alert: bool = False


def render(
    t: Translator,
    browse: Browse,
    outcome: SearchOutcome,
    now: datetime,
    other_topics: tuple[tuple[str, str], ...] = (),
    undecided: frozenset[int] = frozenset(),
) -> Answer:
    """The answer to a search: a question about the place, nothing found, or the results
    (``undecided``: the sessions still to confirm, marked so on their line)."""
    if outcome.unknown_place:
        return Answer(t("search.unknown_place", place=html.escape(outcome.unknown_place)))
    if outcome.place_candidates:
        rows = [
            [buttons.PLACE.button(c.label, c.insee)]
            for c in outcome.place_candidates[:PLACE_CHOICES]
        ]
        return Answer(t("search.which_place"), InlineKeyboardMarkup(rows))
    if outcome.no_topic_match:
        # The learner's own words (accents and all), not the normalised ones.
        text = t("search.no_topic", topic=html.escape(_shorten(browse.request.text, 60)))
        return Answer(text, alert_keyboard(t), alert=True)
    if nothing_within_reach(outcome):
        return _out_of_reach(t, browse, outcome, now, other_topics)
    if not outcome.results:
        text = "\n".join([_nothing(t, browse, outcome), *_notes(t, browse, outcome)])
        keyboard = _keyboard(t, browse, outcome, [], now, alert=True)
        return _with_alternatives(t, browse, outcome, Answer(text, keyboard, alert=True))
    return _with_alternatives(t, browse, outcome, _results(t, browse, outcome, now, undecided))


def _with_alternatives(
    t: Translator, browse: Browse, outcome: SearchOutcome, answer: Answer
) -> Answer:
    """ "Ce n'est pas ce Murat ?" [Murat (03)]: the same search at another commune of the
    name, one tap away (bot.search.homonyms)."""
    others = alternatives(browse.request)
    if not others or outcome.place is None or answer.keyboard is None:
        return answer
    if outcome.place.corrected:  # a typo read as a town: its look-alikes, not namesakes
        question = t("search.maybe_other_place")
    else:
        question = t("search.not_this_place", place=html.escape(_town(outcome.place)))
    rows = [[buttons.PLACE.button(c.label, c.insee)] for c in others]
    keyboard = InlineKeyboardMarkup([*answer.keyboard.inline_keyboard, *rows])
    return Answer(f"{answer.text}\n{question}", keyboard, answer.alert)


def choosing(
    t: Translator, browse: Browse, outcome: SearchOutcome, now: datetime, what: str
) -> InlineKeyboardMarkup:
    """The choices of [Rayon] ("r") or [Mois] ("m"), the one in use marked, then [Retour]."""
    if what == "r":
        items = [
            (_marked(t, t("search.choice_km", km=c.value), c), buttons.RESULTS_RADIUS, c)
            for c in radius_choices(outcome.radius_km)
        ]
    else:
        items = [
            (_marked(t, _month_choice(t, c), c), buttons.RESULTS_MONTH, c)
            for c in month_choices(browse, now=now, tz=t.tz)
        ]
    made = [button.button(label, c.value) for label, button, c in items]
    rows = [made[i : i + CHOICES_PER_ROW] for i in range(0, len(made), CHOICES_PER_ROW)]
    rows.append([buttons.RESULTS_REFINE.button(t("search.button_back_to_list"), "back")])
    return InlineKeyboardMarkup(rows)


def _marked(t: Translator, label: str, choice: Choice) -> str:
    return t("search.choice_current", label=label) if choice.current else label


def _month_choice(t: Translator, choice: Choice) -> str:
    if choice.value == ASKED:
        return t("search.choice_asked")
    if choice.value == ALL_DATES or choice.month_start is None:
        return t("search.choice_all")
    return format_date(choice.month_start.astimezone(t.tz), "MMMM", locale=t.locale)


def _out_of_reach(
    t: Translator,
    browse: Browse,
    outcome: SearchOutcome,
    now: datetime,
    other_topics: tuple[tuple[str, str], ...],
) -> Answer:
    """Nothing even within the largest radius: no wider search, but the topics taught there,
    the month and modality, and the alert."""
    topic = topic_label(t, browse, outcome)
    assert outcome.place is not None
    lines = [
        t(
            "search.none_within_reach",
            topic=topic,
            place=around(t, outcome.place),
            radius=_radius(outcome),
        ),
        *_notes(t, browse, outcome),
        t(
            "search.taught_nearby" if other_topics else "search.alert_offer",
            topic=topic,
            button=t("search.button_alert"),
        ),
    ]
    english = t.language == "en"
    rows = [
        [buttons.RESULTS_TOPIC.button(en if english else fr, number)]
        for number, (fr, en) in enumerate(other_topics)
    ]
    keyboard = _keyboard(t, browse, outcome, [], now, alert=True, radius=False)
    rows += [list(row) for row in keyboard.inline_keyboard]
    return Answer("\n".join(lines), InlineKeyboardMarkup(rows), alert=True)


def alert_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """[M'alerter] alone."""
    return InlineKeyboardMarkup([[buttons.ALERT_NEW.button(t("search.button_alert"))]])


def topic_label(t: Translator, browse: Browse, outcome: SearchOutcome) -> str:
    """The topic understood, in the reader's language ("Excel", "First aid"), HTML-escaped."""
    labels = outcome.concepts_en if t.language == "en" else outcome.concepts
    return html.escape(", ".join(labels) or browse.request.topic or t("search.everything"))


def _radius(outcome: SearchOutcome) -> int | None:
    """The radius to talk about: none for online sessions or when no place is known."""
    if outcome.place is None or not outcome.radius_km:
        return None
    return int(outcome.radius_km)


def _notes(t: Translator, browse: Browse, outcome: SearchOutcome) -> list[str]:
    """What the learner should know about how the request was read."""
    notes = []
    radius = _radius(outcome)
    if outcome.results and outcome.widened and radius and outcome.place is not None:
        first = int(browse.request.radius_km or outcome.place.default_radius_km)
        notes.append(t("search.widened", previous=first, radius=radius))
    if browse.request.truncated:
        notes.append(t("search.truncated"))
    corrections = [*_place_correction(browse, outcome), *outcome.corrections]
    if corrections:
        words = ", ".join(f"{html.escape(a)} → {html.escape(b)}" for a, b in corrections)
        notes.append(t("search.corrected", words=words))
    if outcome.results and not outcome.total_exact:  # the list holds the best ones only
        notes.append(t("search.capped", count=len(outcome.results)))
    return notes


def _place_correction(browse: Browse, outcome: SearchOutcome) -> list[tuple[str, str]]:
    """ "Moron → Mauron", "St Méen → Saint-Méen-le-Grand": a town read otherwise than typed."""
    place, typed = outcome.place, browse.request.place_text
    if place is None or place.kind != "commune" or not place.corrected or not typed:
        return []
    return [(typed, _town(place))]


def _nothing(t: Translator, browse: Browse, outcome: SearchOutcome) -> str:
    radius = _radius(outcome)
    topic = topic_label(t, browse, outcome)
    if radius and outcome.place is not None:
        place = around(t, outcome.place)
        return t("search.none_nearby", topic=topic, radius=radius, place=place)
    return t("search.none_anywhere", topic=topic)


def _results(
    t: Translator,
    browse: Browse,
    outcome: SearchOutcome,
    now: datetime,
    undecided: frozenset[int],
) -> Answer:
    count = len(outcome.results)
    topic = topic_label(t, browse, outcome)
    radius = _radius(outcome)
    if radius and outcome.place is not None:
        place = around(t, outcome.place)
        header = t("search.results_header", count=count, topic=topic, place=place, radius=radius)
    else:
        header = t("search.results_header_anywhere", count=count, topic=topic)
    indexes, _, _ = page_of(outcome, browse.page)
    lines = [header, *_notes(t, browse, outcome), ""]
    lines += [_line(t, i + 1, outcome.results[i], undecided) for i in indexes]
    pages = (count + PAGE_SIZE - 1) // PAGE_SIZE
    if pages > 1:
        lines.append(t("search.page", page=browse.page + 1, pages=pages))
    few = count <= FEW_RESULTS
    keyboard = _keyboard(t, browse, outcome, indexes, now, alert=few)
    return Answer("\n".join(lines), keyboard, alert=few)


def _town(place: Place) -> str:
    """ "Murat" of "Murat (15)": the name the learner typed, without the département."""
    return place.label.rsplit(" (", 1)[0]


def around(t: Translator, place: Place) -> str:
    """ "autour de Ploërmel", "autour d'Augan" (French elides "de" before a vowel), "dans le
    Morbihan (56)" or "en Bretagne"."""
    label = place.label
    french = t.language == "fr"  # French names an area with its article: "le Morbihan"
    if place.kind == "departement" and place.departement is not None:
        name = departement_with_article(place.departement, label) if french else label
        return t("search.in_departement", place=html.escape(name))
    if place.kind == "region" and place.region is not None:
        name = region_phrase(place.region, label) if french else label  # "en Bretagne"
        return t("search.in_region", place=html.escape(name))
    return t("search.around", place=html.escape(label))  # "d'Augan": the translator elides


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(t: Translator, number: int, result: SearchResult, undecided: frozenset[int]) -> str:
    session = result.session
    distance = (
        t("search.distance", km=t.number(round(result.distance_km)))
        if result.distance_km is not None
        else ""
    )
    seats = t("search.full") if result.full else t("search.seats_left", count=result.seats_left)
    line = t(
        "search.line",
        i=number,
        title=html.escape(session.title),
        city=html.escape(session.space.city),
        distance=distance,
        when=starts(t, session),
        seats=seats,
    )
    if session.id in undecided:
        line += t("confirm.result_mark")
    if result.other_dates:
        line += t("search.other_dates", count=result.other_dates)
    return line


def _keyboard(
    t: Translator,
    browse: Browse,
    outcome: SearchOutcome,
    indexes: list[int],
    now: datetime,
    *,
    alert: bool,
    radius: bool = True,
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for i in indexes:
        session = outcome.results[i].session
        title = session.title
        if len(title) > TITLE_BUTTON_LENGTH:
            title = title[: TITLE_BUTTON_LENGTH - 1] + "…"
        rows.append([buttons.CARD.button(f"{i + 1}. {title}", session.id)])
    _, before, after = page_of(outcome, browse.page)
    nav = []
    if before:
        nav.append(buttons.RESULTS_PAGE.button(t("search.button_previous"), browse.page - 1))
    if after:
        nav.append(buttons.RESULTS_PAGE.button(t("search.button_next"), browse.page + 1))
    if nav:
        rows.append(nav)
    rows.append(_refine_row(t, browse, outcome, now, radius=radius))
    shown = browse.modality or browse.request.modality  # what the request said, if nothing set
    shown = shown if shown in ("presentiel", "distanciel") else None
    bottom = [buttons.RESULTS_REFINE.button(t(f"search.button_modality_{shown or 'any'}"), "o")]
    if alert:
        bottom.append(buttons.ALERT_NEW.button(t("search.button_alert")))
    rows.append(bottom)
    return InlineKeyboardMarkup(rows)


def _refine_row(
    t: Translator, browse: Browse, outcome: SearchOutcome, now: datetime, *, radius: bool
) -> list[InlineKeyboardButton]:
    """[Rayon : 30 km] (when there is a place, and a choice of radius can help) and [Mois]."""
    row = []
    if outcome.place is not None and radius:
        km = int(outcome.radius_km or 30)
        row.append(buttons.RESULTS_REFINE.button(t("search.button_radius", radius=km), "r"))
    row.append(buttons.RESULTS_REFINE.button(_month_label(t, browse, now), "m"))
    return row


def _month_label(t: Translator, browse: Browse, now: datetime) -> str:
    value = browse.month_in_use()
    if value == ASKED:
        return t("search.button_month_asked")
    if value == ALL_DATES:
        return t("search.button_month_any")
    start, _ = month_window(now, t.tz, int(value))
    month = format_date(start.astimezone(t.tz), "MMMM", locale=t.locale)
    return t("search.button_month", month=month)
