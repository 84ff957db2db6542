"""`python -m bot search TEXT`: the learners' search from the command line (admins, checks).

Wired into ``bot/cli.py`` with :func:`add_parser` and :func:`run`. Exit codes follow the
rest of the CLI: 0 success (also when nothing matches: ``[]``), 1 the database could not be
read, 2 usage errors (bad ``--now``, ``--lat`` without ``--lon``, unknown ``--near`` place).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.gazetteer import Commune, default_gazetteer
from bot.search.departements import DEPARTEMENTS
from bot.search.homonyms import settle_place
from bot.search.query import Place, SearchRequest, parse_request
from bot.search.regions import region_code
from bot.search.service import SearchOutcome, SearchResult, search

if TYPE_CHECKING:
    from bot.search.index import SearchIndex

__all__ = ["add_parser", "run", "search_index"]

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 10


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``search`` command to the main parser's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "search",
        help="search upcoming sessions as a learner would ask (free French or English text)",
        description="Ranked sessions for a request such as "
        '"excel pas loin de Ploërmel en mars", read from the database.',
    )
    parser.add_argument("text", help="the request, as a learner would write it")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--near", metavar="PLACE", help="commune, postal code or département")
    where.add_argument("--lat", type=float, help="latitude of a point (with --lon)")
    parser.add_argument("--lon", type=float, help="longitude of a point (with --lat)")
    parser.add_argument(
        "--radius-km", type=float, metavar="N", help="search radius (default 30, widened if empty)"
    )
    parser.add_argument(
        "--now", metavar="ISO", help='"today", e.g. 2027-01-01T09:00 (naive = Europe/Paris)'
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list, best first")
    parser.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, metavar="N", help="at most N results"
    )
    return parser


class _UsageError(Exception):
    """A bad option value; the message is printed as is."""


def _now(value: str | None, settings: Settings) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _UsageError(f"--now: not an ISO date-time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.tz)
    return moment.astimezone(UTC)


def _place(args: argparse.Namespace) -> Place | tuple[Commune, ...] | None:
    """The place of ``--near``/``--lat --lon``, or the homonyms the offer will choose among."""
    gazetteer = default_gazetteer()
    if args.lat is not None or args.lon is not None:
        if args.lat is None or args.lon is None:
            raise _UsageError("--lat and --lon go together")
        if not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
            raise _UsageError("--lat/--lon out of range")
        return Place.from_point(args.lat, args.lon)
    if not args.near:
        return None
    near = args.near.strip()
    if gazetteer.is_departement(near):
        code = near.upper()
        name = next((n for c, n in DEPARTEMENTS.values() if c == code), code)
        place = Place.from_departement(code, name, gazetteer)
        if place is not None:
            return place
    region = region_code(near)
    if region is not None:
        return Place.from_region(region[0], region[1], gazetteer)
    resolution = gazetteer.resolve(near)
    if resolution.commune is not None:
        return Place.from_commune(resolution.commune, corrected=resolution.corrected)
    if resolution.candidates:
        return tuple(resolution.candidates)  # homonyms: the offer decides (bot.search.homonyms)
    raise _UsageError(f"--near {near!r}: unknown place")


def run(args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None) -> int:
    """Run ``search`` with parsed ``args``; returns the exit code."""
    out = out or sys.stdout
    try:
        now = _now(args.now, settings)
        place = _place(args)
        if args.radius_km is not None and args.radius_km <= 0:
            raise _UsageError("--radius-km must be positive")
    except _UsageError as exc:
        print(exc, file=sys.stderr)
        return 2

    from bot.db import make_engine

    request = parse_request(args.text, now=now, tz=settings.tz, gazetteer=default_gazetteer())
    if isinstance(place, Place):
        request = request.with_place(place)
    elif place is not None:
        request = dataclasses.replace(
            request.with_place(None), place_candidates=place, place_text=args.near
        )
    engine = make_engine(settings.effective_database_url)
    try:
        index = search_index(engine, request, now=now, radius_km=args.radius_km,
                             snapshot_path=settings.search_snapshot_path)  # fmt: skip
    except SQLAlchemyError as exc:
        print(
            f"Cannot read the sessions ({exc.__class__.__name__}); "
            "is the database migrated (`python -m bot migrate`)?",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()
    request = settle_place(index, request, now=now)
    outcome = search(index, request, now=now, radius_km=args.radius_km, limit=args.limit)
    _explain(outcome, request)
    if args.json:
        json.dump(
            [_as_json(r, settings) for r in outcome.results], out, ensure_ascii=False, indent=2
        )
        out.write("\n")
    else:
        _print_text(outcome, settings, out)
    return 0


def search_index(
    engine: Engine,
    request: SearchRequest,
    *,
    now: datetime,
    radius_km: float | None = None,
    snapshot_path: Path | None = None,
) -> SearchIndex:
    """What one request is searched in, without building the whole index: with a place and
    a topic SQL can narrow, the sessions around it (a few thousand, read in SQL); else (the
    topic's patterns may match half the offer, or a broad topic most of a place's 100 km)
    the bot's saved index when it is still current (:mod:`bot.search.snapshot`, 0.5 s).
    Both rank as the bot does."""
    from bot.search import snapshot
    from bot.search.prefilter import prefiltered_index, topic_narrows

    if snapshot_path is not None and (request.place is None or not topic_narrows(request)):
        saved = snapshot.load(snapshot_path, engine, now=now)
        if saved is not None:
            return saved
    return prefiltered_index(engine, request, now=now, radius_km=radius_km)


def _explain(outcome: SearchOutcome, request: SearchRequest) -> None:
    """What the bot would say besides the list, on stderr (stdout stays machine-readable)."""
    if outcome.unknown_place:
        print(f"Unknown place: {outcome.unknown_place!r}.", file=sys.stderr)
    elif outcome.place_candidates:
        choices = ", ".join(c.label for c in outcome.place_candidates)
        print(f"Which place? {choices} (use --near).", file=sys.stderr)
    elif outcome.no_topic_match:
        print(f"Nothing in the catalogue matches {request.topic!r}.", file=sys.stderr)
    if outcome.widened:
        print(f"Nothing closer: radius widened to {outcome.radius_km:g} km.", file=sys.stderr)
    for typed, understood in outcome.corrections:
        print(f"Understood {typed!r} as {understood!r}.", file=sys.stderr)


def _as_json(result: SearchResult, settings: Settings) -> dict[str, object]:
    doc = result.session
    return {
        "session_id": doc.external_id,
        "title": doc.title,
        "organisation": doc.organisation,
        "city": doc.space.city,
        "space": doc.space.name,
        "distance_km": result.distance_km,
        "start": doc.starts_at.astimezone(settings.tz).isoformat(),
        "end": doc.ends_at.astimezone(settings.tz).isoformat(),
        "score": result.score,
        "seats_left": result.seats_left,
        "full": result.full,
        "other_dates": result.other_dates,
        "modality": doc.modality,
        "price_eur": doc.price_eur,
        "cpf": doc.cpf,
    }


def _print_text(outcome: SearchOutcome, settings: Settings, out: TextIO) -> None:
    where = ""
    if outcome.place is not None:
        where = f" near {outcome.place.label}"
        if outcome.radius_km is not None:
            where += f" within {outcome.radius_km:g} km"
    topic = ", ".join(outcome.concepts) or outcome.request.topic or "any topic"
    print(f"{outcome.total} result(s) for {topic}{where}", file=out)
    for n, result in enumerate(outcome.results, 1):
        doc = result.session
        distance = f", {result.distance_km:g} km" if result.distance_km is not None else ""
        seats = "full (waitlist)" if result.full else f"{result.seats_left} seat(s) left"
        others = f" · +{result.other_dates} other date(s)" if result.other_dates else ""
        start = doc.starts_at.astimezone(settings.tz).strftime("%a %d %b %Y %H:%M")
        print(f"{n:2}. {doc.title} [{doc.external_id}]", file=out)
        print(f"    {doc.organisation} · {doc.space.city}{distance} · {start}", file=out)
        print(f"    {seats}{others} · score {result.score:.2f}", file=out)
