"""Planera närvaro (polis): the week per unit and day, edit/move/cancel/mark done, the proposal per
area and unit, units and shifts, presence files, rounds through the inland, GPS, exports.

Every write is followed by a rerun, so the week, the map and the downloads show the new state at once.
"""

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from geo import formats
from geo.errors import ConflictError, GeoError
from geo.maps import area_choropleth
from geo.periods import LOCAL_TZ
from geo.presence import (
    STATUSES,
    cancel_entry,
    create_entry,
    dwell_sessions,
    gps_against_plan,
    kinds,
    local_window,
    map_minutes,
    mark_done,
    parse_point,
    parse_route,
    presence_settings,
    read_gps,
    record_dwell,
    stays_window,
    update_entry,
    week_blocks,
    week_hours_vs_need,
    week_plan_csv,
    week_plan_html,
    week_plan_ics,
)
from geo.presence_import import import_presence_file
from geo.proposal import proposal_table, propose_week
from geo.rounds import ESTIMATE, read_travel_csv, travel_for
from geo.store import now_utc
from geo.units import (
    UNIT_KINDS,
    ensure_defaults,
    list_shifts,
    list_units,
    save_shift,
    save_unit,
    unit_load,
)
from ui import access, importing, loaders, presence, state, strings, tables
from ui.auth import require_page, who_field
from ui.charts import week_heatmap
from ui.loaders import Filters
from ui.maps import show_map

require_page("planera")
settings = state.settings()
engine = state.engine(settings.database_url)
if not st.session_state.get("plan_defaults_checked"):
    ensure_defaults(engine)
    st.session_state["plan_defaults_checked"] = True
version = loaders.current_data_version()
info, layer = loaders.area_layer(settings.database_url, version)
names = dict(zip(layer["area_code"], layer["name"], strict=True))
codes = set(names)
code_for_name = {name: code for code, name in names.items()}
shapes = dict(zip(layer["area_code"], layer.geometry, strict=True))
rules = presence_settings()
who = who_field(
    strings.PLAN_WHO, key="plan_who", fallback="okänd", help=strings.PLAN_WHO_HELP, sidebar=True
)

st.header(strings.PAGE_PLAN)
st.caption(strings.POLICE_ONLY)
picked = st.sidebar.date_input(
    strings.PLAN_WEEK, value=dt.date.today(), format="YYYY-MM-DD", key="plan_week"
)
monday = picked - dt.timedelta(days=picked.weekday())
week_number = monday.isocalendar().week
week_label = f"{monday.isocalendar().year}-V{week_number:02d}"
week_start, week_end = presence.week_bounds(monday)
year_back = Filters((week_start - dt.timedelta(days=365)).isoformat(), week_start.isoformat())
units = list_units(engine)
active_units = [u for u in units if u.active]
shifts = list_shifts(engine)


def show_problems(error: GeoError) -> None:
    st.error(strings.md_lines(getattr(error, "summary", str(error))))
    for problem in getattr(error, "problems", []):
        st.write(f"- {strings.md(problem)}")


def saved(message: str) -> None:
    """Remember the message and rerun: everything below is drawn again from the database."""
    st.session_state["plan_flash"] = message
    st.rerun()


def save_versioned(write: Callable[[int | None], object], version_key: str) -> None:
    """Save a versioned record (unit or shift) against the version the form was opened with; a
    conflict or a refusal is shown, and a conflict forgets that version so the form reloads."""
    try:
        write(st.session_state.get(version_key))
        st.session_state.pop(version_key, None)
        saved(strings.PLAN_SAVED_OK)
    except ConflictError as error:
        st.error(strings.md_lines(error))
        st.session_state.pop(version_key, None)
    except GeoError as error:
        show_problems(error)


for message in [st.session_state.pop("plan_flash", None)]:
    if message:
        st.success(message)

# --- The week -------------------------------------------------------------------------------------
st.subheader(
    strings.PLAN_WEEK_TITLE.format(
        week=week_label, first=monday, last=monday + dt.timedelta(days=6)
    )
)
week = presence.entries(week_start, week_end)
need = presence.need_table(
    settings.database_url, version, year_back, (), presence.presence_version()
)
blocks = week_blocks(week, names, monday)
st.caption(strings.PLAN_WEEK_GRID)
st.markdown(
    presence.week_grid_html(blocks, [u.name for u in active_units], monday),
    unsafe_allow_html=True,
)
if week.empty:
    st.info(strings.PLAN_EMPTY)
