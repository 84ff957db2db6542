"""The language of a first sentence, when Telegram does not say."""

import pytest

from bot.language_guess import guess_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm looking for an Excel course near Rennes", "en"),
        ("I need help with English", "en"),
        ("je cherche une formation excel à Ploërmel", "fr"),
        ("secourisme autour de Mauron", "fr"),
        ("Je voudrais apprendre l’anglais", "fr"),
        ("excel", None),  # one word says nothing
        ("Redon", None),
        ("👍", None),
        ("", None),
    ],
)
def test_guess(text: str, expected: str | None) -> None:
    assert guess_language(text) == expected
