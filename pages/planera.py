"""Planera närvaro (polis): plan where and when, edit safely, mark done, propose, import GPS, export."""

import datetime as dt

import pandas as pd
import streamlit as st

from geo.errors import ConflictError, GeoError, ImportRejected
from geo.maps import area_choropleth
from geo.presence import (
    STATUSES,
    cancel_entry,
    create_entry,
    dwell_sessions,
    gps_against_plan,
    kinds,
    local_window,
    mark_done,
    parse_point,
    parse_route,
    plan_table,
    planned_hours_per_area,
    presence_settings,
    propose,
    read_gps,
    record_dwell,
    stays_window,
    update_entry,
    week_plan_csv,
    week_plan_html,
    week_plan_ics,
)
from ui import importing, loaders, presence, state, strings
from ui.auth import require_page
from ui.charts import week_heatmap
from ui.loaders import Filters
from ui.maps import show_map

require_page("planera")
settings = state.settings()
engine = state.engine(settings.database_url)
version = loaders.current_data_version()
info, layer = loaders.area_layer(settings.database_url, version)
names = dict(zip(layer["area_code"], layer["name"], strict=True))
codes = set(names)
shapes = dict(zip(layer["area_code"], layer.geometry, strict=True))
who = (
    st.sidebar.text_input(strings.IMPORT_BY, value="", help=strings.IMPORT_BY_HELP, key="plan_who")
    or "okänd"
)

st.header(strings.PAGE_PLAN)
st.caption(strings.POLICE_ONLY)
picked = st.sidebar.date_input(
    strings.PLAN_WEEK, value=dt.date.today(), format="YYYY-MM-DD", key="plan_week"
)
monday = picked - dt.timedelta(days=picked.weekday())
week_start, week_end = presence.week_bounds(monday)
year_back = Filters((week_start - dt.timedelta(days=365)).isoformat(), week_start.isoformat())


def show_problems(error: GeoError) -> None:
    st.error(strings.md_lines(getattr(error, "summary", str(error))))
    for problem in getattr(error, "problems", []):
        st.write(f"- {strings.md(problem)}")


# --- New entry ------------------------------------------------------------------------------------
st.subheader(strings.PLAN_NEW)
form_column, need_column = st.columns([1, 1])
with form_column, st.form("new_presence"):
    area = st.selectbox(
        strings.PLAN_AREA, list(names), format_func=lambda c: names[c], key="plan_area"
    )
    day = st.date_input(strings.PLAN_DAY, value=monday, format="YYYY-MM-DD")
    start_time = st.time_input(strings.PLAN_TIME, value=dt.time(20, 0), step=900)
    minutes = st.number_input(strings.PLAN_MINUTES, min_value=5, max_value=720, value=60, step=5)
    unit = st.text_input(strings.PLAN_UNIT, value="Patrull 1")
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
                      "purpose": purpose, "promise_activity": activity or None, "notes": notes or None}  # fmt: skip
            if point_text.strip():
                fields["x"], fields["y"] = parse_point(point_text)
            if route_text.strip():
                fields["route_wkt"] = parse_route(route_text)
            entry_id = create_entry(engine, fields, who=who, area_codes=codes, shapes=shapes)
            st.success(strings.PLAN_SAVED.format(id=entry_id))
        except GeoError as error:
            show_problems(error)
with need_column:
    st.caption(strings.PLAN_NEED_PROFILE)
    st.altair_chart(
        week_heatmap(
            loaders.week_profile(
                settings.database_url, version, year_back, st.session_state.get("plan_area", "")
            )
        ),
        width="stretch",
    )

# --- The week -------------------------------------------------------------------------------------
st.subheader(
    f"{strings.PLAN_WEEK_HEADER} {monday.isocalendar().week} ({monday} – {monday + dt.timedelta(days=6)})"
)
week = presence.entries(week_start, week_end)
if week.empty:
    st.info(strings.PLAN_EMPTY)
