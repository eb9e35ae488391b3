"""Views of the presence pages (police only): *Planera närvaro* and *Närvaro mot behov*.

Each function takes what the widgets chose and returns a frozen view whose frames carry Swedish
headers (``ui.strings``), with the map and the captions ready, so a page only renders. Views
read; they never write (writes go through ``ui.presence_log.PresenceLog``). What is heavy is
cached on what invalidates it: the proposal and the need page on the data version, the presence
log's version (``ui.presence.presence_version``: changes with every write) and the minute. The
week's own entries and the units and shifts are read on every run, so a write shows at once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo import formats
from geo.io.report import ImportReport
from geo.periods import LOCAL_TZ, Filters, Period
from geo.presence.log import (
    STATUSES,
    coverage_gaps,
    dwell_sessions,
    gps_against_plan,
    inland_commitment,
    kinds,
    list_entries,
    map_minutes,
    presence_settings,
    read_gps,
    stays_window,
    visit_lengths,
    week_blocks,
    week_hours_vs_need,
    week_plan_csv,
    week_plan_html,
    week_plan_ics,
)
from geo.presence.proposal import WeekProposal, proposal_table, propose_week
from geo.presence.rounds import (
    ESTIMATE,
    RoundView,
    TravelTable,
    read_travel_csv,
    round_for_duty,
    travel_for,
)
from geo.presence.units import Shift, Unit, list_shifts, list_units, unit_load
from geo.store.database import now_utc
from ui import loaders, presence, state, strings
from ui.loaders import PageData
from ui.views import MapView

# --- Planera närvaro: the week -------------------------------------------------------------------


@dataclass(frozen=True)
class PlanWeek:
    """One Swedish week of the plan as the page shows it, read fresh on every run."""

    monday: dt.date
    label: str
    """ISO week as ``2026-V49``."""
    title: str
    start: dt.datetime
    end: dt.datetime
    """UTC bounds of the local week."""
    entries: pd.DataFrame
    """The presence entries overlapping the week (as stored)."""
    need: pd.DataFrame
    """Need against delivered presence per area over the year before the week."""
    blocks: pd.DataFrame
    grid_html: str
    load: pd.DataFrame
    area_hours: pd.DataFrame
    entry_labels: dict[int, str]
    names: dict[str, str]
    units: tuple[Unit, ...]
    active_units: tuple[Unit, ...]
    shifts: tuple[Shift, ...]
    rules: dict[str, Any]
    """``data/presence.json``: visit lengths, GPS rules, travel, the inland target."""
    layer_note: str
    database_url: str
    version: str
    year_back: Filters

    @property
    def empty(self) -> bool:
        """Whether nothing is planned this week."""
        return self.entries.empty

    def shift_label(self, name: str) -> str:
        """A shift's label by name (``kväll 15:00–24:00``)."""
        return next(s.label for s in self.shifts if s.name == name)


LOAD_PERCENT = ("Andel av passens tid",)
AREA_HOURS_PERCENT = ("Andel av behovet", "Andel av planen")


def plan_week(data: PageData, monday: dt.date) -> PlanWeek:
    """The week starting ``monday`` (a local Monday): entries, need, grid, unit load, hours."""
    settings, version, info, layer = data.settings, data.version, data.info, data.layer
    names = dict(zip(layer["area_code"], layer["name"], strict=True))
    start, end = presence.week_bounds(monday)
    year_back = Filters(Period(start - dt.timedelta(days=365), start))
    engine = state.engine(settings.database_url)
    units, shifts = tuple(list_units(engine)), tuple(list_shifts(engine))
    active = tuple(u for u in units if u.active)
    week = presence.entries(start, end)
    need = presence.need_table(
        settings.database_url, version, year_back, (), presence.presence_version()
    )
    blocks = week_blocks(week, names, monday)
    versus = week_hours_vs_need(week, need)
    iso = monday.isocalendar()
    return PlanWeek(
        monday=monday,
        label=f"{iso.year}-V{iso.week:02d}",
        title=strings.PLAN_WEEK_TITLE.format(
            week=f"{iso.year}-V{iso.week:02d}", first=monday, last=monday + dt.timedelta(days=6)
        ),
        start=start,
        end=end,
        entries=week,
        need=need,
        blocks=blocks,
        grid_html=presence.week_grid_html(blocks, [u.name for u in active], monday),
        load=unit_load(week, active, shifts, monday).rename(columns=strings.PLAN_UNIT_LOAD_COLUMNS),
        area_hours=versus[list(strings.PLAN_AREA_HOURS_COLUMNS)]
        .assign(zone=versus["zone"].map(strings.ZONE_LABELS))
        .rename(columns=strings.PLAN_AREA_HOURS_COLUMNS),
        entry_labels={
            int(b.id): strings.PLAN_ENTRY_LABEL.format(
                id=b.id,
                day=b.day,
                start=b.start,
                end=b.end,
                area=b.area,
                unit=b.unit,
                status=b.status,
            )
            for b in blocks.itertuples()
        },
        names=names,
        units=units,
        active_units=active,
        shifts=shifts,
        rules=presence_settings(),
        layer_note=strings.APPROXIMATE_BOUNDARIES if info.approximate else info.source,
        database_url=settings.database_url,
        version=version,
        year_back=year_back,
    )


