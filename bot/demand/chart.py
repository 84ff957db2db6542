"""Pictures of a demand report, as PNG bytes for the chat, the CLI and the README.

- `topics_chart`: one bar per topic (the ~10 least served), its length the people who
  searched it, its dark part the unmet demand (people × gap, see `aggregation`), the
  nearest session written at its end, the topics the organisation teaches starred.
- `map_chart`: the hubs on a plain lon/lat map (equal-aspect: longitudes shrunk by
  cos(latitude)), sized by people, coloured by the share left unserved, the organisation's
  spaces as black squares, the gazetteer's communes as grey dots for context. No basemap:
  nothing is downloaded.

Only the report's rows are drawn, and they already passed k-anonymity: nothing about a
person reaches a picture. matplotlib is imported inside the functions (an Agg canvas per
figure, no pyplot, no display), so the bot's start-up and the text-only CLI never pay for it;
the chat renders off the event loop (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.demand.aggregation import SERVED_KM
from bot.demand.model import DemandReport, DemandRow
from bot.demand.scope import departement_label
from bot.i18n import Translator

if TYPE_CHECKING:
    from bot.gazetteer import Gazetteer

TOP_TOPICS = 10
LABELLED_PLACES = 6
SIZE_IN = (8.0, 10.0)  # 1080 × 1350 px at 135 dpi: a phone's portrait screen
DPI = 135
MAP_RATIO = 0.95  # height / width of the map's frame in the picture
MAP_MARGIN_DEG = 0.3  # degrees around the points: the neighbouring communes show
UNMET_COLOUR, SERVED_COLOUR, TAUGHT_COLOUR = "#c0392b", "#f3b6a8", "#1f6f8b"


@dataclass(frozen=True)
class TopicBar:
    """A topic's cells summed over the places where it was searched."""

    label: str
    people: int
    unmet: float
    nearest_km: float | None
    taught: bool


@dataclass(frozen=True)
class PlacePoint:
    """A hub's cells summed over the topics searched around it."""

    name: str
    latitude: float
    longitude: float
    people: int
    unmet: float

    @property
    def gap(self) -> float:
        """The share of the people there whose demand is unmet (0..1)."""
        return min(1.0, self.unmet / self.people) if self.people else 0.0


def topic_bars(rows: Iterable[DemandRow], *, top: int = TOP_TOPICS) -> list[TopicBar]:
    """Per topic: people and unmet demand summed over places, the nearest session of any of
    them; the `top` least served first."""
    grouped: dict[str, list[DemandRow]] = {}
    for row in rows:
        grouped.setdefault(row.topic, []).append(row)
    bars = [
        TopicBar(
            label=cells[0].topic_label,
            people=sum(c.people for c in cells),
            unmet=sum(c.unmet for c in cells),
            nearest_km=min(
                (c.nearest_session_km for c in cells if c.nearest_session_km is not None),
                default=None,
            ),
            taught=any(c.taught for c in cells),
        )
        for cells in grouped.values()
    ]
    bars.sort(key=lambda b: (-b.unmet, -b.people, b.label))
    return bars[:top]


def place_points(rows: Iterable[DemandRow]) -> list[PlacePoint]:
    """Per hub with a known point: people and unmet demand summed over topics, most first."""
    grouped: dict[str, list[DemandRow]] = {}
    for row in rows:
        if row.commune_insee and row.latitude is not None and row.longitude is not None:
            grouped.setdefault(row.commune_insee, []).append(row)
    points = [
        PlacePoint(
            name=cells[0].commune_name or insee,
            latitude=cells[0].latitude or 0.0,
            longitude=cells[0].longitude or 0.0,
            people=sum(c.people for c in cells),
            unmet=sum(c.unmet for c in cells),
        )
        for insee, cells in grouped.items()
    ]
    points.sort(key=lambda p: (-p.people, p.name))
    return points


def has_pictures(report: DemandReport) -> bool:
    """Whether there is anything to draw (no chart of an empty report)."""
    return bool(report.rows)


def has_map(report: DemandReport) -> bool:
    """Whether at least one shown cell has a place to put on a map."""
    return bool(place_points(report.rows))


