"""The place of a request: a commune, a département ("dans le 56", "en Haute-Vienne"), or an
unknown name after a place preposition ("près de Tataouine").

Each finder looks only at the free words of a :class:`~bot.search.request_words.RequestWords`.
"""

from __future__ import annotations

from bot.gazetteer import Commune, Gazetteer, normalize
from bot.search.departements import COMMON_WORD_NAMES, DEPARTEMENTS, MAX_WORDS
from bot.search.regions import MAX_WORDS as REGION_MAX_WORDS
from bot.search.regions import REGIONS
from bot.search.request_words import RequestWords
from bot.search.topics import STOP_WORDS, TopicTable, stem

# (code, name, first word, end word) of a département found in the request.
DepartementSpan = tuple[str, str, int, int]

_DEPT_LEAD = (("dans", "le"), ("dans", "la"), ("dans", "les"), ("dans", "l"), ("en",),
              ("sur", "le"), ("du",), ("departement",), ("dept",), ("dpt",), ("dep",),
              ("in",))  # fmt: skip
_DEPT_STRONG_LEAD = tuple(
    lead for lead in _DEPT_LEAD if lead[0] in ("dans", "departement", "dept")
)
_REGION_LEADS = frozenset({"region", "la"})  # "région Bretagne", "dans la région Normandie"
# Numbers that are quantities, not départements: "14 h", "10 places", "50 euros".
_UNITS_TEXT = """
    h heure heures hrs min minute minutes jour jours j semaine semaines mois an ans annee annees
    euro euros eur e k km kms place places personne personnes pers stagiaire stagiaires
    participant participants eleve eleves pourcent pct fois ieme eme er
"""
_UNIT_WORDS = frozenset(_UNITS_TEXT.split())
_NUMBER_CONTEXT_TEXT = (
    "psc categorie categories cat niveau level r module tome partie version office"
)
_NUMBER_CONTEXT = frozenset(_NUMBER_CONTEXT_TEXT.split())
_PLACE_PREPOSITIONS = (("pres", "de"), ("pres", "du"), ("pres", "d"), ("pres", "des"),
                       ("pas", "loin", "de"), ("pas", "loin", "d"), ("pas", "loin", "du"),
                       ("autour", "de"), ("autour", "d"), ("autour", "du"), ("vers",),
                       ("a", "cote", "de"), ("du", "cote", "de"), ("a", "proximite", "de"),
                       ("aux", "alentours", "de"), ("dans", "le", "coin", "de"), ("near",),
                       ("around",), ("close", "to"))  # fmt: skip
# Prepositions that lead to a place only before a capitalised word ("à Tataouine").
_WEAK_PREPOSITIONS = (("a",), ("au",), ("sur",), ("in",), ("at",))


def _dept_name(code: str) -> str:
    return next((name for c, name in DEPARTEMENTS.values() if c == code), code)


def _lead_length(w: RequestWords, i: int, *, strong: bool = False) -> int:
    """Length of a "dans le" / "en" / "département" lead ending just before word ``i``."""
    for lead in _DEPT_STRONG_LEAD if strong else _DEPT_LEAD:
        k = len(lead)
        if i >= k and tuple(w.norm[i - k : i]) == lead and w.free(i - k, i):
            return k
    return 0


def find_departement_name(w: RequestWords, gazetteer: Gazetteer) -> DepartementSpan | None:
    """(code, name, i, j) of a département named in the free words ("en Haute-Vienne")."""
    n = len(w)
    for i in range(n):
        for length in range(min(MAX_WORDS, n - i), 0, -1):
            key = " ".join(w.norm[i : i + length])
            if key not in DEPARTEMENTS or not w.free(i, i + length):
                continue
            lead = _lead_length(w, i)
            if key in COMMON_WORD_NAMES and _lead_length(w, i, strong=True) == 0:
                continue
            if not lead:
                # "Vienne", "Paris", "Mayenne" are communes too: bare, they are the commune.
                res = gazetteer.resolve(key)
                homonyms = [res.commune] if res.commune else res.candidates
                if any(normalize(c.name) == key for c in homonyms):
                    continue
            return (*DEPARTEMENTS[key], i - lead, i + length)
    return None


