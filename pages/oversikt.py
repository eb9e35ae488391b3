"""Översikt: key figures, the area map by count or harm, trends and the changes that are real.

Widgets → the view (``ui.views.oversikt``) → drawing.
"""

import streamlit as st

from ui import details, loaders, presentation, render, strings, tables
from ui.auth import POLICE_ROLES, require_page
from ui.filters import incident_filters
from ui.maps import show_map
from ui.views.oversikt import overview

require_page("oversikt")
data = loaders.page_data()

st.header(strings.OVERVIEW_HEADER)
if data.span is None:
    st.warning(strings.NO_DATA)
    st.stop()
filters = incident_filters(*data.span, key="overview")
measure = st.sidebar.radio(
    strings.MEASURE_LABEL,
    list(strings.MEASURES),
    format_func=strings.MEASURES.get,
    key="overview_measure",
    help=strings.MEASURE_HELP,
)
if filters is None:
    st.stop()

view = overview(data, filters, str(measure), polis=st.session_state.get("role") in POLICE_ROLES)
if view.synthetic:
    st.warning(strings.SYNTHETIC_WARNING, icon="⚠️")
if not presentation.active():
    render.metrics(view.key_figures)
map_column, panel_column = presentation.map_and_side()
with map_column:
    clicked = show_map(view.map.base, key="overview_map", layers=view.map.layers, clickable=True)
    st.caption(view.map.caption)
    presentation.export_buttons(view.export.title, view.export.figure, key="overview_export")
with panel_column:
    details.beside_map(view.details, clicked)
if presentation.active():
    render.metrics(view.key_figures)

tables.show(view.table, width="stretch")
render.captions(view.notes)

st.subheader(strings.TREND_HEADER)
st.altair_chart(view.trend, width="stretch")
st.caption(view.trend_caption)

st.subheader(strings.CHANGES_HEADER)
if view.changes is None:
    st.info(strings.CHANGES_NONE)
else:
    tables.show(view.changes, width="stretch")
render.captions(view.changes_notes)
st.caption(
    view.changes_explain,
    help=strings.glossary("Poissontest", "Justerat p-värde (FDR, Benjamini–Hochberg)"),
)
if view.population_note:
    with st.expander(strings.POPULATION_NOTE_LABEL):
        st.text(view.population_note)