load_column, hours_column = st.columns([2, 3])
with load_column:
    st.caption(strings.PLAN_UNIT_LOAD)
    load = unit_load(week, active_units, shifts, monday)
    tables.show(
        load.rename(columns=strings.PLAN_UNIT_LOAD_COLUMNS),
        percent=("Andel av passens tid",),
        key="plan_load",
    )
with hours_column:
    st.caption(strings.PLAN_AREA_HOURS)
    versus = week_hours_vs_need(week, need)
    tables.show(
        versus[list(strings.PLAN_AREA_HOURS_COLUMNS)]
        .assign(zone=versus["zone"].map(strings.ZONE_LABELS))
        .rename(columns=strings.PLAN_AREA_HOURS_COLUMNS),
        percent=("Andel av behovet", "Andel av planen"),
        key="plan_area_hours",
    )
measure = st.radio(
    strings.PLAN_MAP_MEASURE, list(strings.PLAN_MAP_MEASURES), horizontal=True,
    format_func=lambda key: strings.PLAN_MAP_MEASURES[key], key="plan_map_measure",
)  # fmt: skip
minutes_per_area = map_minutes(week, measure)
fmap = area_choropleth(
    # Areas with nothing planned have no value (grey), so the classes describe planned areas only.
    layer.assign(minutes=layer["area_code"].map(minutes_per_area[minutes_per_area > 0])),
    "minutes",
    value_label=strings.PLAN_MAP_MEASURES[measure],
    legend_title=strings.PLAN_MAP_MEASURES[measure],
    notes=[
        strings.PLAN_MAP_NO_HOURS,
        strings.APPROXIMATE_BOUNDARIES if info.approximate else info.source,
    ],
)
clicked = presence.clickable_map(fmap, key="plan_map", names=names, height=380)
if clicked in names and clicked != st.session_state.get("plan_clicked"):
    # A click on an area opens it below: its week profile, need and last visit, and the form
    # to plan a visit there (the form's area is set before the form is drawn in this run).
    st.session_state["plan_clicked"] = clicked
# A widget inside a form keeps what the browser shows, so a click gives the area field a new key
# (a new widget) that starts at the clicked area.
clicked_area = st.session_state.get("plan_clicked")
area_key = f"plan_area_{clicked_area}" if clicked_area else "plan_area"
st.caption(strings.PLAN_MAP_CLICK)

