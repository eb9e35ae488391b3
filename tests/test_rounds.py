"""Travel times and rounds: the estimate from the facts, an imported table, and OR-Tools rounds that
respect the shift, travel and time windows (seeded synthetic table, solver time limit)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from geo.errors import ImportRejected
from geo.presence.rounds import (
    ESTIMATE,
    Place,
    Stop,
    TravelTable,
    estimated_table,
    naive_round,
    places,
    plan_round,
    read_travel_csv,
    travel_for,
)
from geo.store.database import active_layer


def test_the_estimate_is_straight_line_times_road_factor_over_speed(store: Engine) -> None:
    _info, layer = active_layer(store)
    table = travel_for(layer, {"travel": {"road_factor": 1.3, "speed_kmh": {"bil": 60}}})
    falkenberg, ullared = (347857, 6309022), (362198, 6335363)
    km = math.hypot(ullared[0] - falkenberg[0], ullared[1] - falkenberg[1]) / 1000
    assert (
        table("Falkenberg", "Ullared")
        == math.ceil(km * 1.3 / 60 * 60)
        == table("Ullared", "Falkenberg")
    )
    assert (
        table.source[min(("Falkenberg", "Ullared"), ("Ullared", "Falkenberg"))]
        == ESTIMATE
        == "uppskattad restid"
    )
    assert table("1382R011", "1382R011") == 0 and {"1382R011", "Falkenberg"} <= table.keys()
    assert len(places(layer)) == 14 + 17


def test_an_imported_table_replaces_pairs_and_bad_lines_are_named(tmp_path: Path) -> None:
    points = [Place("A", "A", 0, 0), Place("B", "B", 6000, 0)]
    base = estimated_table(points, speed_kmh=60, road_factor=1.0)
    assert base("A", "B") == 6
    good = tmp_path / "restid.csv"
    good.write_text("from,to,minutes,source\nA,B,11,vägnät (NVDB)\n", encoding="utf-8")
    table = read_travel_csv(good, {"A", "B"}, base)
    assert table("A", "B") == 11 and table.source[("A", "B")] == "vägnät (NVDB)"
    bad = tmp_path / "fel.csv"
    bad.write_text("from;to;minutes;source\nA;C;5;x\nA;B;många;x\nB;A;4;\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        read_travel_csv(bad, {"A", "B"}, base)
    assert [p.where for p in refused.value.problems] == [
        "fel.csv, rad 2",
        "fel.csv, rad 3",
        "fel.csv, rad 4",
    ]


def _synthetic(seed: int, n: int = 12) -> tuple[TravelTable, list[Stop]]:
    rng = np.random.default_rng(seed)
    points = [Place("bas", "bas", 0, 0)] + [
        Place(f"p{i}", f"p{i}", float(x), float(y))
        for i, (x, y) in enumerate(rng.uniform(-25_000, 25_000, (n, 2)))
    ]
    table = estimated_table(points, speed_kmh=60, road_factor=1.3)
    stops = [
        Stop(f"p{i}", float(rng.uniform(0.1, 1.0)), int(rng.integers(10, 21))) for i in range(n)
    ]
    return table, stops


def _assert_feasible(found, table: TravelTable, stops: list[Stop], shift: int) -> None:  # type: ignore[no-untyped-def]
    by_key = {s.key: s for s in stops}
    clock, here = 0, "bas"
    for stop in found.stops:
        assert stop.arrive >= clock + table(here, stop.key) - 1e-9  # travel included
        assert stop.leave - stop.arrive == by_key[stop.key].minutes  # the stop's chosen length
        spec = by_key[stop.key]
        assert spec.earliest <= stop.arrive <= (spec.latest if spec.latest is not None else shift)
        clock, here = stop.leave, stop.key
    assert found.return_at >= clock + table(here, "bas") - 1e-9 and found.return_at <= shift
    assert len({s.key for s in found.stops}) == len(found.stops)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_round_fits_the_shift_with_travel_and_serves_at_least_the_naive_need(seed: int) -> None:
    table, stops = _synthetic(seed)
    shift = 240
    found = plan_round("bas", stops, table, shift_minutes=shift, time_limit_s=0.5)
    _assert_feasible(found, table, stops, shift)
    assert found.skipped and found.stops  # the shift is too short for all twelve
    baseline = naive_round("bas", stops, table, shift_minutes=shift)
    _assert_feasible(baseline, table, stops, shift)
    assert found.need_served >= baseline.need_served - 1e-9
    assert found.need_served == pytest.approx(
        sum(s.need for s in stops if s.key not in found.skipped)
    )


def test_time_windows_are_kept() -> None:
    table, stops = _synthetic(7, n=6)
    windowed = [
        Stop(s.key, s.need, s.minutes, earliest=60 * i, latest=60 * i + 30)
        for i, s in enumerate(stops)
    ]
    found = plan_round("bas", windowed, table, shift_minutes=480, time_limit_s=0.5)
    _assert_feasible(found, table, windowed, 480)
    assert [s.key for s in found.stops] == sorted(
        (s.key for s in found.stops), key=lambda k: int(k[1:])
    )


def test_a_stop_too_far_for_the_shift_is_left_out() -> None:
    points = [
        Place("bas", "bas", 0, 0),
        Place("nära", "nära", 2000, 0),
        Place("långt", "långt", 200_000, 0),
    ]
    table = estimated_table(points, speed_kmh=60, road_factor=1.3)
    found = plan_round(
        "bas",
        [Stop("nära", 0.2, 15), Stop("långt", 0.9, 15)],
        table,
        shift_minutes=120,
        time_limit_s=0.2,
    )
    assert [s.key for s in found.stops] == ["nära"] and found.skipped == ["långt"]
