"""Cached loaders: hashable keys in (URL, data version, Filters or a Period), frames out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.analysis.indicators import counts_per_area
from geo.config import Settings
from geo.periods import LOCAL_TZ, Filters, Period, local_midnight
from geo.store.database import (
    LayerInfo,
    active_layer,
    data_version,
    incident_time_range,
    load_incidents,
)
from ui import state

if TYPE_CHECKING:
    from geo.analysis.evaluation import Evaluation
    from geo.analysis.hotspots import StudyRegion


@dataclass(frozen=True)
class PageData:
    """What every data page starts from: settings, data version, the area layer and the data's span."""

    settings: Settings
    version: str
    info: LayerInfo
    layer: gpd.GeoDataFrame
    span: tuple[dt.datetime, dt.datetime] | None


def page_data() -> PageData:
    """Settings, data version, active layer and incident time range (cached per data version)."""
    settings = state.settings()
    version = current_data_version()
    info, layer = area_layer(settings.database_url, version)
    return PageData(settings, version, info, layer, time_range(settings.database_url, version))


def astuple_page(
    data: PageData,
) -> tuple[Settings, str, LayerInfo, gpd.GeoDataFrame, tuple[dt.datetime, dt.datetime] | None]:
    """Unpack :class:`PageData` in field order (pages read top to bottom with plain names)."""
    return data.settings, data.version, data.info, data.layer, data.span


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
def area_counts(database_url: str, version: str, period: Period) -> AreaCounts:
    """Incidents per area with ``period.start <= occurred_at < period.end``."""
    engine = state.engine(database_url)
    _info, layer = active_layer(engine)
    frame = load_incidents(
        engine,
        start=period.start,
        end=period.end,
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


INCIDENT_COLUMNS = (
    "occurred_at",
    "category",
    "raw_type",
    "harm_weight",
    "area_code",
    "x",
    "y",
    "source",
    "synthetic",
)


@st.cache_resource(show_spinner="Läser händelser …", max_entries=2)
def incident_table(database_url: str, version: str) -> pd.DataFrame:
    """Every incident, loaded once per data version and shared read-only by all sessions.

    ``st.cache_resource`` rather than ``st.cache_data``: with a million rows, copying the frame
    out of the cache on every rerun would cost most of the one-second budget for a rerun. Callers
    must not modify it (they filter, which makes new frames).
    """
    from geo.analysis.indicators import with_harm
    from geo.taxonomy import load_taxonomy

    frame = load_incidents(state.engine(database_url), columns=INCIDENT_COLUMNS)
    for column in ("category", "raw_type", "area_code", "source"):
        frame[column] = frame[column].astype("category")
    frame = with_harm(frame, load_taxonomy(), exclude_police_initiated=False).rename(
        columns={"harm": "harm_all"}
    )
    frame["harm_reactive"] = with_harm(frame, load_taxonomy(), exclude_police_initiated=True)[
        "harm"
    ]
    return frame


def selection(database_url: str, version: str, filters: Filters) -> pd.DataFrame:
    """The incidents matching the filters, with ``harm`` chosen by the police-initiated option."""
    from geo.analysis.indicators import select_incidents

    _info, layer = area_layer(database_url, version)
    frame = select_incidents(
        incident_table(database_url, version), layer,
        start=filters.start, end=filters.end,
        groups=filters.groups, zones=filters.zones, area_code=filters.area_code or None,
    )  # fmt: skip
    harm = frame["harm_reactive"] if filters.exclude_police_initiated else frame["harm_all"]
    return frame.assign(harm=harm)


@dataclass(frozen=True)
class HotspotView:
    """Gi* classes for every cell of the study region (with geometry), or why there are none."""

    cells: gpd.GeoDataFrame | None = None
    error: str | None = None
    n: int = 0
    without_point: int = 0
    permutations: int = 0
    seed: int = 0
    region: str = ""
    outside: int = 0
    dispersion: float = 1.0

    @property
    def table(self) -> pd.DataFrame | None:
        """The cells without geometry."""
        return None if self.cells is None else pd.DataFrame(self.cells.drop(columns="geometry"))


@dataclass(frozen=True)
class EmergingView:
    """Emerging-hotspot classes over whole months, or why there are none (``error``)."""

    table: pd.DataFrame | None = None
    error: str | None = None
    first: str = ""
    last: str = ""
    n: int = 0
    region: str = ""


@st.cache_data(show_spinner="Beräknar hotspots (Gi*, 999 permutationer) …", max_entries=32)
def hotspots(
    database_url: str, version: str, filters: Filters, cell_size: int, weighted: bool
) -> HotspotView:
    """Gi* classes per cell for the filters, or the reason there are too few incidents."""
    from geo.analysis.hotspots import hotspots_for
    from geo.errors import GeoError

    frame = selection(database_url, version, filters)
    try:
        region = hotspot_region(database_url, version, filters, cell_size)
        result, without_point = hotspots_for(frame, region, weighted=weighted)
    except GeoError as error:  # too few incidents or cells, or an area outside the chosen zones
        return HotspotView(error=str(error), n=len(frame))
    return HotspotView(cells=result.cells, n=result.n_incidents, without_point=without_point,
                       permutations=result.permutations, seed=result.seed, region=result.region,
                       outside=result.outside, dispersion=result.dispersion)  # fmt: skip


def hotspot_region(
    database_url: str, version: str, filters: Filters, cell_size: int
) -> StudyRegion:
    """The study region of the filters: the grid cells inside the chosen areas or zones (not
    cached by itself: only the cached hotspot and trend loaders call it)."""
    from geo.analysis.hotspots import region_for

    _info, layer = area_layer(database_url, version)
    return region_for(layer, cell_size=cell_size, zones=filters.zones,
                      area_codes=(filters.area_code,) if filters.area_code else ())  # fmt: skip


@st.cache_data(show_spinner="Beräknar trendklasser …", max_entries=16)
def emerging(
    database_url: str, version: str, filters: Filters, cell_size: int, months: int
) -> EmergingView:
    """Emerging-hotspot classes over the ``months`` whole months ending with the period."""
    from geo.analysis.hotspots import emerging_for
    from geo.errors import GeoError

    local_end = pd.Timestamp(filters.end).tz_convert(LOCAL_TZ).tz_localize(None)
    end = local_end - pd.Timedelta(seconds=1)
    last = end.to_period("M")
    steps = pd.period_range(last - (months - 1), last, freq="M")
    first = pd.Timestamp(steps[0].start_time, tz=LOCAL_TZ).to_pydatetime()
    window = filters.with_period(Period(first, filters.end))
    frame = selection(database_url, version, window)
    try:
        region = hotspot_region(database_url, version, filters, cell_size)
        table = emerging_for(frame, region, months=steps)
    except GeoError as error:
        return EmergingView(error=str(error))
    return EmergingView(table=table, first=str(steps[0]), last=str(steps[-1]), n=len(frame),
                        region=region.name)  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=32)
