"""Uppföljning: the promise's activities and indicators (polis edits, samverkan reads); the
evaluation of targeted presence for the police."""

import datetime as dt

import pandas as pd
import streamlit as st

from geo.errors import ConflictError, GeoError, ImportRejected
from geo.followup import (
    INDICATORS,
    PARTIES,
    STATUSES,
    ensure_year,
    load_activities,
    save_activities,
)
from geo.joint import load_promise
from geo.report import build_report, parse_period
from ui import access, followup, loaders, state, strings, tables
from ui.auth import POLICE_ROLES, require_page, who_field

require_page("uppfoljning")
is_polis = st.session_state.get("role") in POLICE_ROLES
settings, version, info, layer, span = loaders.astuple_page(loaders.page_data())
engine = state.engine(settings.database_url)
promise = load_promise(settings.promise_path)
focus_labels = {f.key: f.label for f in promise.focus_areas}

st.header(strings.FOLLOWUP_HEADER)
st.caption(strings.FOLLOWUP_INTRO)
this_year = dt.date.today().year
year = int(
    st.selectbox(
        strings.FOLLOWUP_YEAR, list(range(this_year, this_year - 4, -1)), key="followup_year"
    )
)
if f"followup_seeded_{year}" not in st.session_state:  # once per session and year, not per rerun
    ensure_year(engine, promise, year)
    st.session_state[f"followup_seeded_{year}"] = True
activities = load_activities(engine, year)
columns = list(strings.FOLLOWUP_COLUMNS)

if is_polis:
    # The versions as this user opened them: a save is checked against these, not a fresh read.
    opened_key = f"followup_opened_{year}"
    if opened_key not in st.session_state:
        st.session_state[opened_key] = activities
    opened: pd.DataFrame = st.session_state[opened_key]
    edited = st.data_editor(
        followup.for_editor(opened, focus_labels, INDICATORS)[["id", "version", *columns]],
        column_config=followup.editor_columns(focus_labels, PARTIES, STATUSES, INDICATORS),
        column_order=columns,
        num_rows="dynamic",
        hide_index=True,
        key=f"followup_editor_{year}",
        width="stretch",
    )
    who = who_field(strings.FOLLOWUP_BY, key="followup_by", fallback="okänd (Uppföljning)")
    if st.button(strings.FOLLOWUP_SAVE, type="primary"):
        try:
            counts = save_activities(
                engine, year, followup.rows_for_save(edited, year, focus=focus_labels, indicators=INDICATORS), who=who,
                focus_keys=set(focus_labels),
            )  # fmt: skip
            st.session_state.pop(opened_key, None)
            if counts["ändrade"] or counts["nya"]:
                st.success(
                    strings.FOLLOWUP_SAVED.format(changed=counts["ändrade"], new=counts["nya"])
                )
            else:
                st.info(strings.FOLLOWUP_NOTHING)
        except (ImportRejected, ConflictError) as error:
            st.error(strings.md_lines(error))
else:
    tables.show(followup.display(activities, focus_labels), width="stretch")

st.subheader(strings.FOLLOWUP_INDICATORS)
tables.show(
    followup.indicator_table(settings.database_url, version, year, str(settings.promise_path)),
    width="stretch",
)
st.caption(strings.FOLLOWUP_INDICATOR_NOTE)

st.subheader(strings.REPORT_HEADER)
left, right = st.columns(2)
period_text = left.text_input(strings.REPORT_PERIOD, value=str(year), key="report_period")
audiences = ["samverkan", "polis"] if is_polis else ["samverkan"]  # partners never get presence
audience = str(right.selectbox(strings.REPORT_AUDIENCE, audiences, format_func=lambda a: strings.REPORT_AUDIENCES[a],
                               key="report_audience"))  # fmt: skip
try:
    report_period = parse_period(period_text)
except GeoError as error:
    st.error(strings.md_lines(error))
else:
    st.download_button(
        strings.REPORT_DOWNLOAD,
        data=access.logged_download(
            f"lagesbild_{period_text.replace('..', '_')}_{audience}.pdf",
            lambda: build_report(
                engine, report_period, audience, promise_path=settings.promise_path
            ),
        ),
        file_name=f"lagesbild_{period_text.replace('..', '_')}_{audience}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key="report_download",
    )

if is_polis and span is not None:
    with st.expander(strings.EVAL_HEADER, expanded=False):
        followup.evaluation_section(settings.database_url, version, layer, span)
