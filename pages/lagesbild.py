"""Gemensam lägesbild: recorded incidents, the survey and partner indicators per area (polis, samverkan).

Widgets → the views (``ui.views.lagesbild``) → drawing.
"""

import streamlit as st

from ui import details, loaders, presentation, render, strings, tables
from ui.auth import POLICE_ROLES, require_page
from ui.maps import show_map
from ui.views import lagesbild as views

require_page("lagesbild")
is_polis = st.session_state.get("role") in POLICE_ROLES
data = loaders.page_data()

st.header(strings.JOINT_HEADER)
st.caption(strings.JOINT_INTRO)
offered = views.choices(data)
if not offered.waves:
    st.warning(strings.JOINT_NO_SURVEY)
    st.stop()
names = offered.names
wave = str(st.sidebar.selectbox(strings.JOINT_WAVE, offered.waves, key="joint_wave"))
focus = set(
    st.sidebar.multiselect(
        strings.JOINT_FOCUS, list(names), default=offered.focus, format_func=lambda c: names.get(c, c),
        help=strings.JOINT_FOCUS_HELP.format(path=offered.promise_file), placeholder=strings.CHOOSE,
        key="joint_focus",
    )
)  # fmt: skip
show_clusters = st.sidebar.toggle(strings.JOINT_CLUSTERS, value=True, key="joint_clusters")

view = views.joint(data, wave, focus, clusters=show_clusters, polis=is_polis)
if view.synthetic:
    st.warning(strings.SYNTHETIC_WARNING, icon="⚠️")
map_column, legend_column = presentation.map_and_side((3, 2))
with map_column:
    clicked = show_map(view.map.base, key="joint_map", layers=view.map.layers, clickable=True)
    st.caption(view.map.caption)
    if view.cluster_note:
        st.caption(view.cluster_note)
    presentation.export_buttons(view.export.title, view.export.figure, key="joint_export")
with legend_column:
    details.beside_map(view.details, clicked)
    for note in strings.JOINT_MAP_NOTES:
        st.caption(
            note, help=strings.glossary("Konfidensintervall (95 % KI, Wilson)", "Poissontest")
        )

st.subheader(strings.JOINT_TABLE_HEADER)
tables.show(view.table, width="stretch", column_config=view.column_config)
st.caption(
    view.fdr_note,
    help=strings.glossary("Poissontest", "Justerat p-värde (FDR, Benjamini–Hochberg)"),
)
if view.denominator_notes:
    with st.expander(strings.JOINT_DENOMINATOR_HEADER, expanded=True):
        render.captions(view.denominator_notes)
if not view.indicator_labels:
    st.caption(strings.JOINT_INDICATOR_NONE)

st.subheader(strings.JOINT_MULTIPLES_HEADER, help=strings.glossary("Små multiplar"))
st.altair_chart(view.multiples, width="content")
st.caption(view.caption)
render.captions([f"• {strings.md(label)}" for label in view.indicator_labels])

with st.expander(strings.JOINT_ANSWERS):
    tables.show(view.answers, width="stretch")

st.subheader(strings.JOINT_ITEMS_HEADER)
item_area = st.selectbox(
    strings.JOINT_ITEMS_AREA, ["", *names], format_func=lambda c: names.get(c, strings.ALL_AREAS),
    key="joint_item_area",
)  # fmt: skip
tables.show(views.items(data, wave, str(item_area or ""), polis=is_polis))
st.caption(strings.JOINT_ITEMS_NOTE)

if view.change is not None:
    st.subheader(view.change.header)
    if view.change.table is None:
        st.info(strings.JOINT_CHANGE_NONE)
    else:
        tables.show(view.change.table)
    st.caption(
        strings.JOINT_CHANGE_NOTE,
        help=strings.glossary("Newcombes intervall", "Justerat p-värde (FDR, Benjamini–Hochberg)"),
    )
    st.caption(view.change.fdr_note)

if is_polis:
    with st.expander(strings.JOINT_COMMENTS):
        tables.show(views.comments(data, wave))
