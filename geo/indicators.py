"""Indicators per area and period: counts per category group, a harm index, rates only where they
mean something, and change with a Poisson test so that "up from 2 to 4" is not an alarm."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats

from geo.taxonomy import Taxonomy

MIN_POPULATION_FOR_RATE = 1_000
"""Below this many inhabitants a rate per 1,000 swings too much with a single incident."""
MIN_COUNT_FOR_RATE = 10
"""Fewer incidents than this are shown as a count only ("small numbers are not dressed up")."""
SIGNIFICANCE = 0.05
"""The false-discovery rate a view's family of tests is held to (Benjamini–Hochberg)."""


def bh_adjust(p_values: np.ndarray | list[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input's order.

    A test is a discovery at false-discovery rate ``alpha`` exactly when its adjusted p is at most
    ``alpha``; NaN stays NaN and is not counted in the family.

    Notes
    -----
    Benjamini & Hochberg (1995): ``q_(i) = min_{j ≥ i} p_(j) · m / j``, capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    present = np.flatnonzero(~np.isnan(p))
    m = len(present)
    if m == 0:
        return out
    order = present[np.argsort(p[present], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return out


def counts_per_area(incident_frame: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Number of incidents per area, every area listed (zero where none).

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``name``, ``zone``, ``population``, ``count``, in layer order.
        ``attrs["outside"]`` holds the number of incidents in no area.
    """
    counts = incident_frame["area_code"].value_counts()
    table = pd.DataFrame(areas[["area_code", "name", "zone", "population"]])
    table["count"] = table["area_code"].map(counts).fillna(0).astype(int)
    table.attrs["outside"] = int(incident_frame["area_code"].isna().sum())
    return table.reset_index(drop=True)


def with_harm(
    incident_frame: pd.DataFrame, taxonomy: Taxonomy, *, exclude_police_initiated: bool
) -> pd.DataFrame:
    """Add ``harm`` (the harm weight, 0 for police-initiated types when they are excluded)."""
    frame = incident_frame.copy()
    frame["harm"] = frame["harm_weight"].astype(float)
    if exclude_police_initiated:
        initiated = {t.name for t in taxonomy.types if t.police_initiated}
        frame.loc[frame["raw_type"].isin(initiated), "harm"] = 0.0
    return frame


@dataclass(frozen=True)
class Change:
    """A change between two periods of possibly different length, tested as Poisson counts."""

    before: int
    after: int
    ratio: float | None
    p_value: float
    significant: bool

    def describe(self) -> str:
        """Swedish one-liner, never a bare percentage on small numbers."""
        if self.before + self.after == 0:
            return "inga händelser"
        direction = (
            "ökning"
            if self.after > self.before
            else "minskning"
            if self.after < self.before
            else "oförändrat"
        )
        if not self.significant:
            return f"{self.before} → {self.after}: ingen säker förändring (p = {self.p_value:.2f})"
        return f"{self.before} → {self.after}: {direction} (p = {self.p_value:.3f})"


def poisson_change(
    before: int, after: int, *, before_days: float = 1.0, after_days: float = 1.0
) -> Change:
    """Exact conditional test of two Poisson counts (given the total, ``after`` is binomial).

    Parameters
    ----------
    before, after
        Counts in the earlier and later period.
    before_days, after_days
        Lengths of the periods (the test compares rates per day).

    Notes
    -----
    Under equal rates, ``after | before + after ~ Binomial(before + after, t_after / (t_before + t_after))``;
    the two-sided p-value is scipy's exact binomial test (Przyborowski & Wilenski 1940).
    """
    total = before + after
    if total == 0:
        return Change(before, after, None, 1.0, False)
    share = after_days / (before_days + after_days)
    p_value = float(stats.binomtest(after, total, share).pvalue)
    rate_before = before / before_days
    ratio = (after / after_days) / rate_before if rate_before > 0 else None
    return Change(before, after, ratio, p_value, p_value < SIGNIFICANCE)


@dataclass(frozen=True)
class Period:
    """Half-open UTC interval ``[start, end)``."""

    start: dt.datetime
    end: dt.datetime

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86_400

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - (self.end - self.start), self.start)

    def year_before(self) -> Period:
        """The same dates one year earlier (29 February → 28 February)."""

        def back(moment: dt.datetime) -> dt.datetime:
            try:
                return moment.replace(year=moment.year - 1)
            except ValueError:
                return moment.replace(year=moment.year - 1, day=28)

        return Period(back(self.start), back(self.end))


def _in(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    return frame[(frame["occurred_at"] >= start) & (frame["occurred_at"] < end)]


def area_indicators(
    incident_frame: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    period: Period,
    *,
    groups: dict[str, str],
) -> pd.DataFrame:
    """The indicator table per area for a period.

    Parameters
    ----------
    incident_frame
        Incidents with ``occurred_at`` (UTC), ``area_code``, ``category``, ``harm`` (see
        :func:`with_harm`), covering at least the period, the previous period and a year before.
    groups
        Category group key → Swedish label (columns are added per group, in this order).

    Returns
    -------
    pandas.DataFrame
        Per area: ``count``, one column per group, ``harm_index``, ``rate_per_1000`` (NaN when the
        population is unknown or small, or the count too small; ``rate_note`` says why),
        ``previous``, ``change_previous`` (text), ``p_previous``, ``last_year``,
        ``change_last_year``, ``p_last_year``.
    """
    now = _in(incident_frame, period)
    before = _in(incident_frame, period.previous())
    year_ago = _in(incident_frame, period.year_before())
    table = counts_per_area(now, areas)
    per_group = now.groupby(["area_code", "category"]).size().unstack(fill_value=0)
    for key in groups:
        table[key] = (
            table["area_code"]
            .map(per_group[key] if key in per_group else pd.Series(dtype=int))
            .fillna(0)
            .astype(int)
        )
    table["harm_index"] = (
        table["area_code"].map(now.groupby("area_code")["harm"].sum()).fillna(0.0).round(1)
    )
    population = table["population"].astype("Float64")
    can_rate = population.fillna(0).ge(MIN_POPULATION_FOR_RATE) & table["count"].ge(
        MIN_COUNT_FOR_RATE
    )
    table["rate_per_1000"] = np.where(
        can_rate, (table["count"] / population * 1000).round(1), np.nan
    )
    table["rate_note"] = np.select(
        [population.isna().to_numpy(), population.fillna(0).lt(MIN_POPULATION_FOR_RATE).to_numpy(), table["count"].lt(MIN_COUNT_FOR_RATE).to_numpy()],
        ["befolkning okänd", f"under {MIN_POPULATION_FOR_RATE} invånare", f"färre än {MIN_COUNT_FOR_RATE} händelser"],
        default="",
    )  # fmt: skip
    for name, frame, other in (
        ("previous", before, period.previous()),
        ("last_year", year_ago, period.year_before()),
    ):
        counts = table["area_code"].map(frame["area_code"].value_counts()).fillna(0).astype(int)
        changes = [
            poisson_change(int(b), int(a), before_days=other.days, after_days=period.days)
            for b, a in zip(counts, table["count"], strict=True)
        ]
        table[name] = counts
        table[f"change_{name}"] = [c.describe() for c in changes]
        table[f"p_{name}"] = [c.p_value for c in changes]
        table[f"significant_{name}"] = [c.significant for c in changes]
    return table


def select_incidents(
    incident_frame: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    groups: tuple[str, ...] = (),
    zones: tuple[str, ...] = (),
    area_code: str | None = None,
) -> pd.DataFrame:
    """The incidents in a period, category groups, zones and/or one area (empty tuple = all)."""
    keep = pd.Series(True, index=incident_frame.index)
    if start is not None:
        keep &= incident_frame["occurred_at"] >= pd.Timestamp(start)
    if end is not None:
        keep &= incident_frame["occurred_at"] < pd.Timestamp(end)
    if groups:
        keep &= incident_frame["category"].isin(groups)
    if zones:
        in_zones = areas.loc[areas["zone"].isin(zones), "area_code"]
        keep &= incident_frame["area_code"].isin(in_zones)
    if area_code:
        keep &= incident_frame["area_code"] == area_code
    return incident_frame[keep]


def monthly_counts(incident_frame: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Incidents per calendar month (Swedish time), optionally split by a column (e.g. ``zone``)."""
    local = incident_frame["occurred_at"].dt.tz_convert("Europe/Stockholm")
    month = local.dt.tz_localize(None).dt.to_period("M").dt.to_timestamp()
    if by is None:
        return month.value_counts().sort_index().rename("count").to_frame()
    return incident_frame.assign(month=month).groupby(["month", by]).size().unstack(fill_value=0)


def time_of_week(incident_frame: pd.DataFrame) -> pd.DataFrame:
    """Hour × weekday counts in Swedish local time (rows 0–23, columns Mon–Sun)."""
    local = incident_frame["occurred_at"].dt.tz_convert("Europe/Stockholm")
    table = pd.crosstab(local.dt.hour.rename("hour"), local.dt.day_of_week.rename("weekday"))
    return table.reindex(index=range(24), columns=range(7), fill_value=0).rename_axis(
        index="hour", columns="weekday"
    )
