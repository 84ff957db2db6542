"""The column contract of spaces, sessions and tutors files, French aliases, kind detection.

Headers are matched whatever their case, accents, spaces or hyphens ("Code postal",
"code-postal" and "CODE_POSTAL" are all `postcode`). The kind of a table is recognised from
its columns: `session_id` → sessions, else `tutor_id` → tutors, else `space_id` → spaces
(a sessions file may name a tutor or a space; a tutors file may name a space: the id of the
table's own kind wins, and the other column is an unknown one).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.importer.problems import FileProblem

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    SPACES = "spaces"
    SESSIONS = "sessions"
    TUTORS = "tutors"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    required: bool = False
    max_length: int | None = None  # the model column's length, for text values


# Lengths match bot/models.py (Space, TrainingSession, Organisation, Tutor).
SPACE_COLUMNS: tuple[Column, ...] = (
    Column("space_id", True, 100),
    Column("name", True, 200),
    Column("address", True, 300),
    Column("postcode", True, 10),
    Column("city", True, 200),
    Column("insee", False, 5),
    Column("latitude"),
    Column("longitude"),
    Column("accessible"),
    Column("contact", False, 200),
)
SESSION_COLUMNS: tuple[Column, ...] = (
    Column("session_id", True, 100),
    Column("title", True, 300),
    Column("organisation", True, 200),
    Column("space_id", True, 100),
    Column("start", True),
    Column("end", True),
    Column("seats", True),
    Column("topics", False, 1000),
    Column("modality", False, 20),
    Column("format", False, 50),
    Column("price_eur"),
    Column("cpf"),
    Column("description", False, 5000),
    Column("url", False, 500),
    Column("status", False, 20),
    Column("hours"),
    Column("times_known"),
    Column("permanent_entry"),
    Column("open_end"),
    Column("min_participants"),
    Column("confirm_by"),
)
TUTOR_COLUMNS: tuple[Column, ...] = (
    Column("tutor_id", True, 100),
    Column("name", True, 200),
    Column("organisation", True, 200),
    Column("topics", False, 1000),
    Column("telegram_user_id"),
    Column("active"),
)
COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.SPACES: SPACE_COLUMNS,
    Kind.SESSIONS: SESSION_COLUMNS,
    Kind.TUTORS: TUTOR_COLUMNS,
}

# fmt: off
# Other names admins use for the same columns (compared after `header_key`).
ALIASES: dict[str, str] = {
    "id_espace": "space_id", "espace_id": "space_id", "espace": "space_id",
    "identifiant_espace": "space_id", "id_lieu": "space_id", "lieu_id": "space_id",
    "nom": "name", "nom_espace": "name", "libelle": "name", "denomination": "name",
    "adresse": "address", "adresse_postale": "address",
    "code_postal": "postcode", "codepostal": "postcode", "cp": "postcode",
    "postal_code": "postcode", "zip": "postcode",
    "ville": "city", "commune": "city", "lib_com": "city", "nom_commune": "city",
    "libelle_commune": "city", "nom_com": "city",
    "insee_com": "insee", "code_insee": "insee", "code_commune_insee": "insee",
    "code_commune": "insee", "codgeo": "insee", "com_insee": "insee", "insee_commune": "insee",
    "lat": "latitude",
    "lon": "longitude", "lng": "longitude", "long": "longitude",
    "accessibilite": "accessible", "acces_pmr": "accessible", "pmr": "accessible",
    "id_session": "session_id", "identifiant_session": "session_id",
    "titre": "title", "intitule": "title",
    "organisme": "organisation", "organization": "organisation",
    "debut": "start", "date_debut": "start", "starts_at": "start",
    "fin": "end", "date_fin": "end", "ends_at": "end",
    "places": "seats", "nb_places": "seats", "nombre_places": "seats",
    "nombre_de_places": "seats", "capacite": "seats",
    "themes": "topics", "mots_cles": "topics", "sujets": "topics",
    "modalite": "modality",
    "type": "format",
    "prix": "price_eur", "prix_eur": "price_eur", "price": "price_eur", "tarif": "price_eur",
    "eligible_cpf": "cpf",
    "lien": "url", "site": "url",
    "statut": "status", "etat": "status",
    "heures": "hours", "nombre_heures": "hours", "nombre_heures_total": "hours",
    "duree_heures": "hours", "horaires_connus": "times_known",
    "entrees_sorties_permanentes": "permanent_entry", "entree_permanente": "permanent_entry",
    "fin_ouverte": "open_end",
    "minimum_participants": "min_participants", "min_inscrits": "min_participants",
    "minimum_inscrits": "min_participants", "participants_min": "min_participants",
    "seuil": "min_participants", "seuil_ouverture": "min_participants",
    "date_decision": "confirm_by", "decision": "confirm_by", "confirmer_avant": "confirm_by",
    "date_confirmation": "confirm_by", "confirmation_avant": "confirm_by",
    "id_tuteur": "tutor_id", "tuteur_id": "tutor_id", "identifiant_tuteur": "tutor_id",
    "nom_tuteur": "name", "nom_complet": "name",
    "telegram_id": "telegram_user_id", "id_telegram": "telegram_user_id",
    "telegram": "telegram_user_id", "identifiant_telegram": "telegram_user_id",
    "id_utilisateur_telegram": "telegram_user_id", "telegram_user": "telegram_user_id",
    "actif": "active", "actif_ve": "active",
}
# fmt: on
_CANONICAL = {c.name for cols in COLUMNS.values() for c in cols}
# fmt: off
# Sheet names (XLSX) and JSON keys that announce a kind.
KIND_NAMES: dict[str, Kind] = {
    "spaces": Kind.SPACES, "espaces": Kind.SPACES, "lieux": Kind.SPACES,
    "sessions": Kind.SESSIONS,
    "tutors": Kind.TUTORS, "tuteurs": Kind.TUTORS,
}
# fmt: on
_NON_WORD = re.compile(r"[^a-z0-9]+")


def header_key(text: str) -> str:
    """The comparable form of a header: "Code postal" → "code_postal", "Début" → "debut"."""
    text = unicodedata.normalize("NFKD", text.strip().casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub("_", text).strip("_")


def canonical_column(header: str) -> str | None:
    """The contract name of a header, or None when it is not one Proxi knows."""
    key = header_key(header)
    return key if key in _CANONICAL else ALIASES.get(key)


def prefixed_column(header: str) -> str | None:
    """Open-data place lists name their own id and label `id`, `id_<thing>`, `lib_<thing>`
    (ANCT France Services: `id_fs`, `lib_fs`): the space's id and name, used only when the
    file has no other header for them."""
    key = header_key(header)
    if key in ("id", "identifiant") or key.startswith(("id_", "identifiant_")):
        return "space_id"
    if key.startswith(("lib_", "libelle_", "nom_")):
        return "name"
    return None


def kind_of_name(name: str | None) -> Kind | None:
    """The kind a sheet name or JSON key announces ("Espaces" → spaces), if any."""
    return KIND_NAMES.get(header_key(name)) if name else None


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity
class ColumnMap:
    """Which header of the file holds each contract column, and what is left over."""

    kind: Kind
    headers: dict[str, str]  # contract name → header as written in the file
    unknown: tuple[str, ...]

    def has(self, name: str) -> bool:
        return name in self.headers


def map_columns(headers: list[str]) -> ColumnMap:
    """Recognise the kind and map the headers, or raise FileProblem naming what is wrong."""
    mapping, unknown = _known_headers(headers)
    _map_prefixed(mapping, unknown)
    kind = _kind_of(mapping)
    missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in mapping]
    if missing:
        raise FileProblem("missing_column", column=", ".join(missing), count=len(missing))
    known = {c.name for c in COLUMNS[kind]}
    # A spaces column in a sessions file (or the reverse) is as useless as an unknown one.
    unknown += [header for name, header in mapping.items() if name not in known]
    headers_by_name = {name: header for name, header in mapping.items() if name in known}
    return ColumnMap(kind, headers_by_name, tuple(unknown))


def _known_headers(headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """The headers recognised by name (contract name → header), and the others."""
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        name = canonical_column(header)
        if name is None:
            unknown.append(header)
        elif name in mapping:
            raise FileProblem("duplicate_column", column=header, other=mapping[name])
        else:
            mapping[name] = header
    return mapping, unknown


def _map_prefixed(mapping: dict[str, str], unknown: list[str]) -> None:
    """Open-data `id_*` / `lib_*` headers name a place's id and name, only when no other
    column does, and never in a sessions or tutors file."""
    if mapping.keys() & {"session_id", "tutor_id"}:
        return
    for header in list(unknown):
        name = prefixed_column(header)
        if name and name not in mapping:
            mapping[name] = header
            unknown.remove(header)


# The id column that tells a file's kind, checked in this order (a sessions file may also
# carry a space_id).
_KIND_BY_ID = (("session_id", Kind.SESSIONS), ("tutor_id", Kind.TUTORS), ("space_id", Kind.SPACES))


def _kind_of(mapping: dict[str, str]) -> Kind:
    for column, kind in _KIND_BY_ID:
        if column in mapping:
            return kind
    raise FileProblem("unknown_kind")
