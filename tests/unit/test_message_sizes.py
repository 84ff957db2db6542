"""Every catalog text fits in one Telegram message (4,096 characters once the HTML is
parsed), rendered with the worst values the data allows: the longest titles, names, ids,
addresses and notes the database stores, and huge counts."""

import string

import pytest

from bot.i18n import LANGUAGES, load_catalog, translator
from tests.helpers import plain

TELEGRAM_LIMIT = 4096
TITLE = "É" * 300  # TrainingSession.title, Alert.query: 300
NAME = "N" * 200  # names of users, spaces, organisations, tutors: 200
# Placeholders whose worst value is longer than a title, each bounded where it is built:
# the card's description (MAX_DESCRIPTION), a learner's note (MAX_MESSAGE), the card's
# details block, an import problem's value and line, links and ids.
WORST = {
    "description": "D" * 1000,
    "message": "M" * 1000,
    "details": "d" * 1000,
    "url": "u" * 500,
    "link": "l" * 500,
    "value": "v" * 300,
    "id": "i" * 300,
    "ids": "i" * 300,
    "path": "p" * 500,
    "name": NAME,
    "learner": NAME,
    "tutor": NAME,
    "organisation": NAME,
    "who": NAME,
}


def _placeholders(entry) -> set[str]:
    texts = entry.values() if isinstance(entry, dict) else [entry]
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_fits_in_a_message_with_the_worst_values(language) -> None:
    t = translator(language)
    too_long = {}
    for key, entry in load_catalog(language).items():
        values: dict[str, object] = {name: WORST.get(name, TITLE) for name in _placeholders(entry)}
        if isinstance(entry, dict):
            values["count"] = 999_999_999
        size = len(plain(t(key, **values)))
        if size > TELEGRAM_LIMIT:
            too_long[key] = size
    assert too_long == {}
