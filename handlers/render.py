"""Turning domain values into catalog texts (HTML-escaped) for handlers and jobs."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Protocol

from babel.dates import format_date

from bot.catalogue import SessionCard
from bot.confirmation import ToConfirm
from bot.i18n import Translator

MAX_DESCRIPTION = 600  # a card must stay readable on a phone
_FIRST_OF_MONTH = re.compile(r"^1 ")


def when(t: Translator, starts_at: datetime, ends_at: datetime) -> str:
    """ "jeudi 4 mars, de 09:00 à 17:00" or "du lundi 1 mars à 09:00 au mardi 2 mars à 17:00"."""
    start_local = starts_at.astimezone(t.tz)
    end_local = ends_at.astimezone(t.tz)
    if start_local.date() == end_local.date():
        return t(
            "card.when_same_day",
            day=t.date(starts_at),
            start=t.time(starts_at),
            end=t.time(ends_at),
        )
    return t("card.when_multi_day", start=t.datetime(starts_at), end=t.datetime(ends_at))


class Dated(Protocol):
    """A session's dates as the file gave them (`SessionCard`, `SessionDoc`)."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def times_known(self) -> bool: ...
    @property
    def permanent_entry(self) -> bool: ...
    @property
    def open_end(self) -> bool: ...


def period(t: Translator, dated: Dated) -> str:
    """The card's "Quand": with times when the file gave them, else the day(s) only; a
    permanent entry as such ("entrées et sorties permanentes jusqu'au …")."""
    start, end = t.date(dated.starts_at), t.date(dated.ends_at)
    if dated.permanent_entry:
        key = "card.when_permanent_open" if dated.open_end else "card.when_permanent"
        return t(key, start=start, end=end)
    if dated.times_known:
        return when(t, dated.starts_at, dated.ends_at)
    if start == end:
        return t("card.when_day", day=start)
    return t("card.when_days", start=start, end=end)


def starts(t: Translator, dated: Dated) -> str:
    """When a session starts, for a line of a list: its day and time, its day only when the
    file gave no times, or its permanent entry."""
    if dated.permanent_entry:
        key = "search.when_permanent_open" if dated.open_end else "search.when_permanent"
        return t(key, start=t.date(dated.starts_at), end=t.date(dated.ends_at))
    return t.datetime(dated.starts_at) if dated.times_known else t.date(dated.starts_at)


def price(t: Translator, amount: float | None) -> str | None:
    if amount is None:
        return None
    if amount == 0:
        return t("card.free")
    # Whole euros without decimals ("250 €"), otherwise cents ("239,50 €").
    shown = t.number(round(amount)) if float(amount).is_integer() else t.money(amount)
    return t("card.price", amount=shown)


def day_month(t: Translator, moment: datetime) -> str:
    """`12 mars` / `12 March` (`1er mars` in French), in the display zone."""
    text = format_date(moment.astimezone(t.tz).date(), t("confirm.day_format"), locale=t.locale)
    return _FIRST_OF_MONTH.sub("1er ", text) if t.language == "fr" else text


def to_confirm_line(t: Translator, standing: ToConfirm) -> str:
    """ "Session à confirmer : 4 inscrits sur 6 nécessaires, décision le 12 mars"."""
    return t(
        "confirm.card",
        count=standing.registered,
        minimum=standing.minimum,
        day=day_month(t, standing.confirm_by),
    )


def card_text(t: Translator, card: SessionCard) -> str:
    """The session card as the learner reads it."""
    details = [t(f"card.modality_{card.modality}")]
    if (shown := price(t, card.price_eur)) is not None:
        details.append(shown)
    if card.cpf:
        details.append(t("card.cpf_yes"))
    if card.hours:
        details.append(t("card.hours", hours=t.number(card.hours)))
    if card.accessible is not None:
        details.append(t("card.accessible_yes" if card.accessible else "card.accessible_no"))
    if card.cancelled:
        seats = t("card.cancelled")
    elif card.past:
        seats = t("card.past")
    elif card.seats_left == 0:
        seats = t("card.full")
    else:
        seats = t("card.seats_left", count=card.seats_left, seats=card.seats)
    if card.to_confirm is not None and card.bookable:
        seats = f"{seats}\n{to_confirm_line(t, card.to_confirm)}"
    description = card.description
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1].rstrip() + "…"
    return t(
        "card.text",
        title=html.escape(card.title),
        organisation=html.escape(card.organisation),
        when=period(t, card),
        where=html.escape(
            t(
                "card.where",
                space=card.space_name,
                address=card.address,
                postcode=card.postcode,
                city=card.city,
            )
            + (t("card.where_pvd") if card.pvd else "")
        ),
        details=" · ".join(details),
        seats=seats,
        description=html.escape(description),
    ).rstrip()
