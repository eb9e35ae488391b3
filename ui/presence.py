"""Glue for the presence pages (police only): cached reads and the week window."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from geo.presence import list_entries, need_vs_delivered
from ui import loaders, state
from ui.loaders import Filters

LOCAL = ZoneInfo("Europe/Stockholm")


def week_bounds(monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds of the local (Swedish) week starting ``monday``."""
    start = dt.datetime.combine(monday, dt.time(), LOCAL)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=7)).astimezone(dt.UTC)


def entries(start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Presence entries overlapping a window (not cached: edits must show at once)."""
    return list_entries(state.engine(state.settings().database_url), start=start, end=end)


def area_codes() -> set[str]:
    settings = state.settings()
    _info, layer = loaders.area_layer(settings.database_url, loaders.current_data_version())
    return set(layer["area_code"])


@st.cache_data(show_spinner="Räknar behov …", max_entries=16)
def need_table(
    database_url: str, version: str, filters: Filters, hours: tuple[int, ...], presence_key: str
) -> pd.DataFrame:
    """Need (harm-weighted incidents) against delivered presence per area for the filters.

    ``presence_key`` changes whenever the presence log does, so the cache never shows stale hours.
    """
    _info, layer = loaders.area_layer(database_url, version)
    incidents = loaders.selection(database_url, version, filters)
    start, end = (
        dt.datetime.fromisoformat(filters.start_utc),
        dt.datetime.fromisoformat(filters.end_utc),
    )
    log = list_entries(state.engine(database_url), start=start, end=end)
    return need_vs_delivered(incidents, log, layer, end=end, hours=hours)


def presence_version() -> str:
    """Changes whenever an entry is created or edited (the newest update time and the count)."""
    from sqlalchemy import func, select

    from geo.schema import presence_entries

    with state.engine(state.settings().database_url).connect() as connection:
        latest, count = connection.execute(
            select(func.max(presence_entries.c.updated_at), func.count())
        ).one()
    return f"{latest}-{count}"
