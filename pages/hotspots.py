"""Hotspots (polis): where incidents concentrate (Gi*), how that changes, and when in the week."""

import pandas as pd
import streamlit as st

from geo import formats
from geo.details import point_in_layer
from geo.exports import Caption, category_figure
from geo.hotspots import (
    CELL_SIZES,
    CLASS_LABELS,
    EMERGING_LABELS,
    emerging_by_area,
    focus_cells,
    land_grid,
)
from geo.maps import (
    HOTSPOT_COLOURS,
    WHOLE_MUNICIPALITY,
    area_outline_map,
    hotspot_layer,
    hotspot_legend,
    points_layer,
    view_for,
)  # fmt: skip
from ui import details, loaders, presentation, strings, tables
from ui.auth import require_page
from ui.charts import week_heatmap
from ui.filters import incident_filters, local_dates
from ui.loaders import astuple_page
from ui.maps import show_map

POINT_LIMIT = 5_000

require_page("hotspots")
settings, version, info, layer, span = astuple_page(loaders.page_data())

st.header(strings.HOTSPOTS_HEADER)
if span is None:
    st.warning(strings.NO_DATA)
    st.stop()
area_names = dict(zip(layer["area_code"], layer["name"], strict=True))
filters = incident_filters(*span, key="hotspots", areas=area_names)
cell_size = st.sidebar.select_slider(
    strings.CELL_SIZE_LABEL, options=list(CELL_SIZES), value=250, key="hotspots_cell"
)
weighted = st.sidebar.toggle(strings.WEIGHTED_LABEL, value=False, key="hotspots_weighted")
show_points = st.sidebar.toggle(strings.POINTS_LABEL, value=False, key="hotspots_points")
compare = st.sidebar.toggle(strings.COMPARE_LABEL, value=False, key="hotspots_compare")
# The map opens on the cells found; this shows the whole municipality instead (and back: the
# fit is then made again from the cells of the moment).
whole = st.sidebar.toggle(
    strings.HOTSPOT_WHOLE, value=False, key="hotspots_whole",
    on_change=lambda: st.session_state.pop("hotspots_fit", None),
)  # fmt: skip
if filters is None:
    st.stop()

result = loaders.hotspots(settings.database_url, version, filters, cell_size, weighted)
selected = loaders.selection(settings.database_url, version, filters)
if selected["synthetic"].any():
    st.warning(strings.SYNTHETIC_WARNING, icon="⚠️")
first, last = local_dates(filters)
sources = sorted(selected["source"].astype(str).unique())
source = loaders.source_text(sources)
boundary_note = loaders.boundary_note(info)

# The base map must not change with the filters (or st_folium redraws it and loses the zoom):
# period and n go in the caption under the map, not in the legend.
legend = hotspot_legend(strings.HOTSPOT_LEGEND, CLASS_LABELS, [boundary_note])
base = area_outline_map(
    layer, legend=legend, tiles_url=settings.tiles_url, tiles_attribution=settings.tiles_attribution
)
layers = []
cells = None
if result.error:
    st.info(result.error)
    st.caption(strings.PLAIN_COUNTS)
    plain = loaders.selection_counts(settings.database_url, version, filters)
    plain = plain.assign(zone=plain["zone"].map(strings.ZONE_LABELS))
    tables.show(plain[["name", "zone", "count"]].rename(columns=strings.TABLE_COLUMNS))
else:
    cells = result.cells
    layers.append(hotspot_layer(cells, CLASS_LABELS))
if show_points:
    located = selected.dropna(subset=["x", "y"])
    if len(located) > POINT_LIMIT:
        st.info(
            strings.POINTS_TOO_MANY.format(
                n=formats.number(len(located)), limit=formats.number(POINT_LIMIT)
            )
        )
    else:
        layers.append(
            points_layer(
                located["x"].to_numpy(),
                located["y"].to_numpy(),
                located["raw_type"].astype(str).tolist(),
            )
        )
if cells is not None and "hotspots_fit" not in st.session_state:
    # Fitted once, then kept: later filter changes must not move the map under the user.
    st.session_state["hotspots_fit"] = view_for(focus_cells(cells))
view = WHOLE_MUNICIPALITY if whole else st.session_state.get("hotspots_fit")
map_column, panel_column = presentation.map_and_side()
with map_column:
    clicked = show_map(base, key="hotspot_map", layers=layers, clickable=True, view=view)
    if not whole and cells is not None:
        st.caption(strings.HOTSPOT_FOCUS_NOTE)
