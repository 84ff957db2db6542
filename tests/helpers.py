"""Helpers for assertions on what a person sees."""

import html
import re


def plain(html_text: str) -> str:
    """A catalog text as displayed by Telegram: tags removed, entities unescaped."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))
