"""`python -m geo presence …`: propose, import and export a week, as the page does.

With the page's own functions (``geo.presence.proposal.propose_week``,
``geo.presence.log_import.import_presence_file``, ``geo.presence.log.week_plan_csv`` /
``week_plan_ics``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from geo.errors import GeoError
from geo.io.report import ImportReport
from geo.periods import LOCAL_TZ
from geo.presence.log import (
    list_entries,
    need_vs_delivered,
    presence_settings,
    week_plan_csv,
    week_plan_ics,
)
from geo.presence.proposal import WeekProposal, iso_week_monday, proposal_table, propose_week
from geo.presence.rounds import travel_for
from geo.presence.units import ensure_defaults, list_shifts, list_units
from geo.store.database import active_layer, now_utc


def week_bounds(monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds of the Swedish week starting ``monday`` (23·7+… hours across a DST change)."""
    start = pd.Timestamp(dt.datetime.combine(monday, dt.time())).tz_localize(LOCAL_TZ)
    end = pd.Timestamp(dt.datetime.combine(monday + dt.timedelta(days=7), dt.time())).tz_localize(
        LOCAL_TZ
    )
    return start.tz_convert("UTC").to_pydatetime(), end.tz_convert("UTC").to_pydatetime()


@dataclass(frozen=True)
class ProposalRun:
    """A week's proposal, its table as the page shows it, and the ISO week."""

    proposal: WeekProposal
    table: pd.DataFrame
    week: str


def propose_for_week(engine: Engine, week: str, *, hours: float, units: list[str] | None = None,
                     shifts: list[str] | None = None, inland_min: float = 0.3, max_hours_per_area: float = 8.0,
                     visit_minutes: int | None = None, now: dt.datetime | None = None) -> ProposalRun:  # fmt: skip
    """Return the proposal for an ISO week from the store (need and profiles of the year before)."""
    from geo.analysis.indicators import select_incidents, time_of_week, with_harm
    from geo.store.database import load_incidents
    from geo.taxonomy import load_taxonomy

    monday = iso_week_monday(week)
    start, end = week_bounds(monday)
    ensure_defaults(engine)
    _info, layer = active_layer(engine)
    rules = presence_settings()
    year_back = start - dt.timedelta(days=365)
    incidents = with_harm(
        load_incidents(engine, start=year_back, end=start),
        load_taxonomy(),
        exclude_police_initiated=False,
    )
    incidents = select_incidents(incidents, layer, start=year_back, end=start)
    log = list_entries(engine, start=year_back, end=start)
    need = need_vs_delivered(incidents, log, layer, end=start)
    profiles = {
        str(code): time_of_week(incidents[incidents["area_code"] == code])
        for code in layer["area_code"]
    }
    registered = list_units(engine, active_only=True)
    chosen = [u for u in registered if units is None or u.name in units]
    unknown = sorted(set(units or []) - {u.name for u in registered})
    if unknown:
        raise GeoError(
            f"Okända enheter {unknown}; välj bland: {', '.join(u.name for u in registered)}."
        )
    all_shifts = list_shifts(engine)
    picked_shifts = [s for s in all_shifts if shifts is None or s.name in shifts]
    proposal = propose_week(need, profiles, week_start=monday, total_hours=hours, inland_min_share=inland_min,
                            max_hours_per_area=max_hours_per_area, units=chosen, shifts=picked_shifts,
                            now=now or now_utc(), visit_minutes=visit_minutes or int(rules["visit_minutes"]),
                            busy=list_entries(engine, start=start, end=end), travel=travel_for(layer, rules),
                            same_area_gap_minutes=int(rules["same_area_gap_minutes"]))  # fmt: skip
    return ProposalRun(proposal, proposal_table(proposal).drop(columns="Lägg in"), week)


def export_week(engine: Engine, week: str, fmt: str) -> bytes:
    """Return the week's plan as CSV (Excel, formulas neutralised) or iCalendar."""
    monday = iso_week_monday(week)
    start, end = week_bounds(monday)
    _info, layer = active_layer(engine)
    names = dict(zip(layer["area_code"], layer["name"], strict=True))
    entries = list_entries(engine, start=start, end=end)
    if fmt == "csv":
        return week_plan_csv(entries, names)
    if fmt == "ics":
        return week_plan_ics(entries, names)
    raise GeoError(f"Okänt format {fmt!r}; välj csv eller ics.")


def proposal_csv(table: pd.DataFrame) -> bytes:
    """Return the week's proposal as Swedish Excel CSV, text cells neutralised against formulas."""
    from geo.io.spreadsheet import csv_bytes

    return csv_bytes(table)


def area_names(engine: Engine) -> dict[str, str]:
    """Return area code → name of the active layer."""
    _info, layer = active_layer(engine)
    return dict(zip(layer["area_code"], layer["name"], strict=True))


def import_file(engine: Engine, path: Path, *, who: str, dry_run: bool = False,
                swedish_dates: bool = False) -> ImportReport:  # fmt: skip
    """Import a presence file against the active layer (all or nothing); return the report."""
    from geo.presence.log_import import import_presence_file

    _info, layer = active_layer(engine)
    names = dict(zip(layer["area_code"], layer["name"], strict=True))
    shapes = dict(zip(layer["area_code"], layer.geometry, strict=True))
    ensure_defaults(engine)
    return import_presence_file(engine, path, who=who, area_codes=set(names), names=names, shapes=shapes,
                                dry_run=dry_run, swedish_dates=swedish_dates)  # fmt: skip
