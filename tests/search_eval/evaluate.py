"""Run an evaluation file (requests.toml format) over the sample data and report.

``python -m tests.search_eval.evaluate [FILE]`` prints every request with its first result
and a summary; the test suite calls :func:`evaluate` and asserts on the rates.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.gazetteer import default_gazetteer, haversine_km, normalize
from bot.search.homonyms import settle_place
from bot.search.index import SearchIndex
from bot.search.query import Place, parse_request
from bot.search.service import SearchOutcome, search
from tests.search_eval.sample import PARIS, SAMPLE_NOW, sample_sessions

HERE = Path(__file__).resolve().parent
REQUESTS = HERE / "requests.toml"
HELD_OUT = HERE / "held_out.toml"


@dataclass
class Report:
    """Outcome of one evaluation file."""

    passed: int = 0
    total: int = 0
    off_topic_passed: int = 0
    off_topic_total: int = 0
    failures: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 1.0

    @property
    def off_topic_rate(self) -> float:
        return self.off_topic_passed / self.off_topic_total if self.off_topic_total else 1.0


@lru_cache(maxsize=1)
def sample_index() -> SearchIndex:
    return SearchIndex(sample_sessions())


def run(text: str, near: str | None = None) -> SearchOutcome:
    """Parse and search one request over the sample, as the bot would.

    When the place is still ambiguous (nothing separates the homonyms) the bot asks; the learner
    then picks their town, which the case names in ``near``.
    """
    request = parse_request(text, now=SAMPLE_NOW, tz=PARIS, gazetteer=default_gazetteer())
    # As the bot does: among homonyms, the commune with sessions in reach (bot.search.homonyms).
    request = settle_place(sample_index(), request, now=SAMPLE_NOW)
    outcome = search(sample_index(), request, now=SAMPLE_NOW)
    if outcome.place_candidates and near:
        wanted = default_gazetteer().resolve(near).commune
        picked = next((c for c in outcome.place_candidates if c == wanted), None)
        if picked is not None:
            outcome = search(
                sample_index(), request.with_place(Place.from_commune(picked)), now=SAMPLE_NOW
            )
    return outcome


def _has(text: str, keyword: str) -> bool:
    return f" {normalize(keyword)} " in f" {text} "


def check(case: dict[str, Any], outcome: SearchOutcome) -> str | None:
    """Why the first result is not acceptable, or None when it is."""
    if case.get("expect_empty"):
        return None if not outcome.results else "expected nothing"
    if not outcome.results:
        return "no result"
    first = outcome.results[0]
    doc = first.session
    text = normalize(f"{doc.title} ; {doc.topics.replace(';', ' ; ')}")
    if not any(_has(text, k) for k in case["accept"]):
        return f"none of {case['accept']} in the first result"
    missing = [k for k in case.get("also", []) if not _has(text, k)]
    if missing:
        return f"{missing} missing in the first result"
    if "near" in case:
        gaz = default_gazetteer()
        commune = gaz.resolve(case["near"]).commune
        assert commune is not None, case["near"]
        # The town must have been understood, not only a result that happens to be close.
        place = outcome.place
        if place is None:
            return f"no place understood (expected {case['near']})"
        if place.kind == "commune" and place.insee != commune.insee:
            return f"understood {place.label}, not {commune.label}"
        km = haversine_km(
            commune.latitude, commune.longitude, doc.space.latitude, doc.space.longitude
        )
        if km > case["max_km"]:
            return f"{km:.0f} km from {case['near']} (max {case['max_km']})"
    local = doc.starts_at.astimezone(PARIS)
    checks = {
        "month": lambda v: local.month == v,
        "weekday": lambda v: local.weekday() == v,
        "evening": lambda v: (local.hour >= 17) == v,
        "after": lambda v: local.date() >= date.fromisoformat(v),
        "before": lambda v: local.date() < date.fromisoformat(v),
        "modality": lambda v: doc.modality in v,
        "cpf": lambda v: doc.cpf == v,
        "free": lambda v: ((doc.price_eur or 0) == 0) == v,
    }
    for name, ok in checks.items():
        if name in case and not ok(case[name]):
            return f"{name} should be {case[name]!r}"
    return None


def _describe(outcome: SearchOutcome) -> str:
    if not outcome.results:
        flags = [
            name
            for name in ("no_topic_match", "needs_place", "unknown_place", "place_candidates")
            if getattr(outcome, name)
        ]
        return f"(nothing; {', '.join(flags) or 'no session in reach'})"
    first = outcome.results[0]
    doc = first.session
    where = f"{doc.space.city}" + (
        f" {first.distance_km} km" if first.distance_km is not None else ""
    )
    return (
        f"{doc.external_id} {doc.title[:55]} | {where} | "
        f"{doc.starts_at.astimezone(PARIS):%Y-%m-%d %H:%M} | score {first.score:.2f}"
    )


def evaluate(path: Path = REQUESTS) -> Report:
    """Evaluate every request and off-topic request of ``path``."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    report = Report()
    for case in data.get("request", []):
        outcome = run(case["text"], case.get("near"))
        problem = check(case, outcome)
        report.total += 1
        report.passed += problem is None
        line = f"{'ok  ' if problem is None else 'FAIL'} {case['text']!r} → {_describe(outcome)}"
        if problem:
            line += f"  [{problem}]"
            report.failures.append(line)
        report.lines.append(line)
    for case in data.get("off_topic", []):
        outcome = run(case["text"])
        report.off_topic_total += 1
        ok = not outcome.results
        report.off_topic_passed += ok
        line = f"{'ok  ' if ok else 'FAIL'} off-topic {case['text']!r} → {_describe(outcome)}"
        if not ok:
            report.failures.append(line)
        report.lines.append(line)
    return report


def main(argv: list[str]) -> int:
    for path in [Path(a) for a in argv] or [REQUESTS]:
        report = evaluate(path)
        print("\n".join(report.lines))
        print(
            f"{path.name}: {report.passed}/{report.total} acceptable first results "
            f"({report.rate:.0%}), off-topic {report.off_topic_passed}/{report.off_topic_total}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
