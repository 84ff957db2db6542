"""Benchmark data shaped like the real 2030 offer, shared by the benchmarks.

The first benchmarks drew 584 distinct courses from the topic table; a real regional offer
has hundreds of organisations, each with a catalogue of hundreds of course titles: the same
subject at several levels, durations, certifications, formats and audiences ("Excel niveau 2
– TOSA (14 h, à distance)"). :func:`realistic_offer` builds that: spaces in real Petites
Villes de Demain (``/work/shared/data/petites_villes_de_demain.csv`` when present, else the
gazetteer's towns of 1,500–20,000 inhabitants), ``organisations`` organisations each teaching
a few families of subjects in the spaces of their area, ``courses`` distinct (organisation,
title) courses and ``sessions`` sessions spread over a year, a few courses running often and
most once or twice. Titles vary freely; topics and descriptions come from the base course,
so courses share a few hundred topic profiles, as catalogues written from templates do.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.gazetteer import default_gazetteer
from bot.geo import haversine_km
from bot.search.index import SessionDoc, SpaceDoc

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 1, 1, 9, 0, tzinfo=PARIS).astimezone(UTC)
PVD_CSV = Path("/work/shared/data/petites_villes_de_demain.csv")

# Families of courses: "family: certifications", then "base title = topic keywords" lines.
CATALOGUE = """
bureautique: TOSA, ICDL, PCIE
  Excel = excel;tableur
  Word = word;traitement de texte
  PowerPoint = powerpoint;diaporama
  Pack Office = bureautique;pack office
  Excel : tableaux croisés dynamiques = excel;tcd
  Outlook = outlook
informatique: PIX, CléA numérique
  Initiation à l'informatique = informatique;ordinateur
  Les bases du numérique = numérique;outils numériques
  Cybersécurité au quotidien = cybersécurité
  Intelligence artificielle générative = intelligence artificielle
  Programmation Python = programmation;python
langues: TOEIC, Linguaskill, Bright, DELE
  Anglais = anglais;english
  Anglais professionnel = anglais
  Espagnol = espagnol
  Allemand = allemand
  Italien = italien
  FLE – français langue étrangère = fle
secourisme: INRS, certificat
  SST – Sauveteur Secouriste du Travail = sst;secourisme
  MAC SST = sst
  PSC1 = psc1;premiers secours
  Gestes et postures = gestes et postures
  Sécurité incendie = incendie
caces: CACES, INRS
  CACES R489 chariots élévateurs = caces;r489;cariste
  CACES R486 nacelles = caces
  Habilitation électrique B0 H0V = habilitation électrique
  Préparateur de commandes = logistique
gestion: certification RS
  Comptabilité = comptabilité
  Paie = paie
  Créer son entreprise = création d'entreprise
  Micro-entreprise = micro-entreprise
  Gestion d'entreprise = gestion d'entreprise
marketing: certification RS, Google Ads
  Marketing digital = marketing digital
  Réseaux sociaux = réseaux sociaux
  Facebook et Instagram = facebook;instagram
  Référencement SEO = seo;référencement
  Créer son site WordPress = wordpress;site internet
  Vendre en ligne = e-commerce
hygiene: ARS
  HACCP = haccp;hygiène alimentaire
  Hygiène alimentaire en restauration commerciale = haccp;restauration
soft:
  Prise de parole en public = prise de parole
  Gestion du stress = gestion du stress
  Gestion du temps et des priorités = gestion du temps
  Management d'équipe = management
  Gestion des conflits = gestion des conflits
  Télétravail = télétravail
parcours: CléA
  VAE – Validation des acquis de l'expérience = vae
  Bilan de compétences = bilan de compétences
  Reconversion professionnelle = reconversion
  Remise à niveau en français = remise à niveau;français
  Remise à niveau en mathématiques = remise à niveau;mathématiques
  CV et lettre de motivation = cv;lettre de motivation
