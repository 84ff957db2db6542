"""French communes gazetteer: turn what a user types into a commune with coordinates.

Pure and synchronous: no Telegram, no database. The data is ``data/communes.csv`` (built by
``scripts/build_communes.py``, see ``data/README.md``): every current commune with its
postal codes, département, population and a point, plus former communes (merged into a
"commune nouvelle") that point to the commune they belong to now.

Main entry points:

* :func:`normalize` – the canonical matching form of a place name;
* :meth:`Gazetteer.resolve` – a query that is meant to be a place ("Ploermel", "56800",
  "Saint-Martin 32", "2A004") → a :class:`Resolution`;
* :meth:`Gazetteer.find_in_text` – the most plausible place mention in a free French
  sentence ("une formation excel pas loin de Ploërmel en mars");
* :func:`haversine_km` / :meth:`Gazetteer.distance_km`.
"""

from __future__ import annotations

import bisect
import csv
import functools
import gc
import logging
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Indel, Levenshtein

from bot.geo import haversine_km

__all__ = [
    "Commune",
    "Gazetteer",
    "Resolution",
    "default_gazetteer",
    "haversine_km",
    "normalize",
]

logger = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "communes.csv"

MAX_CANDIDATES = 8
# A homonym is "clearly" the big one when it is a real town and dwarfs the next one
# (Valence 26 vs Valence 82): asking the user would be more annoying than helpful.
DOMINANT_MIN_POPULATION = 5_000
DOMINANT_RATIO = 10

