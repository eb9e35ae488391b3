"""Cached loaders: primitive keys in (URL, data version, ISO dates), frames out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.indicators import counts_per_area
from geo.store import LayerInfo, active_layer, data_version, incident_time_range, load_incidents
from ui import state


def current_data_version() -> str:
    """The store's data version (cheap query, not cached: it is what invalidates the caches)."""
    return data_version(state.engine(state.settings().database_url))


@st.cache_data(show_spinner=False)
def area_layer(database_url: str, version: str) -> tuple[LayerInfo, gpd.GeoDataFrame]:
    """The active area layer (EPSG:3006) and its facts."""
    return active_layer(state.engine(database_url))


@st.cache_data(show_spinner=False)
def time_range(database_url: str, version: str) -> tuple[dt.datetime, dt.datetime] | None:
    """First and last incident time in the store (UTC)."""
    return incident_time_range(state.engine(database_url))


@dataclass(frozen=True)
class AreaCounts:
    """Counts per area for a period, with what a caption needs."""

    table: pd.DataFrame
    n: int
    outside: int
    synthetic: bool
    sources: tuple[str, ...]


@st.cache_data(show_spinner="Räknar händelser per område …")
def area_counts(database_url: str, version: str, start_utc: str, end_utc: str) -> AreaCounts:
    """Incidents per area with ``start_utc <= occurred_at < end_utc`` (ISO strings)."""
    engine = state.engine(database_url)
    _info, layer = active_layer(engine)
    frame = load_incidents(
        engine,
        start=dt.datetime.fromisoformat(start_utc),
        end=dt.datetime.fromisoformat(end_utc),
        columns=("area_code", "source", "synthetic"),
    )
    table = counts_per_area(frame, layer)
    return AreaCounts(
        table=table,
        n=len(frame),
        outside=int(table.attrs["outside"]),
        synthetic=bool(frame["synthetic"].any()) if len(frame) else False,
        sources=tuple(sorted(frame["source"].unique())) if len(frame) else (),
    )
