"""Gi* hotspots for the whole municipality's land grid at 250 m, 999 permutations, 3 years of demo data.

Run from the project root: `.venv/bin/python bench/hotspots.py`.

Measured (the figure): the full test on *all* 19,222 cells, as the page runs it
(``geo.analysis.hotspots.hotspots_for``): counting the incidents into cells, Gi* z, the exact p-values of
the Gi* sum (cell included) under random placement of the incidents, Benjamini–Hochberg, and the
seeded 999-simulation Monte Carlo test for every cell (cells whose sums have the same null
distribution share one set of 999 draws, as esda's conditional permutations share one table of
random neighbours). Median of 3 runs.

Baseline, in the same run, equal work: ``esda.G_Local(star=True, transform="B")`` with the same 999
permutations on the same cells and the same values, one core (``n_jobs=1``; our code uses one core
too), the graph built beforehand for both (``land_grid`` is cached per process).

The shortcut (Monte Carlo test only for the cells that pass the exact test at 90 %) is measured
separately and its classes are checked against the full run here and in
``tests/test_hotspots.py::test_the_candidate_shortcut_gives_the_classes_of_the_full_run``.
Target: ≤ 3 s for the full run.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

from geo.analysis.hotspots import cell_values, getis_ord, hotspots_for, land_grid  # noqa: E402
from geo.areas.builtin import read_builtin_layer  # noqa: E402
from geo.demo import generate_incidents  # noqa: E402

TARGET_SECONDS = 3.0
PERMUTATIONS = 999


def _median(run, times: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    results, durations = None, []
    for _ in range(times):
        started = time.perf_counter()
        results = run()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), results


def main() -> None:
    layer, _ = read_builtin_layer()
    incidents = generate_incidents(layer, years=3, seed=1, end=dt.date(2026, 11, 1))
    print(f"{len(incidents)} syntetiska händelser (3 år)")
    grid = land_grid(250)  # built once per process and cached; not part of any figure
    grid.graph  # noqa: B018 — esda's graph, built before its timing too

    full_time, (full, _without) = _median(
        lambda: hotspots_for(incidents, cell_size=250, permutations=PERMUTATIONS)
    )
    values = cell_values(grid, incidents["x"].to_numpy(), incidents["y"].to_numpy())
    n = int(values.sum())
    short_time, short = _median(
        lambda: getis_ord(
            grid, values, n_incidents=n, permutations=PERMUTATIONS, only_candidates=True
        )
    )
    same = bool(full.cells["hotspot_class"].equals(short.cells["hotspot_class"]))

    import esda

    def baseline() -> object:
        return esda.G_Local(values, grid.graph, transform="B", permutations=PERMUTATIONS, star=True,
                            seed=1, n_jobs=1, keep_simulations=False)  # fmt: skip

    base_time, local = _median(baseline)
    classes = full.cells["hotspot_class"].value_counts().to_dict()
    print(
        f"  full test, all {len(full.cells)} cells, {PERMUTATIONS} simulations: {full_time:.2f} s; classes {classes}"
    )
    print(f"  esda.G_Local(star=True), same cells and permutations, n_jobs=1: {base_time:.2f} s "
          f"({len(local.p_sim)} p-values)")  # fmt: skip
    print(
        f"  shortcut (Monte Carlo only for candidates): {short_time:.2f} s; same classes as the full run: {same}"
    )
    print(json.dumps({
        "bench": "hotspots",
        "metric": f"full Gi* test on all {len(full.cells)} cells of the 250 m land grid, {PERMUTATIONS} permutations, "
                  f"{len(incidents)} incidents (baseline: esda G_Local star=True, same cells and permutations)",
        "value": round(full_time, 2), "unit": "s", "target": TARGET_SECONDS, "baseline": round(base_time, 2),
        "meets_target": bool(full_time <= TARGET_SECONDS and same),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