ARTICLES = frozenset({"le", "la", "les", "l"})
# Words that may sit inside a commune name but never start or end one on their own.
CONNECTORS = frozenset(
    {"sur", "sous", "en", "le", "la", "les", "de", "du", "des", "d", "l", "et", "aux", "au"}
)
# Common French words and training topics that find_in_text never takes for a place (alone
# or as a phrase made only of such words), and that are never typo-corrected. Several are
# real communes (Mars, Cours, Avril, Ligne, Bretagne, Port, Vers, Job, Jardin, Mer, Marie,
# Parce...): precision first. resolve("Mars") still finds them, the user asked for a place.
_STOP_WORDS_TEXT = """
    a au aux avec bonjour bonsoir ce cela ces cet cette chez coin dans de des du elle en et
    est il ils je la le les leur loin lui ma mais me merci mes moi mon ne ni non nous on ou
    oui par pas plus pour pres proche qu que qui sa salut sans se ses si son sur ta te tes
    toi ton tu un une vers vos votre vous y
    cherche chercher trouver veux voudrais aimerais souhaite besoin faire apprendre
    formation formations cours stage stages atelier ateliers session sessions module
    certification diplome titre bilan competences accompagnement mentor mentorat mentore
    tuteur tutorat coaching conseil emploi travail job metier metiers entreprise reconversion
    excel word powerpoint outlook office bureautique informatique numerique internet web
    python java data design graphisme photo video montage
    anglais francais espagnol allemand italien chinois arabe portugais russe langue langues
    fle toeic toefl compta comptabilite gestion paie finance banque marketing commerce
    vente vendeur accueil secretariat secretaire management manager rh juridique
    secourisme sst psc1 psc caces cariste logistique transport permis code conduite
    securite incendie habilitation electrique electricite plomberie menuiserie soudure
    batiment mecanique cuisine patisserie boulangerie restauration hotellerie tourisme
    sante soins aide soignant infirmier petite enfance bafa animation sport jardin
    jardinage couture agriculture
    distance ligne visio presentiel domicile partir temps plein partiel debutant niveau
    avance intensif gratuit cpf financement prix tarif
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    lundi mardi mercredi jeudi vendredi samedi dimanche matin soir midi semaine mois annee
    jour jours aujourd hui demain prochain prochaine bientot
    bretagne normandie france region departement ville village centre bourg quartier
    campagne montagne plage nord sud ouest environs alentours endroit lieu adresse proximite
    cote gauche droite etranger maison mairie gare pied bureau agence pole poste salle ecole
    lycee college universite fac place rue route chemin rendez heure heures telephone
    teletravail distanciel weekend week end pause dejeuner retraite chomage
    aime allons aucun bonne bonnes bon grand grande long moyen simple vue sens contre
    corps force frais chance change plan plaisir rang riche vert vieux parce viens irai
    serez soyons sache sure sus lire lue ver fins prince
    fille hommes femmes parent pere mere marie mathieu romain rene
    piano bus bar avion ballon chant danse theatre peinture dessin musique
    bois mer mont pont port
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# Place prepositions, as normalized token sequences. The value is the article implied by
# a contracted form ("au Mans" = "à le Mans", "près du Mans").
_PREPOSITION_PHRASES: dict[tuple[str, ...], str] = {}
for _head in (
    ("pres",),
    ("pas", "loin"),
    ("autour",),
    ("proche",),
    ("a", "cote"),
    ("du", "cote"),
    ("a", "proximite"),
    ("aux", "alentours"),
    ("dans", "le", "coin"),
    ("dans", "le", "secteur"),
    ("dans", "la", "region"),
    ("non", "loin"),
):
    _PREPOSITION_PHRASES[(*_head, "de")] = ""
    _PREPOSITION_PHRASES[(*_head, "d")] = ""
    _PREPOSITION_PHRASES[(*_head, "du")] = "le"
    _PREPOSITION_PHRASES[(*_head, "des")] = "les"
for _single, _article in (("a", ""), ("au", "le"), ("aux", "les"), ("vers", ""), ("sur", "")):
    _PREPOSITION_PHRASES[(_single,)] = _article
_MAX_PREPOSITION_LEN = max(len(p) for p in _PREPOSITION_PHRASES)

_POSTCODE_RE = re.compile(r"(?<![\w])(\d{2}) ?(\d{3})(?![\w])")
_AMOUNT_RE = re.compile(r"\s*(?:€|eur\b|euros?\b|e\b|k€|h\b|km\b|heures?\b)", re.I)
# A spaced postal code ("56 800") only counts right after a place preposition.
_AFTER_PLACE_RE = re.compile(
    r"(?:\b(?:à|a|au|de|du|vers|sur|autour d[eu]|dans le)|près de|pres de)\s*$", re.I
)
_INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)
_TOKEN_RE = re.compile(r"[^\W_]+")
# "Saint-Martin 56", "Saint-Martin (56)", "Saint-Martin, 2A", "56 Saint-Martin".
_TRAILING_DEPT_RE = re.compile(r"^(?P<name>.*\S)[\s,(]+(?P<dept>\d{2,3}|2[ab])\)?\s*$", re.I)
_LEADING_DEPT_RE = re.compile(r"^\(?(?P<dept>\d{2,3}|2[ab])\)?[\s,-]+(?P<name>\D.*)$", re.I)
_NON_WORD_RE = re.compile(r"[\W_]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


@dataclass(frozen=True, slots=True)
class Commune:
    """A current French commune with a representative point (town hall or centroid)."""

    insee: str
    name: str
    postcodes: tuple[str, ...]
    departement: str
    region: str
    population: int
    latitude: float
    longitude: float

    @property
    def label(self) -> str:
        """Display name with the département, e.g. ``"Ploërmel (56)"``."""
        return f"{self.name} ({self.departement})"


@dataclass(frozen=True, slots=True)
class Resolution:
    """Outcome of :meth:`Gazetteer.resolve`.

    ``commune`` is set when there is one clear answer. ``candidates`` holds the other
    plausible communes, best first (most populous first among equals): when ``commune`` is
    None they are the choices to offer the user; when it is set they are mere alternatives
    (other communes sharing the postal code, smaller homonyms). ``corrected`` tells that a
    typo correction or a prefix completion was needed, so the bot may confirm.
    """

    commune: Commune | None = None
    candidates: list[Commune] = field(default_factory=list)
    corrected: bool = False

    @property
    def found(self) -> bool:
        """True when there is a single clear answer."""
        return self.commune is not None

    @property
    def ambiguous(self) -> bool:
        """True when the user has to choose among ``candidates``."""
        return self.commune is None and bool(self.candidates)


def normalize(text: str) -> str:
    """Canonical matching form: lower case, no accents or punctuation, "St" → "saint".

    >>> normalize("  ST-Malo ")
    'saint malo'
    >>> normalize("L'Haÿ-les-Roses")
    'l hay les roses'
    """
    return _key_and_fold(text)[0]


def _fold(text: str) -> str:
    """Like :func:`normalize` but keeping accents, to tell "Vire" from "Viré"."""
    return _key_and_fold(text)[1]


def _key_and_fold(text: str) -> tuple[str, str]:
    """(normalized key, accent-preserving form) of ``text``, in one pass."""
    text = unicodedata.normalize("NFC", text.lower().replace("œ", "oe").replace("æ", "ae"))
    fold = " ".join(_ABBREVIATIONS.get(w, w) for w in _NON_WORD_RE.sub(" ", text).split())
    # Punctuation is gone already, so the ASCII pass only drops the combining accents.
    ascii_text = unicodedata.normalize("NFKD", fold).encode("ascii", "ignore").decode("ascii")
    return " ".join(_ABBREVIATIONS.get(w, w) for w in ascii_text.split()), fold


def _strip_article(key: str) -> str:
    """Drop one leading article of a normalized name ("le mans" → "mans")."""
    head, _, rest = key.partition(" ")
    return rest if head in ARTICLES and rest else key


def _max_typos(key: str) -> int:
    """Edits allowed for typo correction; short words get none (too many false hits)."""
    n = len(key.replace(" ", ""))
    if n < 5:
        return 0
    if n < 8:
        return 1
    if n < 13:
        return 2
    return 3


def _by_population(communes: Iterable[Commune]) -> list[Commune]:
    """Distinct communes, most populous first (INSEE code breaks ties)."""
    unique = {c.insee: c for c in communes}  # cheaper than hashing whole dataclasses
    return sorted(unique.values(), key=lambda c: (-c.population, c.insee))


def _rank(communes: Iterable[Commune], *, corrected: bool = False) -> Resolution:
    """Turn matching communes into a Resolution (one clear answer, or candidates)."""
    ranked = _by_population(communes)
    if not ranked:
        return Resolution()
    if len(ranked) == 1:
        return Resolution(ranked[0], [], corrected)
    top, second = ranked[0], ranked[1]
    if (
        top.population >= DOMINANT_MIN_POPULATION
        and top.population >= DOMINANT_RATIO * second.population
    ):
        return Resolution(top, ranked[1:MAX_CANDIDATES], corrected)
    return Resolution(None, ranked[:MAX_CANDIDATES], corrected)


class Gazetteer:
    """In-memory index of communes: by name (exact, former, typo), postal code, INSEE code."""

    def __init__(
        self, communes: Iterable[Commune], former: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Index ``communes`` and ``former`` (former name, current INSEE code) pairs."""
        self._by_insee: dict[str, Commune] = {}
        self._by_postcode: dict[str, list[Commune]] = defaultdict(list)
        self._by_dept: dict[str, list[Commune]] = defaultdict(list)
        # Normalized name → (commune, accent-preserving form of the name). The accented form
        # breaks collisions that accent folding creates: "Vire" (former commune, now Vire
        # Normandie) versus "Viré" (Saône-et-Loire).
        self._current: dict[str, list[tuple[Commune, str]]] = defaultdict(list)
        self._former: dict[str, list[tuple[Commune, str]]] = defaultdict(list)
        # Names without their leading article ("mans" → Le Mans), current and former alike.
        self._loose: dict[str, list[Commune]] = defaultdict(list)
        # Every matchable key (current, former, article-less) → communes, for prefix and
        # typo matching.
        self._keys: dict[str, list[Commune]] = defaultdict(list)
        by_insee, by_postcode, by_dept = self._by_insee, self._by_postcode, self._by_dept
        current, loose, keys = self._current, self._loose, self._keys
        for c in communes:
            by_insee[c.insee] = c
            for pc in c.postcodes:
                by_postcode[pc].append(c)
            by_dept[c.departement].append(c)
            key, fold = _key_and_fold(c.name)
            current[key].append((c, fold))
            keys[key].append(c)
            stripped = _strip_article(key)
            loose[stripped].append(c)
            if stripped != key:
                keys[stripped].append(c)
        for name, current_insee in former:
            target = by_insee.get(current_insee)
            if target is None:
                continue
            key, fold = _key_and_fold(name)
            self._former[key].append((target, fold))
            keys[key].append(target)
            stripped = _strip_article(key)
            loose[stripped].append(target)
            if stripped != key:
                keys[stripped].append(target)
        for index in (by_postcode, by_dept):
            for k, v in index.items():
                index[k] = _by_population(v)
        self._sorted_keys = sorted(self._keys)
        # Typo correction works per first letter: typos rarely hit the first letter, and it
        # divides the work by ~20 (a query takes well under a millisecond).
        self._fuzzy_buckets: dict[str, list[str]] = defaultdict(list)
        for k in self._sorted_keys:
            self._fuzzy_buckets[k[0]].append(k)
        self._dept_keys: dict[str, list[str]] = {}  # filled on demand
        self._dept_centroids: dict[str, tuple[float, float] | None] = {}
        self._grid: dict[tuple[int, int], list[Commune]] | None = None  # built on first use

    # --- loading ----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Read ``data/communes.csv`` (or ``path``); communes without coordinates are skipped."""
        path = path or DEFAULT_PATH
        started = time.perf_counter()
        # Tens of thousands of small objects and no cycles: the cyclic GC would only slow
        # the load down (~15%).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            gazetteer = cls._read(path)
        finally:
            if gc_was_enabled:
                gc.enable()
        logger.info(
            "gazetteer: %d communes loaded from %s in %.0f ms",
            len(gazetteer),
            path,
            (time.perf_counter() - started) * 1000,
        )
        return gazetteer

    @classmethod
    def _read(cls, path: Path) -> Gazetteer:
        communes: list[Commune] = []
        former: list[tuple[str, str]] = []
        skipped = 0
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            col = {name: i for i, name in enumerate(header)}
            i_insee, i_name, i_pc = col["insee"], col["name"], col["postcodes"]
            i_dep, i_reg, i_pop = col["departement"], col["region"], col["population"]
            i_lat, i_lon = col["latitude"], col["longitude"]
            i_kind, i_cur = col["kind"], col["current_insee"]
            for row in reader:
                if row[i_kind] == "former":
                    former.append((row[i_name], row[i_cur]))
                    continue
                if not row[i_lat]:
                    # Overseas collectivities (no outline in the source) and a few others:
                    # a commune without a point is useless for distances.
                    skipped += 1
                    continue
                communes.append(
                    Commune(
                        row[i_insee],
                        row[i_name],
                        tuple(row[i_pc].split()),
                        row[i_dep],
                        row[i_reg],
                        int(row[i_pop] or 0),
                        float(row[i_lat]),
                        float(row[i_lon]),
                    )
                )
        logger.debug(
            "gazetteer: %d former names, %d communes skipped without coordinates",
            len(former),
            skipped,
        )
        return cls(communes, former)

    def __len__(self) -> int:
        return len(self._by_insee)

    @property
    def communes(self) -> list[Commune]:
        """All communes, by INSEE code."""
        return [self._by_insee[k] for k in sorted(self._by_insee)]

    # --- direct look-ups --------------------------------------------------------------------

    def by_insee(self, code: str) -> Commune | None:
        """Commune with this INSEE code ("56165", "2A004"), or None."""
        return self._by_insee.get(code.strip().upper())

    def by_postcode(self, code: str) -> list[Commune]:
        """Communes served by a postal code, most populous first."""
        return list(self._by_postcode.get(code.replace(" ", "").strip(), []))

    def in_departement(self, code: str) -> list[Commune]:
        """Communes of a département ("56", "2A", "974"), most populous first."""
        return list(self._by_dept.get(code.strip().upper(), []))

    def nearest(self, latitude: float, longitude: float) -> Commune | None:
        """The commune whose point is closest to a shared location (None far from France)."""
        if self._grid is None:
            grid: dict[tuple[int, int], list[Commune]] = defaultdict(list)
            for commune in self._by_insee.values():
                grid[(int(commune.latitude * 10), int(commune.longitude * 10))].append(commune)
            self._grid = grid
        cell = (int(latitude * 10), int(longitude * 10))
        # Cells are 0.1° (about 11 km by 7 km here): three rings cover any French commune.
        nearby = [
            commune
            for dlat in range(-3, 4)
            for dlon in range(-3, 4)
            for commune in self._grid.get((cell[0] + dlat, cell[1] + dlon), ())
        ]
        if not nearby:
            return None
        return min(
            nearby, key=lambda c: haversine_km(latitude, longitude, c.latitude, c.longitude)
        )

    def is_departement(self, text: str) -> bool:
        """True for a known département code such as "56", "2A" or "974"."""
        return text.strip().upper() in self._by_dept

    def departement_centroid(self, code: str) -> tuple[float, float] | None:
        """Population-weighted centre (lat, lon) of a département, or None if unknown."""
        code = code.strip().upper()
        if code not in self._dept_centroids:
            communes = self._by_dept.get(code, [])
            # +1 so that a département of empty communes still gets a (plain) mean.
            total = sum(c.population + 1 for c in communes)
            self._dept_centroids[code] = (
                (
                    sum(c.latitude * (c.population + 1) for c in communes) / total,
                    sum(c.longitude * (c.population + 1) for c in communes) / total,
                )
                if communes
                else None
            )
        return self._dept_centroids[code]

    @staticmethod
    def distance_km(a: Commune, b: Commune) -> float:
        """Straight-line distance between two communes' points, in kilometres."""
        return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)

    # --- name matching ----------------------------------------------------------------------
    # Each step returns the matching communes (possibly empty); ``dept`` restricts them.

    def _exact_hits(self, key: str, fold: str, dept: str | None) -> list[Commune]:
        """Exact normalized name: current names first, then former names.

        A former commune (with the communes that share a name prefix with it, "Vire" →
        Vire Normandie, "Boulogne" → also Boulogne-Billancourt...) only counts when no
        current commune bears the name, so a current commune always wins over a former
        one of the same name.
        """

        def pick(entries: list[tuple[Commune, str]]) -> tuple[list[Commune], bool]:
            entries = [(c, f) for c, f in entries if dept is None or c.departement == dept]
            same_accents = [c for c, f in entries if f == fold]
            return same_accents or [c for c, _ in entries], bool(same_accents)

        current, current_accented = pick(self._current.get(key, []))
        former, former_accented = pick(self._former.get(key, []))
        if former and ((former_accented and not current_accented) or not current):
            return former + self._prefix_hits(key, dept)
        return current

    def _loose_hits(self, key: str, dept: str | None) -> list[Commune]:
        """Names compared without their leading article ("mans" → Le Mans)."""
        return [
            c
            for c in self._loose.get(_strip_article(key), [])
            if dept is None or c.departement == dept
        ]

    def _prefix_hits(self, key: str, dept: str | None) -> list[Commune]:
        """Communes whose name starts with the whole words of ``key`` ("la baule")."""
        if len(key) < 4 or key in ARTICLES or key in ("saint", "sainte"):
            return []
        prefix = key + " "
        hits: list[Commune] = []
        i = bisect.bisect_left(self._sorted_keys, prefix)
        while i < len(self._sorted_keys) and self._sorted_keys[i].startswith(prefix):
            hits.extend(
                c
                for c in self._keys[self._sorted_keys[i]]
                if dept is None or c.departement == dept
            )
            i += 1
        return hits

    def _fuzzy_hits(self, key: str, dept: str | None) -> list[Commune]:
        """Communes at the smallest edit distance within the typo budget of ``key``."""
        budget = _max_typos(key)
        if not budget or key in STOP_WORDS:
            return []
        if dept is not None:  # a département is small enough to scan whole
            if dept not in self._dept_keys:
                self._dept_keys[dept] = [
                    k
                    for k in self._sorted_keys
                    if any(c.departement == dept for c in self._keys[k])
                ]
            choices = self._dept_keys[dept]
        else:
            choices = self._fuzzy_buckets.get(key[0], [])
        matches = process.extract(
            key, choices, scorer=Levenshtein.distance, score_cutoff=budget, limit=None
        )
        if not matches:
            return []
        # Ties on Levenshtein are broken by the Indel distance (no substitutions), which
        # favours a missing letter over a wrong one: "plormel" → Ploërmel, not Ploemel.
        best = min(score for _, score, _ in matches)
        tied = [k for k, score, _ in matches if score == best]
        indel = {k: Indel.distance(key, k) for k in tied}
        best_indel = min(indel.values())
        return [
            c
            for k in tied
            if indel[k] == best_indel
            for c in self._keys[k]
            if dept is None or c.departement == dept
        ]

    def _match_name(self, name: str, dept: str | None = None, *, fuzzy: bool = True) -> Resolution:
        """Resolve a place name: exact, then by prefix, then without article, then typos."""
        key, fold = _key_and_fold(name)
        if not key:
            return Resolution()
        hits = self._exact_hits(key, fold, dept)
        if hits:
            return _rank(hits)
        hits = self._prefix_hits(key, dept)
        if hits:
            return _rank(hits, corrected=True)
        hits = self._loose_hits(key, dept)
        if hits:
            return _rank(hits)
        if fuzzy:
            return _rank(self._fuzzy_hits(key, dept), corrected=True)
        return Resolution()

    # --- public resolution ------------------------------------------------------------------

    def resolve(self, query: str, *, departement: str | None = None) -> Resolution:
        """Resolve a query that is meant to be a place.

        Accepts a name (accents, case, hyphens, "St", small typos), a former commune name,
        a postal code (the most populous commune it serves wins), an INSEE code, and an
        optional département hint ("Saint-Martin 32", "Saint-Martin (32)" or the
        ``departement`` argument). A hint that matches nothing is ignored.
        """
        query = query.strip()
        if not query:
            return Resolution()
        dept = departement.strip().upper() if departement else None

        postcode = _POSTCODE_RE.search(query)
        if postcode:
            code = postcode.group(1) + postcode.group(2)
            communes = self._by_postcode.get(code)
            if communes:
                rest = normalize(query[: postcode.start()] + " " + query[postcode.end() :])
                if rest:  # "Saint-Martin-sur-Oust 56200": the name picks among them
                    named = [c for c in communes if normalize(c.name) == rest]
                    if named:
                        return Resolution(named[0], [c for c in communes if c is not named[0]])
                return Resolution(communes[0], communes[1:MAX_CANDIDATES])
        if _INSEE_RE.match(query):
            commune = self.by_insee(query)
            return Resolution(commune) if commune else Resolution()

        name = query
        if dept is None:
            for pattern in (_TRAILING_DEPT_RE, _LEADING_DEPT_RE):
                m = pattern.match(query)
                if m and self.is_departement(m.group("dept")):
                    name, dept = m.group("name"), m.group("dept").upper()
                    break
        if dept is not None and self.is_departement(dept):
            found = self._match_name(name, dept)
            if found.found or found.ambiguous:
                return found
        return self._match_name(name)

    def find_in_text(self, text: str) -> tuple[Commune | None, list[Commune], str]:
        """Find the most plausible place mention in a free French sentence.

        Returns ``(commune, candidates, matched_text)`` with the same meaning as
        :class:`Resolution` (``commune`` None and ``candidates`` set when ambiguous), and
        ``(None, [], "")`` when nothing looks like a place. In order of trust:

        1. a postal code anywhere ("bureautique près de 56800");
        2. a name right after a place preposition ("à", "près de", "pas loin de", "vers",
           "sur", "autour de", "au"...), exact, then by prefix, then with typo correction;
        3. an exact name anywhere, scanning from the end.

        Words of :data:`STOP_WORDS` (topics such as "excel" or "anglais", months, common
        words) never count on their own, and are never typo-corrected.
        """
        for m in _POSTCODE_RE.finditer(text):
            # "12 500 euros" is a price, not Espalion's postal code.
            spaced = " " in m.group(0)
            if _AMOUNT_RE.match(text, m.end()) or (
                spaced and not _AFTER_PLACE_RE.search(text[: m.start()])
            ):
                continue
            communes = self._by_postcode.get(m.group(1) + m.group(2))
            if communes:
                return communes[0], communes[1:MAX_CANDIDATES], m.group(0)

        spans = [(t.start(), t.end()) for t in _TOKEN_RE.finditer(text)]
        words = [normalize(text[a:b]) for a, b in spans]
        n = len(words)

        def phrase(i: int, j: int) -> str:
            return text[spans[i][0] : spans[j - 1][1]]

        def answer(res: Resolution, i: int, j: int) -> tuple[Commune | None, list[Commune], str]:
            # "Saint-Martin 32": a département code right after an ambiguous name.
            if res.ambiguous and j < n and self.is_departement(words[j]):
                hinted = self._match_name(phrase(i, j), words[j].upper(), fuzzy=False)
                if hinted.found or hinted.ambiguous:
                    res = hinted
            return res.commune, res.candidates, phrase(i, j)

        def plausible(gram: list[str]) -> bool:
            # A name neither starts nor ends with "sur", "de"...; numbers are not names.
            return not (
                gram[-1] in CONNECTORS
                or gram[0] in CONNECTORS - ARTICLES
                or any(w.isdigit() for w in gram)
            )

        # Where place prepositions end, with the article a contraction implies ("au").
        starts: list[tuple[int, str]] = []
        for i in range(n):
            for length in range(_MAX_PREPOSITION_LEN, 0, -1):
                if tuple(words[i : i + length]) in _PREPOSITION_PHRASES:
                    starts.append((i + length, _PREPOSITION_PHRASES[tuple(words[i : i + length])]))
                    break

        # After a preposition: exact names everywhere first, then by prefix, then without
        # article, then with typos; longest n-gram first at each step.
        for step in ("exact", "prefix", "loose", "fuzzy"):
            for start, article in starts:
                for length in range(min(4, n - start), 0, -1):
                    j = start + length
                    gram = words[start:j]
                    if not plausible(gram) or all(w in STOP_WORDS for w in gram):
                        continue
                    key, fold = " ".join(gram), _fold(phrase(start, j))
                    if step == "exact":
                        hits = self._exact_hits(key, fold, None)
                        if not hits and article:
                            hits = self._exact_hits(f"{article} {key}", f"{article} {fold}", None)
                    elif step == "prefix":
                        hits = self._prefix_hits(key, None)
                    elif step == "loose":
                        hits = self._loose_hits(key, None)
                    else:
                        hits = (
                            []
                            if any(w in STOP_WORDS for w in gram)
                            else (self._fuzzy_hits(key, None))
                        )
                    if hits:
                        return answer(_rank(hits, corrected=step in ("prefix", "fuzzy")), start, j)

        # No preposition led anywhere: exact names anywhere, from the end of the sentence.
        # A lone stop-list word ("excel", "mars") or a word of one or two letters never counts.
        for step in ("exact", "loose"):
            for j in range(n, 0, -1):
                for length in range(min(4, j), 0, -1):
                    i = j - length
                    gram = words[i:j]
                    if not plausible(gram) or all(w in STOP_WORDS for w in gram):
                        continue
                    if length == 1 and len(gram[0]) < 3:
                        continue
                    key = " ".join(gram)
                    if step == "exact":
                        hits = self._exact_hits(key, _fold(phrase(i, j)), None)
                    else:
                        hits = self._loose_hits(key, None)
                    if hits:
                        return answer(_rank(hits), i, j)
        return None, [], ""


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer over the shipped ``data/communes.csv``, loaded once per process."""
    return Gazetteer.load()