# --- One visit: edit, move, cancel, mark done ---------------------------------------------------
if not week.empty:
    st.subheader(strings.PLAN_EDIT)
    labels = {
        int(b.id): f"#{b.id}: {b.day} {b.start}–{b.end} · {b.area} · {b.unit} · {b.status}"
        for b in blocks.itertuples()
    }
    # A key keeps the choice when a colleague's save changes the label (else Streamlit resets it).
    picked_entry = st.selectbox(
        strings.PLAN_ENTRY, list(labels), format_func=lambda i: labels[i], key="plan_entry"
    )
    if picked_entry is not None:
        chosen = int(picked_entry)
        row = week.set_index("id").loc[chosen]
        # The version the forms are based on is the one shown when the entry was opened, not the
        # one re-read on the rerun that a click causes: otherwise a colleague's save is lost.
        version_key = f"plan_version_{chosen}"
        if version_key not in st.session_state:
            st.session_state[version_key] = int(row["version"])
        based_on = int(st.session_state[version_key])
        st.caption(f"Version {based_on}, senast ändrad av {strings.md(row['updated_by'])}")
        local_start = row["planned_start"].tz_convert(LOCAL_TZ)
        planned_minutes = int((row["planned_end"] - row["planned_start"]).total_seconds() // 60)
        unit_names = [u.name for u in active_units] or [str(row["unit"])]
        if str(row["unit"]) not in unit_names:
            unit_names.append(str(row["unit"]))
        edit, done = st.columns(2)
        with edit, st.form(f"edit_{chosen}"):
            new_purpose = st.text_input(strings.PLAN_PURPOSE, value=str(row["purpose"]))
            new_unit = st.selectbox(
                strings.PLAN_UNIT, unit_names, index=unit_names.index(str(row["unit"]))
            )
            new_day = st.date_input(
                strings.PLAN_MOVE_DAY, value=local_start.date(), format="YYYY-MM-DD"
            )
            new_time = st.time_input(
                strings.PLAN_MOVE_TIME, value=local_start.time().replace(second=0), step=300
            )
            new_minutes = st.number_input(
                strings.PLAN_MINUTES, min_value=5, max_value=720, value=planned_minutes, step=5
            )
            new_status = st.selectbox(
                "Status",
                [s for s in STATUSES if s != "genomförd"],
                index=0 if row["status"] != "inställd" else 1,
            )
            if st.form_submit_button(strings.PLAN_UPDATE):
                try:
                    if new_status == "inställd" and row["status"] != "inställd":
                        cancel_entry(
                            engine, chosen, expected_version=based_on, who=who, area_codes=codes
                        )
                        message = strings.PLAN_CANCELLED_OK.format(id=chosen)
                    else:
                        changes: dict[str, object] = {"purpose": new_purpose, "unit": new_unit}
                        start, end = local_window(new_day, new_time, int(new_minutes))
                        if start != row["planned_start"] or end != row["planned_end"]:
                            changes |= {"planned_start": start, "planned_end": end}
                        if new_status != row["status"]:
                            changes["status"] = new_status
                        update_entry(engine, chosen, expected_version=based_on, changes=changes, who=who,
                                     area_codes=codes, shapes=shapes)  # fmt: skip
                        message = strings.PLAN_SAVED_OK
                    del st.session_state[version_key]
                    saved(message)
                except ConflictError as error:
                    st.error(strings.md_lines(error))
                    del st.session_state[version_key]  # show the saved version next time
                except GeoError as error:
                    show_problems(error)
        with done, st.form(f"done_{chosen}"):
            actual_day = st.date_input(
                strings.PLAN_DAY, value=local_start.date(), format="YYYY-MM-DD", key=f"d{chosen}"
            )
            actual_time = st.time_input(
                strings.PLAN_ACTUAL_START,
                value=local_start.time().replace(second=0),
                step=300,
                key=f"t{chosen}",
            )
            actual_minutes = st.number_input(
                strings.PLAN_ACTUAL_MINUTES,
                min_value=1,
                max_value=720,
                value=planned_minutes,  # the planned length until told otherwise
                key=f"m{chosen}",
            )
            tactics = st.text_input(strings.PLAN_TACTICS, value="", key=f"k{chosen}")
            done_notes = st.text_area(strings.PLAN_NOTES, value="", key=f"n{chosen}")
            if st.form_submit_button(strings.PLAN_DONE):
                try:
                    actual_start, actual_end = local_window(
                        actual_day, actual_time, int(actual_minutes)
                    )
                    mark_done(engine, chosen, expected_version=based_on, actual_start=actual_start,
                              actual_end=actual_end, tactics=tactics or None,
                              notes=done_notes or None, who=who, area_codes=codes, shapes=shapes)  # fmt: skip
                    del st.session_state[version_key]
                    saved(strings.PLAN_DONE_OK.format(id=chosen))
                except ConflictError as error:
                    st.error(strings.md_lines(error))
                    del st.session_state[version_key]
                except GeoError as error:
                    show_problems(error)

    st.subheader(strings.PLAN_EXPORTS)
    csv_column, ics_column, print_column = st.columns(3)
    csv_column.download_button(
        "CSV (Excel)",
        access.logged_download(f"narvaroplan_{monday}.csv", lambda: week_plan_csv(week, names)),
        file_name=f"narvaroplan_{monday}.csv",
        mime="text/csv",
        key="plan_csv",
        on_click="ignore",
    )
    ics_column.download_button(
        "iCalendar",
        access.logged_download(f"narvaroplan_{monday}.ics", lambda: week_plan_ics(week, names)),
        file_name=f"narvaroplan_{monday}.ics",
        mime="text/calendar",
        key="plan_ics",
        on_click="ignore",
    )
    print_column.download_button("Utskrift (HTML)", access.logged_download(f"narvaroplan_{monday}.html",
                                 lambda: week_plan_html(week, names, title=f"Närvaroplan vecka {week_number}")),
                                 file_name=f"narvaroplan_{monday}.html", mime="text/html", key="plan_html",
                                 on_click="ignore")  # fmt: skip

# --- Proposal ------------------------------------------------------------------------------------
st.subheader(strings.PLAN_PROPOSAL.format(week=week_label))
st.caption(strings.PLAN_PROPOSAL_EXPLAIN)
hours_input, inland_input, max_input, visit_input = st.columns(4)
total_hours = hours_input.number_input(
    strings.PLAN_PROPOSAL_HOURS.format(week=week_label),
    min_value=0,
    max_value=400,
    value=20,
    step=1,
    key="proposal_hours",
)
inland_min = inland_input.number_input(
    strings.PLAN_INLAND_MIN, min_value=0, max_value=100, value=30, key="proposal_inland"
)
max_area = max_input.number_input(
    strings.PLAN_MAX_AREA, min_value=1, max_value=100, value=8, key="proposal_cap"
)
visit_minutes = visit_input.number_input(
    strings.PLAN_PROPOSAL_VISIT,
    min_value=int(rules["visit_minutes_min"]),
    max_value=int(rules["visit_minutes_max"]),
    value=int(rules["visit_minutes"]),
    key="proposal_visit",
)
unit_input, shift_input = st.columns(2)
chosen_units = unit_input.multiselect(
    strings.PLAN_PROPOSAL_UNITS,
    [u.name for u in active_units],
    default=([u.name for u in active_units if u.kind == "bil"] or [u.name for u in active_units])[
        :2
    ],
    placeholder=strings.CHOOSE,
    key="proposal_units",
)
chosen_shifts = shift_input.multiselect(
    strings.PLAN_PROPOSAL_SHIFTS,
    [s.name for s in shifts],
    default=[s.name for s in shifts if s.name in ("dag", "kväll")] or [s.name for s in shifts],
    format_func=lambda name: next(s.label for s in shifts if s.name == name),
    placeholder=strings.CHOOSE,
    key="proposal_shifts",
)
travel = travel_for(layer, rules)
profiles = {
    code: loaders.week_profile(settings.database_url, version, year_back, code) for code in names
}
proposal = propose_week(
    need,
    profiles,
    week_start=monday,
    total_hours=float(total_hours),
    inland_min_share=inland_min / 100,
    max_hours_per_area=float(max_area),
    units=[u for u in active_units if u.name in chosen_units],
    shifts=[s for s in shifts if s.name in chosen_shifts],
    now=now_utc(),
    visit_minutes=int(visit_minutes),
    busy=week,
    travel=travel,
    same_area_gap_minutes=int(rules["same_area_gap_minutes"]),
)
st.write(
    strings.PLAN_PROPOSAL_SUMMARY.format(
        placed=formats.number(proposal.placed_minutes),
        requested=formats.number(proposal.requested_minutes),
        n=formats.number(len(proposal.visits)),
    )
)
for item in proposal.unplaced:
    area_text = f" i {item.name}" if item.name else ""
    st.warning(
        strings.md(
            strings.PLAN_PROPOSAL_UNPLACED.format(
                minutes=formats.number(item.minutes), area=area_text, reason=item.reason
            )
        )
    )
if proposal.visits:
    table = proposal_table(proposal)
    table["Område"] = table["Områdesnamn"]
    table = table.drop(columns="Områdesnamn")
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Område": st.column_config.SelectboxColumn(options=sorted(code_for_name)),
            "Enhet": st.column_config.SelectboxColumn(options=[u.name for u in active_units]),
            "Pass": st.column_config.SelectboxColumn(options=[s.name for s in shifts]),
            "Start": st.column_config.TextColumn(help="ÅÅÅÅ-MM-DD TT:MM, svensk tid"),
            "Minuter": st.column_config.NumberColumn(min_value=5, max_value=120, step=1),
            "Varför": st.column_config.TextColumn(disabled=True),
        },
        key=f"proposal_{week_label}",
    )
    if st.button(strings.PLAN_PROPOSAL_ADD, key="proposal_add"):
        added, refused = 0, []
        for number, line in enumerate(edited.itertuples(), start=1):
            if not line._1:  # "Lägg in"
                continue
            try:
                starts = dt.datetime.strptime(str(line.Start).strip(), "%Y-%m-%d %H:%M")
            except ValueError:
                refused.append(strings.PLAN_PROPOSAL_BAD_TIME.format(row=number, value=line.Start))
                continue
            try:
                planned_start, planned_end = local_window(
                    starts.date(), starts.time(), int(line.Minuter)
                )
                fields = {"area_code": code_for_name.get(str(line.Område), str(line.Område)),
                          "planned_start": planned_start, "planned_end": planned_end, "unit": line.Enhet,
                          "shift": line.Pass, "kind": "bilpatrull", "purpose": f"Förslag efter behov: {line.Varför}"}  # fmt: skip
                create_entry(
                    engine, fields, who=who, area_codes=codes, source="förslag", shapes=shapes
                )
                added += 1
            except GeoError as error:
                problems = "; ".join(str(p) for p in getattr(error, "problems", [])) or str(error)
                refused.append(strings.PLAN_PROPOSAL_REFUSED.format(row=number, message=problems))
        st.session_state["plan_refused"] = refused
        saved(strings.PLAN_PROPOSAL_ADDED.format(added=added))
