"""National scale by simulation: 290 municipality polygons and 15M incidents in monthly partitions.

Run from the project root: `.venv/bin/python bench/national.py [--incidents 15000000] [--months 60]`.
In a throw-away PostgreSQL + PostGIS cluster (or LAGESBILD_BENCH_POSTGRES_URL):

- 290 synthetic municipalities: Voronoi cells of random seeds over Sweden's extent in SWEREF 99
  TM (EPSG:3006), densified to a vertex every 250 m (about 1,300 vertices each), GiST-indexed,
  and also cut with ST_Subdivide (≤ 128 vertices a piece) for the join.
- 600,000 addresses drawn inside them (lognormal sizes: a few large towns, many small
  municipalities), and 15,000,000 incidents, 25 per address at random times over 60 months,
  range-partitioned by month (Swedish local month boundaries) with a generated Point ``geom`` and a
  GiST index per partition, like the app's ``incidents``. Each incident keeps its address's
  municipality as the truth to check against.

Measured (median of 5, June 2025): (1) counts per municipality for one month, which prunes to one
partition; target ≤ 1 s; baseline: the same query on an unpartitioned copy of the 15M rows
without indexes. (2) Assigning one month's incidents to municipalities (the spatial join, written
into a table of (id, municipality)); target ≤ 5 s; checked equal to the truth; baselines: the same
join without the subdivided pieces (whole polygons), and the join with PostGIS's indexes switched
off on a sample, scaled to the month.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from pg_cluster import cluster  # noqa: E402  (scripts/pg_cluster.py)

from geo.periods import LOCAL_TZ_NAME  # noqa: E402

TARGET_COUNTS_S, TARGET_ASSIGN_S = 1.0, 5.0
MUNICIPALITIES, ADDRESSES = 290, 600_000
EXTENT = (270_000.0, 6_130_000.0, 920_000.0, 7_680_000.0)
"""Sweden's extent in SWEREF 99 TM (x min, y min, x max, y max)."""
MONTH = "2025-06"
NAIVE_SAMPLE = 2_000