else:
    table_column, map_column = st.columns([3, 2])
    plan = plan_table(week, names)
    with table_column:
        st.dataframe(plan, hide_index=True, width="stretch")
    with map_column:
        hours = planned_hours_per_area(week)
        fmap = area_choropleth(
            layer.assign(hours=layer["area_code"].map(hours).fillna(0.0).round(1)),
            "hours",
            value_label="Planerade timmar",
            legend_title="Planerade timmar",
            notes=[strings.APPROXIMATE_BOUNDARIES if info.approximate else info.source],
        )
        show_map(fmap, key="plan_map", height=380)

    st.subheader(strings.PLAN_EDIT)
    labels = {
        int(r.Id): f"{r.Id}: {r.Område} · {r.Start} · {r.Enhet} · {r.Status}"
        for r in plan.itertuples()
    }
    # A key keeps the choice when a colleague's save changes the label (else Streamlit resets it).
    picked_entry = st.selectbox(
        strings.PLAN_ENTRY, list(labels), format_func=lambda i: labels[i], key="plan_entry"
    )
    if picked_entry is None:
        st.stop()
    chosen = int(picked_entry)
    row = week.set_index("id").loc[chosen]
    # The version the forms are based on is the one shown when the entry was opened, not the one
    # re-read on the rerun that a click causes: otherwise a colleague's save in between is lost.
    version_key = f"plan_version_{chosen}"
    if version_key not in st.session_state:
        st.session_state[version_key] = int(row["version"])
    based_on = int(st.session_state[version_key])
    st.caption(f"Version {based_on}, senast ändrad av {strings.md(row['updated_by'])}")
    edit, done = st.columns(2)
    with edit, st.form(f"edit_{chosen}"):
        new_purpose = st.text_input(strings.PLAN_PURPOSE, value=str(row["purpose"]))
        new_unit = st.text_input(strings.PLAN_UNIT, value=str(row["unit"]))
        new_status = st.selectbox(
            "Status",
            [s for s in STATUSES if s != "genomförd"],
            index=0 if row["status"] != "inställd" else 1,
        )
        if st.form_submit_button(strings.PLAN_UPDATE):
            try:
                if new_status == "inställd" and row["status"] != "inställd":
                    cancel_entry(
                        engine,
                        int(chosen),
                        expected_version=based_on,
                        who=who,
                        area_codes=codes,
                    )
                else:
                    update_entry(engine, int(chosen), expected_version=based_on, changes={"purpose": new_purpose, "unit": new_unit},
                                 who=who, area_codes=codes, shapes=shapes)  # fmt: skip
                st.success("Sparat.")
                del st.session_state[version_key]
            except ConflictError as error:
                st.error(strings.md_lines(error))
                del st.session_state[version_key]  # show the saved version next time
            except (GeoError, ImportRejected) as error:
                show_problems(error)
    with done, st.form(f"done_{chosen}"):
        local_start = row["planned_start"].tz_convert("Europe/Stockholm")
        actual_day = st.date_input(
            strings.PLAN_DAY, value=local_start.date(), format="YYYY-MM-DD", key=f"d{chosen}"
        )
        actual_time = st.time_input(
            strings.PLAN_ACTUAL_START, value=local_start.time(), step=300, key=f"t{chosen}"
        )
        actual_minutes = st.number_input(
            strings.PLAN_ACTUAL_MINUTES, min_value=1, max_value=720, value=15, key=f"m{chosen}"
        )
        tactics = st.text_input(strings.PLAN_TACTICS, value="", key=f"k{chosen}")
        done_notes = st.text_area(strings.PLAN_NOTES, value="", key=f"n{chosen}")
        if st.form_submit_button(strings.PLAN_DONE):
            try:
                actual_start, actual_end = local_window(
                    actual_day, actual_time, int(actual_minutes)
                )
                mark_done(engine, int(chosen), expected_version=based_on, actual_start=actual_start,
                          actual_end=actual_end, tactics=tactics or None,
                          notes=done_notes or None, who=who, area_codes=codes, shapes=shapes)  # fmt: skip
                st.success("Markerad som genomförd.")
                del st.session_state[version_key]
            except ConflictError as error:
                st.error(strings.md_lines(error))
                del st.session_state[version_key]
            except (GeoError, ImportRejected) as error:
                show_problems(error)

    st.subheader(strings.PLAN_EXPORTS)
    csv_column, ics_column, print_column = st.columns(3)
    csv_column.download_button(
        "CSV (Excel)",
        week_plan_csv(week, names),
        file_name=f"narvaroplan_{monday}.csv",
        mime="text/csv",
    )
    ics_column.download_button(
        "iCalendar",
        week_plan_ics(week, names),
        file_name=f"narvaroplan_{monday}.ics",
        mime="text/calendar",
    )
    print_column.download_button("Utskrift (HTML)", week_plan_html(week, names, title=f"Närvaroplan vecka {monday.isocalendar().week}"),
                                 file_name=f"narvaroplan_{monday}.html", mime="text/html")  # fmt: skip