for message in st.session_state.pop("plan_refused", []):
    st.warning(strings.md(message))

# --- Round through the inland ------------------------------------------------------------------
st.subheader(strings.PLAN_ROUND)
travel_file = st.file_uploader(strings.PLAN_TRAVEL_FILE, type=["csv", "txt"], key="travel_file")
travel_source = ESTIMATE
if travel_file is not None:
    try:
        saved_travel = importing.save_upload(travel_file.name, travel_file.getvalue())
        try:
            travel = read_travel_csv(saved_travel, set(travel.keys()), travel)
            travel_source = f"importerad från {travel_file.name} (annars {ESTIMATE})"
        finally:
            importing.discard_upload(saved_travel)
    except GeoError as error:
        show_problems(error)
st.caption(strings.PLAN_ROUND_EXPLAIN.format(source=travel_source))
duties = sorted(
    {(b.unit, b.day, b.shift) for b in blocks.itertuples() if b.status == "planerad" and b.shift},
    key=lambda d: (d[1], d[0], str(d[2])),
)
if duties:
    from geo.rounds import round_for_duty

    duty = st.selectbox(
        strings.PLAN_ROUND_PICK,
        duties,
        format_func=lambda d: f"{d[0]} · {d[1]} · {d[2]}",
        key="plan_round_duty",
    )
    if duty is not None:
        found = round_for_duty(week, layer, units, shifts, travel, duty=duty, need=need)
        if found is None:
            st.info(strings.PLAN_ROUND_NONE)
        else:
            for stop in found.rows:
                st.write(
                    "- "
                    + strings.md(
                        strings.PLAN_ROUND_ROW.format(
                            arrive=stop.clock,
                            place=stop.name,
                            travel=formats.number(stop.travel_minutes),
                        )
                    )
                )
            if found.skipped:
                st.warning(
                    strings.md(strings.PLAN_ROUND_SKIPPED.format(places=", ".join(found.skipped)))
                )
            show_map(found.map, key="plan_round_map", height=320)