def scope_text(t: Translator, report: DemandReport) -> str:
    """The scope in words ("autour des espaces de X"), plain text for a picture."""
    if report.departement is not None:
        return t("demand.in_departement", departement=departement_label(report.departement))
    return t("demand.around_spaces", organisation=report.organisation or report.scope)


def _figure() -> tuple[Any, Any]:
    """A figure and its axes on an Agg canvas of its own. No pyplot: its global state of
    "current figures" is not thread-safe, and two admins' pictures may be drawn at once in
    two worker threads. matplotlib is imported here, on first use only."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_IN)
    FigureCanvasAgg(figure)  # the non-interactive raster backend, whatever the environment
    return figure, figure.subplots()


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _footnote(figure: Any, t: Translator, report: DemandReport) -> None:
    figure.text(
        0.02,
        0.012,
        t("demand.chart.footnote", k=report.k, hidden=t.number(report.hidden_cells)),
        fontsize=9,
        color="#555555",
        wrap=True,
    )


def _heading(figure: Any, t: Translator, report: DemandReport, key: str) -> None:
    """The title across the whole picture's top (the axes' own is narrower), wrapped."""
    title = t(key, scope=scope_text(t, report), days=report.days)
    figure.suptitle(
        "\n".join(textwrap.wrap(title, width=60)[:3]),
        x=0.02,
        y=0.985,
        ha="left",
        va="top",
        fontsize=14,
    )


def _nearest_text(t: Translator, bar: TopicBar) -> str:
    if bar.nearest_km is None or bar.nearest_km > SERVED_KM:
        return t("demand.chart.no_session")
    return t("demand.chart.nearest", km=t.number(round(bar.nearest_km)))


def topics_chart(report: DemandReport, t: Translator) -> bytes:
    """The least served topics as horizontal bars (PNG, 1080 × 1350)."""
    bars = topic_bars(report.rows)
    figure, axes = _figure()
    labels = [
        "\n".join(textwrap.wrap(b.label, width=26)[:2]) + (" ★" if b.taught else "") for b in bars
    ]
    ys = range(len(bars))
    unmet = [b.unmet for b in bars]
    served = [max(0.0, b.people - b.unmet) for b in bars]
    axes.barh(ys, unmet, height=0.6, color=UNMET_COLOUR, label=t("demand.chart.unmet"))
    axes.barh(
        ys, served, height=0.6, left=unmet, color=SERVED_COLOUR, label=t("demand.chart.served")
    )
    widest = max((b.people for b in bars), default=1)
    for y, bar in zip(ys, bars, strict=True):
        axes.text(
            bar.people + widest * 0.02,
            y,
            f"{t.number(bar.people)} · {_nearest_text(t, bar)}",
            va="center",
            fontsize=10,
        )
    axes.set_yticks(list(ys), labels, fontsize=11)
    for tick, bar in zip(axes.get_yticklabels(), bars, strict=True):
        if bar.taught:
            tick.set_color(TAUGHT_COLOUR)
    axes.invert_yaxis()  # the least served on top
    axes.set_xlim(0, widest * 1.75)  # room for the text at the bars' end
    axes.set_xlabel(t("demand.chart.people_axis"), fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    _heading(figure, t, report, "demand.chart.topics_title")
    handles, names = axes.get_legend_handles_labels()
    if any(b.taught for b in bars):
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], linestyle="none"))
        names.append(t("demand.chart.taught"))
    # Above the bars, under the title: never over a bar, however many there are.
    axes.legend(
        handles, names, loc="lower left", bbox_to_anchor=(0, 1.01), fontsize=10, frameon=False
    )
    figure.tight_layout(rect=(0, 0.04, 1, 0.93))
    _footnote(figure, t, report)
    return _png(figure)


_MIN_AREA = 60.0  # points², the smallest circle


def _largest_area(count: int) -> float:
    """The biggest circle's area: large for a few places, smaller when there are many, so
    that forty hubs of one organisation do not cover each other."""
    return 1400.0 * min(1.0, 8 / count) if count else 0.0


def _background(
    gazetteer: Gazetteer | None, box: tuple[float, float, float, float]
) -> tuple[list[float], list[float]]:
    """The gazetteer's communes inside the map's box (longitudes, latitudes)."""
    if gazetteer is None:
        return [], []
    west, east, south, north = box
    inside = [
        c
        for c in gazetteer.communes
        if west <= c.longitude <= east and south <= c.latitude <= north
    ]
    return [c.longitude for c in inside], [c.latitude for c in inside]


def _box(
    points: list[PlacePoint], spaces: list[tuple[str, float, float]]
) -> tuple[float, float, float, float]:
    lons = [p.longitude for p in points] + [lon for _n, _lat, lon in spaces]
    lats = [p.latitude for p in points] + [lat for _n, lat, _lon in spaces]
    margin = MAP_MARGIN_DEG
    west, east = min(lons) - margin, max(lons) + margin
    south, north = min(lats) - margin, max(lats) + margin
    # Widen the shorter side so the map fills the portrait picture (more communes around,
    # no blank band): compared in km-like units, a longitude degree shrunk by cos(latitude).
    shrink = math.cos(math.radians((south + north) / 2))
    wide, tall = (east - west) * shrink, north - south
    if tall < MAP_RATIO * wide:
        extra = (MAP_RATIO * wide - tall) / 2
        south, north = south - extra, north + extra
    else:
        extra = (tall / MAP_RATIO - wide) / shrink / 2
        west, east = west - extra, east + extra
    return west, east, south, north


def _draw_spaces(axes: Any, t: Translator, spaces: list[tuple[str, float, float]]) -> None:
    """The organisation's spaces, hollow squares over the hubs (whose colour shows through)."""
    if not spaces:
        return
    axes.scatter(
        [lon for _n, _lat, lon in spaces],
        [lat for _n, lat, _lon in spaces],
        marker="s",
        s=40,
        facecolors="none",
        edgecolors="black",
        linewidths=1.6,
        label=t("demand.chart.spaces"),
        zorder=4,
    )
    axes.legend(loc="upper right", fontsize=10)


