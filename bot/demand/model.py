"""The demand report: plain values, made by `aggregation.build_demand`, read by the chat
text, the CLI, the XLSX/CSV export and the chart."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemandRow:
    """One cell: a topic searched around a place (a hub: the nearest space's commune)."""

    topic: str  # concept key (data/topics.toml)
    topic_label: str  # human label (French or the requested language)
    commune_insee: str | None  # None when aggregated over the whole scope
    commune_name: str | None
    latitude: float | None
    longitude: float | None
    searches: int
    people: int  # distinct hashed persons (summed over calendar months, see aggregation)
    alerts_pending: int  # alerts saved from these searches
    nearest_session_km: float | None  # nearest upcoming session on that topic from the place
    taught: bool  # the organisation teaches this topic (has sessions on it)
    unmet: float = 0.0  # the ranking score: people × how far the nearest session is (0..1)
    results_zero: int = 0  # searches that found nothing


@dataclass(frozen=True)
class DemandReport:
    """Topics most asked and least served in a scope over the last `days` days."""

    days: int
    scope: str  # e.g. "autour de vos espaces" / "Morbihan (56)"
    rows: list[DemandRow]  # ranked by unmet demand, only cells with people >= k
    hidden_cells: int  # cells withheld by k-anonymity
    k: int  # 5
    spaces: list[tuple[str, float, float]]  # the organisation's spaces (name, lat, lon)
    total_searches: int = 0  # every search in the scope and period, shown cells or not
    organisation: str | None = None
    departement: str | None = None
    language: str = "fr"
    extra: dict[str, str] = field(default_factory=dict)  # room for later renderers