else:
    st.info(strings.PLAN_ROUND_NONE)

# --- New entry ------------------------------------------------------------------------------------
st.subheader(strings.PLAN_NEW)
form_column, need_column = st.columns([1, 1])
with form_column, st.form("new_presence"):
    area = st.selectbox(
        strings.PLAN_AREA,
        list(names),
        index=list(names).index(clicked_area) if clicked_area in names else 0,
        format_func=lambda c: names[c],
        key=area_key,
    )
    day = st.date_input(strings.PLAN_DAY, value=monday, format="YYYY-MM-DD")
    start_time = st.time_input(strings.PLAN_TIME, value=dt.time(20, 0), step=300)
    minutes = st.number_input(
        strings.PLAN_MINUTES, min_value=5, max_value=720, value=int(rules["visit_minutes"]), step=5
    )
    unit_options = [u.name for u in sorted(active_units, key=lambda u: (u.kind != "bil", u.name))]
    unit = st.selectbox(strings.PLAN_UNIT, unit_options, key="plan_unit")
    shift_name = st.selectbox(
        strings.PLAN_SHIFT, ["", *[s.name for s in shifts]],
        format_func=lambda n: strings.PLAN_SHIFT_AUTO if not n else next(s.label for s in shifts if s.name == n),
    )  # fmt: skip
    kind = st.selectbox(strings.PLAN_KIND, kinds())
    purpose = st.text_input(strings.PLAN_PURPOSE, value="")
    activity = st.text_input(strings.PLAN_ACTIVITY, value="")
    point_text = st.text_input(strings.PLAN_POINT, value="", help=strings.PLAN_POINT_HELP)
    route_text = st.text_input(strings.PLAN_ROUTE, value="", help=strings.PLAN_ROUTE_HELP)
    notes = st.text_area(strings.PLAN_NOTES, value="")
    if st.form_submit_button(strings.PLAN_SAVE, type="primary"):
        try:
            planned_start, planned_end = local_window(day, start_time, int(minutes))
            fields = {"area_code": area, "planned_start": planned_start, "planned_end": planned_end, "unit": unit, "kind": kind,
                      "purpose": purpose, "promise_activity": activity or None, "notes": notes or None,
                      "shift": shift_name or None}  # fmt: skip
            if point_text.strip():
                fields["x"], fields["y"] = parse_point(point_text)
            if route_text.strip():
                fields["route_wkt"] = parse_route(route_text)
            entry_id = create_entry(engine, fields, who=who, area_codes=codes, shapes=shapes)
            saved(strings.PLAN_SAVED.format(id=entry_id))
        except GeoError as error:
            show_problems(error)