def _label_places(axes: Any, t: Translator, points: list[PlacePoint]) -> None:
    """ "Josselin (9)" beside the biggest hubs, with a white halo to read over the dots."""
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    for point in points:
        axes.annotate(
            f"{point.name} ({t.number(point.people)})",
            (point.longitude, point.latitude),
            xytext=(8, 8),
            textcoords="offset points",
            fontsize=11,
            zorder=5,
            path_effects=halo,
        )


def map_chart(report: DemandReport, t: Translator, *, gazetteer: Gazetteer | None = None) -> bytes:
    """The hubs of the shown cells on a plain map of the area (PNG, 1080 × 1350)."""
    points = place_points(report.rows)
    spaces = [s for s in report.spaces if s[1] is not None and s[2] is not None]
    box = _box(points, spaces)
    figure, axes = _figure()
    grey_lons, grey_lats = _background(gazetteer, box)
    axes.scatter(grey_lons, grey_lats, s=2, color="#cccccc", zorder=1)
    biggest = max((p.people for p in points), default=1)
    drawn = axes.scatter(
        [p.longitude for p in points],
        [p.latitude for p in points],
        s=[_MIN_AREA + _largest_area(len(points)) * p.people / biggest for p in points],
        c=[p.gap for p in points],
        cmap="YlOrRd",
        vmin=0.0,
        vmax=1.0,
        alpha=0.85,
        edgecolors="#333333",
        zorder=3,
    )
    _draw_spaces(axes, t, spaces)
    _label_places(axes, t, points[:LABELLED_PLACES])
    colorbar = figure.colorbar(drawn, ax=axes, orientation="horizontal", fraction=0.04, pad=0.04)
    colorbar.set_label(t("demand.chart.gap_axis"), fontsize=10)
    middle = (box[2] + box[3]) / 2
    axes.set_aspect(1 / math.cos(math.radians(middle)))  # a degree of longitude is shorter
    axes.set_xlim(box[0], box[1])
    axes.set_ylim(box[2], box[3])
    axes.set_xticks([])
    axes.set_yticks([])
    _heading(figure, t, report, "demand.chart.map_title")
    figure.tight_layout(rect=(0, 0.04, 1, 0.93))
    _footnote(figure, t, report)
    return _png(figure)