# --- Proposal ------------------------------------------------------------------------------------
st.subheader(strings.PLAN_PROPOSAL)
st.caption(strings.PLAN_PROPOSAL_EXPLAIN)
hours_column, inland_column, max_column = st.columns(3)
total_hours = hours_column.number_input(
    strings.PLAN_PROPOSAL_HOURS, min_value=0, max_value=400, value=20
)
inland_min = inland_column.number_input(
    strings.PLAN_INLAND_MIN, min_value=0, max_value=100, value=30
)
max_area = max_column.number_input(strings.PLAN_MAX_AREA, min_value=1, max_value=100, value=8)
need = presence.need_table(
    settings.database_url, version, year_back, (), presence.presence_version()
)
profiles = {
    code: loaders.week_profile(settings.database_url, version, year_back, code) for code in names
}
proposals = propose(
    need,
    profiles,
    week_start=monday,
    total_hours=float(total_hours),
    inland_min_share=inland_min / 100,
    max_hours_per_area=float(max_area),
)
if proposals:
    table = pd.DataFrame([{"Lägg in": True, "Område": p.area_code, "Start": p.start.astimezone(presence.LOCAL).replace(tzinfo=None),
                           "Minuter": int(p.hours * 60), "Enhet": "Patrull 1", "Varför": p.reason} for p in proposals])  # fmt: skip
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        column_config={"Område": st.column_config.SelectboxColumn(options=list(names))},
        key="proposal",
    )
    if st.button(strings.PLAN_PROPOSAL_ADD):
        added, refused = 0, []
        for row in edited[edited["Lägg in"]].itertuples():
            try:
                starts = pd.Timestamp(row.Start)
                planned_start, planned_end = local_window(
                    starts.date(), starts.time(), int(row.Minuter)
                )
                fields = {"area_code": row.Område, "planned_start": planned_start, "planned_end": planned_end,
                          "unit": row.Enhet, "kind": "bilpatrull", "purpose": f"Förslag efter behov: {row.Varför}"}  # fmt: skip
                create_entry(
                    engine, fields, who=who, area_codes=codes, source="förslag", shapes=shapes
                )
                added += 1
            except GeoError as error:
                refused.append(str(error))
        st.success(f"{added} poster tillagda.")
        for message in refused:
            st.warning(message)

# --- GPS -----------------------------------------------------------------------------------------
st.subheader(strings.PLAN_GPS)
gps_file = st.file_uploader(strings.PLAN_GPS_FILE, type=["csv", "txt", "gpx"], key="gps")
if gps_file is not None:
    rules = presence_settings()
    try:
        saved = importing.save_upload(gps_file.name, gps_file.getvalue())
        try:
            positions = read_gps(saved)
        finally:
            importing.discard_upload(saved)
        stays = dwell_sessions(
            positions,
            layer,
            min_stay_minutes=rules["gps_min_stay_minutes"],
            max_gap_minutes=rules["gps_max_gap_minutes"],
        )
    except GeoError as error:
        show_problems(error)
        st.stop()
    st.write(strings.PLAN_GPS_FOUND.format(n=len(stays), minutes=rules["gps_min_stay_minutes"]))
    st.dataframe(stays.assign(area=stays["area_code"].map(names)), hide_index=True)
    first_day, last_day = stays_window(stays) or (week_start, week_end)
    compared = gps_against_plan(stays, presence.entries(first_day, last_day))
    st.caption(strings.PLAN_GPS_VS_PLAN)
    st.dataframe(compared.assign(area_code=compared["area_code"].map(names)).rename(
        columns={"area_code": "Område", "gps_minutes": "Minuter enligt GPS", "planned_minutes": "Planerade minuter"}), hide_index=True)  # fmt: skip
    if len(stays) and st.button(strings.PLAN_GPS_SAVE):
        st.success(
            f"{record_dwell(engine, stays, who=who)} vistelser sparade som genomförd närvaro."
        )
