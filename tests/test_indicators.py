"""Indicators: group counts, harm index, honest rates, Poisson-tested change."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sqlalchemy import Engine

from geo.indicators import (
    Period,
    area_indicators,
    monthly_counts,
    poisson_change,
    time_of_week,
    with_harm,
)
from geo.store import active_layer
from geo.taxonomy import load_taxonomy

UTC = dt.UTC


def test_up_from_2_to_4_is_not_an_alarm() -> None:
    change = poisson_change(2, 4)
    assert not change.significant and "ingen säker förändring" in change.describe()
    # By hand: P(X ≥ 4 or X ≤ 2 | n = 6, p = 1/2) = 1 − P(X = 3) = 1 − 20/64.
    assert change.p_value == pytest.approx(1 - 20 / 64)


def test_a_doubling_on_large_numbers_is_significant() -> None:
    change = poisson_change(200, 400)
    assert (
        change.significant and change.ratio == pytest.approx(2.0) and "ökning" in change.describe()
    )


def test_periods_of_different_length_compare_rates() -> None:
    change = poisson_change(30, 30, before_days=60, after_days=30)
    assert change.ratio == pytest.approx(2.0)
    assert change.p_value == pytest.approx(stats.binomtest(30, 60, 1 / 3).pvalue)


def test_period_arithmetic() -> None:
    period = Period(dt.datetime(2025, 3, 1, tzinfo=UTC), dt.datetime(2025, 4, 1, tzinfo=UTC))
    assert period.previous() == Period(dt.datetime(2025, 1, 29, tzinfo=UTC), period.start)
    leap = Period(
        dt.datetime(2024, 2, 29, tzinfo=UTC), dt.datetime(2024, 3, 1, tzinfo=UTC)
    ).year_before()
    assert leap.start == dt.datetime(2023, 2, 28, tzinfo=UTC)


def _incidents(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["occurred_at", "area_code", "category", "raw_type", "harm_weight"]
    )
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return with_harm(frame, load_taxonomy(), exclude_police_initiated=True)


def test_indicator_table_counts_harm_rates_and_changes(store: Engine) -> None:
    _info, areas = active_layer(store)
    town = "1382R002"  # population ≈ 6,200
    small = "1382R001"  # population ≈ 600
    rows = [("2025-06-10 12:00", town, "vald", "Misshandel", 4.0)] * 12
    rows += [("2025-06-10 12:00", town, "narkotika", "Narkotikabrott", 1.0)] * 3
    rows += [("2025-06-11 12:00", small, "egendom", "Stöld", 2.0)] * 12
    rows += [("2025-05-10 12:00", town, "vald", "Misshandel", 4.0)] * 2  # previous period
    rows += [("2024-06-10 12:00", town, "vald", "Misshandel", 4.0)] * 15  # a year before
    period = Period(dt.datetime(2025, 6, 1, tzinfo=UTC), dt.datetime(2025, 7, 1, tzinfo=UTC))
    table = area_indicators(
        _incidents(rows), areas, period, groups=load_taxonomy().group_labels()
    ).set_index("area_code")
    assert (
        table.at[town, "count"] == 15
        and table.at[town, "vald"] == 12
        and table.at[town, "narkotika"] == 3
    )
    assert table.at[town, "harm_index"] == 48.0  # drug possession is police-initiated: excluded
    assert table.at[town, "rate_per_1000"] == pytest.approx(
        round(15 / table.at[town, "population"] * 1000, 1)
    )
    assert (
        np.isnan(table.at[small, "rate_per_1000"])
        and table.at[small, "rate_note"] == "under 1000 invånare"
    )
    assert table.at[town, "previous"] == 2 and bool(table.at[town, "significant_previous"])
    assert table.at[town, "last_year"] == 15 and not bool(table.at[town, "significant_last_year"])
    assert (
        table.loc["1382R011", "count"] == 0
        and table.loc["1382R011", "change_previous"] == "inga händelser"
    )


def test_harm_keeps_police_initiated_when_asked() -> None:
    frame = _incidents([("2025-06-10 12:00", "x", "narkotika", "Narkotikabrott", 1.0)])
    assert frame["harm"].iloc[0] == 0.0
    kept = with_harm(frame.drop(columns=["harm"]), load_taxonomy(), exclude_police_initiated=False)
    assert kept["harm"].iloc[0] == 1.0


def test_time_of_week_and_months_are_in_swedish_time() -> None:
    frame = _incidents(
        [
            ("2025-06-06 22:30", "x", "vald", "Misshandel", 4.0),
            ("2025-12-31 23:30", "x", "vald", "Misshandel", 4.0),
        ]
    )
    table = time_of_week(frame)
    assert table.shape == (24, 7)
    assert table.at[0, 5] == 1  # Friday 22:30 UTC = Saturday 00:30 in summer time
    assert table.at[0, 3] == 1  # Wednesday 31 Dec 23:30 UTC = Thursday 00:30
    months = monthly_counts(frame)
    assert list(months.index.strftime("%Y-%m")) == ["2025-06", "2026-01"]
