"""Översikt: incidents per area for a chosen period, as a map and a table."""

import streamlit as st

from geo.maps import area_choropleth
from ui import loaders, state, strings
from ui.auth import require_page
from ui.maps import show_map
from ui.widgets import period_picker

require_page("oversikt")
settings = state.settings()
version = loaders.current_data_version()
info, layer = loaders.area_layer(settings.database_url, version)
span = loaders.time_range(settings.database_url, version)

st.header(strings.OVERVIEW_HEADER)
if span is None:
    st.warning(strings.NO_DATA)
    st.stop()
period = period_picker(*span, key="overview_period")
if period is None:
    st.stop()

counts = loaders.area_counts(settings.database_url, version, period.start_utc, period.end_utc)
if counts.synthetic:
    st.warning(strings.SYNTHETIC_WARNING, icon="⚠️")
boundary_note = (
    strings.APPROXIMATE_BOUNDARIES
    if info.approximate
    else strings.OFFICIAL_BOUNDARIES.format(source=info.source)
)
source = (
    strings.SOURCE_DEMO
    if counts.sources == ("demo",)
    else strings.SOURCE_STORE.format(sources=", ".join(counts.sources))
)
caption = strings.CAPTION.format(start=period.first, end=period.last, n=counts.n, source=source)

inland = int(counts.table.loc[counts.table["zone"] == "inland", "count"].sum())
key_total, key_areas, key_inland = st.columns(3)
key_total.metric(strings.KEY_TOTAL, counts.n)
key_areas.metric(strings.KEY_AREAS, len(counts.table))
key_inland.metric(strings.KEY_INLAND, inland)

map_column, table_column = st.columns([3, 2])
with map_column:
    fmap = area_choropleth(
        layer.merge(counts.table[["area_code", "count"]], on="area_code"),
        "count",
        value_label=strings.MAP_VALUE_LABEL,
        legend_title=strings.MAP_LEGEND_TITLE,
        notes=[boundary_note, f"{period.first} – {period.last}, n = {counts.n}"],
        tiles_url=settings.tiles_url,
        tiles_attribution=settings.tiles_attribution,
    )
    show_map(fmap, key="overview_map")
    st.caption(f"{caption} · {boundary_note}")
with table_column:
    st.dataframe(
        counts.table[list(strings.TABLE_COLUMNS)].rename(columns=strings.TABLE_COLUMNS),
        hide_index=True,
        width="stretch",
    )
    if counts.outside:
        st.caption(strings.OUTSIDE_AREAS.format(n=counts.outside))
    note = layer.attrs.get("population_note")
    if note:
        with st.expander(strings.POPULATION_NOTE_LABEL):
            st.text(note)
