"""Did targeted presence work? Before/after against comparison areas (FACTS §5).

The weighted displacement difference of Wheeler & Ratcliffe (2018).

With counts before (b) and after (a) in the treated areas T, the comparison areas C, and
optionally a displacement ring D around T with its own comparison ring Cd around C::

    WDD = (Ta − Tb) − (Ca − Cb) + (Da − Db) − (Cda − Cdb)
    Var = Ta + Tb + Ca + Cb + Da + Db + Cda + Cdb        (Poisson: a count's variance is itself)
    z   = WDD / √Var

A negative WDD means fewer incidents in the treated areas (and their surroundings) than the
comparison suggests. Harm-weighted, each count becomes a sum of weights and its variance the sum
of squared weights (a compound Poisson count). Small counts get a plain warning: |z| < 1.96 is
"no detectable effect", not "no effect", and with few incidents nothing can be concluded at all.

Comparable baselines (the explicit rule): the WDD subtracts *raw* count changes, so it assumes
that without the intervention treated and comparison areas would have changed by about the same
number of incidents. Wheeler & Ratcliffe (2018) therefore ask for comparison areas with counts
similar to the treated areas before the intervention. Here the comparison areas' count before
must lie between half and twice the treated areas' (:data:`MAX_BASELINE_RATIO`), and the same for
the two displacement rings; otherwise :meth:`Evaluation.verdict` refuses to conclude, says why
and names areas whose count before would fit. (T 20 → 10 against C 400 → 200 is a halving in
both, yet WDD = +190 with z = 7.6: the difference only says that C is twenty times bigger.)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import formats
from geo.errors import GeoError

MIN_INCIDENTS = 30
"""Fewer incidents than this in the treated areas (before + after) and nothing can be concluded."""
MIN_PER_COMPONENT = 10
"""A component (before or after) below this is flagged as small."""
MAX_BASELINE_RATIO = 2.0
"""Comparison and treated counts before may differ by at most this factor either way."""


@dataclass(frozen=True)
class Component:
    """One part of the comparison: incidents (or harm) before and after, with their variances."""

    name: str
    before: float
    after: float
    var_before: float
    var_after: float
    incidents_before: int
    incidents_after: int

    @property
    def change(self) -> float:
        """The change from before to after (after − before)."""
        return self.after - self.before


@dataclass(frozen=True)
class Evaluation:
    """The result and everything needed to explain it."""

    treated: Component
    control: Component
    displacement: Component | None
    control_displacement: Component | None
    wdd: float
    variance: float
    z: float
    p_value: float
    harm_weighted: bool
    warnings: list[str] = field(default_factory=list)
    refusal: str | None = None
    """Why no verdict is given although the numbers exist (baselines not comparable)."""

    @property
    def standard_error(self) -> float:
        """The standard error of the weighted displacement difference."""
        return math.sqrt(self.variance)

    def verdict(self) -> str:
        """One plain Swedish sentence about what can be said."""
        if any(w.startswith("För få") for w in self.warnings):
            return "För få händelser för att dra någon slutsats."
        if self.refusal:
            return f"Ingen slutsats: {self.refusal}"
        if abs(self.z) < 1.96:
            return "Ingen säkerställd skillnad mot jämförelseområdena (|z| < 1,96)."
        if self.wdd < 0:
            return "Färre händelser än jämförelsen ger förväntat (säkerställt, |z| ≥ 1,96)."
        return "Fler händelser än jämförelsen ger förväntat (säkerställt, |z| ≥ 1,96)."


def weighted_displacement_difference(
    treated: Component,
    control: Component,
    displacement: Component | None = None,
    control_displacement: Component | None = None,
) -> tuple[float, float, float, float]:
    """WDD, its variance, z and the two-sided p-value (normal approximation)."""
    if (displacement is None) != (control_displacement is None):
        raise ValueError("displacement and control_displacement go together")
    parts = [treated, control]
    if displacement is not None and control_displacement is not None:
        parts += [displacement, control_displacement]
    wdd = treated.change - control.change
    if displacement is not None and control_displacement is not None:
        wdd += displacement.change - control_displacement.change
    variance = sum(p.var_before + p.var_after for p in parts)
    if variance <= 0:
        return wdd, 0.0, math.nan, math.nan
    from scipy import stats  # here, not at the top: scipy.stats costs ~1 s to import

    z = wdd / math.sqrt(variance)
    return wdd, variance, z, float(2 * stats.norm.sf(abs(z)))


def _component(name: str, before: pd.DataFrame, after: pd.DataFrame, harm: bool) -> Component:
    if harm:
        wb, wa = before["harm"].astype(float), after["harm"].astype(float)
        return Component(name, float(wb.sum()), float(wa.sum()), float((wb**2).sum()),
                         float((wa**2).sum()), len(before), len(after))  # fmt: skip
    return Component(
        name, len(before), len(after), len(before), len(after), len(before), len(after)
    )


def _between(frame: pd.DataFrame, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    times = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame[(times >= pd.Timestamp(start)) & (times < pd.Timestamp(end))]


def evaluate(
    incidents: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    treated: list[str],
    control: list[str],
    before: tuple[dt.datetime, dt.datetime],
    after: tuple[dt.datetime, dt.datetime],
    buffer_m: float = 0.0,
    harm_weighted: bool = False,
) -> Evaluation:
    """Compare treated with control areas before and after.

    Parameters
    ----------
    incidents
        ``occurred_at`` (UTC), ``area_code``, ``x``/``y`` (EPSG:3006, for the displacement rings)
        and ``harm`` when ``harm_weighted``.
    buffer_m
        Width of the displacement ring around the treated areas (and of the comparison ring
        around the control areas); 0 leaves displacement out. Rings count incidents with a point.

    Raises
    ------
    GeoError
        For overlapping or empty area choices, or periods that overlap or differ in length.
    """
    if not treated or not control:
        raise GeoError("Välj minst ett område med riktad närvaro och minst ett jämförelseområde.")
    if set(treated) & set(control):
        raise GeoError("Ett område kan inte vara både behandlat och jämförelseområde.")
    if before[1] > after[0]:
        raise GeoError("Perioden före måste sluta innan perioden efter börjar.")
    length_before, length_after = before[1] - before[0], after[1] - after[0]
    warnings = []
    if abs((length_before - length_after).total_seconds()) > 86_400:
        warnings.append(
            f"Perioderna är olika långa ({length_before.days} och {length_after.days} dagar): "
            "jämförelsen förutsätter lika långa perioder."
        )
    b, a = _between(incidents, *before), _between(incidents, *after)
    t = _component(
        "Behandlade områden",
        b[b["area_code"].isin(treated)],
        a[a["area_code"].isin(treated)],
        harm_weighted,
    )
    c = _component("Jämförelseområden", b[b["area_code"].isin(control)], a[a["area_code"].isin(control)], harm_weighted)  # fmt: skip
    d = cd = None
    if buffer_m > 0:
        ring, control_ring = _rings(areas, treated, control, buffer_m)
        d = _component("Förskjutningszon", _inside(b, ring), _inside(a, ring), harm_weighted)
        cd = _component("Jämförelsens förskjutningszon", _inside(b, control_ring), _inside(a, control_ring), harm_weighted)  # fmt: skip
        without = int(incidents["x"].isna().sum())
        if without:
            warnings.append(
                f"{without} händelser saknar punkt och kan inte räknas i förskjutningszonerna."
            )
    wdd, variance, z, p = weighted_displacement_difference(t, c, d, cd)
    if t.incidents_before + t.incidents_after < MIN_INCIDENTS:
        warnings.append(
            f"För få händelser i de behandlade områdena ({t.incidents_before} före, "
            f"{t.incidents_after} efter; minst {MIN_INCIDENTS} behövs): ingen slutsats går att dra."
        )
    small = [
        part.name
        for part in (t, c, d, cd)
        if part is not None and min(part.incidents_before, part.incidents_after) < MIN_PER_COMPONENT
    ]
    if small:
        warnings.append(
            f"Små tal (under {MIN_PER_COMPONENT} före eller efter) i: {', '.join(small)}. "
            "Slumpen kan ge stora skillnader."
        )
    refusal = _baseline_refusal(t, c, d, cd, b, areas, treated, harm_weighted=harm_weighted)
    return Evaluation(t, c, d, cd, wdd, variance, z, p, harm_weighted, warnings, refusal)


def baselines_comparable(treated_before: float, control_before: float) -> bool:
    """Whether the comparison's level before is within :data:`MAX_BASELINE_RATIO` of the treated."""
    if treated_before <= 0 or control_before <= 0:
        return treated_before == control_before
    ratio = control_before / treated_before
    return 1 / MAX_BASELINE_RATIO <= ratio <= MAX_BASELINE_RATIO


