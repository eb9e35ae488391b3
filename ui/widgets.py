"""Shared widgets: the period picker (Swedish local dates → a :class:`geo.periods.Period`)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo.periods import LOCAL_TZ, Period
from ui import strings


def default_period(last_incident_utc: dt.datetime) -> Period:
    """The last twelve whole months of data (a month counts when the data reaches its last day)."""
    last_local = last_incident_utc.astimezone(LOCAL_TZ).date()
    month_complete = (last_local + dt.timedelta(days=1)).day == 1
    end = last_local if month_complete else last_local.replace(day=1) - dt.timedelta(days=1)
    year, month = end.year, end.month - 11
    if month <= 0:
        year, month = year - 1, month + 12
    return Period.whole_days(dt.date(year, month, 1), end)


def period_picker(
    data_first_utc: dt.datetime, data_last_utc: dt.datetime, *, key: str
) -> Period | None:
    """A date-range input bounded by the data; ``None`` while the user has picked only one date."""
    default = default_period(data_last_utc)
    lowest = data_first_utc.astimezone(LOCAL_TZ).date()
    highest = data_last_utc.astimezone(LOCAL_TZ).date()
    default = Period.whole_days(max(default.first_day, lowest), min(default.last_day, highest))
    picked = st.sidebar.date_input(
        strings.PERIOD_LABEL,
        value=(default.first_day, default.last_day),
        min_value=lowest,
        max_value=highest,
        format="YYYY-MM-DD",
        help=strings.PERIOD_HELP,
        key=key,
    )
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        st.sidebar.warning(strings.PERIOD_INVALID)
        return None
    return Period.whole_days(picked[0], picked[1])
