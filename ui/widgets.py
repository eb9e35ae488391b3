"""Shared widgets: the period picker (Swedish local dates → UTC bounds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import streamlit as st

from ui import strings

LOCAL = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class Period:
    """Whole local days ``first``..``last`` (inclusive) and the matching UTC bounds."""

    first: dt.date
    last: dt.date

    @property
    def start_utc(self) -> str:
        return dt.datetime.combine(self.first, dt.time(), LOCAL).astimezone(dt.UTC).isoformat()

    @property
    def end_utc(self) -> str:
        after = self.last + dt.timedelta(days=1)
        return dt.datetime.combine(after, dt.time(), LOCAL).astimezone(dt.UTC).isoformat()


def default_period(last_incident_utc: dt.datetime) -> Period:
    """The last twelve whole months of data (a month counts when the data reaches its last day)."""
    last_local = last_incident_utc.astimezone(LOCAL).date()
    month_complete = (last_local + dt.timedelta(days=1)).day == 1
    end = last_local if month_complete else last_local.replace(day=1) - dt.timedelta(days=1)
    year, month = end.year, end.month - 11
    if month <= 0:
        year, month = year - 1, month + 12
    return Period(first=dt.date(year, month, 1), last=end)


def period_picker(
    data_first_utc: dt.datetime, data_last_utc: dt.datetime, *, key: str
) -> Period | None:
    """A date-range input bounded by the data; ``None`` while the user has picked only one date."""
    default = default_period(data_last_utc)
    lowest = data_first_utc.astimezone(LOCAL).date()
    highest = data_last_utc.astimezone(LOCAL).date()
    default = Period(max(default.first, lowest), min(default.last, highest))
    picked = st.sidebar.date_input(
        strings.PERIOD_LABEL,
        value=(default.first, default.last),
        min_value=lowest,
        max_value=highest,
        format="YYYY-MM-DD",
        help=strings.PERIOD_HELP,
        key=key,
    )
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        st.sidebar.warning(strings.PERIOD_INVALID)
        return None
    return Period(first=picked[0], last=picked[1])
