r"""Import of a 1,000,000-row incident CSV into PostgreSQL + PostGIS, against SQLite in the same run.

Run from the project root: `.venv/bin/python bench/pg_ingest.py [--rows 1000000] [--runs 3]`.
The file is bench/ingest.py's (`;`, decimal comma, BOM, CRLF, points inside Falkenberg's areas,
a personnummer in one row of 1,000). Each import runs in a child process into a fresh database,
as the owner role (the first load into an empty table builds the secondary and GiST indexes
once, after COPY); the SQLite import of the same file runs interleaved, through bench/ingest.py's
child, so both see the same load. The value is the PostgreSQL median.
Baseline, in the same run: bench/ingest.py's naive row-by-row import (the same checks, one
INSERT per row) into PostgreSQL on 20,000 rows, scaled to the full size.
Target: the ingest target of issue 12, ≤ 8 s for 1M rows, on PostgreSQL too.
A throw-away cluster is started (scripts/pg_cluster.sh) unless LAGESBILD_BENCH_POSTGRES_URL
names one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

import ingest as ingest_bench  # noqa: E402  (bench/ingest.py: the file and the naive baseline)
from pg_cluster import cluster  # noqa: E402  (scripts/pg_cluster.py)

TARGET_SECONDS = ingest_bench.TARGET_SECONDS
BASELINE_ROWS = ingest_bench.BASELINE_ROWS


def child_import(path: Path, url: str) -> None:
    """In a child process: migrate, import, print seconds, CPU and stages as JSON."""
    from geo.areas.layers import activate_builtin_layer
    from geo.io.ingest import ImportOptions, import_incidents
    from geo.store.database import make_engine, migrate

    engine = make_engine(url)
    migrate(engine)
    activate_builtin_layer(engine)
    clock = ingest_bench.instrument()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_incidents(
        engine, path, ImportOptions(imported_by="bench", today=ingest_bench.TODAY)
    )
    seconds = time.perf_counter() - started
    if not report.accepted:
        print(report.text(), file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"seconds": seconds, "cpu_seconds": time.process_time() - cpu,
                      "rows": report.rows_new, "stages": clock.seconds}))  # fmt: skip


def _child(arguments: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        sys.exit(f"importen misslyckades:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def naive_postgres(path: Path, url: str, rows: int) -> float:
    """bench/ingest.py's naive import, pointed at ``url`` instead of a SQLite file."""
    import geo.store.database

    real = geo.store.database.make_engine
    geo.store.database.make_engine = lambda _sqlite_url: real(url)  # type: ignore[assignment]
    try:
        return float(ingest_bench.naive_import(path, Path("unused.db"), rows))
    finally:
        geo.store.database.make_engine = real


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("CSV", "URL"))
    args = parser.parse_args()
    if args.child:
        child_import(Path(args.child[0]), args.child[1])
        return
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder, cluster() as pg:
        csv_path = Path(folder) / "händelser.csv"
        print(f"Skapar {args.rows:,} rader …".replace(",", " "), flush=True)
        ingest_bench.write_csv(csv_path, args.rows)
        postgres, sqlite = [], []
        for run in range(args.runs):
            url = pg.fresh_database(f"bench_ingest_{run}")
            postgres.append(_child([__file__, "--child", str(csv_path), url]))
            pg.drop(f"bench_ingest_{run}")
            database = Path(folder) / f"bench{run}.db"
            sqlite.append(
                _child([str(ROOT / "bench" / "ingest.py"), "--child", str(csv_path), str(database)])
            )
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            print(f"  körning {run + 1}: PostgreSQL {postgres[-1]['seconds']:.2f} s "
                  f"(CPU {postgres[-1]['cpu_seconds']:.2f} s), SQLite {sqlite[-1]['seconds']:.2f} s "
                  f"(CPU {sqlite[-1]['cpu_seconds']:.2f} s)", flush=True)  # fmt: skip
        print(
            f"Baslinje: rad för rad på {BASELINE_ROWS:,} rader i PostgreSQL …".replace(",", " "),
            flush=True,
        )
        naive = naive_postgres(csv_path, pg.fresh_database("bench_naive"), BASELINE_ROWS)
        pg.drop("bench_naive")
        version = pg.server_version
    times = [float(str(m["seconds"])) for m in postgres]
    sqlite_times = [float(str(m["seconds"])) for m in sqlite]
    seconds, sqlite_seconds = statistics.median(times), statistics.median(sqlite_times)
    baseline = naive * args.rows / BASELINE_ROWS
    stages = postgres[0]["stages"]
    assert isinstance(stages, dict)
    print("  steg, PostgreSQL (första körningen, s):")
    for stage, value in stages.items():
        print(f"    {stage:32s} {value:6.2f}")
    print(f"  PostgreSQL: median {seconds:.2f} s; SQLite samma körning: median {sqlite_seconds:.2f} s; "
          f"naiv baslinje {naive:.1f} s för {BASELINE_ROWS} rader → {baseline:.0f} s")  # fmt: skip
    print(json.dumps({
        "bench": "pg_ingest", "metric": f"wall time to import {args.rows} CSV rows into PostgreSQL {version} + PostGIS (validation, screening, area join, COPY, indexes), median of {len(times)}",
        "value": round(seconds, 2), "unit": "s", "target": TARGET_SECONDS, "baseline": round(baseline, 1),
        "meets_target": bool(seconds <= TARGET_SECONDS), "runs_s": [round(t, 2) for t in times],
        "cpu_s": [round(float(str(m["cpu_seconds"])), 2) for m in postgres],
        "sqlite_same_run_s": round(sqlite_seconds, 2), "sqlite_runs_s": [round(t, 2) for t in sqlite_times],
        "rows": postgres[0]["rows"], "load_average_at_start": round(load_at_start, 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
