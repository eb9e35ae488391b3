"""One area's figures for a period: what the panel beside a map shows when an area is clicked.

Pure computation on frames the caller already has (the incidents of the period, the survey
table): no database, no Streamlit. The point a user clicked is found in the area layer here too,
so pages and the public site never guess which area a click meant.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import MAP_CRS, WORK_CRS, require_work_crs, transformer
from geo.periods import LOCAL_TZ


@dataclass(frozen=True)
class SurveyShare:
    """The unsafe share of one survey wave in one area, or that there were too few answers."""

    wave: str
    n: int | None
    share: float | None
    low: float | None
    high: float | None
    suppressed: bool


@dataclass(frozen=True)
class AreaDetails:
    """One area's figures for a period (local dates ``first``–``last``, both inclusive)."""

    area_code: str
    name: str
    zone: str
    first: dt.date
    last: dt.date
    count: int
    groups: tuple[tuple[str, int], ...]
    """(group label, count) in the taxonomy's order, every group (zeros too)."""
    harm: float
    monthly: tuple[tuple[pd.Timestamp, int], ...]
    """(first day of the month, count) for every calendar month the period touches."""
    weekdays: tuple[int, ...]
    """Counts Monday … Sunday, Swedish local time."""
    survey: SurveyShare | None
    last_presence: dt.datetime | None
    sources: tuple[str, ...]
    synthetic: bool


def point_in_layer(layer: gpd.GeoDataFrame, lat: float, lon: float, column: str) -> str | None:
    """Return the ``column`` value of the polygon of ``layer`` (EPSG:3006) holding a WGS 84 point.

    Parameters
    ----------
    layer
        Polygons in EPSG:3006, e.g. the area layer (``column="area_code"``) or hotspot cells.
    lat, lon
        The clicked point in degrees (what Leaflet reports).
    column
        The column to return.

    Returns
    -------
    str or None
        The value of the first polygon containing the point; ``None`` outside every polygon
        (at sea, outside the municipality) or for a non-finite point.

    Raises
    ------
    CRSError
        When ``layer`` is not in EPSG:3006.
    """
    require_work_crs(layer, "layer")
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    x, y = transformer(MAP_CRS, WORK_CRS).transform(lon, lat)
    inside = shapely.contains_xy(layer.geometry.to_numpy(), x, y)
    hits = np.flatnonzero(inside)
    return None if len(hits) == 0 else str(layer[column].iloc[int(hits[0])])


def month_starts(first: dt.date, last: dt.date) -> list[pd.Timestamp]:
    """Return the first day of every month from ``first``'s month to ``last``'s, in order."""
    return list(pd.period_range(first, last, freq="M").to_timestamp())


def area_details(
    incidents: pd.DataFrame,
    *,
    area: pd.Series,
    first: dt.date,
    last: dt.date,
    group_labels: dict[str, str],
    survey: SurveyShare | None = None,
    last_presence: dt.datetime | None = None,
) -> AreaDetails:
    """Compute the panel's figures for one area.

    Parameters
    ----------
    incidents
        The period's incidents (any areas) with ``occurred_at`` (UTC), ``area_code``,
        ``category``, ``harm``, ``source`` and ``synthetic``, already filtered to the period and
        the chosen groups.
    area
        The area's row of the layer (``area_code``, ``name``, ``zone``).
    first, last
        The period's first and last local day (for the months and the caption).
    group_labels
        Category group key → Swedish label, in display order.
    survey, last_presence
        The survey share and the last performed presence, when the caller may show them.

    Returns
    -------
    AreaDetails
        Counts per group, harm, counts per month and per weekday of the area's incidents.
    """
    code = str(area["area_code"])
    own = incidents[incidents["area_code"].astype(str) == code]
    per_group = own["category"].astype(str).value_counts()
    local = own["occurred_at"].dt.tz_convert(LOCAL_TZ)
    months = local.dt.tz_localize(None).dt.to_period("M").dt.to_timestamp().value_counts()
    weekdays = local.dt.day_of_week.value_counts()
    return AreaDetails(
        area_code=code,
        name=str(area["name"]),
        zone=str(area["zone"]),
        first=first,
        last=last,
        count=len(own),
        groups=tuple((label, int(per_group.get(key, 0))) for key, label in group_labels.items()),
        harm=round(float(own["harm"].sum()), 1) if len(own) else 0.0,
        monthly=tuple((m, int(months.get(m, 0))) for m in month_starts(first, last)),
        weekdays=tuple(int(weekdays.get(d, 0)) for d in range(7)),
        survey=survey,
        last_presence=last_presence,
        sources=tuple(sorted(own["source"].astype(str).unique())),
        synthetic=bool(own["synthetic"].any()) if len(own) else False,
    )


def survey_share(table: pd.DataFrame, area_code: str, wave: str) -> SurveyShare | None:
    """Return one area's row of ``geo.analysis.survey.safety_by_area``'s table as a :class:`SurveyShare`.

    Suppressed rows keep their blanks: a small n that the table hid stays hidden here.
    """
    rows = table[table["area_code"].astype(str) == area_code]
    if rows.empty:
        return None
    row = rows.iloc[0]

    def value(column: str) -> float | None:
        number = row[column]
        return None if pd.isna(number) else float(number)

    n = value("n")
    return SurveyShare(
        wave=str(wave),
        n=None if n is None else int(n),
        share=value("share"),
        low=value("low"),
        high=value("high"),
        suppressed=bool(row["suppressed"]),
    )
