"""Communes: the data (``data/communes.csv``), its loading, and name normalisation.

Everything here is independent of how a query is matched: the :class:`Commune` record, the
canonical matching form of a name (:func:`normalize`), the word lists that never count as a
place, and the CSV reader behind :meth:`~bot.gazetteer.resolution.Gazetteer.load`.
"""

from __future__ import annotations

import csv
import functools
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

# data/ sits at the repository root, next to bot/ (read in place, not shipped as package data).
DEFAULT_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "communes.csv"
# ANCT's list of the Petites Villes de Demain (see data/README.md); also the ``pvd`` column.
PVD_PATH = DEFAULT_PATH.parent / "petites_villes_de_demain.csv"

ARTICLES = frozenset({"le", "la", "les", "l"})
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
    fille hommes femmes parent pere mere marie mathieu romain rene valentin
    ciel cellule charmant saints personne carbone
    piano bus bar avion ballon chant danse theatre peinture dessin musique nacelle
    bois mer mont pont port
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

POSTCODE_RE = re.compile(r"(?<![\w])(\d{2}) ?(\d{3})(?![\w])")
_NON_WORD_RE = re.compile(r"[\W_]+")
# "S. Méen": a lone "S" with its period, before a word, is "Saint" (the period goes next).
_S_DOT_RE = re.compile(r"(?<!\w)s\.(?=\s*\w)")
_S_DOT_CAPITAL_RE = re.compile(r"(?<!\w)S\.\s*(?=[^\W\d_])(?=[A-ZÀ-Þ])")
_ABBREVIATIONS = {
    "st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "nd": "notre dame"
}  # fmt: skip


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
    # One of the ANCT's Petites Villes de Demain (data/petites_villes_de_demain.csv).
    pvd: bool = False

    @property
    def label(self) -> str:
        """Display name with the département, e.g. ``"Ploërmel (56)"``."""
        return f"{self.name} ({self.departement})"


def expand_saint(text: str) -> str:
    """ "S. Méen" → "Saint Méen" in a sentence: a capital S with its period before a capital
    (a request's words lose their punctuation before the place is looked for)."""
    return _S_DOT_CAPITAL_RE.sub("Saint ", text)


def normalize(text: str) -> str:
    """Canonical matching form: lower case, no accents or punctuation, "St" → "saint".

    >>> normalize("  ST-Malo ")
    'saint malo'
    >>> normalize("L'Haÿ-les-Roses")
    'l hay les roses'
    """
    return key_and_fold(text)[0]


def fold(text: str) -> str:
    """Like :func:`normalize` but keeping accents, to tell "Vire" from "Viré"."""
    return key_and_fold(text)[1]


def key_and_fold(text: str) -> tuple[str, str]:
    """(normalized key, accent-preserving form) of ``text``, in one pass."""
    text = unicodedata.normalize("NFC", text.lower().replace("œ", "oe").replace("æ", "ae"))
    text = _S_DOT_RE.sub("saint ", text)
    fold = " ".join(_ABBREVIATIONS.get(w, w) for w in _NON_WORD_RE.sub(" ", text).split())
    # Punctuation is gone already, so the ASCII pass only drops the combining accents.
    ascii_text = unicodedata.normalize("NFKD", fold).encode("ascii", "ignore").decode("ascii")
    return " ".join(_ABBREVIATIONS.get(w, w) for w in ascii_text.split()), fold


def strip_article(key: str) -> str:
    """Drop one leading article of a normalized name ("le mans" → "mans")."""
    head, _, rest = key.partition(" ")
    return rest if head in ARTICLES and rest else key


@functools.lru_cache(maxsize=1)
def _pvd_codes() -> frozenset[str]:
    with PVD_PATH.open(encoding="utf-8", newline="") as fh:
        return frozenset(row["insee"] for row in csv.DictReader(fh))


def is_petite_ville_de_demain(insee: str | None) -> bool:
    """True when the commune of this INSEE code is one of the Petites Villes de Demain.

    Reads the 1,606 codes only (not the whole gazetteer): session cards ask it.
    """
    return insee is not None and insee.strip().upper() in _pvd_codes()


def by_population(communes: Iterable[Commune]) -> list[Commune]:
    """Distinct communes, most populous first (INSEE code breaks ties)."""
    unique = {c.insee: c for c in communes}  # cheaper than hashing whole dataclasses
    return sorted(unique.values(), key=lambda c: (-c.population, c.insee))


def read_communes(path: Path) -> tuple[list[Commune], list[tuple[str, str]]]:
    """The current communes of the CSV at ``path``, and its (former name, current INSEE) pairs.

    Communes without coordinates are skipped.
    """
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
        i_pvd = col.get("pvd")
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
                    i_pvd is not None and row[i_pvd] == "1",
                )
            )
    logger.debug(
        "gazetteer: %d former names, %d communes skipped without coordinates",
        len(former),
        skipped,
    )
    return communes, former