def selection_counts(database_url: str, version: str, filters: Filters) -> pd.DataFrame:
    """Plain counts per area for the filters (shown when there are too few for Gi*)."""
    _info, layer = area_layer(database_url, version)
    table = counts_per_area(selection(database_url, version, filters), layer)
    return table[table["count"] > 0] if filters.area_code else table


@st.cache_data(show_spinner=False, max_entries=64)
def week_profile(database_url: str, version: str, filters: Filters, area_code: str) -> pd.DataFrame:
    """Hour × weekday counts for one area (or all areas with ``""``)."""
    from geo.analysis.indicators import time_of_week

    frame = selection(database_url, version, filters)
    if area_code:
        frame = frame[frame["area_code"] == area_code]
    return time_of_week(frame)


@st.cache_data(show_spinner="Räknar indikatorer …", max_entries=32)
def indicators(database_url: str, version: str, filters: Filters) -> pd.DataFrame:
    """The indicator table per area (counts, groups, harm, rates, Poisson-tested change)."""
    from geo.analysis.indicators import area_indicators
    from geo.taxonomy import load_taxonomy

    _info, layer = area_layer(database_url, version)
    frame = selection(database_url, version, filters.all_time())
    period = filters.period
    span = time_range(database_url, version)
    if (
        span is not None
    ):  # equal spans: a period running past the data is compared as far as it goes
        period = period.clipped(data_end(span[1]))
    return area_indicators(frame, layer, period, groups=load_taxonomy().group_labels())


def data_end(last_incident: dt.datetime) -> dt.datetime:
    """The end of the data: the local midnight after the last incident's day (UTC)."""
    return local_midnight(last_incident.astimezone(LOCAL_TZ).date() + dt.timedelta(days=1))


@st.cache_data(show_spinner=False, max_entries=32)
def monthly_by_zone(database_url: str, version: str, filters: Filters) -> pd.DataFrame:
    """Incidents per month and zone over the whole store (for the trend chart)."""
    from geo.analysis.indicators import monthly_counts

    _info, layer = area_layer(database_url, version)
    frame = selection(database_url, version, filters.all_time())
    zones = frame["area_code"].map(layer.set_index("area_code")["zone"]).fillna("okänt område")
    return monthly_counts(frame.assign(zone=zones.astype(str)), by="zone")


