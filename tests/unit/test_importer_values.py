"""Cell parsers of the importer: dates in Paris time, seats, prices, words, URLs, postcodes,
Telegram user ids."""

from datetime import UTC, datetime

import pytest

from bot.importer import values as v
from bot.importer.problems import BadValue


def _code(parse, *args) -> str:
    with pytest.raises(BadValue) as caught:
        parse(*args)
    return caught.value.code


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2027-03-02 09:00", datetime(2027, 3, 2, 8, 0, tzinfo=UTC)),
        ("02/03/2027 09:00", datetime(2027, 3, 2, 8, 0, tzinfo=UTC)),
        ("2/3/2027 9h30", datetime(2027, 3, 2, 8, 30, tzinfo=UTC)),
        ("2027-03-02T09:00:00+01:00", datetime(2027, 3, 2, 8, 0, tzinfo=UTC)),
        ("2027-03-02T08:00:00Z", datetime(2027, 3, 2, 8, 0, tzinfo=UTC)),
        (" 2027-06-02 09:00 ", datetime(2027, 6, 2, 7, 0, tzinfo=UTC)),  # summer: UTC+2
        # 02:30 does not exist on 28 March 2027 (clocks jump 02:00 → 03:00): fold=0 reads it
        # with the winter offset, i.e. 03:30 summer time.
        ("2027-03-28 02:30", datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
        # 02:30 happens twice on 31 October 2027: the first one (summer time) is meant.
        ("2027-10-31 02:30", datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
    ],
)
def test_dates_are_paris_wall_time_or_explicit_offsets(text, expected_utc) -> None:
    parsed = v.moment(text)
    assert parsed == expected_utc
    assert parsed.tzinfo is UTC


def test_spreadsheet_datetime_cells_are_paris_time() -> None:
    assert v.moment(datetime(2027, 3, 2, 9, 0)) == datetime(2027, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31/02/2027 09:00", "bad_datetime"),
        ("demain", "bad_datetime"),
        ("2027-13-01 09:00", "bad_datetime"),
        ("2027-03-30 25:00", "bad_datetime"),
        ("2027-03-02", "no_time"),
        ("02/03/2027", "no_time"),
    ],
)
def test_unparseable_dates(text, code) -> None:
    assert _code(v.moment, text) == code


def test_shifting_days_keeps_the_wall_clock_across_daylight_saving() -> None:
    start = v.moment("2027-03-25 09:00")  # winter time
    assert v.shift_days(start, 7).astimezone(v.PARIS).strftime("%Y-%m-%d %H:%M") == (
        "2027-04-01 09:00"
    )


@pytest.mark.parametrize(("cell", "expected"), [("12", 12), (" 8 ", 8), (12.0, 12), (9, 9)])
def test_seats(cell, expected) -> None:
    assert v.seats(cell) == expected


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("douze", "seats_invalid"),
        ("12.5", "seats_invalid"),
        (True, "seats_invalid"),
        ("0", "seats_too_low"),
        ("-3", "seats_too_low"),
        ("100000", "seats_too_high"),
    ],
)
def test_bad_seats(cell, code) -> None:
    assert _code(v.seats, cell) == code


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("89,50", 89.5),
        ("89.50", 89.5),
        ("1 200,00 €", 1200.0),
        ("1.200,50", 1200.5),
        (0, 0.0),
        ("gratuit", 0.0),
        (260, 260.0),
    ],
)
def test_prices(cell, expected) -> None:
    assert v.price(cell) == expected


def test_bad_prices() -> None:
    assert _code(v.price, "cher") == "price_invalid"
    assert _code(v.price, "-10") == "price_out_of_range"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("oui", True),
        ("Non", False),
        ("yes", True),
        ("no", False),
        ("TRUE", True),
        ("false", False),
        ("1", True),
        ("0", False),
        (True, True),
        (0, False),
    ],
)
def test_yes_no(cell, expected) -> None:
    assert v.yes_no(cell) is expected


def test_bad_yes_no() -> None:
    assert _code(v.yes_no, "peut-être") == "bool_invalid"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("presentiel", "presentiel"),
        ("Présentiel", "presentiel"),
        ("mixte", "blended"),
        ("hybride", "blended"),
        ("à distance", "distanciel"),
        ("DISTANCIEL", "distanciel"),
    ],
)
def test_modalities(cell, expected) -> None:
    assert v.modality(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("scheduled", "scheduled"),
        ("cancelled", "cancelled"),
        ("Annulée", "cancelled"),
        ("annule", "cancelled"),
        ("prévue", "scheduled"),
    ],
)
def test_statuses(cell, expected) -> None:
    assert v.status(cell) == expected


def test_unknown_words_are_refused() -> None:
    assert _code(v.modality, "par pigeon") == "modality_invalid"
    assert _code(v.status, "reportée") == "status_invalid"


def test_urls_must_be_http() -> None:
    assert v.url("https://example.org/a", 500) == "https://example.org/a"
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "example.org", "http:// x"):
        assert _code(v.url, bad, 500) == "url_invalid"


def test_postcodes_recover_the_leading_zero_spreadsheets_drop() -> None:
    assert v.postcode("56800") == "56800"
    assert v.postcode(1000) == "01000"
    assert v.postcode("1000") == "01000"
    assert v.postcode("56 800") == "56800"
    assert _code(v.postcode, "ABCDE") == "postcode_invalid"


def test_text_is_trimmed_and_limited() -> None:
    assert v.text("  Excel  ") == "Excel"
    assert _code(v.text, "x" * 301, 300) == "too_long"


def test_topics_are_split_on_semicolons_and_deduplicated() -> None:
    assert v.topics(" excel ; tableur;;Excel; bureautique ", 1000) == "excel;tableur;bureautique"
    assert v.topics(["excel", "tableur"], 1000) == "excel;tableur"


def test_formula_like_text_is_kept_and_neutralised_only_for_exports() -> None:
    for text in ('=HYPERLINK("http://x","y")', "+33 2 97", "-10 %", "@user", "=1+1"):
        assert v.text(text) == text
        assert v.spreadsheet_safe(text) == "'" + text
    assert v.spreadsheet_safe("Excel") == "Excel"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("900001", 900001), (" 900 001 ", 900001), (900001, 900001), (900001.0, 900001),
     ("900001.0", 900001), ("\u202f123\u202f456\u202f789", 123456789)],
)  # fmt: skip
def test_telegram_user_ids(value, expected) -> None:
    assert v.telegram_user_id(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [("@anne_legall", "telegram_id_username"), ("0", "telegram_id_invalid"),
     ("-1001234567", "telegram_id_invalid"), ("+33612345678", "telegram_id_invalid"),
     ("12.5", "telegram_id_invalid"), (12.5, "telegram_id_invalid"),
     ("9.00001E+5", "telegram_id_invalid"), ("anne", "telegram_id_invalid"),
     (True, "telegram_id_invalid"), (2**52, "telegram_id_invalid")],
)  # fmt: skip
def test_bad_telegram_user_ids(value, code) -> None:
    assert _code(v.telegram_user_id, value) == code
