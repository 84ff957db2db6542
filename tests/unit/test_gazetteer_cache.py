"""The gazetteer's saved copy (bot/gazetteer/cache.py): the same answers as the CSV's, a new
file whenever the data changes, and never an error when it cannot be used."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.gazetteer import DEFAULT_PATH, Gazetteer, cache

SENTENCES = [
    "une formation excel pas loin de Ploërmel en mars",
    "formation à Saint-Martin 32",
    "anglais josslin",
    "caces autour de Ploermell",
    "pas trop loin de Entraygues-sur-Truyère le matin",
    "bureautique près de 56800",
]


@pytest.fixture(scope="module")
def fresh() -> Gazetteer:
    return Gazetteer.load()


def test_the_saved_copy_answers_as_the_csv(tmp_path: Path, fresh: Gazetteer) -> None:
    key = cache.cache_key(DEFAULT_PATH)
    assert cache.load_cached(key, tmp_path) is None
    cache.save(fresh, key, tmp_path)
    saved = cache.load_cached(key, tmp_path)
    assert saved is not None and saved is not fresh
    assert len(saved) == len(fresh) == 34_873
    for sentence in SENTENCES:
        assert saved.find_in_text(sentence) == fresh.find_in_text(sentence), sentence
    assert saved.resolve("Moron") == fresh.resolve("Moron")  # the typo indexes work too
    assert saved.by_postcode("56800") == fresh.by_postcode("56800")


def test_changed_data_is_a_new_key_and_old_copies_go(tmp_path: Path, fresh: Gazetteer) -> None:
    data = tmp_path / "communes.csv"
    shutil.copy(DEFAULT_PATH, data)
    before = cache.cache_key(data)
    cache.save(fresh, before, tmp_path)
    with data.open("a", encoding="utf-8") as out:
        out.write("\n")
    after = cache.cache_key(data)
    assert after != before
    assert cache.load_cached(after, tmp_path) is None
    cache.save(fresh, after, tmp_path)
    assert [p.name for p in tmp_path.glob("gazetteer-*.pickle")] == [f"gazetteer-{after}.pickle"]


def test_an_unreadable_copy_is_ignored_and_an_unwritable_place_is_no_error(
    tmp_path: Path, fresh: Gazetteer, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "gazetteer-k.pickle").write_bytes(b"not a pickle")
    assert cache.load_cached("k", tmp_path) is None
    assert "unreadable" in caplog.text
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    cache.save(fresh, "k", blocked / "var")  # its parent is a file: cannot be created
    assert not (blocked.parent / "var").exists()
    # Nothing half-written is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "gazetteer-k.pickle"]
