"""Indicators per area and period: counts per group, a harm index, rates and tested change.

Rates are given only where they mean something, and change comes with a Poisson test, so that
"up from 2 to 4" is not an alarm.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import formats
from geo.periods import LOCAL_TZ, Period
from geo.taxonomy import Taxonomy

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


FLOORS_PATH = Path(__file__).resolve().parents[2] / "data" / "floors.json"


@dataclass(frozen=True)
class Floors:
    """The small-number floors shared by the dashboard, the report and the public site."""

    min_count_for_rate: int
    """Fewer incidents than this are shown as a count only ("small numbers are not dressed up")."""
    min_population_for_rate: int
    """Below this many inhabitants a rate per 1,000 swings too much with a single incident."""
    denominator_notes: dict[str, str]
    """Area code → why residents are the wrong denominator there (visitors, summer guests)."""

    def allows_rate(self, count: int, population: int | None, *, min_population: int = 0) -> bool:
        """Whether a rate per 1,000 may be shown for ``count`` incidents and ``population``."""
        floor = max(self.min_population_for_rate, min_population)
        return bool(population) and population >= floor and count >= self.min_count_for_rate  # type: ignore[operator]


@functools.lru_cache(maxsize=4)
def load_floors(path: Path = FLOORS_PATH) -> Floors:
    """Read ``data/floors.json`` (cached).

    Raises
    ------
    GeoError
        When the file is missing a floor or a floor is not a positive whole number.
    """
    from geo.errors import GeoError

    raw = json.loads(path.read_text(encoding="utf-8"))
    values = {}
    for key in ("min_count_for_rate", "min_population_for_rate"):
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise GeoError(
                f"{path.name}: {key} måste vara ett positivt heltal, inte {value!r}; rätta filen."
            )
        values[key] = value
    notes = {str(k): str(v) for k, v in dict(raw.get("denominator_notes") or {}).items()}
    return Floors(values["min_count_for_rate"], values["min_population_for_rate"], notes)


def counts_per_area(incident_frame: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Count the incidents per area, every area listed (zero where none).

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
    """A change between two periods of possibly different length, tested as Poisson counts.

    ``p_adjusted`` is the Benjamini–Hochberg adjusted p-value over the family of tests the view
    shows (:func:`adjust_changes`); ``significant`` follows it when set.
    """

    before: int
    after: int
    ratio: float | None
    p_value: float
    significant: bool
    p_adjusted: float | None = None
    before_days: float = 1.0
    after_days: float = 1.0
    before_label: str = ""
    after_label: str = ""

    @property
    def direction(self) -> str:
        """ökning/minskning/oförändrat from the *rates* (per day), not the counts."""
        rate_before = self.before / self.before_days
        rate_after = self.after / self.after_days
        if math.isclose(rate_before, rate_after, rel_tol=1e-9):
            return "oförändrat"
        return "ökning" if rate_after > rate_before else "minskning"

    def describe(self) -> str:
        """Swedish one-liner with both periods, never a bare percentage on small numbers."""
        if self.before + self.after == 0:
            return "inga händelser"
        spans = f" ({self.before_label} → {self.after_label})" if self.before_label else ""
        if self.p_adjusted is not None:
            p_text = f"justerat {formats.p_value(self.p_adjusted)}"
        else:
            p_text = formats.p_value(self.p_value)
        counts = f"{formats.number(self.before)} → {formats.number(self.after)}"
        if not self.significant:
            return f"{counts}{spans}: ingen säker förändring ({p_text})"
        return f"{counts}{spans}: {self.direction} ({p_text})"


def poisson_change(
    before: int,
    after: int,
    *,
    before_days: float = 1.0,
    after_days: float = 1.0,
    before_label: str = "",
    after_label: str = "",
) -> Change:
    """Exact conditional test of two Poisson counts (given the total, ``after`` is binomial).

    Parameters
    ----------
    before, after
        Counts in the earlier and later period.
    before_days, after_days
        Lengths of the periods (the test compares rates per day).
    before_label, after_label
        The periods as text, printed with the change.

    Notes
    -----
    Under equal rates, ``after | before + after ~ Binomial(before + after, t_after / (t_before + t_after))``;
    the two-sided p-value is scipy's exact binomial test (Przyborowski & Wilenski 1940).
    """
    labels = {"before_days": before_days, "after_days": after_days,
              "before_label": before_label, "after_label": after_label}  # fmt: skip
    total = before + after
    if total == 0:
        return Change(before, after, None, 1.0, False, **labels)  # type: ignore[arg-type]
    share = after_days / (before_days + after_days)
    p_value = _binomial_two_sided(after, total, share)
    rate_before = before / before_days
    ratio = (after / after_days) / rate_before if rate_before > 0 else None
    return Change(before, after, ratio, p_value, p_value < SIGNIFICANCE, **labels)  # type: ignore[arg-type]


def _binomial_two_sided(k: int, n: int, p: float) -> float:
    """Return the exact two-sided binomial p-value of ``k`` successes in ``n`` at ``p``.

    The probability of every outcome no more likely than ``k`` (scipy's ``binomtest`` rule, relative
    tolerance 1e-7), vectorised over the outcomes (``binomtest`` costs about a millisecond a call; a
    view tests 28 changes).
    """
    from scipy import stats  # here, not at the top: scipy.stats costs ~1 s to import

    if p <= 0.0 or p >= 1.0:
        return 1.0 if (k == 0 and p <= 0.0) or (k == n and p >= 1.0) else 0.0
    pmf = stats.binom.pmf(np.arange(n + 1), n, p)
    return float(min(1.0, pmf[pmf <= pmf[k] * (1 + 1e-7)].sum()))


def adjust_changes(changes: list[Change], *, alpha: float = SIGNIFICANCE) -> list[Change]:
    """Return the changes with Benjamini–Hochberg adjusted p-values over all of them.

    All of them are the family a view shows; a change is significant when its adjusted p is at most
    ``alpha``. Comparisons without any incident are no test and stay out of the family.
    """
    p = np.array([c.p_value if c.before + c.after > 0 else np.nan for c in changes], dtype=float)
    adjusted = bh_adjust(p)
    return [
        replace(c, p_adjusted=None if np.isnan(q) else float(q),
                significant=bool(not np.isnan(q) and q <= alpha))
        for c, q in zip(changes, adjusted, strict=True)
    ]  # fmt: skip


def _in(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    return frame[(frame["occurred_at"] >= start) & (frame["occurred_at"] < end)]


def area_indicators(
    incident_frame: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    period: Period,
    *,
    groups: dict[str, str],
    previous: Period | None = None,
    year_before: Period | None = None,
) -> pd.DataFrame:
    """Compute the indicator table per area for a period.

    Parameters
    ----------
    incident_frame
        Incidents with ``occurred_at`` (UTC), ``area_code``, ``category``, ``harm`` (see
        :func:`with_harm`), covering at least the period, the previous period and a year before.
    groups
        Category group key → Swedish label (columns are added per group, in this order).
    previous, year_before
        The comparison periods (default: the same length just before; the same dates a year
        earlier). A comparison equal to the other is tested once.

    Returns
    -------
    pandas.DataFrame
        Per area: ``count``, one column per group, ``harm_index``, ``per_km2`` (count per square
        kilometre of the area), ``rate_per_1000`` (NaN when the
        population is unknown or small, or the count too small; ``rate_note`` says why),
        ``previous``, ``change_previous`` (text with both periods), ``p_previous``,
        ``p_adjusted_previous``, ``significant_previous``, and the same for ``last_year``. The
        p-values are adjusted (Benjamini–Hochberg) over every area and comparison together, the
        family the table shows. ``attrs``: ``periods`` (label per comparison), ``family`` (number
        of tests), ``same_comparison`` (True when both comparisons are the same period).
    """
    floors = load_floors()
    previous = previous or period.previous()
    year_before = year_before or period.year_before()
    now = _in(incident_frame, period)
    table = counts_per_area(now, areas)
    per_group = now.groupby(["area_code", "category"], observed=True).size().unstack(fill_value=0)
    for key in groups:
        table[key] = (
            table["area_code"]
            .map(per_group[key] if key in per_group else pd.Series(dtype=int))
            .fillna(0)
            .astype(int)
        )
    table["harm_index"] = (
        table["area_code"]
        .map(now.groupby("area_code", observed=True)["harm"].sum())
        .fillna(0.0)
        .round(1)
    )
    # Density: where an area is large and empty (the inland), the raw count colours it darkest;
    # per km² of the area's own extent (EPSG:3006 metres) is the fair spatial comparison.
    square_km = pd.Series(areas.geometry.area.to_numpy() / 1e6, index=areas["area_code"])
    table["per_km2"] = (table["count"] / table["area_code"].map(square_km)).round(1)
    population = table["population"].astype("Float64")
    can_rate = population.fillna(0).ge(floors.min_population_for_rate) & table["count"].ge(
        floors.min_count_for_rate
    )
    table["rate_per_1000"] = np.where(
        can_rate, (table["count"] / population * 1000).round(1), np.nan
    )
    table["rate_note"] = np.select(
        [population.isna().to_numpy(), population.fillna(0).lt(floors.min_population_for_rate).to_numpy(),
         table["count"].lt(floors.min_count_for_rate).to_numpy()],
        ["befolkning okänd", f"under {floors.min_population_for_rate} invånare",
         f"färre än {floors.min_count_for_rate} händelser"],
        default="",
    )  # fmt: skip
    table["denominator_note"] = table["area_code"].map(floors.denominator_notes).fillna("")
    same = previous == year_before
    comparisons = [("previous", previous)] + ([] if same else [("last_year", year_before)])
    family: list[Change] = []
    for _name, other in comparisons:
        counts = (
            table["area_code"]
            .map(_in(incident_frame, other)["area_code"].value_counts())
            .fillna(0)
            .astype(int)
        )
        family += [
            poisson_change(int(b), int(a), before_days=other.days, after_days=period.days,
                           before_label=other.label, after_label=period.label)
            for b, a in zip(counts, table["count"], strict=True)
        ]  # fmt: skip
    family = adjust_changes(family)
    for index, (name, _other) in enumerate(comparisons):
        changes = family[index * len(table) : (index + 1) * len(table)]
        _add_changes(table, name, changes)
    if same:
        for column in ("", "change_", "p_", "p_adjusted_", "significant_"):
            table[f"{column}last_year"] = table[f"{column}previous"]
    table.attrs["periods"] = {"now": period.label, "previous": previous.label,
                              "last_year": year_before.label}  # fmt: skip
    table.attrs["family"] = sum(c.before + c.after > 0 for c in family)
    table.attrs["same_comparison"] = same
    return table


def _add_changes(table: pd.DataFrame, name: str, changes: list[Change]) -> None:
    table[name] = [c.before for c in changes]
    table[f"change_{name}"] = [c.describe() for c in changes]
    table[f"p_{name}"] = [c.p_value for c in changes]
    table[f"p_adjusted_{name}"] = [
        np.nan if c.p_adjusted is None else c.p_adjusted for c in changes
    ]
    table[f"significant_{name}"] = [c.significant for c in changes]


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
    """Return the incidents of a period, category groups, zones and/or one area (empty = all)."""
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
    local = incident_frame["occurred_at"].dt.tz_convert(LOCAL_TZ)
    month = local.dt.tz_localize(None).dt.to_period("M").dt.to_timestamp()
    if by is None:
        return month.value_counts().sort_index().rename("count").to_frame()
    return incident_frame.assign(month=month).groupby(["month", by]).size().unstack(fill_value=0)


def time_of_week(incident_frame: pd.DataFrame) -> pd.DataFrame:
    """Hour × weekday counts in Swedish local time (rows 0–23, columns Mon–Sun)."""
    local = incident_frame["occurred_at"].dt.tz_convert(LOCAL_TZ)
    table = pd.crosstab(local.dt.hour.rename("hour"), local.dt.day_of_week.rename("weekday"))
    return table.reindex(index=range(24), columns=range(7), fill_value=0).rename_axis(
        index="hour", columns="weekday"
    )
