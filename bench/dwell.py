"""Dwell time from 1,000,000 GPS positions (a year of one vehicle, one fix per 30 s) into presence per area.

Run from the project root: `.venv/bin/python bench/dwell.py`.
Measured: ``geo.presence.log.dwell_sessions`` (point-in-area join, stays, minimum stay) on the whole year.
Baseline, in the same run: a naive loop over the points (shapely point-in-polygon per point, a Python
state machine for stays) on 20,000 positions, scaled to 1,000,000. Target (issue 5): ≤ 5 s.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.areas.builtin import read_builtin_layer  # noqa: E402
from geo.presence.log import dwell_sessions  # noqa: E402

TARGET_SECONDS = 5.0
POSITIONS = 1_051_200  # 365 days × 2,880 fixes
BASELINE_POSITIONS = 20_000


def year_of_driving(areas: object, seed: int = 1) -> pd.DataFrame:
    """A vehicle that parks in an area for a while, then drives to another: a random walk of stays."""
    rng = np.random.default_rng(seed)
    layer = areas  # GeoDataFrame
    points = np.array([(p.x, p.y) for p in layer.geometry.representative_point()])  # type: ignore[attr-defined]
    positions = np.empty((POSITIONS, 2))
    filled = 0
    while filled < POSITIONS:
        target = points[rng.integers(0, len(points))]
        stay = int(rng.integers(5, 120))  # 2.5 to 60 minutes
        drive = int(rng.integers(10, 60))
        block = np.vstack([
            np.linspace(positions[filled - 1] if filled else target, target, drive),
            target + rng.normal(0, 30, size=(stay, 2)),
        ])  # fmt: skip
        take = min(len(block), POSITIONS - filled)
        positions[filled : filled + take] = block[:take]
        filled += take
    times = pd.date_range("2025-01-01", periods=POSITIONS, freq="30s", tz="UTC")
    return pd.DataFrame(
        {"unit": "Bil 1", "time": times, "x": positions[:, 0], "y": positions[:, 1]}
    )


def naive(
    positions: pd.DataFrame,
    areas: object,
    *,
    min_stay_minutes: float = 10,
    max_gap_minutes: float = 5,
) -> list[tuple[str, float]]:
    """One point at a time: the first script anyone would write."""
    polygons = list(zip(areas["area_code"], areas.geometry, strict=True))  # type: ignore[index, attr-defined]
    stays: list[tuple[str, float]] = []
    current, started, last = None, None, None
    for row in positions.itertuples():
        point = shapely.Point(row.x, row.y)
        code = next((c for c, polygon in polygons if polygon.contains(point)), None)
        gap = (row.time - last).total_seconds() / 60 if last is not None else 0
        if code != current or gap > max_gap_minutes:
            if current is not None and started is not None and last is not None:
                minutes = (last - started).total_seconds() / 60
                if minutes >= min_stay_minutes:
                    stays.append((current, minutes))
            current, started = code, row.time
        last = row.time
    return stays


def main() -> None:
    areas, _ = read_builtin_layer()
    positions = year_of_driving(areas)
    print(
        f"{len(positions):,} GPS-positioner (ett år, var 30:e sekund)".replace(",", " "), flush=True
    )
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        stays = dwell_sessions(positions, areas)
        runs.append(time.perf_counter() - started)
    value = sorted(runs)[1]
    started = time.perf_counter()
    naive_stays = naive(positions.head(BASELINE_POSITIONS), areas)
    baseline = (time.perf_counter() - started) * len(positions) / BASELINE_POSITIONS
    check = dwell_sessions(positions.head(BASELINE_POSITIONS), areas)
    agree = len(check) == len(naive_stays) and all(
        a == b and abs(m - n) < 1e-6
        for (a, n), (b, m) in zip(
            naive_stays, zip(check["area_code"], check["minutes"], strict=True), strict=True
        )
    )
    print(
        f"  {len(stays)} vistelser ≥ 10 min, {stays['minutes'].sum() / 60:.0f} timmar; median {value:.2f} s ({', '.join(f'{r:.2f}' for r in runs)})"
    )
    print(
        f"  naiv baslinje: {baseline:.0f} s (uppskalad från {BASELINE_POSITIONS} positioner); samma vistelser som naiv: {agree}"
    )
    print(json.dumps({
        "bench": "dwell", "metric": f"GPS dwell time into per-area presence, {len(positions)} positions",
        "value": round(value, 2), "unit": "s", "target": TARGET_SECONDS, "baseline": round(baseline, 1),
        "meets_target": bool(value <= TARGET_SECONDS), "same_stays_as_naive": agree,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