with need_column:
    st.caption(strings.PLAN_NEED_PROFILE)
    st.altair_chart(
        week_heatmap(
            loaders.week_profile(
                settings.database_url, version, year_back, st.session_state.get(area_key) or ""
            )
        ),
        width="stretch",
    )
    chosen_area = st.session_state.get(area_key) or next(iter(names))
    area_need = need.set_index("area_code")
    last_visit = (
        area_need.at[chosen_area, "days_since_presence"] if chosen_area in area_need.index else None
    )
    st.caption(
        strings.PLAN_AREA_FACTS.format(
            name=names.get(chosen_area, chosen_area),
            share=formats.percent(float(area_need.at[chosen_area, "need_share"]) if chosen_area in area_need.index else 0.0),
            last=strings.PLAN_AREA_NEVER if last_visit is None or pd.isna(last_visit) else f"{int(last_visit)} dagar sedan",
            week=formats.number(float(minutes_per_area.get(chosen_area, 0.0))),
        )
    )  # fmt: skip

# --- Presence file ------------------------------------------------------------------------------
st.subheader(strings.PLAN_IMPORT)
st.caption(strings.PLAN_IMPORT_EXPLAIN)
presence_file = st.file_uploader(
    strings.PLAN_IMPORT_FILE, type=["csv", "txt", "xlsx"], key="presence_file"
)
if presence_file is not None:
    upload = importing.save_upload(presence_file.name, presence_file.getvalue())
    try:
        report = import_presence_file(engine, upload, who=who, area_codes=codes, shapes=shapes,
                                      names=names, dry_run=True)  # fmt: skip
        st.info(
            strings.PLAN_IMPORT_CHECKED.format(
                n=report.rows, new=report.created, changed=report.updated
            )
        )
        for flag in report.warnings:
            st.warning(
                strings.md(
                    strings.PLAN_IMPORT_WARNING.format(where=flag.where, message=flag.message)
                )
            )
        if st.button(strings.PLAN_IMPORT_CONFIRM, key="presence_import_confirm"):
            report = import_presence_file(
                engine, upload, who=who, area_codes=codes, shapes=shapes, names=names
            )
            importing.discard_upload(upload)
            saved(strings.PLAN_IMPORT_DONE.format(n=report.rows))
    except GeoError as error:
        show_problems(error)

