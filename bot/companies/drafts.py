"""A company request being written: filled from each message with the search's own request
parsing (topic concepts, places, time phrases), and what is still missing.

What is missing is asked in at most three questions, grouped: what (topic, number of
people), where and when (town, period), contact. Each group is asked once; the topic and the
town are needed to route the request, so only they are asked again when an answer did not
give them. Plain data (`to_dict`/`from_dict`): the draft lives in the chat's persisted memory.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.companies.detection import contact_in, head_count, without_contact
from bot.gazetteer import Gazetteer
from bot.gazetteer.communes import normalize
from bot.search.query import SearchRequest, parse_request
from bot.search.topics import TopicTable, default_topics, words

WHAT, WHERE, CONTACT = "what", "where", "contact"
GROUPS = (WHAT, WHERE, CONTACT)
# Words that say who the training is for, not what it is about.
_AUDIENCE = frozenset(
    normalize(
        "salarie salaries employe employes agent agents collaborateur collaborateurs personne "
        "personnes personnel equipe equipes entreprise societe mon ma mes notre nos staff "
        "employee employees team company my our people participants stagiaires intra inhouse "
        "house pour for of de group groupe membres worker workers colleague colleagues "
        "technicien techniciens ouvrier ouvriers structure association mairie service"
    ).split()
)
# Answers that say nothing ("euh", "je ne sais pas") are not a topic.
_FILLER = frozenset(
    [
        "euh",
        "bah",
        "ben",
        "bof",
        "hmm",
        "oui",
        "non",
        "yes",
        "no",
        "ok",
        "okay",
        "rien",
        "sais",
        "know",
        "pas",
        "not",
    ]
)


@dataclass(frozen=True, slots=True)
class Draft:
    """What the company said so far; None/"" where it said nothing yet."""

    concept_id: str | None = None
    topic_text: str = ""
    head_count: int | None = None
    place_label: str = ""
    insee: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    period_label: str = ""
    period_start: str | None = None  # ISO, aware UTC
    period_end: str | None = None
    contact: str = ""
    share_identity: bool = False
    asked: tuple[str, ...] = ()  # the groups already asked

    @property
    def has_topic(self) -> bool:
        return self.concept_id is not None or bool(self.topic_text)

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def missing(self, group: str) -> bool:
        """Whether a group still lacks something."""
        if group == WHAT:
            return not self.has_topic or self.head_count is None
        if group == WHERE:
            return not self.has_place or not self.period_label
        return not self.contact

    def next_question(self) -> tuple[str, bool] | None:
        """The next group to ask and whether it is asked again (a required part is still
        missing after its question); None when the draft can be summarised."""
        if not self.has_topic:
            return WHAT, WHAT in self.asked
        if not self.has_place and WHERE in self.asked:
            return WHERE, True
        for group in GROUPS:
            if group not in self.asked and self.missing(group):
                return group, False
        return None

    def asking(self, group: str) -> Draft:
        """The draft once `group` is asked: last in `asked`, the question being answered."""
        asked = (*(g for g in self.asked if g != group), group)
        return dataclasses.replace(self, asked=asked)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["asked"] = list(self.asked)
        return data

    @classmethod
    def from_dict(cls, data: object) -> Draft | None:
        """The stored draft, or None when there is none (or in an older shape)."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(**{**data, "asked": tuple(data.get("asked", ()))})
        except TypeError:
            return None


def topic_label(draft_concept: str | None, topic_text: str, language: str) -> str:
    """How the topic reads: the concept's label in the language, else the words written."""
    if draft_concept is not None:
        concept = default_topics().concepts.get(draft_concept)
        if concept is not None:
            return concept.label_en if language == "en" else concept.label
    return topic_text


def fill(
    draft: Draft,
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    gazetteer: Gazetteer,
    replace: bool = False,
    topics: TopicTable | None = None,
) -> Draft:
    """The draft with what `text` says; without `replace` known parts are kept (an answer
    fills the gaps), with it what the text says wins ([Modifier])."""
    topics = topics or default_topics()
    contact = contact_in(text)
    request = parse_request(without_contact(text), now=now, tz=tz, gazetteer=gazetteer)
    found: dict[str, Any] = {}
    found.update(_topic(request, topics))
    # A lone number is a head count only in the answer to "how many?" ("le 10 mars" is not).
    answering = draft.asked[-1] if draft.asked and not replace else None
    count = head_count(without_contact(text), bare=answering == WHAT)
    if count is not None:
        found["head_count"] = count
    found.update(_place(request))
    if request.when.phrases and (request.when.start or request.when.end):
        found["period_label"] = " ".join(request.when.phrases)[:100]
        found["period_start"] = _iso(request.when.start)
        found["period_end"] = _iso(request.when.end)
    if contact is not None:
        found["contact"] = contact[:200]
    if not replace:
        found = {k: v for k, v in found.items() if _empty(getattr(draft, k))}
    return dataclasses.replace(draft, **found)


def _topic(request: SearchRequest, topics: TopicTable) -> dict[str, Any]:
    kept = [
        w
        for w in request.topic_words
        if w not in _AUDIENCE and w not in _FILLER and len(w) > 1 and not w.isdigit()
    ]
    if not kept:
        return {}
    tokens = words(" ".join(kept))
    concepts = [s.concept for s in topics.segment(tokens) if s.concept is not None]
    subjects = [c for c in concepts if topics.concepts[c].kind == "subject"]
    if subjects:
        return {"concept_id": subjects[0], "topic_text": ""}
    return {"concept_id": None, "topic_text": " ".join(kept)[:200]}


def _place(request: SearchRequest) -> dict[str, Any]:
    place = request.place
    if place is None and request.place_candidates:
        commune = request.place_candidates[0]
        return {
            "place_label": commune.label,
            "insee": commune.insee,
            "latitude": commune.latitude,
            "longitude": commune.longitude,
        }
    if place is None:
        return {}
    return {
        "place_label": place.label,
        "insee": place.insee,
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _empty(value: object) -> bool:
    return value is None or value == ""
