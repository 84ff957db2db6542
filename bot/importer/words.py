"""An import preview in words, for the admin in chat: what changes, by kind, with the first
titles, dates and towns; "nothing to change" when a file is already loaded.

    Aperçu : 3 sessions nouvelles, 2 sessions modifiées (dates) ; 1 espace nouveau à Mauron.
    • Nouvelle : Excel initiation — lundi 4 janvier à 09:00, Ploërmel

`described` turns the planner's `Changes` into plain `Described` items (the towns come from
the file's spaces, then the database); `headline` and `detail_lines` render them, and
`bot.importer.preview` composes the whole message. Plain text, escaped by
the caller like the rest of the report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from bot.i18n import Translator
from bot.importer.changes import SPACE, Changes

logger = logging.getLogger(__name__)

MAX_NAMED = 5  # items named per kind; the others are counted
# What a changed column means to an admin.
ASPECTS = {
    "starts_at": "dates",
    "ends_at": "dates",
    "times_known": "dates",
    "permanent_entry": "dates",
    "open_end": "dates",
    "space_id": "place",
    "seats": "seats",
    "price_eur": "price",
    "cpf": "price",
    "status": "status",
}
KINDS = ("session_new", "session_changed", "session_cancelled", "space_new", "space_changed")


@dataclass(frozen=True, slots=True)
class Described:
    """One change as the admin would say it."""

    kind: str  # one of KINDS
    title: str  # a session's title, a space's name
    town: str
    starts_at: datetime | None = None
    aspects: tuple[str, ...] = ()  # for a change: "dates", "place", "seats"…


def towns_of(conn: Connection, changes: Changes) -> dict[str, str]:
    """Space id → town, for every space the sessions of `changes` use."""
    towns = {record.space_id: record.city for record in changes.space_inserts}
    towns |= {record.space_id: record.city for _id, record, _cols in changes.space_updates}
    wanted = {r.space_id for r in changes.session_inserts} | {
        r.space_id for _id, r, _cols in changes.session_updates
    }
    missing = sorted(wanted - towns.keys())
    if missing:
        rows = conn.execute(
            select(SPACE.c.external_id, SPACE.c.city).where(SPACE.c.external_id.in_(missing))
        )
        towns |= {external_id: city for external_id, city in rows}
    return towns


def _aspects(columns: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ASPECTS.get(column, "details") for column in columns))


def described(changes: Changes, towns: Mapping[str, str]) -> list[Described]:
    """Every change of `changes`, sessions first, in file order."""
    cancelled = set(changes.cancelled_sessions)
    items = [
        Described("session_new", r.title, towns.get(r.space_id, ""), r.starts_at)
        for r in changes.session_inserts
    ]
    for _id, record, columns in changes.session_updates:
        kind = "session_cancelled" if record.session_id in cancelled else "session_changed"
        town = towns.get(record.space_id, "")
        items.append(Described(kind, record.title, town, record.starts_at, _aspects(columns)))
    items += [Described("space_new", r.name, r.city) for r in changes.space_inserts]
    items += [
        Described("space_changed", r.name, r.city, aspects=_aspects(columns))
        for _id, r, columns in changes.space_updates
    ]
    return items


def _by_kind(items: Iterable[Described]) -> dict[str, list[Described]]:
    grouped: dict[str, list[Described]] = {kind: [] for kind in KINDS}
    for item in items:
        grouped[item.kind].append(item)
    return grouped


def _aspect_words(t: Translator, items: list[Described]) -> str:
    aspects = dict.fromkeys(a for item in items for a in item.aspects)
    words = t("importer.words.separator").join(t(f"importer.words.aspect.{a}") for a in aspects)
    return t("importer.words.aspects", aspects=words) if words else ""


def headline(t: Translator, items: list[Described]) -> str:
    """ "3 sessions nouvelles, 2 sessions modifiées (dates), 1 espace nouveau à Mauron" """
    parts = []
    for kind, group in _by_kind(items).items():
        if not group:
            continue
        part = t(f"importer.words.count.{kind}", count=len(group))
        if kind == "space_new":
            towns = list(dict.fromkeys(item.town for item in group if item.town))
            if towns and len(towns) <= 3:
                part += t("importer.words.in_towns", towns=", ".join(towns))
        elif kind in ("session_changed", "space_changed"):
            part += _aspect_words(t, group)
        parts.append(part)
    return t("importer.words.separator").join(parts)


def _item_line(t: Translator, item: Described) -> str:
    label = t(f"importer.words.item.{item.kind}")
    if item.aspects and item.kind.endswith("changed"):
        label += _aspect_words(t, [item])
    where = [t.datetime(item.starts_at)] if item.starts_at else []
    where += [item.town] if item.town else []
    return t("importer.words.line", label=label, title=item.title, where=", ".join(where))


def detail_lines(t: Translator, items: list[Described], *, limit: int = MAX_NAMED) -> list[str]:
    """The first `limit` of each kind, one per line, then how many more."""
    lines = []
    for group in _by_kind(items).values():
        lines += [_item_line(t, item) for item in group[:limit]]
        if len(group) > limit:
            lines.append(t("importer.words.more", count=len(group) - limit))
    return lines