# --- Units and shifts ---------------------------------------------------------------------------
with st.expander(strings.PLAN_UNITS):
    st.caption(strings.PLAN_UNITS_EXPLAIN)
    from geo.falkenberg import LOCALITIES_2020

    bases = [loc.name for loc in LOCALITIES_2020]
    unit_column, shift_column = st.columns(2)
    with unit_column:
        unit_choice = st.selectbox(
            strings.PLAN_UNIT_PICK, [None, *[u.id for u in units]],
            format_func=lambda i: strings.PLAN_UNIT_NEW if i is None else next(u.name for u in units if u.id == i),
            key="plan_unit_pick",
        )  # fmt: skip
        current = next((u for u in units if u.id == unit_choice), None)
        unit_version_key = f"plan_unit_version_{unit_choice}"
        if current is not None and unit_version_key not in st.session_state:
            st.session_state[unit_version_key] = current.version
        with st.form(f"unit_{unit_choice}"):
            unit_name = st.text_input(strings.PLAN_UNIT_NAME, value=current.name if current else "")
            unit_kind = st.selectbox(strings.PLAN_UNIT_KIND, UNIT_KINDS,
                                     index=UNIT_KINDS.index(current.kind) if current else 0)  # fmt: skip
            unit_base = st.selectbox(strings.PLAN_UNIT_BASE, bases,
                                     index=bases.index(current.home_base) if current and current.home_base in bases else 0)  # fmt: skip
            unit_active = st.checkbox(
                strings.PLAN_UNIT_ACTIVE, value=current.active if current else True
            )
            if st.form_submit_button(strings.PLAN_UNIT_SAVE):
                unit_fields = {
                    "name": unit_name,
                    "kind": unit_kind,
                    "home_base": unit_base,
                    "active": unit_active,
                }
                save_versioned(lambda version: save_unit(engine, unit_fields, who=who, unit_id=unit_choice,
                                                         expected_version=version), unit_version_key)  # fmt: skip
    with shift_column:
        shift_choice = st.selectbox(
            strings.PLAN_SHIFT_PICK, [None, *[s.id for s in shifts]],
            format_func=lambda i: strings.PLAN_SHIFT_NEW if i is None else next(s.label for s in shifts if s.id == i),
            key="plan_shift_pick",
        )  # fmt: skip
        current_shift = next((s for s in shifts if s.id == shift_choice), None)
        shift_version_key = f"plan_shift_version_{shift_choice}"
        if current_shift is not None and shift_version_key not in st.session_state:
            st.session_state[shift_version_key] = current_shift.version
        with st.form(f"shift_{shift_choice}"):
            shift_label = st.text_input(
                strings.PLAN_UNIT_NAME, value=current_shift.name if current_shift else ""
            )
            shift_start = st.text_input(
                strings.PLAN_SHIFT_START, value=current_shift.start if current_shift else "07:00"
            )
            shift_end = st.text_input(
                strings.PLAN_SHIFT_END, value=current_shift.end if current_shift else "16:00"
            )
            if st.form_submit_button(strings.PLAN_SHIFT_SAVE):
                shift_fields = {
                    "name": shift_label,
                    "start_time": shift_start,
                    "end_time": shift_end,
                }
                save_versioned(lambda version: save_shift(engine, shift_fields, who=who, shift_id=shift_choice,
                                                          expected_version=version), shift_version_key)  # fmt: skip

# --- GPS -----------------------------------------------------------------------------------------
st.subheader(strings.PLAN_GPS)
gps_file = st.file_uploader(strings.PLAN_GPS_FILE, type=["csv", "txt", "gpx"], key="gps")
if gps_file is not None:
    try:
        saved_gps = importing.save_upload(gps_file.name, gps_file.getvalue())
        try:
            positions = read_gps(saved_gps)
        finally:
            importing.discard_upload(saved_gps)
        stays = dwell_sessions(
            positions,
            layer,
            min_stay_minutes=rules["gps_min_stay_minutes"],
            max_gap_minutes=rules["gps_max_gap_minutes"],
        )
    except GeoError as error:
        show_problems(error)
        st.stop()
    st.write(
        strings.PLAN_GPS_FOUND.format(
            n=formats.number(len(stays)), minutes=formats.number(rules["gps_min_stay_minutes"])
        )
    )
    tables.show(presence.stays_table(stays, names))
    first_day, last_day = stays_window(stays) or (week_start, week_end)
    compared = gps_against_plan(stays, presence.entries(first_day, last_day))
    st.caption(strings.PLAN_GPS_VS_PLAN)
    tables.show(compared.assign(area_code=compared["area_code"].map(names)).rename(
        columns={"area_code": "Område", "gps_minutes": "Minuter enligt GPS", "planned_minutes": "Planerade minuter"}))  # fmt: skip
    if len(stays) and st.button(strings.PLAN_GPS_SAVE):
        try:
            count = record_dwell(engine, stays, who=who)
            saved(f"{count} vistelser sparade som genomförd närvaro.")
        except GeoError as error:
            show_problems(error)
