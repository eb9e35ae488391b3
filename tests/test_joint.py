"""Partner indicators (import, periods) and the joint picture (perceived against recorded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from geo.analysis.joint import joint_table, latest_indicators, load_promise, poisson_interval
from geo.commands.cli import main
from geo.io.partners import import_indicators, load_indicators, period_bounds
from geo.store.database import count_rows
from tests.conftest import empty_store_url

GOOD = (
    "area_code;period;indicator;value;unit;source\n"
    "1382R001;2025;Anmälningar om klotter;14;antal;Falkenbergs kommun\n"
    "1382R001;2025-Q3;Våldsrelaterade akutbesök;3;antal;Region Halland\n"
    "1382R011;2025-09;Trygga elever;81,5;procent;Falkenbergs kommun\n"
)


def test_indicator_file_imports_with_decimal_comma_and_periods(
    store: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "ind.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    report = import_indicators(store, path)
    assert report.imported, report.text()
    stored = load_indicators(store).set_index("period")
    assert stored.loc["2025-09", "value"] == pytest.approx(81.5)
    assert stored.loc["2025-Q3", "source"] == "Region Halland"


def test_bad_indicator_file_is_refused_with_lines(store: Engine, tmp_path: Path) -> None:
    text = GOOD + (
        "1382R999;2025;X;1;antal;K\n"  # line 5: unknown area
        "1382R001;2025-13;X;1;antal;K\n"  # line 6: bad period
        "1382R001;2025;X;många;antal;K\n"  # line 7: not a number
        "1382R001;2025;Anmälningar om klotter;15;antal;Falkenbergs kommun\n"  # line 8: duplicate
        "1382R002;2025;X;1;;K\n"  # line 9: no unit
    )
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    report = import_indicators(store, path)
    message = report.text()
    assert not report.accepted and count_rows(store, "partner_indicators") == 0
    assert "bad.csv, rad 5, kolumn 'area_code': områdeskoden '1382R999'" in message
    assert "rad 6, kolumn 'period': perioden '2025-13'" in message
    assert "rad 7, kolumn 'value': värdet 'många' är inget tal" in message
    assert (
        "rad 8, kolumn 'indicator': samma område, period, indikator och källa som rad 2" in message
    )
    assert "rad 9, kolumn 'unit': unit saknas" in message


def test_cli_indicator_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", empty_store_url(tmp_path, "cli.db"))
    path = tmp_path / "ind.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["import", "indicators", str(path)]) == 0
    assert main(["import", "indicators", str(path)]) == 2  # already there


def test_period_bounds() -> None:
    assert period_bounds("2025") == (pd.Timestamp(2025, 1, 1), pd.Timestamp(2026, 1, 1))
    assert period_bounds("2025-Q4") == (pd.Timestamp(2025, 10, 1), pd.Timestamp(2026, 1, 1))
    assert period_bounds("2025-02") == (pd.Timestamp(2025, 2, 1), pd.Timestamp(2025, 3, 1))


def test_poisson_interval_garwood_values() -> None:
    # Garwood 95 % intervals: 0 → (0, 3.689); 10 → (4.795, 18.39).
    assert poisson_interval(0) == pytest.approx((0.0, 3.6889), abs=1e-4)
    assert poisson_interval(10) == pytest.approx((4.7954, 18.3904), abs=1e-4)


def test_perceived_against_recorded_classes() -> None:
    counts = pd.DataFrame(
        {
            "area_code": ["A", "B", "C", "D", "E"],
            "name": list("ABCDE"),
            "zone": ["tätort"] * 5,
            "population": [1000, 1000, 1000, 1000, None],
            "count": [10, 60, 60, 10, 5],
            "harm_index": [20.0, 90.0, 90.0, 15.0, 5.0],
        }
    )
    # Municipality share 0.2. A: clearly above (60/100); B: clearly below; C: clearly above;
    # D: suppressed (n = 3); E: population unknown.
    safety = pd.DataFrame(
        {
            "area_code": list("ABCDE"),
            "n": [100, 100, 100, float("nan"), 50],
            "unsafe": [60, 5, 60, float("nan"), 10],
            "share": [0.6, 0.05, 0.6, float("nan"), 0.2],
            "low": [0.502, 0.0215, 0.502, float("nan"), 0.11],
            "high": [0.69, 0.11, 0.69, float("nan"), 0.33],
            "suppressed": [False, False, False, True, False],
        }
    )
    indicators = pd.DataFrame(
        {"area_code": ["A"], "label": ["Klotter (antal, 2025; kommunen)"], "value": [4.0]}
    )
    table = joint_table(counts, safety, 0.2, indicators).set_index("area_code")
    # Expected per area: 145 × 1/4 = 36.25; 10 is well below, 60 well above.
    assert table.loc["A", "recorded"] == "lägre" and table.loc["A", "perceived"] == "högre"
    assert table.loc["A", "klass"] == "otrygg_lite_anmalt"
    assert table.loc["B", "klass"] == "anmalt_men_tryggt"
    assert table.loc["C", "klass"] == "bada_hoga"
    assert table.loc["D", "klass"] == "osakert"
    assert table.loc["E", "klass"] == "osakert" and table.loc["E", "recorded"] == "okänd"
    assert table.loc["A", "Klotter (antal, 2025; kommunen)"] == 4.0


def test_latest_indicators_are_labelled_with_period_and_source() -> None:
    values = pd.DataFrame(
        {
            "area_code": ["A", "A", "A"],
            "period": ["2024", "2025", "2026"],
            "indicator": ["Klotter"] * 3,
            "value": [1.0, 2.0, 3.0],
            "unit": ["antal"] * 3,
            "source": ["Kommunen"] * 3,
        }
    )
    chosen = latest_indicators(values, until_year=2025)
    assert chosen["value"].tolist() == [2.0]
    assert chosen["label"].iloc[0] == "Klotter (antal, 2025; Kommunen)"


def test_promise_configuration_has_the_two_focus_areas_and_four_activities() -> None:
    promise = load_promise()
    assert [f.label for f in promise.focus_areas] == [
        "Socialt utsatta bostadsområden",
        "Unga och unga vuxna i riskzon",
    ]
    assert len(promise.activities) == 4
    assert any("inland" in a["activity"] for a in promise.activities)


def test_latest_period_is_by_date_not_by_spelling() -> None:
    values = pd.DataFrame(
        {
            "area_code": ["A"] * 3,
            "period": ["2025-Q3", "2025-12", "2025-11"],
            "indicator": ["Klotter"] * 3,
            "value": [1.0, 2.0, 3.0],
            "unit": ["antal"] * 3,
            "source": ["Kommunen"] * 3,
        }
    )
    assert latest_indicators(values)["period"].tolist() == [
        "2025-12"
    ]  # "2025-Q3" > "2025-12" as text


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from geo.analysis.joint import newcombe_p_value, poisson_p_value, score_p_value  # noqa: E402
from geo.analysis.survey import newcombe_difference, wilson_interval  # noqa: E402


@settings(derandomize=True, max_examples=200, deadline=None)
@given(count=st.integers(0, 300), expected=st.floats(0.5, 300))
def test_poisson_test_agrees_with_the_garwood_interval(count: int, expected: float) -> None:
    low, high = poisson_interval(count)
    if min(abs(low - expected), abs(high - expected)) > 1e-6 * expected:  # not on the edge
        assert (poisson_p_value(count, expected) < 0.05) == (expected < low or expected > high)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(n=st.integers(1, 400), data=st.data(), share=st.floats(0.02, 0.98))
def test_score_test_agrees_with_the_wilson_interval(
    n: int, data: st.DataObject, share: float
) -> None:
    k = data.draw(st.integers(0, n))
    low, high = wilson_interval(k, n)
    if min(abs(low - share), abs(high - share)) > 1e-9:
        assert (score_p_value(k, n, share) < 0.05) == (share < low or share > high)


@settings(derandomize=True, max_examples=150, deadline=None)
@given(n1=st.integers(5, 300), n0=st.integers(5, 300), data=st.data())
def test_newcombe_p_value_agrees_with_its_interval(n1: int, n0: int, data: st.DataObject) -> None:
    k1, k0 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n0))
    _d, low, high = newcombe_difference(k1, n1, k0, n0)
    if min(abs(low), abs(high)) > 1e-9:
        assert (newcombe_p_value(k1, n1, k0, n0) < 0.05) == (low > 0 or high < 0)


def test_with_no_difference_anywhere_few_maps_show_one() -> None:
    # Calibration of the joint map: 14 areas whose incidents follow their population and whose
    # unsafe share is the municipality's. Both sides of all areas are one family (BH at 5 %).
    rng = np.random.default_rng(3)
    population = np.array(
        [600, 6200, 2400, 1700, 1400, 5100, 7800, 1150, 2050, 3800, 7200, 3500, 860, 3200]
    )
    maps, different, uncorrected = 400, 0, 0
    for _map in range(maps):
        counts = rng.poisson(population * 0.03)
        n = rng.integers(20, 150, len(population))
        unsafe = rng.binomial(n, 0.2)
        overall = unsafe.sum() / n.sum()
        frame = pd.DataFrame({"area_code": [f"A{i}" for i in range(14)], "name": "x", "zone": "kust",
                              "population": population, "count": counts, "harm_index": 0.0})  # fmt: skip
        safety = pd.DataFrame({"area_code": frame["area_code"], "n": n.astype(float), "unsafe": unsafe.astype(float),
                               "share": unsafe / n, "low": 0.0, "high": 1.0, "suppressed": False})  # fmt: skip
        table = joint_table(frame, safety, overall, pd.DataFrame())
        assert table.attrs["family"] == 28
        different += bool((table["klass"] != "inget_avvikande").any())
        uncorrected += bool(((table["p_recorded"] < 0.05) | (table["p_perceived"] < 0.05)).any())
    assert different / maps <= 0.06
    assert uncorrected / maps > 0.3  # what the page showed before: a "difference" on most maps


def test_residents_are_the_wrong_denominator_where_visitors_dominate() -> None:
    counts = pd.DataFrame({"area_code": ["1382R011", "1382R007", "1382R002"], "name": ["U", "S", "T"],
                           "zone": "x", "population": [7000, 7800, 6200], "count": [50, 40, 30], "harm_index": 0.0})  # fmt: skip
    safety = pd.DataFrame({"area_code": counts["area_code"], "n": 50.0, "unsafe": 10.0, "share": 0.2,
                           "low": 0.1, "high": 0.3, "suppressed": False})  # fmt: skip
    table = joint_table(counts, safety, 0.2, pd.DataFrame()).set_index("area_code")
    assert "Gekås" in table.at["1382R011", "denominator_note"]
    assert "Skrea strand" in table.at["1382R007", "denominator_note"]
    assert table.at["1382R002", "denominator_note"] == ""


def test_the_table_uses_the_same_tests_as_the_scalar_functions() -> None:
    counts = pd.DataFrame({"area_code": list("ABC"), "name": list("ABC"), "zone": "x",
                           "population": [1000, 3000, None], "count": [3, 40, 7], "harm_index": 0.0})  # fmt: skip
    safety = pd.DataFrame({"area_code": list("ABC"), "n": [40.0, 80.0, float("nan")], "unsafe": [15.0, 10.0, float("nan")],
                           "share": [0.375, 0.125, float("nan")], "low": 0.0, "high": 1.0, "suppressed": [False, False, True]})  # fmt: skip
    table = joint_table(counts, safety, 0.2, pd.DataFrame()).set_index("area_code")
    assert table.at["A", "p_recorded"] == pytest.approx(poisson_p_value(3, 50 * 1000 / 4000))
    assert table.at["B", "p_perceived"] == pytest.approx(score_p_value(10, 80, 0.2))
    assert np.isnan(table.at["C", "p_recorded"]) and np.isnan(table.at["C", "p_perceived"])
    assert table.attrs["family"] == 4
