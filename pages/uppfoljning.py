"""Uppföljning: the promise's activities and indicators (polis edits, samverkan reads); the
evaluation of targeted presence for the police.

Widgets → the view (``ui.views.uppfoljning``) → drawing; the activities are saved by
``ui.followup`` (the page's write).
"""

import streamlit as st

from ui import access, followup, loaders, strings, tables
from ui.auth import POLICE_ROLES, require_page
from ui.views import uppfoljning as views

require_page("uppfoljning")
is_polis = st.session_state.get("role") in POLICE_ROLES
data = loaders.page_data()

st.header(strings.FOLLOWUP_HEADER)
st.caption(strings.FOLLOWUP_INTRO)
year = int(st.selectbox(strings.FOLLOWUP_YEAR, views.years(), key="followup_year"))
followup.start_year(data.settings, year)
view = views.followup_view(data, year)
if is_polis:
    followup.activity_editor(data.settings, year, view.activities, view.focus_labels)
else:
    tables.show(view.shown, width="stretch")

st.subheader(strings.FOLLOWUP_INDICATORS)
tables.show(view.indicators, width="stretch")
st.caption(strings.FOLLOWUP_INDICATOR_NOTE)

st.subheader(strings.REPORT_HEADER)
left, right = st.columns(2)
period_text = left.text_input(strings.REPORT_PERIOD, value=str(year), key="report_period")
audience = str(right.selectbox(strings.REPORT_AUDIENCE, views.audiences(polis=is_polis),
                               format_func=lambda a: strings.REPORT_AUDIENCES[a], key="report_audience"))  # fmt: skip
report = views.report(data, period_text, audience)
if report.error or report.period is None:
    st.error(report.error)
else:  # the click starts the period's year (its activities) before drawing: ui.followup.seeded
    pdf = followup.seeded(data.settings, report.period.start.year, report.build)
    st.download_button(
        strings.REPORT_DOWNLOAD,
        data=access.logged_download(report.file_name, pdf),
        file_name=report.file_name,
        mime="application/pdf",
        on_click="ignore",
        key="report_download",
    )

if is_polis and data.span is not None:
    with st.expander(strings.EVAL_HEADER, expanded=False):
        followup.evaluation_section(data.settings.database_url, data.version, data.layer, data.span)
