"""Hotspots' view: the Gi* map and its classes, the comparison with the period before, the
trend classes and the week profile, for the sidebar's filters, cell size and weighting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from geo import formats
from geo.analysis.details import point_in_layer
from geo.analysis.hotspots import (
    CELL_SIZES,
    CLASS_LABELS,
    EMERGING_LABELS,
    emerging_by_area,
    focus_cells,
    land_grid,
)
from geo.outputs.maps import (
    HOTSPOT_COLOURS,
    WHOLE_MUNICIPALITY,
    area_outline_map,
    hotspot_layer,
    hotspot_legend,
    points_layer,
    view_for,
)
from geo.outputs.slides import Caption
from geo.periods import Filters
from ui import details, loaders, strings
from ui.charts import week_heatmap
from ui.filters import local_dates
from ui.views import CategoryExport, MapView

if TYPE_CHECKING:
    import altair as alt
    import folium
    import geopandas as gpd

CELL_SIZE_CHOICES: tuple[int, ...] = CELL_SIZES
"""The cell sizes (m) the page offers."""
DEFAULT_CELL_SIZE = 250
"""The cell size (m) the page opens with (``ui.warmup.HOTSPOT_CELL_SIZE`` computes it at start)."""
POINT_LIMIT = 5_000
"""More incidents than this are not drawn as points (the map would be unreadable and slow)."""
View = tuple[tuple[float, float], int]


@dataclass(frozen=True)
class HotspotsView:
    """Everything Hotspots draws above the trend classes, top to bottom, and the week profile."""

    synthetic: bool
    error: str | None
    """Why there are no Gi* classes (too few incidents or cells, an area outside the zones)."""
    plain: pd.DataFrame | None
    """Plain counts per area instead, with Swedish headers (only with ``error``)."""
    points_note: str | None
    """Why the incidents are not drawn as points (too many)."""
    map: MapView
    fit: View | None
    """Where the map opens on the cells found: fitted once per session, then kept (the page keeps
    it), so later filter changes do not move the map under the user."""
    details: details.Source
    caption: str
    export: CategoryExport | None
    classes: pd.DataFrame | None
    """Cells per class, with Swedish headers."""
    week: alt.Chart
    week_caption: str
    cells: gpd.GeoDataFrame | None = field(default=None, repr=False)
    cell_size: int = DEFAULT_CELL_SIZE
    weighted: bool = False

    def cell_text(self, clicked: tuple[float, float] | None) -> str | None:
        """The clicked cell's class and value (markdown), ``None`` without a cell there."""
        if clicked is None or self.cells is None:
            return None
        cell = point_in_layer(self.cells, clicked[0], clicked[1], "cell_id")
        if cell is None:
            return None
        row = self.cells[self.cells["cell_id"].astype(str) == cell].iloc[0]
        text = strings.DETAILS_CELL_WEIGHTED if self.weighted else strings.DETAILS_CELL
        return text.format(size=self.cell_size, label=CLASS_LABELS[row["hotspot_class"]],
                           n=formats.number(float(row["value"]), 1 if self.weighted else 0))  # fmt: skip