with panel_column:
    clicked_code = details.area_at(layer, clicked)
    if clicked is not None and cells is not None:
        cell = point_in_layer(cells, clicked[0], clicked[1], "cell_id")
        if cell is not None:
            row = cells[cells["cell_id"].astype(str) == cell].iloc[0]
            text = strings.DETAILS_CELL_WEIGHTED if weighted else strings.DETAILS_CELL
            st.markdown(text.format(size=cell_size, label=CLASS_LABELS[row["hotspot_class"]],
                                    n=formats.number(float(row["value"]), 1 if weighted else 0)))  # fmt: skip
    details.panel(
        details.area_details(settings.database_url, version, filters, clicked_code,
                             details.latest_wave(settings.database_url, version), settings.survey_min_n, True)
        if clicked_code else None,
        polis=True, min_n=settings.survey_min_n,
        hint=strings.DETAILS_OUTSIDE if clicked and not clicked_code else strings.DETAILS_HINT_CELL,
    )  # fmt: skip
caption = strings.CAPTION.format(
    start=first, end=last, n=formats.number(len(selected)), source=source
)
if result.cells is not None:
    caption += " · " + strings.HOTSPOT_METHOD.format(
        region=result.region,
        cells=formats.number(len(result.cells)),
        size=cell_size,
        permutations=result.permutations,
        seed=result.seed,
        without=result.without_point,
        outside=result.outside,
        phi=formats.number(result.dispersion, 1),
    )
st.caption(
    caption,
    help=strings.glossary(
        "Hotspot (Gi*)", "Överspridning (φ)", "Justerat p-värde (FDR, Benjamini–Hochberg)"
    ),
)

if cells is not None:
    significant = cells[cells["hotspot_class"] != "none"]  # the cells drawn on the map above
    hotspot_caption = Caption(strings.HOTSPOT_EXPORT_TITLE.format(size=cell_size), f"{first} – {last}", source,
                              n=len(selected), synthetic=bool(selected["synthetic"].any()), approximate=info.approximate)  # fmt: skip
    presentation.export_buttons(
        strings.HOTSPOT_EXPORT_TITLE.format(size=cell_size),
        lambda: category_figure(layer, pd.Series(dtype=str), {}, {}, hotspot_caption, legend_title=strings.HOTSPOT_LEGEND,
                                cells=significant, cell_colours=HOTSPOT_COLOURS, cell_labels=CLASS_LABELS),
        key="hotspot_export",
    )  # fmt: skip
    counts = cells["hotspot_class"].value_counts()
    tables.show(
        pd.DataFrame(
            {
                "Klass": [CLASS_LABELS[c] for c in CLASS_LABELS],
                "Rutor": [int(counts.get(c, 0)) for c in CLASS_LABELS],
            }
        )
    )

if compare and result.table is not None:
    before = loaders.hotspots(
        settings.database_url, version, filters.shifted_back(), cell_size, weighted
    )
    if before.table is None:
        st.info(str(before.error))
    else:
        hot_now = result.table["hotspot_class"].str.startswith("hot")
        hot_before = before.table["hotspot_class"].str.startswith("hot")
        previous_first, previous_last = local_dates(filters.shifted_back())
        st.write(strings.COMPARE_RESULT.format(first=previous_first, last=previous_last, hot=int(hot_before.sum()),
                                               hot_now=int(hot_now.sum()), both=int((hot_now & hot_before).sum())))  # fmt: skip

st.subheader(strings.EMERGING_HEADER)
trend = (
    loaders.emerging(settings.database_url, version, filters, cell_size, 12)
    if st.toggle(strings.EMERGING_TOGGLE, value=False, key="hotspots_emerging")
    else None
)
if trend is None:
    st.caption(strings.EMERGING_OFF)
elif trend.table is None:
    st.info(str(trend.error))
else:
    classes = trend.table
    st.caption(
        strings.EMERGING_EXPLAIN.format(region=trend.region, first=trend.first, last=trend.last)
    )
    summary = classes.loc[classes["emerging_class"] != "none", "emerging_class"].map(
        EMERGING_LABELS
    )
    tables.show(summary.value_counts().rename_axis("Klass").reset_index(name="Rutor"))
    by_area = emerging_by_area(classes, land_grid(cell_size), layer)
    if not by_area.empty:
        st.caption(strings.EMERGING_AREAS)
        shown = by_area.assign(emerging_class=by_area["emerging_class"].map(EMERGING_LABELS))
        tables.show(
            shown[["name", "emerging_class", "cells"]].rename(
                columns={"name": "Område", "emerging_class": "Klass", "cells": "Rutor"}
            )
        )

st.subheader(strings.WEEK_HEADER)
profile = loaders.week_profile(settings.database_url, version, filters, filters.area_code)
st.altair_chart(week_heatmap(profile), width="stretch")
st.caption(
    f"{first} – {last}, n = {formats.number(int(profile.to_numpy().sum()))} · svensk tid · Källa: {source}"
)
