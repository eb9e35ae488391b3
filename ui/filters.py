"""Sidebar filters shared by Översikt and Hotspots: the widgets → a frozen geo.periods.Filters."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo.areas.falkenberg import ZONES
from geo.periods import Filters
from geo.taxonomy import load_taxonomy
from ui import access, strings
from ui.widgets import period_picker


def incident_filters(
    first: dt.datetime, last: dt.datetime, *, key: str, areas: dict[str, str] | None = None
) -> Filters | None:
    """Period, category groups, zones, optionally one area, and the police-initiated option.

    ``None`` until the period is complete.
    """
    period = period_picker(first, last, key=f"{key}_period")
    groups = load_taxonomy().group_labels()
    chosen_groups = st.sidebar.multiselect(
        strings.GROUPS_LABEL,
        list(groups),
        default=list(groups),
        format_func=lambda key: groups[key],
        placeholder=strings.CHOOSE,
        key=f"{key}_groups",
    )
    chosen_zones = st.sidebar.multiselect(
        strings.ZONES_LABEL,
        list(ZONES),
        default=list(ZONES),
        format_func=lambda zone: strings.ZONE_LABELS[zone],
        placeholder=strings.CHOOSE,
        key=f"{key}_zones",
    )
    area_code = ""
    if areas is not None:
        area_code = st.sidebar.selectbox(
            strings.AREA_FILTER,
            ["", *areas],
            format_func=lambda c: areas.get(c, strings.ALL_AREAS),
            key=f"{key}_area",
        )
    exclude = st.sidebar.toggle(
        strings.EXCLUDE_PI_LABEL, value=True, help=strings.EXCLUDE_PI_HELP, key=f"{key}_pi"
    )
    if period is None:
        return None
    filters = Filters(
        period,
        groups=tuple(sorted(chosen_groups)) if len(chosen_groups) < len(groups) else (),
        zones=tuple(sorted(chosen_zones)) if len(chosen_zones) < len(ZONES) else (),
        exclude_police_initiated=exclude,
        area_code=str(area_code or ""),
    )
    access.log_filters(filters)  # who saw which data: the access log keeps the filters
    return filters


def local_dates(filters: Filters) -> tuple[dt.date, dt.date]:
    """The filter's first and last local day (for captions)."""
    return filters.period.first_day, filters.period.last_day
