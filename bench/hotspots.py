"""Gi* hotspots for the whole municipality's land grid at 250 m, 999 permutations, 3 years of demo data.

Run from the project root: `.venv/bin/python bench/hotspots.py`.
Measured: counting the incidents into cells, the exact randomisation p-values, the seeded
999-permutation test and the classes (``geo.hotspots.hotspots_for``), median of 3 runs.
Baseline, in the same run: the same statistic the legacy way, with a ``libpysal.weights.W`` built
from the grid and ``esda.G_Local`` with 999 permutations. Target (issue 4): ≤ 3 s.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

from geo.builtin_areas import read_builtin_layer  # noqa: E402
from geo.demo import generate_incidents  # noqa: E402
from geo.hotspots import cell_values, hotspots_for, land_grid  # noqa: E402

TARGET_SECONDS = 3.0


def baseline(x: np.ndarray, y: np.ndarray) -> float:
    """libpysal.weights.W + esda.G_Local(permutations=999): the pre-Graph way."""
    import esda
    import libpysal

    started = time.perf_counter()
    grid = land_grid(250)
    neighbours = grid.graph.adjacency.reset_index()
    neighbours = neighbours[neighbours["weight"] > 0]
    listing = {int(i): [] for i in range(len(grid.cells))}
    for focal, neighbour in zip(neighbours["focal"], neighbours["neighbor"], strict=True):
        listing[int(focal)].append(int(neighbour))
    weights = libpysal.weights.W(listing, silence_warnings=True)
    values = cell_values(grid, x, y)
    esda.G_Local(values, weights, transform="B", permutations=999, star=True, seed=1, n_jobs=1)
    return time.perf_counter() - started


def main() -> None:
    layer, _ = read_builtin_layer()
    incidents = generate_incidents(layer, years=3, seed=1, end=dt.date(2026, 11, 1))
    print(f"{len(incidents)} syntetiska händelser (3 år)")
    land_grid(250)  # built once per process and cached; not part of the figure
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        result, _without = hotspots_for(incidents, cell_size=250)
        runs.append(time.perf_counter() - started)
    value = statistics.median(runs)
    classes = result.table["hotspot_class"].value_counts().to_dict()
    base = baseline(incidents["x"].to_numpy(), incidents["y"].to_numpy())
    print(
        f"  Gi*: {value:.2f} s (median av {', '.join(f'{r:.2f}' for r in runs)}); klasser {classes}"
    )
    print(f"  baslinje libpysal.weights.W + esda.G_Local: {base:.2f} s")
    print(json.dumps({
        "bench": "hotspots", "metric": f"Gi* on the 250 m land grid ({len(result.table)} cells), 999 permutations, {len(incidents)} incidents",
        "value": round(value, 2), "unit": "s", "target": TARGET_SECONDS, "baseline": round(base, 2),
        "meets_target": bool(value <= TARGET_SECONDS),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