# --- Survey and the joint picture ---------------------------------------------------------------


@st.cache_data(show_spinner="Läser enkätsvar …", max_entries=4)
def survey_tables(database_url: str, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every survey response (without comments) and every item answer."""
    from geo.analysis.survey import load_items, load_responses

    engine = state.engine(database_url)
    return load_responses(engine), load_items(engine)


@st.cache_data(show_spinner=False, max_entries=4)
def partner_values(database_url: str, version: str) -> pd.DataFrame:
    """Every partner indicator value."""
    from geo.io.partners import load_indicators

    return load_indicators(state.engine(database_url))


@dataclass(frozen=True)
class JointView:
    """The joint picture for one survey wave: one row per area, plus what the captions need."""

    table: pd.DataFrame
    overall: dict[str, float]
    incident_start: dt.date
    incident_end: dt.date
    incidents: int
    incident_sources: tuple[str, ...]
    synthetic: bool
    indicator_labels: tuple[str, ...]
    answers: pd.DataFrame
    """Counts per answer of the safety question per area (blank where suppressed)."""


def wave_period(wave: str) -> tuple[dt.datetime, dt.datetime]:
    """The twelve months of incidents set against a September survey: October to September."""
    year = int(wave)
    return dt.datetime(year - 1, 10, 1, tzinfo=LOCAL_TZ), dt.datetime(year, 10, 1, tzinfo=LOCAL_TZ)


@st.cache_data(show_spinner="Sammanställer den gemensamma lägesbilden …", max_entries=16)
def joint(database_url: str, version: str, wave: str, min_n: int, reveal_small: bool) -> JointView:
    """Recorded (harm-weighted, police-initiated offences left out), perceived and partner figures
    per area for one wave, with the perceived-against-recorded class."""
    from geo.analysis.joint import joint_table, latest_indicators
    from geo.analysis.survey import safety_by_area, safety_overall

    _info, layer = area_layer(database_url, version)
    start, end = wave_period(wave)
    frame = selection(
        database_url,
        version,
        Filters(Period(start, end)),
    )
    counts = counts_per_area(frame, layer)
    counts["harm_index"] = (
        counts["area_code"].map(frame.groupby("area_code", observed=True)["harm"].sum()).fillna(0.0)
    )
    responses, _items = survey_tables(database_url, version)
    safety = safety_by_area(responses, layer, wave, suppress_below=min_n, reveal_small=reveal_small)
    overall = safety_overall(responses, wave)
    chosen = latest_indicators(partner_values(database_url, version), until_year=int(wave))
    table = joint_table(counts, safety, overall["share"], chosen)
    return JointView(
        table=table,
        overall=overall,
        incident_start=start.date(),
        incident_end=(end - dt.timedelta(days=1)).date(),
        incidents=len(frame),
        incident_sources=tuple(sorted(frame["source"].astype(str).unique())),
        synthetic=bool(frame["synthetic"].any()) or bool(responses["synthetic"].any()),
        indicator_labels=tuple(sorted(chosen["label"].unique())) if len(chosen) else (),
        answers=safety.drop(columns=["area_code", "zone", "wave", "share", "low", "high"]),
    )


def boundary_note(info: LayerInfo) -> str:
    """What every map caption says about the area boundaries."""
    from ui import strings

    if info.approximate:
        return strings.APPROXIMATE_BOUNDARIES
    return strings.OFFICIAL_BOUNDARIES.format(source=strings.md(info.source))


def source_text(sources: tuple[str, ...] | list[str]) -> str:
    """What every caption says about where the incidents come from."""
    from ui import strings

    if tuple(sources) == ("demo",):
        return strings.SOURCE_DEMO
    from geo.public.publish import source_names

    return strings.SOURCE_STORE.format(sources=source_names(sources))


@st.cache_data(show_spinner="Räknar fram utvärderingen …", max_entries=16)
def evaluation(
    database_url: str,
    version: str,
    treated: tuple[str, ...],
    control: tuple[str, ...],
    before: Period,
    after: Period,
    buffer_m: float,
    harm_weighted: bool,
) -> Evaluation:
    """The weighted displacement difference for a choice of areas and periods (cached: the form
    sits in an expander whose code runs on every rerun of the page)."""
    from geo.analysis.evaluation import evaluate

    _info, layer = area_layer(database_url, version)
    incidents = incident_table(database_url, version)
    return evaluate(
        incidents.assign(harm=incidents["harm_reactive"]), layer,
        treated=list(treated), control=list(control),
        before=(before.start, before.end), after=(after.start, after.end),
        buffer_m=buffer_m, harm_weighted=harm_weighted,
    )  # fmt: skip
