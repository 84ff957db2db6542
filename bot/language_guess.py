"""A cheap guess of the language a sentence is written in, French or English.

Used only when Telegram does not say (no `language_code`, or one the bot does not speak) and
the person never chose a language with /langue. Counting common function words is enough to
tell "I'm looking for an Excel course near Rennes" from "je cherche un cours d'Excel": a
single word ("Excel", "Redon") or a place name says nothing, so no guess is made.
"""

from __future__ import annotations

import re

_ENGLISH_WORDS = (
    "i i'm im i'd i'll me my you your we our the a an and or of for to in on at near with "
    "is are am was be looking want need would like course courses training class lesson "
    "learn learning how what where when which there this that any some please can could "
    "find around from next week month help hello hi thanks"
)
_FRENCH_WORDS = (
    "je j'ai j me moi mon ma mes tu vous nous le la les l un une des du de d et ou pour à "
    "au aux en dans sur avec près est sont suis cherche cherchons voudrais veux formation "
    "formations cours atelier apprendre comment quoi où quand quel quelle il elle y a ce "
    "cette ça pas bonjour merci semaine mois prochain prochaine autour"
)
ENGLISH = frozenset(_ENGLISH_WORDS.split())
FRENCH = frozenset(_FRENCH_WORDS.split())
WORD = re.compile(r"[a-zàâçéèêëîïôûùüÿœ']+")
MIN_EVIDENCE = 2  # words of one language, and more than twice those of the other


def guess_language(text: str) -> str | None:
    """ "en" or "fr" when the sentence clearly reads as one of them, else None."""
    words = WORD.findall(text.casefold().replace("’", "'"))
    english = sum(word in ENGLISH for word in words)
    french = sum(word in FRENCH for word in words)
    if english >= MIN_EVIDENCE and english > 2 * french:
        return "en"
    if french >= MIN_EVIDENCE and french > 2 * english:
        return "fr"
    return None
