"""Hotspots (polis): where incidents concentrate (Gi*), how that changes, and when in the week.

Widgets → the views (``ui.views.hotspots``) → drawing.
"""

import streamlit as st

from ui import details, loaders, presentation, strings, tables
from ui.auth import require_page
from ui.filters import incident_filters
from ui.maps import show_map
from ui.views import area_names
from ui.views import hotspots as views

require_page("hotspots")
data = loaders.page_data()

st.header(strings.HOTSPOTS_HEADER)
if data.span is None:
    st.warning(strings.NO_DATA)
    st.stop()
filters = incident_filters(*data.span, key="hotspots", areas=area_names(data.layer))
cell_size = st.sidebar.select_slider(
    strings.CELL_SIZE_LABEL, options=list(views.CELL_SIZE_CHOICES), value=views.DEFAULT_CELL_SIZE,
    key="hotspots_cell",
)  # fmt: skip
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

view = views.hotspots(data, filters, int(cell_size), weighted=weighted, show_points=show_points,
                      whole=whole, fit=st.session_state.get("hotspots_fit"))  # fmt: skip
if view.fit is not None:  # fitted once, then kept: filter changes must not move the map
    st.session_state["hotspots_fit"] = view.fit
if view.synthetic:
    st.warning(strings.SYNTHETIC_WARNING, icon="⚠️")
if view.error:
    st.info(view.error)
    st.caption(strings.PLAIN_COUNTS)
if view.plain is not None:
    tables.show(view.plain)
if view.points_note:
    st.info(view.points_note)
map_column, panel_column = presentation.map_and_side()
with map_column:
    clicked = show_map(view.map.base, key="hotspot_map", layers=view.map.layers, clickable=True,
                       view=view.map.view)  # fmt: skip
    if view.map.caption:
        st.caption(view.map.caption)
with panel_column:
    if cell := view.cell_text(clicked):
        st.markdown(cell)
    details.beside_map(view.details, clicked, hint=strings.DETAILS_HINT_CELL)
st.caption(view.caption, help=strings.glossary(
    "Hotspot (Gi*)", "Överspridning (φ)", "Justerat p-värde (FDR, Benjamini–Hochberg)"))  # fmt: skip
if view.export is not None:
    presentation.export_buttons(view.export.title, view.export.figure, key="hotspot_export")
if view.classes is not None:
    tables.show(view.classes)

if compare and (comparison := views.comparison(data, filters, int(cell_size), weighted=weighted)):
    if comparison.found:
        st.write(comparison.text)
    else:
        st.info(comparison.text)

st.subheader(strings.EMERGING_HEADER)
if not st.toggle(strings.EMERGING_TOGGLE, value=False, key="hotspots_emerging"):
    st.caption(strings.EMERGING_OFF)
elif (trend := views.trend(data, filters, int(cell_size))).error:
    st.info(trend.error)
else:
    st.caption(trend.explain)
    tables.show(trend.summary)
    if trend.by_area is not None:
        st.caption(strings.EMERGING_AREAS)
        tables.show(trend.by_area)

st.subheader(strings.WEEK_HEADER)
st.altair_chart(view.week, width="stretch")
st.caption(view.week_caption)