def hotspots(
    data: loaders.PageData, filters: Filters, cell_size: int, *, weighted: bool,
    show_points: bool, whole: bool, fit: View | None,
) -> HotspotsView:  # fmt: skip
    """The view; ``whole`` shows the whole municipality, else the map opens at ``fit`` (the
    session's kept fit, ``None`` the first time: the view then fits the cells found)."""
    settings, version, info, layer, _span = loaders.astuple_page(data)
    url = settings.database_url
    result = loaders.hotspots(url, version, filters, cell_size, weighted)
    selected = loaders.selection(url, version, filters)
    first, last = local_dates(filters)
    source = loaders.source_text(sorted(selected["source"].astype(str).unique()))
    synthetic = bool(selected["synthetic"].any())
    # The base map must not change with the filters (or st_folium redraws it and loses the zoom):
    # period and n go in the caption under the map, not in the legend.
    legend = hotspot_legend(strings.HOTSPOT_LEGEND, CLASS_LABELS, [loaders.boundary_note(info)])
    base = area_outline_map(layer, legend=legend, tiles_url=settings.tiles_url,
                            tiles_attribution=settings.tiles_attribution)  # fmt: skip
    cells = result.cells
    layers: list[folium.FeatureGroup] = (
        [] if cells is None else [hotspot_layer(cells, CLASS_LABELS)]
    )
    points_note = None
    if show_points:
        located = selected.dropna(subset=["x", "y"])
        if len(located) > POINT_LIMIT:
            points_note = strings.POINTS_TOO_MANY.format(n=formats.number(len(located)), limit=formats.number(POINT_LIMIT))  # fmt: skip
        else:
            layers.append(points_layer(located["x"].to_numpy(), located["y"].to_numpy(),
                                       located["raw_type"].astype(str).tolist()))  # fmt: skip
    if fit is None and cells is not None:
        fit = view_for(focus_cells(cells))
    caption = strings.CAPTION.format(
        start=first, end=last, n=formats.number(len(selected)), source=source
    )
    export = classes = plain = None
    if cells is None:
        plain = loaders.selection_counts(url, version, filters)
        plain = plain.assign(zone=plain["zone"].map(strings.ZONE_LABELS))
        plain = plain[["name", "zone", "count"]].rename(columns=strings.TABLE_COLUMNS)
    else:
        caption += " · " + strings.HOTSPOT_METHOD.format(
            region=result.region, cells=formats.number(len(cells)), size=cell_size,
            permutations=result.permutations, seed=result.seed, without=result.without_point,
            outside=result.outside, phi=formats.number(result.dispersion, 1),
        )  # fmt: skip
        title = strings.HOTSPOT_EXPORT_TITLE.format(size=cell_size)
        export = CategoryExport(
            title, layer, pd.Series(dtype=str), {}, {},
            Caption(title, f"{first} – {last}", source, n=len(selected), synthetic=synthetic, approximate=info.approximate),
            cells=cells[cells["hotspot_class"] != "none"],  # the cells drawn on the map
            cell_colours=HOTSPOT_COLOURS, cell_labels=CLASS_LABELS, legend_title=strings.HOTSPOT_LEGEND,
        )  # fmt: skip
        counts = cells["hotspot_class"].value_counts()
        classes = pd.DataFrame({strings.HOTSPOT_CLASS: list(CLASS_LABELS.values()),
                                strings.HOTSPOT_CELLS: [int(counts.get(c, 0)) for c in CLASS_LABELS]})  # fmt: skip
    profile = loaders.week_profile(url, version, filters, filters.area_code)
    week_n = formats.number(int(profile.to_numpy().sum()))
    return HotspotsView(
        synthetic=synthetic, error=result.error, plain=plain, points_note=points_note,
        map=MapView(base, tuple(layers), "" if whole or cells is None else strings.HOTSPOT_FOCUS_NOTE,
                    WHOLE_MUNICIPALITY if whole else fit),
        fit=fit,
        details=details.Source(layer, url, version, filters, settings.survey_min_n, polis=True),
        caption=caption, export=export, classes=classes, week=week_heatmap(profile),
        week_caption=strings.WEEK_CAPTION.format(first=first, last=last, n=week_n, source=source),
        cells=cells, cell_size=cell_size, weighted=weighted,
    )  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    """Hot cells now against the period of equal length before (``text``, markdown), or why there
    is no comparison (``found`` false: too few incidents before)."""

    text: str
    found: bool


def comparison(data: loaders.PageData, filters: Filters, cell_size: int, *, weighted: bool) -> Comparison | None:  # fmt: skip
    """The comparison with the period before; ``None`` when there are no classes now."""
    url, version = data.settings.database_url, data.version
    now = loaders.hotspots(url, version, filters, cell_size, weighted).table
    if now is None:
        return None
    before = loaders.hotspots(url, version, filters.shifted_back(), cell_size, weighted)
    if before.table is None:
        return Comparison(str(before.error), found=False)
    hot_now = now["hotspot_class"].str.startswith("hot")
    hot_before = before.table["hotspot_class"].str.startswith("hot")
    first, last = local_dates(filters.shifted_back())
    text = strings.COMPARE_RESULT.format(first=first, last=last, hot=int(hot_before.sum()),
                                         hot_now=int(hot_now.sum()), both=int((hot_now & hot_before).sum()))  # fmt: skip
    return Comparison(text, found=True)


@dataclass(frozen=True)
class TrendView:
    """The emerging-hotspot classes of the last twelve whole months, or why there are none."""

    error: str | None = None
    explain: str = ""
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Cells per trend class, with Swedish headers."""
    by_area: pd.DataFrame | None = None
    """Cells with a trend class per area and class (``None`` when there are none)."""


def trend(data: loaders.PageData, filters: Filters, cell_size: int) -> TrendView:
    """The trend classes (cached: counting the cells per area overlays the whole grid)."""
    return _trend(data.settings.database_url, data.version, filters, cell_size)


@st.cache_data(show_spinner=False, max_entries=16)
def _trend(database_url: str, version: str, filters: Filters, cell_size: int) -> TrendView:
    found = loaders.emerging(database_url, version, filters, cell_size, 12)
    if found.table is None:
        return TrendView(error=str(found.error))
    classes = found.table
    named = classes.loc[classes["emerging_class"] != "none", "emerging_class"].map(EMERGING_LABELS)
    summary = (
        named.value_counts()
        .rename_axis(strings.HOTSPOT_CLASS)
        .reset_index(name=strings.HOTSPOT_CELLS)
    )
    _info, layer = loaders.area_layer(database_url, version)
    by_area = emerging_by_area(classes, land_grid(cell_size), layer)
    shown = by_area.assign(emerging_class=by_area["emerging_class"].map(EMERGING_LABELS))
    return TrendView(
        explain=strings.EMERGING_EXPLAIN.format(region=found.region, first=found.first, last=found.last),
        summary=summary,
        by_area=None if by_area.empty else shown[["name", "emerging_class", "cells"]].rename(columns=strings.EMERGING_COLUMNS),
    )  # fmt: skip
