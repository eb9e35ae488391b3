"""Närvaro mot behov (polis): did presence follow need, where are the gaps, is the inland promise kept?

Widgets → a view (``ui.views.presence.need``, cached on the data, the presence log's version and
the minute) → render. The page only reads.
"""

import streamlit as st

from ui import charts, loaders, strings, tables
from ui.auth import require_page
from ui.filters import incident_filters
from ui.views import presence as views

require_page("narvaro")
data = loaders.page_data()

st.header(strings.PAGE_NEED)
st.caption(strings.POLICE_ONLY)
if data.span is None:
    st.warning(strings.NO_DATA)
    st.stop()
filters = incident_filters(*data.span, key="need")
hours = st.sidebar.multiselect(
    strings.NEED_HOURS,
    list(range(24)),
    default=[],
    format_func=lambda h: f"{h:02d}–{(h + 1) % 24:02d}",
    placeholder=strings.ALL_HOURS,
    key="need_hours",
)
if filters is None:
    st.stop()
need = views.need(data, filters, tuple(sorted(hours)))

st.subheader(strings.NEED_TABLE)
tables.show(need.table, width="stretch", percent=views.NEED_PERCENT)
category, value = strings.NEED_SHARE_AXES
st.altair_chart(
    charts.grouped_bars(need.shares, category_title=category, value_title=value, percent=True),
    width="stretch",
)
st.caption(need.caption)
st.caption(need.period)

st.subheader(strings.NEED_GAPS)
if not need.gaps:
    st.info(strings.NEED_NO_GAPS)
for line in need.gaps:
    st.write(line)

st.subheader(strings.NEED_INLAND)
target = st.number_input(
    strings.NEED_TARGET, min_value=0, max_value=200, value=need.default_target, step=1
)
inland = views.inland(need, data, target)
week_column, month_column = st.columns(2)
with week_column:
    tables.show(inland.weekly, hide_index=True)
with month_column:
    tables.show(inland.monthly, hide_index=True)

st.subheader(strings.NEED_KOPER)
if need.visit_chart is not None:
    st.altair_chart(
        charts.bars(
            need.visit_chart,
            category_title=strings.NEED_VISIT_MINUTES,
            value_title=strings.NEED_VISIT_COUNT,
        ),
        width="stretch",
    )
    st.caption(strings.NEED_KOPER_BINS)
    st.caption(need.visits)
st.info(need.koper)
