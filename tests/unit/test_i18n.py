"""Catalogs: same keys and placeholders in French and English; dates and plurals via Babel."""

import string
import tomllib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import LANGUAGES, LOCALES_DIR, Translator, load_catalog, pick_language

PLURAL_FORMS = {"zero", "one", "two", "few", "many", "other"}


def _placeholders(entry) -> set[str]:
    texts = entry.values() if isinstance(entry, dict) else [entry]
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogs_have_the_same_keys() -> None:
    fr, en = load_catalog("fr"), load_catalog("en")
    assert sorted(set(fr) - set(en)) == []
    assert sorted(set(en) - set(fr)) == []


def _tables_by_file(language: str) -> dict[str, dict]:
    return {
        path.name: tomllib.loads(path.read_text(encoding="utf-8"))
        for path in sorted((LOCALES_DIR / language).glob("*.toml"))
    }


def test_each_text_sits_in_the_same_feature_file_in_both_languages() -> None:
    fr, en = _tables_by_file("fr"), _tables_by_file("en")
    assert sorted(fr) == sorted(en)
    for name in fr:
        assert _leaf_keys(fr[name]) == _leaf_keys(en[name]), name


def _leaf_keys(node: dict, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in node.items():
        if isinstance(value, dict) and not set(value) <= PLURAL_FORMS:
            keys |= _leaf_keys(value, f"{prefix}{key}.")
        else:
            keys.add(prefix + key)
    return keys


def test_each_file_opens_with_a_comment_naming_its_feature() -> None:
    for language in LANGUAGES:
        for path in (LOCALES_DIR / language).glob("*.toml"):
            assert path.read_text(encoding="utf-8").startswith("# "), path


def test_catalogs_have_the_same_placeholders() -> None:
    fr, en = load_catalog("fr"), load_catalog("en")
    mismatched = [k for k in fr if _placeholders(fr[k]) != _placeholders(en[k])]
    assert mismatched == []


@pytest.mark.parametrize(
    ("code", "expected"), [(None, "fr"), ("fr", "fr"), ("en", "en"), ("en-GB", "en"), ("de", "fr")]
)
def test_language_from_telegram(code, expected) -> None:
    assert pick_language(code) == expected


def test_french_dates_in_paris_time_across_daylight_saving() -> None:
    t = Translator("fr", ZoneInfo("Europe/Paris"))
    assert t.datetime(datetime(2027, 3, 4, 13, 0, tzinfo=UTC)) == "jeudi 4 mars à 14:00"
    # After the last Sunday of March, Paris is UTC+2.
    assert t.datetime(datetime(2027, 3, 29, 12, 0, tzinfo=UTC)) == "lundi 29 mars à 14:00"


def test_english_dates() -> None:
    t = Translator("en", ZoneInfo("Europe/Paris"))
    assert t.datetime(datetime(2027, 3, 4, 13, 0, tzinfo=UTC)) == "Thursday 4 March at 14:00"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_renders(language) -> None:
    t = Translator(language, ZoneInfo("Europe/Paris"))
    for key, entry in load_catalog(language).items():
        values = {name: "x" for name in _placeholders(entry)}
        if isinstance(entry, dict):
            values["count"] = 2
        assert t(key, **values)


def _emoji_count(text: str) -> int:
    import unicodedata

    return sum(
        1
        for char in text
        if unicodedata.category(char) == "So"
        and (
            0x2600 <= ord(char) <= 0x27BF or ord(char) >= 0x1F000 or 0x23E9 <= ord(char) <= 0x23FA
        )
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_at_most_one_emoji_per_text(language) -> None:
    """Plain language for everyone: an emoji may mark a message, never decorate every line."""
    crowded = [
        key
        for key, entry in load_catalog(language).items()
        for text in (entry.values() if isinstance(entry, dict) else [entry])
        if _emoji_count(text) > 1
    ]
    assert crowded == []


def test_elision_is_the_catalogs_own_never_inside_an_inserted_value() -> None:
    t = Translator("fr", ZoneInfo("Europe/Paris"))
    title = "Initiation de Excel"  # as the organisation wrote it: shown as written
    assert t("enrol.done", title=title, when="mardi", reminder="").startswith(
        "C'est fait : vous êtes inscrit·e à <b>Initiation de Excel</b>, mardi."
    )
    assert t("search.around", place="Saint-Jean de Ouest") == "autour de Saint-Jean de Ouest"
    # The catalog's own "de" right before a value elides, through the value's opening tags.
    assert t("search.around", place="Élancourt") == "autour d'Élancourt"
    assert t("search.around", place="<b>Augan</b>") == "autour d'<b>Augan</b>"
    assert t("search.around", place="") == "autour de "
    assert t("enrol.done", title="Anglais", when="mardi", reminder="").startswith(
        "C'est fait : vous êtes inscrit·e à <b>Anglais</b>"
    )
    english = Translator("en", ZoneInfo("Europe/Paris"))
    assert english("search.around", place="Augan de Excel") == "around Augan de Excel"


def test_french_elides_de_before_a_vowel_and_writes_the_first_as_1er() -> None:
    t = Translator("fr", ZoneInfo("Europe/Paris"))
    assert t("search.around", place="Augan") == "autour d'Augan"
    assert t("search.around", place="Ploërmel") == "autour de Ploërmel"
    assert t("search.around", place="Haute-Loire") == "autour de Haute-Loire"  # h aspiré
    assert t.datetime(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) == "mardi 1er décembre à 14:00"
    assert t.date(datetime(2026, 12, 11, 13, 0, tzinfo=UTC)) == "vendredi 11 décembre"
    english = Translator("en", ZoneInfo("Europe/Paris"))
    assert (
        english.datetime(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) == "Tuesday 1 December at 14:00"
    )
