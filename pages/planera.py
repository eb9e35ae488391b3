"""Planera närvaro (polis): the week per unit and day, edit/move/cancel/mark done, the proposal per
area and unit, rounds through the inland, a new visit, presence files, units and shifts, GPS.

Widgets → a view (``ui.views.presence``) → render; the forms are sections of ``ui.planning`` and
every write goes through one :class:`~ui.presence_log.PresenceLog`, followed by a rerun, so the
week, the map and the downloads show the new state at once.
"""

import streamlit as st

from ui import loaders, planning, strings, tables
from ui.auth import require_page
from ui.presence_log import show_flash
from ui.views import presence as views

require_page("planera")
data = loaders.page_data()
log = planning.presence_log(data)
who = planning.planner()

st.header(strings.PAGE_PLAN)
st.caption(strings.POLICE_ONLY)
week = views.plan_week(data, planning.week_picker())
show_flash()

# --- The week -------------------------------------------------------------------------------------
st.subheader(week.title)
st.caption(strings.PLAN_WEEK_GRID)
st.markdown(week.grid_html, unsafe_allow_html=True)
if week.empty:
    st.info(strings.PLAN_EMPTY)
load_column, hours_column = st.columns([2, 3])
with load_column:
    st.caption(strings.PLAN_UNIT_LOAD)
    tables.show(week.load, percent=views.LOAD_PERCENT, key="plan_load")
with hours_column:
    st.caption(strings.PLAN_AREA_HOURS)
    tables.show(week.area_hours, percent=views.AREA_HOURS_PERCENT, key="plan_area_hours")
measure = st.radio(
    strings.PLAN_MAP_MEASURE, list(strings.PLAN_MAP_MEASURES), horizontal=True,
    format_func=lambda key: strings.PLAN_MAP_MEASURES[key], key="plan_map_measure",
)  # fmt: skip
week_map = views.week_map(week, measure)
clicked_area, area_key = planning.map_click(week, week_map)
st.caption(week_map.map.caption)

# --- One visit: edit, move, cancel, mark done; the week's files ---------------------------------
if not week.empty:
    st.subheader(strings.PLAN_EDIT)
    planning.entry_forms(week, log, who)
    st.subheader(strings.PLAN_EXPORTS)
    planning.export_buttons(week)

# --- Proposal, round, a new visit, files, registers, GPS ------------------------------------------
planning.proposal_section(week, log, who)
planning.round_section(week)
planning.new_entry_section(week, log, who, clicked_area, area_key, week_map.minutes)
planning.import_section(log, who)
with st.expander(strings.PLAN_UNITS):
    planning.registers(week, log, who)
planning.gps_section(week, log, who)
