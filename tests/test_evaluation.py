"""The weighted displacement difference against worked examples computed by hand."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely import box

from geo.analysis.evaluation import Component, evaluate, weighted_displacement_difference
from geo.errors import GeoError


def _c(name: str, before: float, after: float) -> Component:
    return Component(name, before, after, before, after, int(before), int(after))


def test_wdd_worked_example_by_hand() -> None:
    # Treated 50 → 30, control 40 → 38, displacement ring 20 → 22, its control 15 → 16.
    # WDD = (30 − 50) − (38 − 40) + (22 − 20) − (16 − 15) = −20 + 2 + 2 − 1 = −17
    # Var = 50 + 30 + 40 + 38 + 20 + 22 + 15 + 16 = 231; z = −17 / √231 = −1.1185
    wdd, variance, z, p = weighted_displacement_difference(
        _c("T", 50, 30), _c("C", 40, 38), _c("D", 20, 22), _c("Cd", 15, 16)
    )
    assert wdd == -17 and variance == 231
    assert z == pytest.approx(-17 / math.sqrt(231)) and z == pytest.approx(-1.1185, abs=1e-4)
    assert p == pytest.approx(0.2634, abs=1e-4)  # two-sided normal p for |z| = 1.1185


def test_wdd_without_displacement() -> None:
    # 120 → 80 treated, 100 → 100 control: WDD = −40, Var = 400, z = −2.
    wdd, variance, z, _p = weighted_displacement_difference(_c("T", 120, 80), _c("C", 100, 100))
    assert (wdd, variance, z) == (-40, 400, -2.0)


AREAS = gpd.GeoDataFrame(
    {"area_code": ["T", "N", "C", "M"]},
    geometry=[box(0, 0, 1000, 1000), box(1000, 0, 3000, 1000), box(10_000, 0, 11_000, 1000), box(11_000, 0, 13_000, 1000)],
    crs="EPSG:3006",
)  # fmt: skip
BEFORE = (dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 4, 1, tzinfo=dt.UTC))
AFTER = (dt.datetime(2025, 4, 1, tzinfo=dt.UTC), dt.datetime(2025, 6, 30, tzinfo=dt.UTC))


def _incidents(spec: list[tuple[str, float, float, int, dt.datetime]]) -> pd.DataFrame:
    rows = [
        {"area_code": code, "x": x, "y": y, "occurred_at": when, "harm": 2.0}
        for code, x, y, n, when in spec
        for _ in range(n)
    ]
    return pd.DataFrame(rows)


def test_evaluate_counts_areas_and_rings_from_points() -> None:
    b, a = dt.datetime(2025, 2, 1, tzinfo=dt.UTC), dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    frame = _incidents([
        ("T", 500, 500, 40, b), ("T", 500, 500, 20, a),        # treated: 40 → 20
        ("N", 1100, 500, 10, b), ("N", 1100, 500, 14, a),      # inside the 200 m ring: 10 → 14
        ("N", 2500, 500, 50, b), ("N", 2500, 500, 50, a),      # outside the ring: ignored
        ("C", 10_500, 500, 30, b), ("C", 10_500, 500, 33, a),  # control: 30 → 33
        ("M", 11_100, 500, 12, b), ("M", 11_100, 500, 12, a),  # control ring: 12 → 12
    ])  # fmt: skip
    result = evaluate(
        frame, AREAS, treated=["T"], control=["C"], before=BEFORE, after=AFTER, buffer_m=200
    )
    # WDD = (20 − 40) − (33 − 30) + (14 − 10) − (12 − 12) = −20 − 3 + 4 − 0 = −19
    assert result.wdd == -19
    assert result.variance == 40 + 20 + 30 + 33 + 10 + 14 + 12 + 12
    assert result.z == pytest.approx(-19 / math.sqrt(171))
    assert result.verdict().startswith("Ingen säkerställd skillnad")
    harm = evaluate(
        frame, AREAS, treated=["T"], control=["C"], before=BEFORE, after=AFTER, harm_weighted=True
    )
    # Every incident weighs 2: WDD doubles, the variance (sum of squared weights) quadruples.
    assert harm.wdd == 2 * (-20 - 3) and harm.variance == 4 * (40 + 20 + 30 + 33)
    assert harm.displacement is None


def test_small_counts_are_warned_about_plainly() -> None:
    b, a = dt.datetime(2025, 2, 1, tzinfo=dt.UTC), dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    frame = _incidents(
        [
            ("T", 500, 500, 4, b),
            ("T", 500, 500, 1, a),
            ("C", 10_500, 500, 5, b),
            ("C", 10_500, 500, 6, a),
        ]
    )
    result = evaluate(frame, AREAS, treated=["T"], control=["C"], before=BEFORE, after=AFTER)
    assert result.verdict() == "För få händelser för att dra någon slutsats."
    assert any("minst 30 behövs" in w for w in result.warnings)
    assert any("Små tal" in w and "Behandlade områden" in w for w in result.warnings)


def test_evaluate_refuses_overlapping_choices() -> None:
    frame = _incidents([("T", 500, 500, 1, BEFORE[0])])
    with pytest.raises(GeoError, match="både behandlat och jämförelseområde"):
        evaluate(frame, AREAS, treated=["T"], control=["T"], before=BEFORE, after=AFTER)
    with pytest.raises(GeoError, match="måste sluta innan"):
        evaluate(frame, AREAS, treated=["T"], control=["C"], before=AFTER, after=BEFORE)


def test_wdd_refuses_a_verdict_when_baselines_are_not_comparable() -> None:
    # T 20 → 10 and C 400 → 200 both halve, yet WDD = (10 − 20) − (200 − 400) = +190, z = 7.6:
    # the "effect" only says that the comparison is twenty times bigger.
    frame = _incidents([
        ("T", 500, 500, 20, dt.datetime(2025, 2, 1, tzinfo=dt.UTC)), ("T", 500, 500, 10, dt.datetime(2025, 5, 1, tzinfo=dt.UTC)),
        ("C", 10_500, 500, 400, dt.datetime(2025, 2, 1, tzinfo=dt.UTC)), ("C", 10_500, 500, 200, dt.datetime(2025, 5, 1, tzinfo=dt.UTC)),
        ("M", 12_000, 500, 30, dt.datetime(2025, 2, 1, tzinfo=dt.UTC)), ("M", 12_000, 500, 30, dt.datetime(2025, 5, 1, tzinfo=dt.UTC)),
    ])  # fmt: skip
    areas = AREAS.assign(name=["Tången", "Norr", "Centrum", "Mellan"])
    result = evaluate(frame, areas, treated=["T"], control=["C"], before=BEFORE, after=AFTER)
    assert result.wdd == 190 and result.z == pytest.approx(190 / math.sqrt(630))
    verdict = result.verdict()
    assert verdict.startswith("Ingen slutsats: utgångslägena går inte att jämföra")
    assert "400 händelser före mot 20" in verdict and "Wheeler & Ratcliffe" in verdict
    assert "Välj jämförelseområden med 10–40 händelser före" in verdict and "Mellan" in verdict
    assert "säkerställt" not in verdict
    # The same halving against a comparison of similar size gets a verdict again.
    fair = evaluate(frame, areas, treated=["T"], control=["M"], before=BEFORE, after=AFTER)
    assert fair.refusal is None and not fair.verdict().startswith("Ingen slutsats")


@pytest.mark.parametrize(
    ("treated", "control", "comparable"),
    [(20, 40, True), (20, 10, True), (20, 41, False), (20, 9, False), (0, 0, True), (0, 5, False)],
    ids=["twice", "half", "just-over", "just-under", "both-zero", "zero-treated"],
)
def test_the_baseline_rule_is_half_to_twice(treated: int, control: int, comparable: bool) -> None:
    from geo.analysis.evaluation import baselines_comparable

    assert baselines_comparable(treated, control) is comparable