"""


def _families(text: str) -> dict[str, tuple[list[tuple[str, str]], tuple[str, ...]]]:
    """family → ([(base title, topic keywords)], certifications), from CATALOGUE."""
    families: dict[str, tuple[list[tuple[str, str]], tuple[str, ...]]] = {}
    bases: list[tuple[str, str]] = []
    for line in text.strip().splitlines():
        if line.startswith("  "):
            title, keywords = line.strip().split(" = ")
            bases.append((title, keywords))
        else:
            name, certs = line.split(":")
            bases = []
            families[name] = (bases, tuple(c.strip() for c in certs.split(",") if c.strip()))
    return families


FAMILIES = _families(CATALOGUE)


def _options(text: str) -> list[str]:
    """A "|"-separated list; empty entries make a variant optional."""
    return [o.strip() for o in text.split("|")]


LEVELS = _options("||initiation|niveau 1|niveau 2|niveau 3|débutant|intermédiaire|avancé|"
                  "perfectionnement|expert|les bases|remise à niveau")  # fmt: skip
DURATIONS = _options("||7 h|14 h|21 h|35 h|1 jour|2 jours|3 jours|demi-journée")
FORMATS = _options("|||à distance|en présentiel|en petit groupe|individuel|intra-entreprise|"
                   "atelier|blended|en soirée")  # fmt: skip
AUDIENCES = _options("||||pour TPE|pour demandeurs d'emploi|pour salariés|pour seniors|"
                     "pour artisans|pour indépendants|pour les agents publics")  # fmt: skip
ORG_KINDS = _options("Formations|Centre de formation|Académie|Institut|Conseil|GRETA|AFPA|"
                     "Campus|École|CCI|Chambre des métiers|Association")  # fmt: skip
REGIONS = _options("Bretagne|Occitanie|Val de Loire|Armor|Causses|Vosges|Berry|Gascogne|"
                   "Limousin|Jura|Morvan|Vendée|Cévennes|Artois")  # fmt: skip


PRICES = (0.0, 150.0, 390.0, 1200.0)
MODALITIES = ("presentiel",) * 8 + ("blended", "distanciel")


def dated_session(
    rng: random.Random,
    i: int,
    course: tuple[str, str, str, str],
    space: SpaceDoc,
    horizon_days: int,
    prices: tuple[float, ...],
) -> SessionDoc:
    """Session ``i`` of ``course`` (organisation, title, topics, description) in ``space``,
    on a day within ``horizon_days``, morning, afternoon or evening."""
    organisation, title, topics, description = course
    day = NOW + timedelta(days=rng.randint(1, horizon_days))
    start = day.astimezone(PARIS).replace(hour=rng.choice((9, 9, 14, 18)), minute=0)
    seats = rng.randint(4, 16)
    return SessionDoc(
        id=i, external_id=f"S{i:06}", title=title, organisation=organisation, topics=topics,
        description=description, starts_at=start.astimezone(UTC),
        ends_at=(start + timedelta(hours=3)).astimezone(UTC), seats=seats,
        seats_taken=rng.randint(0, seats), modality=rng.choice(MODALITIES), format="formation",
        price_eur=rng.choice(prices), cpf=rng.random() < 0.3, status="scheduled", space=space,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Offer:
    spaces: list[SpaceDoc]
    docs: list[SessionDoc]
    organisations: int

    def shape(self) -> str:
        """The variety of the data, stated next to every figure."""
        courses = len({(d.organisation, d.title) for d in self.docs})
        titles = len({d.title for d in self.docs})
        profiles = len({(d.topics, d.description) for d in self.docs})
        return (
            f"{len(self.spaces):,} spaces, {len(self.docs):,} sessions, {self.organisations:,} "
            f"organisations, {courses:,} distinct courses, {titles:,} distinct titles, "
            f"{profiles:,} topic profiles"
        )


def town_spaces(rng: random.Random, n: int, *, pvd: bool = True) -> list[SpaceDoc]:
    """Spaces in Petites Villes de Demain (else, or without that list, in towns of 1,500 to
    20,000 inhabitants across France)."""
    gaz = default_gazetteer()
    by_insee = {c.insee: c for c in gaz.communes}
    towns = []
    if pvd and PVD_CSV.exists():
        with PVD_CSV.open(encoding="utf-8") as f:
            towns = [by_insee[r["insee"]] for r in csv.DictReader(f) if r["insee"] in by_insee]
    if len(towns) < n:
        towns = [c for c in gaz.communes if 1_500 <= c.population <= 20_000]
    picked = rng.sample(towns, n)
    return [
        SpaceDoc(
            i,
            f"Tiers-lieu de {c.name}",
            c.name,
            c.postcodes[0],
            c.latitude,
            c.longitude,
            rng.random() < 0.7,
            f"esp-{c.insee}",
        )
        for i, c in enumerate(picked, 1)
    ]


def _title(rng: random.Random, base: str, certs: tuple[str, ...]) -> tuple[str, list[str]]:
    """A title and the keywords it adds to the base course's (level, certification)."""
    level = rng.choice(LEVELS)
    title, tags = f"{base} {level}".strip(), [level] if level else []
    if certs and rng.random() < 0.35:
        tags.append(rng.choice(certs))
        title += f" – certification {tags[-1]}"
    extras = [e for e in (rng.choice(DURATIONS), rng.choice(FORMATS)) if e]
    if extras:
        title += f" ({', '.join(extras)})"
    if audience := rng.choice(AUDIENCES):
        title += f" {audience}"
    return title, tags


