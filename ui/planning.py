"""The sections of *Planera närvaro* that are forms: each draws its widgets, asks a view
(``ui.views.presence``) for what to show and writes through the page's
:class:`~ui.presence_log.PresenceLog` with :func:`~ui.presence_log.save`.

The page (``pages/planera.py``) composes them in order; every write reruns the page, so the week,
the map and the downloads are drawn again from the database and show the new state at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from geo.errors import GeoError
from geo.presence.units import UNIT_KINDS
from ui import access, importing, state, strings, tables
from ui.auth import who_field
from ui.charts import week_heatmap
from ui.loaders import PageData
from ui.presence import clickable_map
from ui.presence_log import PresenceLog, flash, save, show_problems
from ui.views import presence as views


def presence_log(data: PageData) -> PresenceLog:
    """The page's writer, bound to the engine and the active layer; the default units and shifts
    are created once per session when there are none."""
    log = PresenceLog(state.engine(data.settings.database_url), data.layer)
    if not st.session_state.get("plan_defaults_checked"):
        log.ensure_defaults()
        st.session_state["plan_defaults_checked"] = True
    return log


@contextmanager
def saved_upload(uploaded: UploadedFile) -> Iterator[Path]:
    """An uploaded file saved to the private upload area while a view reads it, then deleted (a
    full or read-only disk is a Swedish ``StorageError``)."""
    path = importing.save_upload(uploaded.name, uploaded.getvalue())
    try:
        yield path
    finally:
        importing.discard_upload(path)


def planner() -> str:
    """Who plans (the login, or a typed name in local mode), in the sidebar."""
    return who_field(strings.PLAN_WHO, key="plan_who", fallback="okänd", help=strings.PLAN_WHO_HELP,
                     sidebar=True)  # fmt: skip


def week_picker() -> dt.date:
    """The Monday of the week of the day picked in the sidebar (today's week at first)."""
    picked = st.sidebar.date_input(
        strings.PLAN_WEEK, value=dt.date.today(), format="YYYY-MM-DD", key="plan_week"
    )
    return picked - dt.timedelta(days=picked.weekday())


def map_click(week: views.PlanWeek, week_map: views.WeekMap) -> tuple[str | None, str]:
    """The week's map; a click on an area opens it under *Ny närvaro*. Returns the clicked area
    and the key of the form's area field for it."""
    clicked = clickable_map(week_map.map.base, key="plan_map", names=week.names, height=380)
    if clicked in week.names and clicked != st.session_state.get("plan_clicked"):
        # The form's area is set before the form is drawn in this run.
        st.session_state["plan_clicked"] = clicked
    # A widget inside a form keeps what the browser shows, so a click gives the area field a new
    # key (a new widget) that starts at the clicked area.
    clicked_area = st.session_state.get("plan_clicked")
    return clicked_area, f"plan_area_{clicked_area}" if clicked_area else "plan_area"


# --- One visit: edit, move, cancel, mark done ------------------------------------------------------


def entry_forms(week: views.PlanWeek, log: PresenceLog, who: str) -> None:
    """Pick an entry of the week; change, move or cancel it, or mark it done."""
    labels = week.entry_labels
    # A key keeps the choice when a colleague's save changes the label (else Streamlit resets it).
    picked = st.selectbox(
        strings.PLAN_ENTRY, list(labels), format_func=lambda i: labels[i], key="plan_entry"
    )
    if picked is None:
        return
    chosen = int(picked)
    # The version the forms are based on is the one shown when the entry was opened, not the one
    # re-read on the rerun that a click causes: otherwise a colleague's save is lost.
    version_key = f"plan_version_{chosen}"
    if version_key not in st.session_state:
        st.session_state[version_key] = views.stored_version(week, chosen)
    based_on = int(st.session_state[version_key])
    entry = views.entry_form(week, chosen, based_on)
    st.caption(entry.caption)
    edit, done = st.columns(2)
    with edit, st.form(f"edit_{chosen}"):
        purpose = st.text_input(strings.PLAN_PURPOSE, value=entry.purpose)
        unit = st.selectbox(strings.PLAN_UNIT, entry.unit_names, index=entry.unit_index)
        day = st.date_input(strings.PLAN_MOVE_DAY, value=entry.day, format="YYYY-MM-DD")
        start = st.time_input(strings.PLAN_MOVE_TIME, value=entry.time, step=300)
        minutes = st.number_input(
            strings.PLAN_MINUTES, min_value=5, max_value=720, value=entry.minutes, step=5
        )
        status = st.selectbox(strings.PLAN_STATUS, entry.statuses, index=entry.status_index)
        if st.form_submit_button(strings.PLAN_UPDATE):
            save(lambda: log.edit(chosen, expected_version=based_on, was=entry.was, purpose=purpose, unit=unit,
                                  day=day, start=start, minutes=int(minutes), status=status, who=who),
                 lambda cancelled: strings.PLAN_CANCELLED_OK.format(id=chosen) if cancelled else strings.PLAN_SAVED_OK,
                 version_key=version_key)  # fmt: skip
    with done, st.form(f"done_{chosen}"):
        actual_day = st.date_input(
            strings.PLAN_DAY, value=entry.day, format="YYYY-MM-DD", key=f"d{chosen}"
        )
        actual_time = st.time_input(
            strings.PLAN_ACTUAL_START, value=entry.time, step=300, key=f"t{chosen}"
        )
        # The planned length until told otherwise.
        actual_minutes = st.number_input(strings.PLAN_ACTUAL_MINUTES, min_value=1, max_value=720,
                                         value=entry.minutes, key=f"m{chosen}")  # fmt: skip
        tactics = st.text_input(strings.PLAN_TACTICS, value="", key=f"k{chosen}")
        notes = st.text_area(strings.PLAN_NOTES, value="", key=f"n{chosen}")
        if st.form_submit_button(strings.PLAN_DONE):
            save(lambda: log.mark_done(chosen, expected_version=based_on, day=actual_day, start=actual_time,
                                       minutes=int(actual_minutes), tactics=tactics, notes=notes, who=who),
                 strings.PLAN_DONE_OK.format(id=chosen), version_key=version_key)  # fmt: skip


def export_buttons(week: views.PlanWeek) -> None:
    """The week's plan as downloads (each logged when the file is made)."""
    for column, export in zip(st.columns(3), views.exports(week), strict=True):
        column.download_button(export.label, access.logged_download(export.file_name, export.make),
                               file_name=export.file_name, mime=export.mime, key=export.key,
                               on_click="ignore")  # fmt: skip


# --- Proposal ---------------------------------------------------------------------------------------


def proposal_section(week: views.PlanWeek, log: PresenceLog, who: str) -> None:
    """The week's proposal after need: hours, inland share, cap, visit length, units and shifts;
    its rows can be changed and the ticked ones put into the plan."""
    st.subheader(strings.PLAN_PROPOSAL.format(week=week.label))
    st.caption(strings.PLAN_PROPOSAL_EXPLAIN)
    rules = week.rules
    hours_input, inland_input, max_input, visit_input = st.columns(4)
    total_hours = hours_input.number_input(strings.PLAN_PROPOSAL_HOURS.format(week=week.label), min_value=0,
                                           max_value=400, value=20, step=1, key="proposal_hours")  # fmt: skip
    inland_min = inland_input.number_input(strings.PLAN_INLAND_MIN, min_value=0, max_value=100, value=30,
                                           key="proposal_inland")  # fmt: skip
    max_area = max_input.number_input(
        strings.PLAN_MAX_AREA, min_value=1, max_value=100, value=8, key="proposal_cap"
    )
    visit_minutes = visit_input.number_input(strings.PLAN_PROPOSAL_VISIT, min_value=int(rules["visit_minutes_min"]),
                                             max_value=int(rules["visit_minutes_max"]),
                                             value=int(rules["visit_minutes"]), key="proposal_visit")  # fmt: skip
    default_units, default_shifts = views.proposal_defaults(week)
    unit_input, shift_input = st.columns(2)
    units = unit_input.multiselect(strings.PLAN_PROPOSAL_UNITS, [u.name for u in week.active_units],
                                   default=default_units, placeholder=strings.CHOOSE, key="proposal_units")  # fmt: skip
    shifts = shift_input.multiselect(strings.PLAN_PROPOSAL_SHIFTS, [s.name for s in week.shifts],
                                     default=default_shifts, format_func=week.shift_label,
                                     placeholder=strings.CHOOSE, key="proposal_shifts")  # fmt: skip
    choice = views.ProposalChoice(float(total_hours), float(inland_min), float(max_area), int(visit_minutes),
                                  tuple(units), tuple(shifts))  # fmt: skip
    proposal = views.proposal(week, choice)
    st.write(proposal.summary)
    for item in proposal.unplaced:
        st.warning(strings.md(item))
    if proposal.table is not None:
        edited = st.data_editor(proposal.table, hide_index=True, width="stretch", column_config={
            "Område": st.column_config.SelectboxColumn(options=proposal.area_options),
            "Enhet": st.column_config.SelectboxColumn(options=proposal.unit_options),
            "Pass": st.column_config.SelectboxColumn(options=proposal.shift_options),
            "Start": st.column_config.TextColumn(help=strings.PLAN_PROPOSAL_START_HELP),
            "Minuter": st.column_config.NumberColumn(min_value=5, max_value=120, step=1),
            "Varför": st.column_config.TextColumn(disabled=True),
        }, key=f"proposal_{week.label}")  # fmt: skip
        if st.button(strings.PLAN_PROPOSAL_ADD, key="proposal_add"):
            added, refused = log.add_proposal(edited, who=who)
            st.session_state["plan_refused"] = refused
            flash(strings.PLAN_PROPOSAL_ADDED.format(added=added))
    for message in st.session_state.pop("plan_refused", []):
        st.warning(strings.md(message))


# --- Round through the inland -----------------------------------------------------------------------


def round_section(week: views.PlanWeek) -> None:
    """A unit's planned visits of one shift as a round (travel estimated, or from a file)."""
    st.subheader(strings.PLAN_ROUND)
    upload = st.file_uploader(strings.PLAN_TRAVEL_FILE, type=["csv", "txt"], key="travel_file")
    travel = views.travel(week)
    if upload is not None:
        try:
            with saved_upload(upload) as path:
                travel = views.travel(week, path, upload.name)
        except GeoError as error:  # the estimate stays
            show_problems(error)
    st.caption(travel.caption)
    duties = views.duties(week)
    if not duties:
        st.info(strings.PLAN_ROUND_NONE)
        return
    duty = st.selectbox(
        strings.PLAN_ROUND_PICK, duties, format_func=views.duty_label, key="plan_round_duty"
    )
    if duty is None:
        return
    found = views.round_for(week, travel, duty)
    if found is None:
        st.info(strings.PLAN_ROUND_NONE)
        return
    for line in found.lines:
        st.write("- " + strings.md(line))
    if found.skipped:
        st.warning(strings.md(found.skipped))
    from ui.maps import show_map  # in a session only (see ui.warmup.COMPONENT_MODULES)

    show_map(found.map.base, key="plan_round_map", height=320)


# --- New entry --------------------------------------------------------------------------------------


def new_entry_section(week: views.PlanWeek, log: PresenceLog, who: str, clicked_area: str | None,
                      area_key: str, minutes: pd.Series) -> None:  # fmt: skip
    """The form for a new visit, beside the chosen area's week profile and facts."""
    st.subheader(strings.PLAN_NEW)
    form = views.new_entry(week, clicked_area)
    form_column, need_column = st.columns([1, 1])
    with form_column, st.form("new_presence"):
        area = st.selectbox(strings.PLAN_AREA, form.areas, index=form.area_index,
                            format_func=lambda c: week.names[c], key=area_key)  # fmt: skip
        day = st.date_input(strings.PLAN_DAY, value=week.monday, format="YYYY-MM-DD")
        start = st.time_input(strings.PLAN_TIME, value=dt.time(20, 0), step=300)
        length = st.number_input(
            strings.PLAN_MINUTES, min_value=5, max_value=720, value=form.visit_minutes, step=5
        )
        unit = st.selectbox(strings.PLAN_UNIT, form.unit_options, key="plan_unit")
        shift = st.selectbox(strings.PLAN_SHIFT, form.shift_options,
                             format_func=lambda n: views.shift_choice_label(week, n))  # fmt: skip
        kind = st.selectbox(strings.PLAN_KIND, form.kinds)
        purpose = st.text_input(strings.PLAN_PURPOSE, value="")
        activity = st.text_input(strings.PLAN_ACTIVITY, value="")
        point = st.text_input(strings.PLAN_POINT, value="", help=strings.PLAN_POINT_HELP)
        route = st.text_input(strings.PLAN_ROUTE, value="", help=strings.PLAN_ROUTE_HELP)
        notes = st.text_area(strings.PLAN_NOTES, value="")
        if st.form_submit_button(strings.PLAN_SAVE, type="primary"):
            fields = {"area_code": area, "unit": unit, "kind": kind, "purpose": purpose,
                      "promise_activity": activity or None, "notes": notes or None, "shift": shift or None}  # fmt: skip
            save(lambda: log.plan_visit(fields, day=day, start=start, minutes=int(length), point=point,
                                        route=route, who=who),
                 lambda entry_id: strings.PLAN_SAVED.format(id=entry_id))  # fmt: skip
    with need_column:
        st.caption(strings.PLAN_NEED_PROFILE)
        facts = views.area_facts(week, st.session_state.get(area_key), minutes)
        st.altair_chart(week_heatmap(facts.profile), width="stretch")
        st.caption(facts.caption)


# --- Presence file ----------------------------------------------------------------------------------


def import_section(log: PresenceLog, who: str) -> None:
    """A presence file: checked first (nothing stored), imported on confirmation, all or nothing."""
    st.subheader(strings.PLAN_IMPORT)
    st.caption(strings.PLAN_IMPORT_EXPLAIN)
    uploaded = st.file_uploader(
        strings.PLAN_IMPORT_FILE, type=["csv", "txt", "xlsx"], key="presence_file"
    )
    if uploaded is None:
        return
    swedish_dates = st.checkbox(strings.IMPORT_SWEDISH_DATES, key="presence_swedish_dates")
    # Saved for this run only (the check and, on the click, the import read it), deleted after.
    with saved_upload(uploaded) as upload:
        try:
            checked = views.checked_file(
                log.check_file(upload, who=who, swedish_dates=swedish_dates)
            )
        except GeoError as error:  # not readable at all: missing, too large, not CSV or Excel
            show_problems(error)
            return
        if not checked.accepted:
            st.error(checked.headline)
            st.code(checked.report, language=None, wrap_lines=True)
            return
        st.info(checked.headline)
        for flag in checked.flags:
            st.warning(flag)
        if st.button(strings.PLAN_IMPORT_CONFIRM, key="presence_import_confirm"):
            save(lambda: log.import_file(upload, who=who, swedish_dates=swedish_dates).rows_read,
                 lambda rows: strings.PLAN_IMPORT_DONE.format(n=rows, rows=views.rows_word(rows)))  # fmt: skip


# --- Units and shifts -------------------------------------------------------------------------------


def registers(week: views.PlanWeek, log: PresenceLog, who: str) -> None:
    """The units and shift patterns, each edited against the version the form opened."""
    st.caption(strings.PLAN_UNITS_EXPLAIN)
    bases = views.bases()
    units, shifts = week.units, week.shifts
    unit_column, shift_column = st.columns(2)
    with unit_column:
        unit_choice = st.selectbox(
            strings.PLAN_UNIT_PICK, [None, *[u.id for u in units]],
            format_func=lambda i: strings.PLAN_UNIT_NEW if i is None else next(u.name for u in units if u.id == i),
            key="plan_unit_pick",
        )  # fmt: skip
        current = next((u for u in units if u.id == unit_choice), None)
        unit_key = f"plan_unit_version_{unit_choice}"
        if current is not None and unit_key not in st.session_state:
            st.session_state[unit_key] = current.version
        with st.form(f"unit_{unit_choice}"):
            name = st.text_input(strings.PLAN_UNIT_NAME, value=current.name if current else "")
            kind = st.selectbox(
                strings.PLAN_UNIT_KIND,
                UNIT_KINDS,
                index=UNIT_KINDS.index(current.kind) if current else 0,
            )
            base = st.selectbox(strings.PLAN_UNIT_BASE, bases,
                                index=bases.index(current.home_base) if current and current.home_base in bases else 0)  # fmt: skip
            active = st.checkbox(
                strings.PLAN_UNIT_ACTIVE, value=current.active if current else True
            )
            if st.form_submit_button(strings.PLAN_UNIT_SAVE):
                unit_fields = {"name": name, "kind": kind, "home_base": base, "active": active}
                save(lambda: log.save_unit(unit_fields, who=who, unit_id=unit_choice,
                                           expected_version=st.session_state.get(unit_key)),
                     strings.PLAN_SAVED_OK, version_key=unit_key)  # fmt: skip
    with shift_column:
        shift_choice = st.selectbox(
            strings.PLAN_SHIFT_PICK, [None, *[s.id for s in shifts]],
            format_func=lambda i: strings.PLAN_SHIFT_NEW if i is None else next(s.label for s in shifts if s.id == i),
            key="plan_shift_pick",
        )  # fmt: skip
        shift = next((s for s in shifts if s.id == shift_choice), None)
        shift_key = f"plan_shift_version_{shift_choice}"
        if shift is not None and shift_key not in st.session_state:
            st.session_state[shift_key] = shift.version
        with st.form(f"shift_{shift_choice}"):
            label = st.text_input(strings.PLAN_UNIT_NAME, value=shift.name if shift else "")
            begins = st.text_input(
                strings.PLAN_SHIFT_START, value=shift.start if shift else "07:00"
            )
            ends = st.text_input(strings.PLAN_SHIFT_END, value=shift.end if shift else "16:00")
            if st.form_submit_button(strings.PLAN_SHIFT_SAVE):
                shift_fields = {"name": label, "start_time": begins, "end_time": ends}
                save(lambda: log.save_shift(shift_fields, who=who, shift_id=shift_choice,
                                            expected_version=st.session_state.get(shift_key)),
                     strings.PLAN_SAVED_OK, version_key=shift_key)  # fmt: skip


# --- GPS --------------------------------------------------------------------------------------------


def gps_section(week: views.PlanWeek, log: PresenceLog, who: str) -> None:
    """A GPS log: its stays in areas against the plan, saved as performed presence on request."""
    st.subheader(strings.PLAN_GPS)
    uploaded = st.file_uploader(strings.PLAN_GPS_FILE, type=["csv", "txt", "gpx"], key="gps")
    if uploaded is None:
        return
    try:
        with saved_upload(uploaded) as path:
            found = views.gps(week, path)
    except GeoError as error:
        show_problems(error)
        return
    st.write(found.found)
    tables.show(found.table)
    st.caption(strings.PLAN_GPS_VS_PLAN)
    tables.show(found.against_plan)
    if len(found.stays) and st.button(strings.PLAN_GPS_SAVE):
        save(
            lambda: log.record_gps(found.stays, who=who),
            lambda n: strings.PLAN_GPS_SAVED.format(count=n),
        )