def municipalities(seed: int) -> list[shapely.Polygon]:
    """290 Voronoi cells of random seeds, clipped to the extent and densified (250 m)."""
    rng = np.random.default_rng(seed)
    frame = shapely.box(*EXTENT)
    seeds = shapely.multipoints(rng.uniform(EXTENT[:2], EXTENT[2:], size=(MUNICIPALITIES, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame))
    clipped = [shapely.segmentize(shapely.intersection(c, frame), 250.0) for c in cells]
    assert len(clipped) == MUNICIPALITIES
    return clipped


def addresses(cells: list[shapely.Polygon], seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """600,000 points inside the cells, lognormally many per cell; returns x, y, cell index."""
    rng = np.random.default_rng(seed + 1)
    weights = rng.lognormal(mean=0.0, sigma=1.2, size=len(cells))
    counts = np.floor(weights / weights.sum() * ADDRESSES).astype(int)
    counts[: ADDRESSES - counts.sum()] += 1
    xs, ys, codes = [], [], []
    for index, (cell, wanted) in enumerate(zip(cells, counts, strict=True)):
        shapely.prepare(cell)
        minx, miny, maxx, maxy = cell.bounds
        found = np.empty((0, 2))
        while len(found) < wanted:
            candidates = rng.uniform((minx, miny), (maxx, maxy), size=(2 * wanted + 16, 2))
            found = np.vstack([found, candidates[shapely.contains_xy(cell, *candidates.T)]])
        xs.append(found[:wanted, 0])
        ys.append(found[:wanted, 1])
        codes.append(np.full(wanted, index))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(codes)


def _month_bounds(months: int) -> list[tuple[str, str, str]]:
    """(partition suffix, start, end) per month, ending December 2025, Swedish local time."""
    out = []
    year, month = 2025, 12
    for _ in range(months):
        out.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    bounds = []
    for year, month in sorted(out):
        following = (year, month + 1) if month < 12 else (year + 1, 1)
        bounds.append(
            (
                f"{year}_{month:02d}",
                f"{year}-{month:02d}-01",
                f"{following[0]}-{following[1]:02d}-01",
            )
        )
    return bounds


def build(connection: Any, incidents: int, months: int, seed: int) -> dict[str, float]:
    """Create and fill the national tables; returns the seconds each step took."""
    steps: dict[str, float] = {}

    def step(name: str, started: float) -> None:
        steps[name] = round(time.perf_counter() - started, 1)
        print(f"  {name}: {steps[name]} s", flush=True)

    started = time.perf_counter()
    cells = municipalities(seed)
    x, y, code = addresses(cells, seed)
    step("polygons and addresses (Python)", started)
    started = time.perf_counter()
    cursor = connection.cursor()
    cursor.execute(f"SET TimeZone = '{LOCAL_TZ_NAME}'")
    cursor.execute(
        "CREATE TABLE municipalities (code text PRIMARY KEY, geom geometry(Polygon, 3006) NOT NULL)"
    )
    with cursor.copy("COPY municipalities (code, geom) FROM STDIN") as copy:
        for index, cell in enumerate(cells):
            copy.write_row((f"K{index:03d}", f"SRID=3006;{cell.wkt}"))
    cursor.execute("CREATE INDEX ON municipalities USING gist (geom)")
    cursor.execute(
        "CREATE TABLE municipality_parts AS SELECT code, ST_Subdivide(geom, 128) AS geom "
        "FROM municipalities"
    )
    cursor.execute("CREATE INDEX ON municipality_parts USING gist (geom)")
    cursor.execute("CREATE TABLE addresses (id int PRIMARY KEY, kommun text, x float8, y float8)")
    with cursor.copy("COPY addresses (id, kommun, x, y) FROM STDIN") as copy:
        for row in zip(
            range(len(x)), [f"K{c:03d}" for c in code], x.tolist(), y.tolist(), strict=True
        ):
            copy.write_row(row)
    step("polygons and addresses into PostGIS", started)
    started = time.perf_counter()
    bounds = _month_bounds(months)
    cursor.execute(
        "CREATE TABLE national_incidents (id bigint NOT NULL, occurred_at timestamptz NOT NULL, "
        "kommun text NOT NULL, x float8 NOT NULL, y float8 NOT NULL, "
        "geom geometry(Point, 3006) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(x, y), 3006)) STORED"
        ") PARTITION BY RANGE (occurred_at)"
    )
    for suffix, low, high in bounds:
        cursor.execute(
            f"CREATE TABLE national_incidents_{suffix} PARTITION OF national_incidents "
            f"FOR VALUES FROM ('{low}') TO ('{high}')"
        )
    repeats = incidents // ADDRESSES
    first, last = bounds[0][1], bounds[-1][2]
    cursor.execute(
        "INSERT INTO national_incidents (id, occurred_at, kommun, x, y) "
        f"SELECT a.id::bigint * {repeats} + r, "
        f"timestamptz '{first}' + random() * (timestamptz '{last}' - timestamptz '{first}'), "
        f"a.kommun, a.x, a.y FROM addresses a, generate_series(0, {repeats - 1}) r"
    )
    connection.commit()
    step(f"{repeats * ADDRESSES:,} incidents into {months} partitions".replace(",", " "), started)
    started = time.perf_counter()
    cursor.execute("SET maintenance_work_mem = '512MB'")
    cursor.execute("CREATE INDEX ON national_incidents USING gist (geom)")
    cursor.execute("CREATE INDEX ON national_incidents (id)")
    connection.commit()
    step("GiST and id indexes on every partition", started)
    started = time.perf_counter()
    cursor.execute("CREATE TABLE flat_incidents AS SELECT * FROM national_incidents")
    cursor.execute("ANALYZE")
    connection.commit()
    step("unpartitioned copy without indexes (baseline) and ANALYZE", started)
    return steps


def timed(connection: Any, sql: str, runs: int = 5) -> tuple[float, list[Any]]:
    """Median seconds of ``runs`` executions (rolled back each time) and the last rows."""
    cursor = connection.cursor()
    seconds, rows = [], []
    for _ in range(runs):
        started = time.perf_counter()
        cursor.execute(sql)
        rows = cursor.fetchall() if cursor.description else []
        seconds.append(time.perf_counter() - started)
        connection.rollback()
    return statistics.median(seconds), rows


def main() -> None:
    import psycopg

    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=15_000_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]
    with cluster() as pg:
        url = pg.fresh_database("bench_national").replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(url) as connection:
            print("Bygger 290 kommuner och händelserna …", flush=True)
            steps = build(connection, args.incidents, args.months, args.seed)
            cursor = connection.cursor()
            cursor.execute(f"SET TimeZone = '{LOCAL_TZ_NAME}'")
            connection.commit()
            low, high = f"{MONTH}-01", "2025-07-01"
            window = f"occurred_at >= '{low}' AND occurred_at < '{high}'"
            counts_sql = "SELECT kommun, count(*) FROM {table} WHERE " + window + " GROUP BY kommun"
            counts_s, counts = timed(connection, counts_sql.format(table="national_incidents"))
            flat_s, flat_counts = timed(
                connection, counts_sql.format(table="flat_incidents"), runs=3
            )
            assert sorted(counts) == sorted(flat_counts)
            in_month = sum(n for _k, n in counts)
            print(f"  antal per kommun för {MONTH}: {counts_s:.3f} s ({len(counts)} kommuner, "
                  f"{in_month} händelser); utan partitioner: {flat_s:.2f} s", flush=True)  # fmt: skip
            assign = (
                "CREATE TEMP TABLE assigned ON COMMIT DROP AS SELECT i.id, m.code FROM "
                "national_incidents i JOIN {parts} m ON ST_Intersects(m.geom, i.geom) WHERE i."
                + window
            )
            assign_s, _ = timed(connection, assign.format(parts="municipality_parts"))
            whole_s, _ = timed(connection, assign.format(parts="municipalities"), runs=3)
            cursor.execute(assign.format(parts="municipality_parts"))
            wrong = cursor.execute(
                "SELECT count(*) FILTER (WHERE a.code IS DISTINCT FROM i.kommun), count(*), "
                "(SELECT count(*) FROM national_incidents WHERE " + window + ") "
                "FROM national_incidents i LEFT JOIN assigned a ON a.id = i.id WHERE i." + window
            ).fetchone()
            connection.rollback()
            assert wrong is not None and wrong[0] == 0 and wrong[1] == wrong[2] == in_month, wrong
            cursor.execute(
                "CREATE TEMP TABLE sample AS SELECT id, geom FROM national_incidents WHERE "
                + window
                + f" ORDER BY id LIMIT {NAIVE_SAMPLE}"
            )
            cursor.execute("SET enable_indexscan = off")
            cursor.execute("SET enable_bitmapscan = off")
            started = time.perf_counter()
            cursor.execute(
                "SELECT s.id, m.code FROM sample s JOIN municipalities m "
                "ON ST_Intersects(m.geom, s.geom)"
            )
            assert len(cursor.fetchall()) == NAIVE_SAMPLE
            naive = (time.perf_counter() - started) * in_month / NAIVE_SAMPLE
            connection.rollback()
            print(f"  tilldelning av {MONTH}: {assign_s:.2f} s (hela polygoner {whole_s:.2f} s, "
                  f"utan index ≈ {naive:.0f} s uppräknat från {NAIVE_SAMPLE} händelser); alla rätt", flush=True)  # fmt: skip
        pg.drop("bench_national")
        version = pg.server_version
    print(json.dumps({
        "bench": "national", "metric": f"assign one month's incidents ({in_month}) to 290 municipalities in PostGIS, {args.incidents:,} incidents in {args.months} monthly partitions (median of 5)",
        "value": round(assign_s, 2), "unit": "s", "target": TARGET_ASSIGN_S, "baseline": round(naive, 1),
        "meets_target": bool(assign_s <= TARGET_ASSIGN_S and counts_s <= TARGET_COUNTS_S),
        "counts_one_month_s": round(counts_s, 3), "target_counts_s": TARGET_COUNTS_S,
        "counts_baseline_unpartitioned_s": round(flat_s, 2), "assign_whole_polygons_s": round(whole_s, 2),
        "incidents": args.incidents, "incidents_in_month": in_month, "build_steps_s": steps,
        "postgresql": version, "load_average_at_start": round(load_at_start, 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