@dataclass(frozen=True)
class WeekMap:
    """The week's map (planned, remaining or done minutes per area) and its minutes."""

    map: MapView
    minutes: pd.Series


def week_map(week: PlanWeek, measure: str) -> WeekMap:
    """Minutes per area by ``measure`` (``planned``, ``remaining``, ``done``) on the area map."""
    from geo.outputs.maps import area_choropleth

    _info, layer = loaders.area_layer(week.database_url, week.version)
    minutes = map_minutes(week.entries, measure)
    label = strings.PLAN_MAP_MEASURES[measure]
    fmap = area_choropleth(
        # Areas with nothing planned have no value (grey), so the classes describe planned areas only.
        layer.assign(minutes=layer["area_code"].map(minutes[minutes > 0])),
        "minutes",
        value_label=label,
        legend_title=label,
        notes=[strings.PLAN_MAP_NO_HOURS, week.layer_note],
    )
    return WeekMap(MapView(fmap, (), strings.PLAN_MAP_CLICK), minutes)


# --- One entry -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryForm:
    """What the edit and done forms of one entry start from."""

    id: int
    caption: str
    was: dict[str, Any]
    """``planned_start``, ``planned_end`` and ``status`` as the form opened them."""
    purpose: str
    unit_names: list[str]
    unit_index: int
    day: dt.date
    time: dt.time
    minutes: int
    statuses: list[str]
    status_index: int


def stored_version(week: PlanWeek, entry_id: int) -> int:
    """The entry's version as read in this run."""
    return int(week.entries.set_index("id").at[entry_id, "version"])


