"""Messages that name no topic at all: "merci !", "ok", "👍", "?!", "'; DROP TABLE users; --".

Such a message is not a request: asking "around which town?" would only puzzle the learner,
who gets the short help on what to write instead (``search.need_topic``). A message naming a
place ("Ploërmel") is a request still: the topic is asked, or the place remembered.
"""

from __future__ import annotations

import re

from bot.search.query import SearchRequest
from bot.search.topics import TopicTable, default_topics, stem

__all__ = ["CHATTER_WORDS", "is_chatter"]

# Words of thanks, agreement, greeting or laughter, French and English (normalised).
_CHATTER_TEXT = """
    ok okay oki okk dac daccord accord merci mercii thanks thank thx ty cool super top
    parfait genial nickel bravo bien tres yes no yep nope oui non ouais salut hello hi hey
    coucou bonjour bonsoir bye ciao lol mdr ptdr haha hahaha ahah test tests allo ca va
    comment vas tu good great nice please stp svp xd lot much beaucoup infiniment
"""
CHATTER_WORDS = frozenset(_CHATTER_TEXT.split())
# What code or a query language looks like, never a French request: ; -- /* {} <> = ` |
# (two of them: "excel; word" is a list), or an SQL statement ("SELECT * FROM sessions").
_CODE_RE = re.compile(r"[;{}<>=`|\\]|--|/\*")
_SQL_RE = re.compile(
    r"^\W*(?:select|drop|insert|delete|update|union|truncate|alter)\b.*"
    r"\b(?:from|table|into|set|where|select)\b",
    re.IGNORECASE | re.DOTALL,
)


def is_chatter(request: SearchRequest, topics: TopicTable | None = None) -> bool:
    """Whether ``request`` names no place and no word of a topic (see the module docstring).

    Code-looking text is chatter; otherwise a word of the topic table ("excel", "anglais")
    makes it a request, and only words of thanks or greeting are chatter.
    """
    if request.place or request.place_candidates or request.unknown_place:
        return False
    words = request.topic_words
    if not words or len(_CODE_RE.findall(request.text)) >= 2 or _SQL_RE.search(request.text):
        return True
    vocabulary = (topics or default_topics()).vocabulary
    if any(stem(w) in vocabulary for w in words):
        return False
    return all(w in CHATTER_WORDS or len(w) < 2 or w.isdigit() for w in words)
