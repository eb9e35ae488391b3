"""Översikt's view: key figures, the area map by the chosen measure, the indicator table, the
monthly trend and the changes that are real, for the sidebar's filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from geo import formats
from geo.analysis.indicators import load_floors
from geo.outputs.maps import area_outline_map, choropleth_layer
from geo.outputs.slides import Caption
from geo.periods import LOCAL_TZ, Filters
from ui import charts, details, loaders, strings
from ui.filters import local_dates
from ui.views import ChoroplethExport, MapView, Metric

if TYPE_CHECKING:
    import altair as alt


@dataclass(frozen=True)
class OverviewView:
    """Everything Översikt draws, top to bottom."""

    synthetic: bool
    key_figures: tuple[Metric, ...]
    map: MapView
    export: ChoroplethExport
    details: details.Source
    table: pd.DataFrame
    """One row per area with Swedish headers (``strings.INDICATOR_COLUMNS``)."""
    notes: tuple[str, ...]
    """Under the table: the rate rule, the areas' denominator notes, incidents outside the areas."""
    trend: alt.Chart
    trend_caption: str
    changes: pd.DataFrame | None
    """The areas with a real change, most certain first; ``None`` when there is none."""
    changes_notes: tuple[str, ...]
    """Under the changes: that the period was compared as far as the data goes (if so)."""
    changes_explain: str
    population_note: str | None


def overview(data: loaders.PageData, filters: Filters, measure: str, *, polis: bool) -> OverviewView:  # fmt: skip
    """The view for the filters and the map's measure (a key of ``strings.MEASURES``)."""
    settings, version, info, layer, span = loaders.astuple_page(data)
    assert span is not None, "Översikt draws a view only when the store has incidents"
    url = settings.database_url
    table = loaders.indicators(url, version, filters)
    counts = loaders.area_counts(url, version, filters.period)
    trend = loaders.monthly_by_zone(url, version, filters)
    first, last = local_dates(filters)
    n = int(table["count"].sum())
    boundary_note = loaders.boundary_note(info)
    source = loaders.source_text(counts.sources)
    caption = strings.CAPTION.format(start=first, end=last, n=formats.number(n), source=source)
    title = strings.MEASURES[measure]

    # A stable base (outlines) and the colours as a layer with its own legend: the map keeps its
    # zoom when filters or the colouring change.
    base = area_outline_map(layer, legend=None, tiles_url=settings.tiles_url,
                            tiles_attribution=settings.tiles_attribution)  # fmt: skip
    colours, _breaks = choropleth_layer(
        layer.merge(table[["area_code", measure]], on="area_code"), measure, value_label=title,
        decimals=strings.MEASURE_DECIMALS[measure], no_data=strings.MEASURE_NO_RATE,
        legend=(title, [f"{first} – {last}, n = {formats.number(n)}", boundary_note]),
    )  # fmt: skip
    figure_caption = Caption(title, f"{first} – {last}", source, n=n, synthetic=counts.synthetic,
                             approximate=info.approximate, notes=("Diagrammet: hela tiden i databasen",))  # fmt: skip

    floors = load_floors()
    notes = [strings.RATE_NOTE.format(min_population=floors.min_population_for_rate,
                                      min_count=floors.min_count_for_rate)]  # fmt: skip
    notes += [strings.DENOMINATOR_NOTE.format(name=name, note=note)
              for name, note in zip(table["name"], table["denominator_note"], strict=True) if note]  # fmt: skip
    if counts.outside:
        notes.append(strings.OUTSIDE_AREAS.format(n=counts.outside))
    periods = table.attrs["periods"]
    partial: tuple[str, ...] = ()
    if periods["now"] != f"{first} – {last}":
        data_end = span[1].astimezone(LOCAL_TZ).date()
        partial = (strings.CHANGES_PARTIAL.format(data_end=data_end, now=periods["now"]),)
    shown = table[list(strings.INDICATOR_COLUMNS)].assign(
        zone=table["zone"].map(strings.ZONE_LABELS)
    )
    return OverviewView(
        synthetic=counts.synthetic,
        # No change figure when the previous period lies (partly) before the first data in the store.
        key_figures=key_figures(table, covered=filters.shifted_back().start >= span[0]),
        map=MapView(base, (colours,), f"{caption} · {boundary_note}"),
        export=ChoroplethExport(title, layer, table.set_index("area_code")[measure], figure_caption,
                                trend, no_data=strings.MEASURE_NO_RATE),
        details=details.Source(layer, url, version, filters, settings.survey_min_n, polis),
        table=shown.rename(columns=strings.INDICATOR_COLUMNS),
        notes=tuple(notes),
        trend=charts.monthly_lines(trend, labels=strings.ZONE_LABELS),
        trend_caption=strings.TREND_CAPTION.format(source=source),
        changes=changes(table),
        changes_notes=partial,
        changes_explain=strings.CHANGES_EXPLAIN.format(family=table.attrs["family"], **periods),
        population_note=layer.attrs.get("population_note") or None,
    )  # fmt: skip


def key_figures(table: pd.DataFrame, *, covered: bool) -> tuple[Metric, ...]:
    """Incidents, harm and the inland's share; the change against the previous period only when
    that period is ``covered`` by the data."""
    n, previous = int(table["count"].sum()), int(table["previous"].sum())
    # An ASCII sign: Streamlit picks the arrow from a leading "-".
    delta = f"{'-' if n < previous else '+'}{formats.number(abs(n - previous))} {strings.KEY_VS_PREVIOUS}"
    inland = int(table.loc[table["zone"] == "inland", "count"].sum())
    return (
        Metric(strings.KEY_TOTAL, formats.number(n), delta=delta if covered else None,
               help=None if covered else strings.KEY_NO_PREVIOUS),
        Metric(strings.KEY_HARM, formats.number(table["harm_index"].sum(), 1), help=strings.glossary("Skadeindex")),
        Metric(strings.KEY_INLAND, formats.number(inland)),
    )  # fmt: skip


def changes(table: pd.DataFrame) -> pd.DataFrame | None:
    """The areas whose change against either comparison survives the adjustment, most certain
    first, with Swedish headers; ``None`` when there is none."""
    changed = table[table["significant_previous"] | table["significant_last_year"]]
    if changed.empty:
        return None
    ranked = changed.assign(best_p=changed[["p_previous", "p_last_year"]].min(axis=1))
    shown = ranked.sort_values("best_p")[["name", "change_previous", "change_last_year"]]
    return shown.rename(columns=strings.INDICATOR_COLUMNS)