def entry_form(week: PlanWeek, entry_id: int, based_on: int) -> EntryForm:
    """The entry's forms, based on version ``based_on`` (the one shown when it was opened)."""
    row = week.entries.set_index("id").loc[entry_id]
    local_start = row["planned_start"].tz_convert(LOCAL_TZ)
    unit = str(row["unit"])
    unit_names = [u.name for u in week.active_units] or [unit]
    if unit not in unit_names:
        unit_names.append(unit)
    return EntryForm(
        id=entry_id,
        caption=strings.PLAN_VERSION.format(version=based_on, who=strings.md(row["updated_by"])),
        was={k: row[k] for k in ("planned_start", "planned_end", "status")},
        purpose=str(row["purpose"]),
        unit_names=unit_names,
        unit_index=unit_names.index(unit),
        day=local_start.date(),
        time=local_start.time().replace(second=0),
        minutes=int((row["planned_end"] - row["planned_start"]).total_seconds() // 60),
        statuses=[s for s in STATUSES if s != "genomförd"],
        status_index=0 if row["status"] != "inställd" else 1,
    )


@dataclass(frozen=True)
class Export:
    """One download of the week's plan: the file is made when it is clicked."""

    label: str
    file_name: str
    mime: str
    key: str
    make: Callable[[], bytes | str]


def exports(week: PlanWeek) -> tuple[Export, ...]:
    """The week's plan as CSV (Excel), iCalendar and a printable page."""
    entries, names, stem = week.entries, week.names, f"narvaroplan_{week.monday}"
    title = strings.PLAN_PRINT_TITLE.format(week=week.monday.isocalendar().week)
    return (
        Export(strings.PLAN_EXPORT_CSV, f"{stem}.csv", "text/csv", "plan_csv",
               lambda: week_plan_csv(entries, names)),
        Export(strings.PLAN_EXPORT_ICS, f"{stem}.ics", "text/calendar", "plan_ics",
               lambda: week_plan_ics(entries, names)),
        Export(strings.PLAN_EXPORT_HTML, f"{stem}.html", "text/html", "plan_html",
               lambda: week_plan_html(entries, names, title=title)),
    )  # fmt: skip


# --- The proposal --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalChoice:
    """What the planner asked of the proposal (the widgets' values)."""

    total_hours: float
    inland_min_percent: float
    max_hours_per_area: float
    visit_minutes: int
    units: tuple[str, ...]
    shifts: tuple[str, ...]


@dataclass(frozen=True)
class ProposalView:
    """The proposal as the page shows it: a summary, what could not be placed, the editable
    table (``None`` without visits) and the options of its columns."""

    summary: str
    unplaced: tuple[str, ...]
    table: pd.DataFrame | None
    area_options: list[str]
    unit_options: list[str]
    shift_options: list[str]


def proposal_defaults(week: PlanWeek) -> tuple[list[str], list[str]]:
    """The units (two cars, else two units) and shifts (dag and kväll, else all) proposed first."""
    active = [u.name for u in week.active_units]
    units = ([u.name for u in week.active_units if u.kind == "bil"] or active)[:2]
    shifts = [s.name for s in week.shifts if s.name in ("dag", "kväll")] or [
        s.name for s in week.shifts
    ]
    return units, shifts


def proposal(week: PlanWeek, choice: ProposalChoice) -> ProposalView:
    """The week's proposal for ``choice``, only forward in time, around what is already planned."""
    # Every start and shift end is a whole minute, so "after now" is the same for the whole minute.
    minute = now_utc().replace(second=0, microsecond=0)
    found = _proposal(week.database_url, week.version, presence.presence_version(), week.monday,
                      choice, week.active_units, week.shifts, minute)  # fmt: skip
    unplaced = tuple(
        strings.PLAN_PROPOSAL_UNPLACED.format(
            minutes=formats.number(item.minutes),
            area=strings.PLAN_PROPOSAL_IN.format(name=item.name) if item.name else "",
            reason=item.reason,
        )
        for item in found.unplaced
    )
    table = None
    if found.visits:
        table = proposal_table(found)
        table["Område"] = table["Områdesnamn"]
        table = table.drop(columns="Områdesnamn")
    return ProposalView(
        summary=strings.PLAN_PROPOSAL_SUMMARY.format(
            placed=formats.number(found.placed_minutes),
            requested=formats.number(found.requested_minutes),
            n=formats.number(len(found.visits)),
        ),
        unplaced=unplaced,
        table=table,
        area_options=sorted(week.names.values()),
        unit_options=[u.name for u in week.active_units],
        shift_options=[s.name for s in week.shifts],
    )


@st.cache_data(show_spinner="Räknar fram förslaget …", max_entries=16)
def _proposal(database_url: str, version: str, presence_key: str, monday: dt.date,
              choice: ProposalChoice, units: tuple[Unit, ...], shifts: tuple[Shift, ...],
              now: dt.datetime) -> WeekProposal:  # fmt: skip
    """The proposal from the store; ``presence_key`` changes with every write to the log."""
    _info, layer = loaders.area_layer(database_url, version)
    start, end = presence.week_bounds(monday)
    year_back = Filters(Period(start - dt.timedelta(days=365), start))
    rules = presence_settings()
    return propose_week(
        presence.need_table(database_url, version, year_back, (), presence_key),
        {code: loaders.week_profile(database_url, version, year_back, code) for code in layer["area_code"]},
        week_start=monday,
        total_hours=float(choice.total_hours),
        inland_min_share=choice.inland_min_percent / 100,
        max_hours_per_area=float(choice.max_hours_per_area),
        units=[u for u in units if u.name in choice.units],
        shifts=[s for s in shifts if s.name in choice.shifts],
        now=now,
        visit_minutes=int(choice.visit_minutes),
        busy=list_entries(state.engine(database_url), start=start, end=end),
        travel=travel_for(layer, rules),
        same_area_gap_minutes=int(rules["same_area_gap_minutes"]),
    )  # fmt: skip


# --- The round -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Travel:
    """The travel table for rounds: the estimate, or an uploaded file over it."""

    table: TravelTable
    caption: str


def travel(week: PlanWeek, path: Path | None = None, name: str = "") -> Travel:
    """The estimate from ``data/presence.json``, or a travel CSV (uploaded as ``name``) over it.

    Raises
    ------
    GeoError
        When the file is not a travel table of the layer's areas.
    """
    _info, layer = loaders.area_layer(week.database_url, week.version)
    estimate, source = travel_for(layer, week.rules), ESTIMATE
    if path is not None:
        estimate = read_travel_csv(path, set(estimate.keys()), estimate)
        source = strings.PLAN_TRAVEL_IMPORTED.format(name=name, estimate=ESTIMATE)
    return Travel(estimate, strings.PLAN_ROUND_EXPLAIN.format(source=source))


def duties(week: PlanWeek) -> list[tuple[str, dt.date, str]]:
    """Unit, day and shift of every planned visit of the week, by day."""
    return sorted(
        {(b.unit, b.day, b.shift) for b in week.blocks.itertuples() if b.status == "planerad" and b.shift},
        key=lambda d: (d[1], d[0], str(d[2])),
    )  # fmt: skip


def duty_label(duty: tuple[str, dt.date, str]) -> str:
    """``Patrull 1 · 2026-12-07 · kväll``."""
    return strings.PLAN_ROUND_DUTY.format(unit=duty[0], day=duty[1], shift=duty[2])


@dataclass(frozen=True)
class RoundLines:
    """A round as the page shows it: its lines, what is skipped, and the map."""

    lines: tuple[str, ...]
    skipped: str | None
    map: MapView


def round_for(week: PlanWeek, travel: Travel, duty: tuple[str, dt.date, str]) -> RoundLines | None:
    """The duty's planned visits as a round from the unit's home base and back (OR-Tools)."""
    _info, layer = loaders.area_layer(week.database_url, week.version)
    found: RoundView | None = round_for_duty(week.entries, layer, week.units, week.shifts, travel.table,
                                             duty=duty, need=week.need)  # fmt: skip
    if found is None:
        return None
    lines = tuple(
        strings.PLAN_ROUND_ROW.format(
            arrive=stop.clock, place=stop.name, travel=formats.number(stop.travel_minutes)
        )
        for stop in found.rows
    )
    skipped = (
        strings.PLAN_ROUND_SKIPPED.format(places=", ".join(found.skipped))
        if found.skipped
        else None
    )
    return RoundLines(lines, skipped, MapView(found.map, (), ""))


# --- A new entry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewEntry:
    """What the new-entry form offers: areas, units (cars first), shifts, kinds, defaults."""

    areas: list[str]
    area_index: int
    unit_options: list[str]
    shift_options: list[str]
    kinds: tuple[str, ...]
    visit_minutes: int


def new_entry(week: PlanWeek, clicked_area: str | None) -> NewEntry:
    """The new-entry form, opened at the area clicked on the map (else the first)."""
    areas = list(week.names)
    return NewEntry(
        areas=areas,
        area_index=areas.index(clicked_area) if clicked_area in week.names else 0,
        unit_options=[u.name for u in sorted(week.active_units, key=lambda u: (u.kind != "bil", u.name))],
        shift_options=["", *[s.name for s in week.shifts]],
        kinds=kinds(),
        visit_minutes=int(week.rules["visit_minutes"]),
    )  # fmt: skip


def shift_choice_label(week: PlanWeek, name: str) -> str:
    """A shift choice of the new-entry form (empty: the shift the visit lies in)."""
    return strings.PLAN_SHIFT_AUTO if not name else week.shift_label(name)


@dataclass(frozen=True)
class AreaFacts:
    """An area beside the form: its week profile (hour × weekday) and a caption of its need."""

    profile: pd.DataFrame
    caption: str


def area_facts(week: PlanWeek, area_code: str | None, minutes: pd.Series) -> AreaFacts:
    """The profile of the chosen area (all areas until one is chosen) and its facts (the first
    area until one is chosen): share of need, last performed presence, minutes on the map."""
    profile = loaders.week_profile(week.database_url, week.version, week.year_back, area_code or "")
    chosen = area_code or next(iter(week.names))
    need = week.need.set_index("area_code")
    known = chosen in need.index
    last = need.at[chosen, "days_since_presence"] if known else None
    return AreaFacts(profile, strings.PLAN_AREA_FACTS.format(
        name=week.names.get(chosen, chosen),
        share=formats.percent(float(need.at[chosen, "need_share"]) if known else 0.0),
        last=strings.PLAN_AREA_NEVER if last is None or pd.isna(last) else strings.PLAN_DAYS_AGO.format(days=int(last)),
        week=formats.number(float(minutes.get(chosen, 0.0))),
    ))  # fmt: skip


# --- Registers, files and GPS --------------------------------------------------------------------


def bases() -> list[str]:
    """The localities a unit can have as home base."""
    from geo.areas.falkenberg import LOCALITIES_2020

    return [loc.name for loc in LOCALITIES_2020]


@dataclass(frozen=True)
class CheckedFile:
    """A checked presence file as the page shows it: refused (with the report) or what it would do."""

    accepted: bool
    headline: str
    flags: tuple[str, ...]
    report: str
    """The import report's Swedish text, as every import shows it."""


def checked_file(report: ImportReport) -> CheckedFile:
    """A checked presence file: whether it can be imported, what it would do, each flag it raised."""
    if not report.accepted:
        headline = strings.md_lines(strings.PLAN_IMPORT_REFUSED.format(file=report.file_name))
        return CheckedFile(False, headline, (), report.text())
    headline = strings.PLAN_IMPORT_CHECKED.format(
        n=report.rows_read, rows=rows_word(report.rows_read), new=report.rows_new,
        changed=report.rows_updated,
    )  # fmt: skip
    flags = [strings.md(strings.PLAN_IMPORT_WARNING.format(where=f.where, message=f.message))
             for f in report.warnings.examples()]  # fmt: skip
    hidden = report.warnings.total - len(flags)
    if hidden:
        flags.append(strings.PLAN_IMPORT_MORE.format(n=hidden))
    return CheckedFile(True, headline, tuple(flags), report.text())


def rows_word(n: int) -> str:
    """``rad`` or ``rader`` for a count of file lines."""
    return "rad" if n == 1 else "rader"


@dataclass(frozen=True)
class GpsView:
    """Stays found in a GPS log, as stored (to save) and as shown, against the plan."""

    stays: pd.DataFrame
    found: str
    table: pd.DataFrame
    against_plan: pd.DataFrame


def gps(week: PlanWeek, path: Path) -> GpsView:
    """Stays of at least the configured minutes per unit and area in a GPS log (CSV or GPX),
    beside the minutes planned on the same days.

    Raises
    ------
    GeoError
        When the file cannot be read.
    """
    _info, layer = loaders.area_layer(week.database_url, week.version)
    positions = read_gps(path)
    rules = week.rules
    stays = dwell_sessions(positions, layer, min_stay_minutes=rules["gps_min_stay_minutes"],
                           max_gap_minutes=rules["gps_max_gap_minutes"])  # fmt: skip
    first, last = stays_window(stays) or (week.start, week.end)
    compared = gps_against_plan(stays, presence.entries(first, last))
    return GpsView(
        stays,
        strings.PLAN_GPS_FOUND.format(
            n=formats.number(len(stays)), minutes=formats.number(rules["gps_min_stay_minutes"])
        ),
        presence.stays_table(stays, week.names),
        compared.assign(area_code=compared["area_code"].map(week.names)).rename(
            columns=strings.PLAN_GPS_VS_PLAN_COLUMNS
        ),
    )


# --- Närvaro mot behov ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedView:
    """Need against delivered presence for the filters, the gaps and the visit lengths."""

    table: pd.DataFrame
    shares: pd.DataFrame
    """Need and presence share per area name (the grouped bars)."""
    caption: str
    period: str
    gaps: tuple[str, ...]
    default_target: int
    log: pd.DataFrame
    """The presence entries of the period (for the inland commitment)."""
    visit_chart: pd.Series | None
    visits: str | None
    koper: str


NEED_PERCENT = ("Andel av behovet", "Andel av närvaron", "Skillnad")


def need(data: PageData, filters: Filters, hours: tuple[int, ...]) -> NeedView:
    """Need vs delivered presence for the filters and hours of day.

    Presence has its own time axis: when the period runs to the last incident, presence is
    counted up to now (a visit done today shows), while incidents are counted up to the last one
    imported. "Now" is taken to the next whole minute, so a rerun within the minute is served from
    the cache (a write changes the presence log's version and is counted at once).
    """
    assert data.span is not None
    from ui.filters import local_dates

    first, last = local_dates(filters)
    now = now_utc()
    to_today = last >= data.span[1].astimezone(LOCAL_TZ).date()
    chosen_end = filters.end
    minute = dt.datetime.fromtimestamp(math.ceil(now.timestamp() / 60) * 60, dt.UTC)
    presence_end = max(minute, chosen_end) if to_today else chosen_end
    return _need(data.settings.database_url, data.version, filters, hours, presence.presence_version(),
                 presence_end, first, last, to_today)  # fmt: skip


@st.cache_data(show_spinner="Räknar behov …", max_entries=16)
def _need(database_url: str, version: str, filters: Filters, hours: tuple[int, ...], presence_key: str,
          presence_end: dt.datetime, first: dt.date, last: dt.date, to_today: bool) -> NeedView:  # fmt: skip
    table = presence.need_table(database_url, version, filters, hours, presence_key, presence_end)
    presence_last = (presence_end - dt.timedelta(seconds=1)).astimezone(LOCAL_TZ).date()
    gaps = tuple(
        strings.NEED_GAP_LINE.format(
            name=strings.md(row.name),
            share=formats.percent(row.need_share),
            days=strings.NEED_GAP_NEVER if pd.isna(row.days_since_presence)
            else strings.NEED_GAP_DAYS.format(days=int(row.days_since_presence)),
        )
        for row in coverage_gaps(table).itertuples()
    )  # fmt: skip
    log = list_entries(state.engine(database_url), start=filters.start, end=presence_end)  # fmt: skip
    lengths = visit_lengths(log)
    rules = presence_settings()
    return NeedView(
        table=table[list(strings.NEED_COLUMNS)]
        .assign(zone=table["zone"].map(strings.ZONE_LABELS))
        .rename(columns=strings.NEED_COLUMNS),
        shares=table.set_index("name")[list(strings.NEED_SHARE_LABELS)].rename(columns=strings.NEED_SHARE_LABELS),
        caption=strings.NEED_CAPTION.format(
            first=first, last=last,
            hours=strings.NEED_CAPTION_HOURS.format(hours=", ".join(f"{h:02d}" for h in hours)) if hours else "",
        ),
        period=strings.NEED_PERIOD.format(first=first, last=last, presence_last=presence_last,
                                          today=strings.NEED_TODAY if to_today else ""),
        gaps=gaps,
        default_target=round(float(rules["inland_target_hours_per_week"])),
        log=log,
        visit_chart=None if lengths is None else lengths.counts,
        visits=None if lengths is None else strings.NEED_VISITS.format(
            n=formats.number(lengths.n), median=formats.number(lengths.median_minutes),
            share=formats.percent(lengths.delivered_share),
        ),
        koper=str(rules["koper"]),
    )  # fmt: skip


@dataclass(frozen=True)
class InlandView:
    """Delivered inland hours per ISO week and per month against the target."""

    weekly: pd.DataFrame
    monthly: pd.DataFrame


def inland(view: NeedView, data: PageData, target: float) -> InlandView:
    """The inland commitment of the period's presence for a weekly target in hours."""
    weekly = inland_commitment(view.log, data.layer, target_hours_per_week=target, freq="W")
    monthly = inland_commitment(view.log, data.layer, target_hours_per_week=target, freq="M")
    return InlandView(
        weekly.rename(columns=strings.NEED_INLAND_WEEK_COLUMNS),
        monthly.assign(period=monthly["period"].map(formats.month)).rename(
            columns=strings.NEED_INLAND_MONTH_COLUMNS
        ),
    )
