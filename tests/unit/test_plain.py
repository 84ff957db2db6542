"""A result list is stored as plain JSON and read back equal (it survives a restart)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.gazetteer import default_gazetteer
from bot.search.browse import Browse
from bot.search.query import SearchRequest, parse_request

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "excel à Ploërmel en mars le mardi matin",
        "excel Saint-Denis",  # homonyms to choose from
        "caces 56 à distance éligible cpf",
        "yoga Tataouine",
        "anglais",
    ],
)
def test_a_result_list_reads_back_equal_from_json(text: str) -> None:
    request = parse_request(
        text, now=NOW, tz=ZoneInfo("Europe/Paris"), gazetteer=default_gazetteer()
    )
    browse = Browse(request, radius_km=50.0, month_offset=1, modality="presentiel", page=2)
    stored = json.loads(json.dumps(browse.to_dict()))
    assert Browse.from_dict(stored) == browse


@pytest.mark.parametrize(
    "stored",
    [None, {}, {"request": {"text": 3}}, {"request": {"text": "x"}, "page": "2"}, [1, 2]],
)
def test_stored_data_that_no_longer_fits_is_dropped(stored: object) -> None:
    assert Browse.from_dict(stored) is None


def test_a_missing_field_takes_its_default() -> None:
    assert Browse.from_dict({"request": {"text": "excel"}}) == Browse(SearchRequest("excel"))
