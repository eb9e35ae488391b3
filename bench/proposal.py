"""The week's proposal with routing: two units, 20 hours, the 14 built-in areas.

Run from the project root: `.venv/bin/python bench/proposal.py`.
Measured: ``geo.presence.proposal.propose_week`` (exact hours by largest remainder, high-need hours, no
double booking with travel between areas) and then one OR-Tools round
(``geo.presence.rounds.plan_round``, local search to a local optimum) for every unit, day and shift that
has inland visits. Seeded synthetic need and week profiles. Baseline, in the same run: the earlier
proposal (``geo.presence.log.propose``: 60-minute visits at each area's busiest hours, one unit) and
a nearest-neighbour round per duty. Target (issue 18): ≤ 2 s.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.areas.builtin import read_builtin_layer  # noqa: E402
from geo.periods import LOCAL_TZ  # noqa: E402
from geo.presence.log import presence_settings, propose  # noqa: E402
from geo.presence.proposal import iso_week_monday, propose_week  # noqa: E402
from geo.presence.rounds import Stop, naive_round, plan_round, travel_for  # noqa: E402
from geo.presence.units import Shift, Unit  # noqa: E402

TARGET_SECONDS = 2.0
HOURS = 20.0
WEEK = "2026-W50"


def inputs(seed: int = 1) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], object]:
    areas, _metadata = read_builtin_layer()
    rng = np.random.default_rng(seed)
    weights = rng.gamma(1.0, 1.0, len(areas))
    need = pd.DataFrame({"area_code": areas["area_code"], "name": areas["name"], "zone": areas["zone"],
                         "need_share": weights / weights.sum()})  # fmt: skip
    evening = np.array([0.3] * 7 + [0.6] * 8 + [1.0] * 5 + [1.6] * 4)  # more in the evening
    profiles = {
        str(code): pd.DataFrame(
            rng.poisson(evening[:, None] * w * 8, (24, 7)), index=range(24), columns=range(7)
        )
        for code, w in zip(areas["area_code"], weights, strict=True)
    }
    return need, profiles, areas


def rounds_for(proposal, units, shifts, travel, need, *, solver: bool) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """One round per (unit, day, shift) with inland visits; returns (rounds, need served)."""
    inland = set(need.loc[need["zone"] == "inland", "area_code"])
    share = need.set_index("area_code")["need_share"].to_dict()
    duties: dict[tuple[str, dt.date, str], list] = {}
    for visit in proposal.visits:
        day = pd.Timestamp(visit.start).tz_convert(LOCAL_TZ).date()
        duties.setdefault((visit.unit, day, visit.shift), []).append(visit)
    served, count = 0.0, 0
    shift_by_name = {s.name: s for s in shifts}
    for (unit, day, shift_name), visits in duties.items():
        if not any(v.area_code in inland for v in visits):
            continue
        shift = shift_by_name[shift_name]
        begin, end = shift.window(day)
        if visits[0].start < begin:  # the night's visits after midnight belong to the day before
            begin, end = shift.window(day - dt.timedelta(days=1))
        length = int((end - begin).total_seconds() // 60)
        stops = [Stop(v.area_code, share[v.area_code] + 0.01, v.minutes,
                      max(0, int((v.start - begin).total_seconds() // 60) - 30),
                      int((v.start - begin).total_seconds() // 60) + 30) for v in visits]  # fmt: skip
        base = next(u.home_base for u in units if u.name == unit)
        found = (plan_round(base, stops, travel, shift_minutes=length, time_limit_s=0.2, improve=False) if solver
                 else naive_round(base, stops, travel, shift_minutes=length))  # fmt: skip
        served += found.need_served
        count += 1
    return count, served


def main() -> None:
    need, profiles, areas = inputs()
    rules = presence_settings()
    units = [
        Unit(1, "Patrull 1", "bil", "Falkenberg", True, 1),
        Unit(2, "Patrull 2", "bil", "Falkenberg", True, 1),
    ]
    shifts = [Shift(1, "dag", "07:00", "16:00", 1), Shift(2, "kväll", "15:00", "24:00", 1)]
    monday = iso_week_monday(WEEK)
    now = dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(), dt.UTC)
    travel = travel_for(areas, rules)  # type: ignore[arg-type]
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        proposal = propose_week(need, profiles, week_start=monday, total_hours=HOURS, inland_min_share=0.3,
                                max_hours_per_area=8.0, units=units, shifts=shifts, now=now, travel=travel)  # fmt: skip
        rounds, served = rounds_for(proposal, units, shifts, travel, need, solver=True)
        runs.append(time.perf_counter() - started)
    value = sorted(runs)[1]
    started = time.perf_counter()
    old = propose(
        need,
        profiles,
        week_start=monday,
        total_hours=HOURS,
        inland_min_share=0.3,
        max_hours_per_area=8.0,
    )
    _count, naive_served = rounds_for(proposal, units, shifts, travel, need, solver=False)
    baseline = time.perf_counter() - started
    double_booked = sum(
        1 for a in proposal.visits for b in proposal.visits
        if a is not b and a.unit == b.unit and a.start < b.end and b.start < a.end
    )  # fmt: skip
    print(f"  förslag: {proposal.placed_minutes} av {proposal.requested_minutes} min i {len(proposal.visits)} besök, "
          f"{rounds} rundor genom inlandet; dubbelbokningar {double_booked}; median {value:.2f} s "
          f"({', '.join(f'{r:.2f}' for r in runs)})")  # fmt: skip
    print(f"  naiv baslinje (tidigare förslag + närmaste granne): {baseline:.2f} s, "
          f"{sum(p.hours for p in old) * 60:.0f} av {HOURS * 60:.0f} min placerade; "
          f"behov i rundorna: lösare {served:.2f}, närmaste granne {naive_served:.2f}")  # fmt: skip
    print(json.dumps({
        "bench": "proposal", "metric": f"week proposal with routing, 2 units, {HOURS:g} h, 14 areas",
        "value": round(value, 3), "unit": "s", "target": TARGET_SECONDS, "baseline": round(baseline, 3),
        "meets_target": bool(value <= TARGET_SECONDS and proposal.placed_minutes == HOURS * 60 and not double_booked),
        "placed_minutes": proposal.placed_minutes, "baseline_placed_minutes": round(sum(p.hours for p in old) * 60),
        "need_served_solver": round(served, 3), "need_served_naive": round(naive_served, 3),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