def _number(value: float) -> str:
    return formats.number(value, 0 if float(value).is_integer() else 1)


def _baseline_refusal(
    t: Component,
    c: Component,
    d: Component | None,
    cd: Component | None,
    before: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    treated: list[str],
    *,
    harm_weighted: bool,
) -> str | None:
    """Return why the baselines are not comparable and what to pick instead (or ``None``)."""
    unit = "i skadeindex" if harm_weighted else "händelser"
    if not baselines_comparable(t.before, c.before):
        low, high = t.before / MAX_BASELINE_RATIO, t.before * MAX_BASELINE_RATIO
        per_area = (
            before.groupby("area_code", observed=True)["harm"].sum()
            if harm_weighted
            else before.groupby("area_code", observed=True).size()
        )
        names = areas.set_index("area_code")["name"] if "name" in areas else None
        fitting = [
            str(names.get(code, code)) if names is not None else str(code)
            for code, count in per_area.sort_values(ascending=False).items()
            if code not in treated and low <= count <= high
        ]
        instead = (f" Områden som ensamma passar: {', '.join(fitting[:5])}." if fitting
                   else " Slå ihop mindre områden eller välj färre.")  # fmt: skip
        return (
            f"utgångslägena går inte att jämföra: jämförelseområdena hade {_number(c.before)} {unit} "
            f"före mot {_number(t.before)} i områdena med riktad närvaro. WDD jämför förändringar i "
            f"antal och förutsätter liknande nivåer före (Wheeler & Ratcliffe 2018; regeln här: "
            f"jämförelsen högst dubbelt och minst hälften så stor). Välj jämförelseområden med "
            f"{_number(low)}–{_number(high)} {unit} före.{instead}"
        )
    if d is not None and cd is not None and not baselines_comparable(d.before, cd.before):
        return (
            f"förskjutningszonerna går inte att jämföra ({_number(cd.before)} {unit} före runt "
            f"jämförelseområdena mot {_number(d.before)} runt de behandlade; högst dubbelt eller "
            "hälften). Ändra zonens bredd eller jämförelseområdena, eller utvärdera utan zon (0 m)."
        )
    return None


def _rings(
    areas: gpd.GeoDataFrame, treated: list[str], control: list[str], buffer_m: float
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """Return the ring around the treated areas and the ring around the control areas.

    The control ring does not overlap the treated areas or their ring.
    """
    treated_shape = shapely.union_all(
        areas.loc[areas["area_code"].isin(treated), "geometry"].to_numpy()
    )
    control_shape = shapely.union_all(
        areas.loc[areas["area_code"].isin(control), "geometry"].to_numpy()
    )
    land = shapely.union_all(areas.geometry.to_numpy())
    ring = shapely.intersection(
        shapely.difference(shapely.buffer(treated_shape, buffer_m), treated_shape), land
    )
    control_ring = shapely.difference(shapely.buffer(control_shape, buffer_m), control_shape)
    control_ring = shapely.intersection(
        shapely.difference(control_ring, shapely.union(treated_shape, ring)), land
    )
    return ring, control_ring


def _inside(frame: pd.DataFrame, shape: shapely.Geometry) -> pd.DataFrame:
    has_point = frame["x"].notna() & frame["y"].notna()
    points = frame[has_point]
    inside = shapely.contains_xy(
        shape, points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float)
    )
    return points[np.asarray(inside, dtype=bool)]
