"""Import of a 1,000,000-row Swedish-style incident CSV into a fresh SQLite store.

Run from the project root: `.venv/bin/python bench/ingest.py [--rows 1000000]`.
The file: `;`-separated, decimal comma, UTF-8 with BOM, CRLF, ISO times with offset, SWEREF 99 TM
points inside Falkenberg, free text with a personnummer in one row of 1,000. The import runs in a
child process with full validation, screening and the area join, so its peak RSS is its own.
Baseline, in the same run: a naive row-by-row parser and insert (csv module, strptime, float(),
shapely point-in-polygon per row, one INSERT per row) on 20,000 rows, scaled to the full size.
Target (issue 3): the 1M rows in ≤ 20 s with peak RSS ≤ 1.5 GB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 20.0
TARGET_RSS_MB = 1536.0
BASELINE_ROWS = 20_000
TYPES = [
    "Stöld",
    "Stöld ringa",
    "Misshandel",
    "Skadegörelse",
    "Inbrott",
    "Trafikolycka",
    "Bråk",
    "Narkotikabrott",
]


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    """A Swedish Excel-style export with ``rows`` incidents."""
    from geo.builtin_areas import read_builtin_layer
    from geo.screening import luhn_ok

    rng = np.random.default_rng(seed)
    layer, _ = read_builtin_layer()
    land = shapely.union_all(layer.geometry.to_numpy())
    minx, miny, maxx, maxy = land.bounds
    points = np.empty((0, 2))
    while len(points) < rows:
        candidates = rng.uniform((minx, miny), (maxx, maxy), size=(rows, 2))
        points = np.vstack(
            [points, candidates[shapely.contains_xy(land, candidates[:, 0], candidates[:, 1])]]
        )
    points = points[:rows]
    start = pd.Timestamp("2024-01-01", tz="UTC").value // 10**9
    seconds = rng.integers(0, 2 * 365 * 86_400, size=rows) + start
    local = pd.to_datetime(seconds, unit="s", utc=True).tz_convert("Europe/Stockholm")
    offsets = np.where(local.strftime("%z") == "+0200", "+02:00", "+01:00")
    times = local.strftime("%Y-%m-%dT%H:%M:%S") + offsets
    nine = "811218987"
    pnr = next(nine + str(d) for d in range(10) if luhn_ok(nine + str(d)))
    text = np.where(
        rng.random(rows) < 0.001,
        f"Anmälare {pnr[:6]}-{pnr[6:]} kontaktad",
        "Händelse rapporterad av patrull",
    )
    frame = pd.DataFrame({
        "id": [f"P{i:07d}" for i in range(rows)], "tidpunkt": times, "typ": rng.choice(TYPES, size=rows),
        "x": points[:, 0].round(1), "y": points[:, 1].round(1), "beskrivning": text,
    })  # fmt: skip
    frame.to_csv(
        path, sep=";", decimal=",", index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )


def child_import(path: Path, database: Path) -> None:
    """Runs in a child process: import and print seconds, rows and peak RSS as JSON."""
    from geo.areas import activate_builtin_layer
    from geo.ingest import ImportOptions, import_incidents
    from geo.store import make_engine, migrate

    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    activate_builtin_layer(engine)
    started = time.perf_counter()
    report = import_incidents(
        engine, path, ImportOptions(imported_by="bench", today=dt.date(2026, 11, 27))
    )
    seconds = time.perf_counter() - started
    if not report.accepted:
        print(report.text(), file=sys.stderr)
        sys.exit(1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": report.rows_new,
                "peak_rss_mb": peak_mb,
                "redacted": len(report.redacted_lines),
            }
        )
    )


def naive_import(path: Path, database: Path, rows: int) -> float:
    """Row by row: the way a first script would do it. Returns seconds for ``rows`` rows."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import insert

    from geo.areas import activate_builtin_layer
    from geo.schema import incidents
    from geo.store import ImportRecord, active_layer, make_engine, migrate, record_import
    from geo.taxonomy import load_taxonomy

    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    activate_builtin_layer(engine)
    _info, layer = active_layer(engine)
    taxonomy = load_taxonomy()
    pattern = re.compile(r"\d{6}[-+ ]?\d{4}")
    stockholm = ZoneInfo("Europe/Stockholm")
    started = time.perf_counter()
    with engine.begin() as connection, path.open(encoding="utf-8-sig", newline="") as handle:
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="naive")
        )
        reader = csv.DictReader(handle, delimiter=";")
        for number, row in enumerate(reader):
            if number >= rows:
                break
            occurred = (
                dt.datetime.fromisoformat(row["tidpunkt"]).astimezone(stockholm).astimezone(dt.UTC)
            )
            x, y = float(row["x"].replace(",", ".")), float(row["y"].replace(",", "."))
            point = shapely.Point(x, y)
            code = next(
                (
                    c
                    for c, g in zip(layer["area_code"], layer.geometry, strict=True)
                    if g.contains(point)
                ),
                None,
            )
            event_type = taxonomy.classify(row["typ"])
            assert event_type is not None
            description = pattern.sub("[borttaget]", row["beskrivning"])
            connection.execute(insert(incidents).values(
                source="polis", source_id=row["id"], category=event_type.group, raw_type=event_type.name,
                occurred_at=occurred, x=x, y=y, area_code=code, location_precision="punkt",
                harm_weight=float(event_type.harm_weight), description=description, import_id=import_id, synthetic=False,
            ))  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, metavar=("CSV", "DB"))
    args = parser.parse_args()
    if args.child:
        child_import(Path(args.child[0]), Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "händelser.csv"
        print(f"Skapar {args.rows:,} rader …".replace(",", " "), flush=True)
        write_csv(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"  {size_mb:.0f} MB", flush=True)
        print("Importerar (barnprocess) …", flush=True)
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(csv_path), str(Path(folder) / "bench.db")],
            capture_output=True, text=True, check=False, cwd=ROOT,
        )  # fmt: skip
        if child.returncode != 0:
            sys.exit(f"importen misslyckades:\n{child.stderr}")
        measured = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"Baslinje: rad för rad på {BASELINE_ROWS:,} rader …".replace(",", " "), flush=True)
        naive_seconds = naive_import(csv_path, Path(folder) / "naive.db", BASELINE_ROWS)
    baseline = naive_seconds * args.rows / BASELINE_ROWS
    seconds = measured["seconds"]
    print(f"  import: {seconds:.1f} s, {measured['rows'] / seconds:,.0f} rader/s, topp-RSS {measured['peak_rss_mb']:.0f} MB, "
          f"personnummer borttagna på {measured['redacted']} rader".replace(",", " "))  # fmt: skip
    print(
        f"  naiv baslinje: {naive_seconds:.1f} s för {BASELINE_ROWS} rader → {baseline:.0f} s för {args.rows} rader"
    )
    print(json.dumps({
        "bench": "ingest", "metric": f"wall time to import {args.rows} CSV rows (validation, screening, area join, SQLite)",
        "value": round(seconds, 2), "unit": "s", "target": TARGET_SECONDS, "baseline": round(baseline, 1),
        "meets_target": bool(seconds <= TARGET_SECONDS and measured["peak_rss_mb"] <= TARGET_RSS_MB),
        "rows_per_second": round(measured["rows"] / seconds), "peak_rss_mb": round(measured["peak_rss_mb"]),
        "target_peak_rss_mb": TARGET_RSS_MB, "file_mb": round(size_mb),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