def _catalogue(rng: random.Random, size: int) -> list[tuple[str, str, str]]:
    """(title, topics, description) of one organisation's ``size`` distinct courses."""
    families = rng.sample(sorted(FAMILIES), rng.randint(2, 5))
    bases = [(b, FAMILIES[f][1]) for f in families for b in FAMILIES[f][0]]
    titles: dict[str, tuple[str, str, str]] = {}
    for _ in range(size * 20):
        if len(titles) >= size:
            break
        (base, keywords), certs = rng.choice(bases)
        title, tags = _title(rng, base, certs)
        description = f"{base} : une formation près de chez vous, en petit groupe."
        titles.setdefault(title, (title, ";".join([keywords, *tags]), description))
    return list(titles.values())


def _organisations(
    rng: random.Random, spaces: list[SpaceDoc], n: int, courses: int
) -> Iterator[tuple[str, list[SpaceDoc], list[tuple[str, str, str]]]]:
    for o in range(n):
        home = rng.choice(spaces)
        near = sorted(
            spaces,
            key=lambda s: haversine_km(home.latitude, home.longitude, s.latitude, s.longitude),
        )
        name = f"{rng.choice(ORG_KINDS)} {rng.choice(REGIONS)} {o:03}"
        size = courses // n + (1 if o < courses % n else 0)
        yield name, near[: rng.randint(5, 40)], _catalogue(rng, size)


def realistic_offer(
    seed: int = 2030,
    *,
    spaces: int = 1_500,
    sessions: int = 150_000,
    organisations: int = 400,
    courses: int = 93_000,
    horizon_days: int = 365,
) -> Offer:
    """The 2030 offer (see the module docstring); deterministic for a seed."""
    rng = random.Random(seed)
    places = town_spaces(rng, spaces)
    offered = [
        (name, area, c)
        for name, area, cat in _organisations(rng, places, organisations, courses)
        for c in cat
    ]
    # Every course runs at least once; the rest go mostly to a few popular courses.
    picks = list(range(len(offered)))
    extra = sessions - len(picks)
    if extra > 0:
        weights = [1.0 / (1 + (i * 7919) % 97) for i in range(len(offered))]
        picks += rng.choices(range(len(offered)), weights=weights, k=extra)
    docs = []
    for i, k in enumerate(picks[:sessions], 1):
        name, area, (title, topics, description) = offered[k]
        space = rng.choice(area)
        course = (name, title, topics, description)
        docs.append(dated_session(rng, i, course, space, horizon_days, PRICES))
    return Offer(places, docs, organisations)


BROAD = _options("remise à niveau|informatique|formation|bureautique|langues|"
                 "je cherche une formation|secourisme|numérique")  # fmt: skip
OFF_TOPIC = _options("plongée sous-marine|pilote d'avion|cours de cuisine japonaise|yoga|"
                     "guitare|permis bateau|danse salsa")  # fmt: skip
SPECIFIC = _options("excel|exel niveau 2|word|powerpoint|anglais|anglais toeic|espagnol|sst|"
                    "psc1|caces|cariste|compta|comptabilité|paie|marketing digital|"
                    "réseaux sociaux|wordpress|haccp|prise de parole|gestion du stress|vae|"
                    "bilan de compétences|cv|tcd|python|habilitation électrique|"
                    "micro entreprise|seo|english for beginners")  # fmt: skip
LONG = (
    "bonjour, je suis demandeur d'emploi et je voudrais apprendre {t} pour retrouver du "
    "travail, si possible pas trop loin de {p} et plutôt le matin, merci beaucoup"
)


def requests(rng: random.Random, offer: Offer, n: int) -> list[str]:
    """Requests as learners write them: towns, postcodes, départements, long sentences, broad
    topics, no place at all, and some off-topic."""
    out = []
    for _ in range(n):
        space = rng.choice(offer.docs).space
        roll = rng.random()
        topic = (
            rng.choice(OFF_TOPIC)
            if roll < 0.06
            else rng.choice(BROAD)
            if roll < 0.26
            else rng.choice(SPECIFIC)
        )
        where = rng.random()
        place = (
            f"près de {space.city}"
            if where < 0.4
            else space.postcode
            if where < 0.55
            else f"dans le {space.postcode[:2]}"
            if where < 0.7
            else ""
        )
        if rng.random() < 0.12:
            out.append(LONG.format(t=topic, p=space.city))
        else:
            out.append(f"{topic} {place}".strip())
    return out