def find_region_name(w: RequestWords) -> DepartementSpan | None:
    """(code, name, i, j) of a region named in the free words ("en Bretagne", "Normandie")."""
    n = len(w)
    for i in range(n):
        for length in range(min(REGION_MAX_WORDS, n - i), 0, -1):
            key = " ".join(w.norm[i : i + length])
            if key in REGIONS and w.free(i, i + length):
                lead = _lead_length(w, i)
                if not lead and i > 0 and w.norm[i - 1] in _REGION_LEADS and w.free(i - 1, i):
                    lead = 1
                code, name, _ = REGIONS[key]
                return code, name, i - lead, i + length
    return None


def find_departement_code(w: RequestWords, gazetteer: Gazetteer) -> DepartementSpan | None:
    """(code, name, i, j) of a département number in the free words ("dans le 56", "caces 56")."""
    for i in range(len(w)):
        code = w.norm[i].upper()
        if (
            w.free(i, i + 1)
            and len(code) in (2, 3)
            and gazetteer.is_departement(code)
            and not _is_quantity(w, i)
        ):
            lead = _lead_length(w, i)
            return code, _dept_name(code), i - lead, i + 1
    return None


def _is_quantity(w: RequestWords, i: int) -> bool:
    """A number that counts something ("14 h") or belongs to a name ("PSC 1", "56 800")."""
    nxt = w.norm[i + 1] if i + 1 < len(w) else ""
    prev = w.norm[i - 1] if i > 0 else ""
    symbol = w.text[w.spans[i][1] :].lstrip()[:1]
    return (
        symbol in ("€", "%", "$", "£")
        or nxt in _UNIT_WORDS
        or (nxt.isdigit() and len(nxt) == 3)
        or prev in _NUMBER_CONTEXT
        or (prev.isdigit() and len(prev) == 2)
    )


def _locate(w: RequestWords, matched: str) -> tuple[int, int] | None:
    """Word positions of the gazetteer's matched text, preferring the last free occurrence.

    Compared without spaces: an abbreviation is one word of the request and two of the name
    ("ND" → "notre dame").
    """
    target = normalize(matched).replace(" ", "")
    n = len(w)
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n + 1):
            joined = "".join(w.norm[i:j])
            if joined == target and w.free(i, j):
                return i, j
            if not target.startswith(joined):
                break
    return None


def find_commune(
    w: RequestWords, gazetteer: Gazetteer, topics: TopicTable
) -> tuple[Commune | None, list[Commune], str]:
    """The gazetteer's best place among the free words, skipping topic words it mistook."""
    rejected: set[int] = set()
    for _ in range(3):
        keep = [k for k in range(len(w)) if not w.used[k] and k not in rejected]
        if not keep:
            break
        text = " ".join(w.text[w.spans[k][0] : w.spans[k][1]] for k in keep)
        commune, candidates, matched = gazetteer.find_in_text(text)
        span = _locate(w, matched) if matched else None
        if span is None:
            break
        i, j = span
        if _is_topic(w, i, j, topics):
            # "wordpress", "seo" are topics and "au boulot" filler, not the towns of the
            # same name.
            rejected.update(range(i, j))
            continue
        w.use(i, j)
        return commune, candidates, w.original(i, j)
    return None, [], ""


def _is_topic(w: RequestWords, i: int, j: int, topics: TopicTable) -> bool:
    """Whether words [i, j) are all topic vocabulary (or filler), with no number."""
    words = [stem(x) for x in w.norm[i:j] if x not in STOP_WORDS]
    return not any(x.isdigit() for x in w.norm[i:j]) and all(x in topics.vocabulary for x in words)


def unknown_place(w: RequestWords, topics: TopicTable) -> tuple[int, int] | None:
    """Words after a place preposition that name nothing known: "près de Tataouine"."""
    n = len(w)
    for i in range(n):
        for lead in _PLACE_PREPOSITIONS + _WEAK_PREPOSITIONS:
            k = len(lead)
            if tuple(w.norm[i : i + k]) != lead or i + k >= n:
                continue
            j = i + k
            if lead in _WEAK_PREPOSITIONS and not w.text[w.spans[j][0]].isupper():
                continue
            end = _name_end(w, j, topics)
            if end > j:
                return j, end
    return None


def _name_end(w: RequestWords, j: int, topics: TopicTable) -> int:
    """End of the (at most four) free plain words from ``j`` that are neither topic nor filler."""
    end = j
    while (
        end < len(w)
        and end - j < 4
        and not w.used[end]
        and w.norm[end].isalpha()
        and w.norm[end] not in STOP_WORDS
        and stem(w.norm[end]) not in topics.vocabulary
    ):
        end += 1
    return end
