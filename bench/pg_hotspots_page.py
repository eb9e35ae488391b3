"""The Hotspots page with 1,000,000 incidents in PostgreSQL + PostGIS, against SQLite in the same run.

Run from the project root: `.venv/bin/python bench/pg_hotspots_page.py`.
The same measurement as bench/hotspots_page.py (AppTest: cold first load with empty caches, warm
reruns after three filter changes, the map's payload), first with the store in a fresh
PostgreSQL database (the app's least-privileged role, rows written by COPY), then with the same
rows in a SQLite file. Baseline, in the same run: a rerun after the same kind of filter change
with every cache cleared first (what each rerun would cost without caching), on PostgreSQL.
Targets (issue 4, on PostgreSQL too): warm rerun ≤ 1 s, cold ≤ 10 s, map payload ≤ 1.5 MB.
A throw-away cluster is started (scripts/pg_cluster.sh) unless LAGESBILD_BENCH_POSTGRES_URL
names one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))
warnings.filterwarnings("ignore")

import hotspots_page as page_bench  # noqa: E402  (bench/hotspots_page.py: page() and timed())
from pg_cluster import cluster  # noqa: E402  (scripts/pg_cluster.py)

TARGET_WARM_S, TARGET_COLD_S, TARGET_MB = (
    page_bench.TARGET_WARM_S,
    page_bench.TARGET_COLD_S,
    page_bench.TARGET_MB,
)
ROWS = page_bench.ROWS


def fill(url: str) -> int:
    """Migrate (as the URL's role), activate the built-in layer, write the 1M demo incidents."""
    from geo.areas.layers import activate_builtin_layer
    from geo.demo import generate_incidents
    from geo.store.database import (
        ImportRecord,
        active_layer,
        insert_incidents,
        make_engine,
        migrate,
        record_import,
    )

    engine = make_engine(url)
    migrate(engine)
    activate_builtin_layer(engine)
    _info, layer = active_layer(engine)
    frame = generate_incidents(layer, years=3, seed=1, end=dt.date(2026, 11, 1), per_year=ROWS // 3)
    with engine.begin() as connection:
        import_id = record_import(
            connection,
            ImportRecord(kind="demo", source="demo", imported_by="bench", synthetic=True),
        )
        insert_incidents(connection, frame, import_id)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE incidents")
    engine.dispose()
    return len(frame)


def measure(url: str, *, with_baseline: bool) -> dict[str, Any]:
    """Cold load, three warm reruns, payload (and the uncached baseline) for the store at ``url``."""
    import streamlit as st

    os.environ["LAGESBILD_DATABASE_URL"] = url
    st.cache_data.clear()
    st.cache_resource.clear()
    app = page_bench.page()
    cold = page_bench.timed(app)
    payloads = [len(app.get("component_instance")[0].proto.json_args.encode("utf-8"))]  # type: ignore[attr-defined]
    changes = [
        lambda a: a.sidebar.multiselect[1].set_value(["inland"]),
        lambda a: a.sidebar.multiselect[0].set_value(["vald", "egendom"]),
        lambda a: a.sidebar.toggle[1].set_value(True),  # harm-weighted
    ]
    warm = []
    for change in changes:
        change(app)
        warm.append(page_bench.timed(app))
    payloads.append(len(app.get("component_instance")[0].proto.json_args.encode("utf-8")))  # type: ignore[attr-defined]
    result: dict[str, Any] = {"cold": cold, "warm": warm, "payload_mb": max(payloads) / 1e6}
    if with_baseline:
        st.cache_data.clear()
        st.cache_resource.clear()
        app.sidebar.multiselect[1].set_value(["kust"])  # type: ignore[attr-defined]
        result["baseline"] = page_bench.timed(app)
    st.cache_data.clear()
    st.cache_resource.clear()  # closes nothing by itself: the engines are disposed with the process
    return result


def main() -> None:
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder, cluster() as pg:
        print("Bygger PostgreSQL-databas med en miljon syntetiska händelser …", flush=True)
        owner_url = pg.fresh_database("bench_hotspots")
        rows = fill(owner_url)
        on_postgres = measure(pg.url("bench_hotspots", "lagesbild_app"), with_baseline=True)
        print("Samma data i SQLite …", flush=True)
        fill(f"sqlite:///{Path(folder) / 'bench.db'}")
        on_sqlite = measure(f"sqlite:///{Path(folder) / 'bench.db'}", with_baseline=False)
        pg.drop("bench_hotspots")
        version = pg.server_version
    value = statistics.median(on_postgres["warm"])
    cold, payload_mb = on_postgres["cold"], on_postgres["payload_mb"]
    for name, result in (("PostgreSQL", on_postgres), ("SQLite", on_sqlite)):
        print(f"  {name}: kall {result['cold']:.2f} s; varm efter filterbyte "
              f"{', '.join(f'{w:.2f}' for w in result['warm'])} s; nyttolast {result['payload_mb']:.2f} MB")  # fmt: skip
    print(
        f"  baslinje utan cache (PostgreSQL): {on_postgres['baseline']:.2f} s; {rows:,} händelser".replace(
            ",", " "
        )
    )
    print(json.dumps({
        "bench": "pg_hotspots_page", "metric": f"warm rerun of the Hotspots page after a filter change, 1M incidents in PostgreSQL {version} + PostGIS (median of 3)",
        "value": round(value, 2), "unit": "s", "target": TARGET_WARM_S, "baseline": round(on_postgres["baseline"], 2),
        "meets_target": bool(value <= TARGET_WARM_S and cold <= TARGET_COLD_S and payload_mb <= TARGET_MB),
        "cold_s": round(cold, 2), "target_cold_s": TARGET_COLD_S, "payload_mb": round(payload_mb, 2), "target_payload_mb": TARGET_MB,
        "sqlite_same_run": {"warm_s": round(statistics.median(on_sqlite["warm"]), 2), "cold_s": round(on_sqlite["cold"], 2)},
        "load_average_at_start": round(load_at_start, 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
