"""A French phonetic key for place names: "Moron" sounds like Mauron, "Josslin" like Josselin.

No maintained French phonetic library fits (``pyphonetics`` has no French algorithm,
``abydos`` is large and unmaintained), so this is **Phonex**, by Frédéric Brouard (1997,
published in *SQL Pro* and at https://sqlpro.developpez.com/cours/soundex/, "Le phonex"),
a Soundex for French that keeps the vowel sounds. Its steps, in order, on an upper-case
name without accents:

1. ``Y`` → ``I``; 2. ``H`` dropped unless after ``C``, ``S`` or ``P``; 3. ``PH`` → ``F``;
4. ``GAN GAM GAIN GAIM`` → ``KAN KAM KAIN KAIM``;
5. ``AIN EIN AIM EIM`` before a vowel → ``YN`` (the vowel kept);
6. ``EAU`` → ``O``, ``OUA`` → ``2``, ``EIN AIN EIM AIM`` → ``4``;
7. ``É È Ê AI EI`` → ``Y``, ``ER ESS ET`` → ``YR YS YT``;
8. ``AN AM EN EM`` not before a vowel or a digit → ``1``, ``IN`` likewise → ``4``;
9. ``S`` between two vowels (or digits standing for vowels) → ``Z``;
10. ``OE EU`` → ``E``, ``AU`` → ``O``, ``OI OY`` → ``3``, ``OU`` → ``2``;
11. ``CH SCH SH`` → ``5``, ``SS SC`` (before ``E``/``I``) → ``S``, ``C`` before ``E``/``I``
    → ``S``, ``C`` → ``K``, ``QU Q GU`` → ``K``, ``GA GO GY`` → ``KA KO KI``;
12. ``A`` → ``O``, ``D P`` → ``T``, ``J`` → ``G``, ``B V`` → ``F``, ``M`` → ``N``;
13. doubled letters → one; 14. a final ``T`` or ``X`` dropped.

Brouard then packs the first letters into a base-22 float to sort on; we keep the string
itself (the same information, and it can be compared by edit distance). Two additions,
both French spelling rules that Phonex leaves to its float's rounding, are applied first:
a final mute ``E``/``ES`` and a final ``S`` are dropped ("Ploërmelle" sounds like "Ploërmel").

Spaces and hyphens split words: each word gets its key, joined by a space.
"""

from __future__ import annotations

import re

_VOWELS = "AEIOUY1234"
# Phonex's steps (numbered as in the module docstring): plain replacements where no context
# matters (str.replace and str.translate are ~10x faster than regular expressions, and every
# commune is keyed at load), regular expressions where it does.
_Step = tuple[re.Pattern[str], str] | tuple[str, str]


def _re(pattern: str, replacement: str) -> tuple[re.Pattern[str], str]:
    return re.compile(pattern), replacement


_STEPS: tuple[_Step, ...] = (
    _re(r"(?<=[^AEIOU])ES?$", ""),  # mute final E, ES (addition)
    _re(r"(?<=.)S$", ""),  # mute final S (addition)
    ("Y", "I"),  # 1
    _re(r"(?<![CSP])H", ""),  # 2
    ("PH", "F"),  # 3
    _re(r"G(?=AI?[NM])", "K"),  # 4
    _re(r"[AE]I[NM](?=[AEIOU])", "YN"),  # 5
    ("EAU", "O"),  # 6
    ("OUA", "2"),
    _re(r"[AE]I[NM]", "4"),
    _re(r"AI|EI|E(?=R|SS|T)", "Y"),  # 7
    _re(r"[AE][NM](?![AEIOU1234NM])", "1"),  # 8
    _re(r"IN(?![AEIOU1234N])", "4"),
    _re(rf"(?<=[{_VOWELS}])S(?=[{_VOWELS}])", "Z"),  # 9
    ("OE", "E"),  # 10
    ("EU", "E"),
    ("AU", "O"),
    ("OI", "3"),
    ("OY", "3"),
    ("OU", "2"),
    _re(r"S?CH|SH", "5"),  # 11
    _re(r"SS|SC(?=[EI])|C(?=[EI])", "S"),
    _re(r"QU|Q|GU(?=[EI])|C|G(?=[AOU])", "K"),
)
# 12: A → O, D P → T, J → G, B V → F, M → N.
_LETTERS = str.maketrans("ADPJBVM", "OTTGFFN")
_DOUBLED = re.compile(r"(.)\1+")  # 13
_FINAL = re.compile(r"(?<=.)[TX]$")  # 14
_WORD_RE = re.compile(r"[A-Z]+")


def _word_key(word: str) -> str:
    for old, new in _STEPS:
        word = word.replace(old, new) if isinstance(old, str) else old.sub(new, word)
    word = _DOUBLED.sub(r"\1", word.translate(_LETTERS))
    return _FINAL.sub("", word)


def phonex(normalized: str) -> str:
    """The Phonex key of a normalized name (see :func:`bot.gazetteer.normalize`).

    >>> phonex("mauron") == phonex("moron")
    True
    >>> phonex("ploermel") == phonex("ploermelle")
    True
    """
    return " ".join(_word_key(w) for w in _WORD_RE.findall(normalized.upper()))
