"""Cold start: how long the first visitors wait after the server has started, in Chromium and with
Streamlit's AppTest, in one run.

Run from the project root: `.venv/bin/python bench/cold_start.py [--runs 3] [--rows 1000000]`.

The server is started the way users get it: `python -m geo serve` (what run.sh and the systemd
unit run), which starts Streamlit and, once it listens, the warm-up of ui/warmup.py. Nothing is
warmed by the bench: every figure starts from a fresh server process (or, for AppTest, a fresh
Python process), and the bench only waits where it says so.

Targets (issues 13 and 15), each ≤ 3 s:
  1. Publik karta (demo data): the very first browser session after a fresh server start, until
     the public site's Leaflet map has a size and its areas are drawn.
  2. Hotspots (ROWS incidents in the store): the first visit of the page after a fresh server
     start, from the click on "Hotspots" until the Gi* cells are drawn on its map.

Chromium, per run (a new Chromium profile for every visit):
  first           the protocol of the earlier measurement (3.66 s): the server answers its health
                  check, Chromium starts, the timer runs from page.goto to the public map drawn;
  first_at_once   harsher: Chromium is already up when the server starts, and goes to the page
                  the instant the health check answers (nothing is warmed yet);
  later           a second new session on the same server;
  polis           a third session: pick the polis role, open Översikt until its map is drawn;
  hotspots        a fresh server on the big store; once its warm-up is done (it prints
                  "Förvärmningen är klar …" – the time from the health check to that line is
                  `warmup_s`), a session picks polis and clicks Hotspots (target 2);
  hotspots_at_start  the same without waiting: the session starts when the server answers, and
                  the click waits for whatever the warm-up has not done yet.
AppTest, per run (a fresh Python process each, so imports and caches are cold):
  public          dashboard.py's first run (role publik: Publik karta), with the warm-up started at
                  the same instant, as the server starts it when it listens (the strict case);
  hotspots        pages/hotspots.py (role polis) on the big store after the warm-up has run.
Naive baseline, in the same run: `streamlit run dashboard.py` with no warm-up (every page pays
for its imports and caches in its first session) – Chromium `first` and `hotspots`, AppTest
`public` and `hotspots` – and a bare Streamlit page (one `st.write`), the floor of Streamlit
and Chromium on this machine.

The last line is one JSON object: `value` is the slower of the two targets in Chromium (median),
`baseline` the same for the naive server, `meets_target` whether both targets are met in
Chromium and in AppTest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
TARGET_S = 3.0
POLICE_ROLE = re.compile(r"^Polis")
WARMUP_DONE = "Förvärmningen är klar"  # ui.warmup.DONE (not imported: the bench stays cold)


# --- Servers ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process: `serve` (python -m geo serve), `naive` (streamlit run dashboard.py) or
    `bare` (a one-line Streamlit script)."""

    def __init__(self, kind: str, env: dict[str, str], log: Path, folder: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        if kind == "serve":
            command = [sys.executable, "-m", "geo", "serve", "--port", str(self.port)]
        else:
            script = ROOT / "dashboard.py"
            if kind == "bare":
                script = folder / "bare.py"
                script.write_text("import streamlit as st\nst.write('Hej')\n", encoding="utf-8")
            command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address",
                       "127.0.0.1", "--server.port", str(self.port), "--server.headless", "true"]  # fmt: skip
        # cwd=ROOT: both read the project's .streamlit/config.toml (static serving, no watcher).
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"),
                                        stderr=subprocess.STDOUT)  # fmt: skip

    def wait_healthy(self) -> float:
        """Block until the health check answers; returns that moment (perf_counter)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return time.perf_counter()
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise SystemExit(f"servern startade inte:\n{self.log.read_text(errors='replace')}")

    def wait_warm(self, timeout: float = 900) -> float:
        """Block until the server's log says its warm-up is done; returns that moment."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if WARMUP_DONE in self.log.read_text(errors="replace"):
                return time.perf_counter()
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise SystemExit(f"förvärmningen blev aldrig klar:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def started(kind: str, env: dict[str, str], log: Path, folder: Path) -> Iterator[Server]:
    server = Server(kind, env, log, folder)
    try:
        yield server
    finally:
        server.stop()


# --- Chromium ---------------------------------------------------------------------------------


@contextmanager
def browser() -> Iterator[Any]:
    """A page in a new Chromium profile (nothing cached)."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="cold-start-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000},
            )  # fmt: skip
            try:
                yield context.new_page()
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _in_frames(page: Any, script: str, what: str, arg: object = None) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate(script, arg):
                    return
            except Exception:  # a frame navigating away
                continue
        time.sleep(0.02)
    raise SystemExit(f"{what} ritades aldrig")


def public_map_drawn(page: Any) -> None:
    """The public site's Leaflet map has a size and its area layer is drawn (inside iframes)."""
    _in_frames(page, "() => { const m = document.querySelector('.leaflet-container');"
               " return !!m && m.getBoundingClientRect().height > 100"
               " && document.querySelectorAll('.leaflet-overlay-pane path').length > 5; }",
               "den publika kartan")  # fmt: skip


def hotspot_cells_drawn(page: Any) -> None:
    """The Hotspots map has a size and at least one Gi* class is drawn on it."""
    from geo.outputs.maps import HOTSPOT_COLOURS

    _in_frames(page, "(colours) => { const m = document.querySelector('.leaflet-container');"
               " return !!m && m.getBoundingClientRect().height > 100 && [...document.querySelectorAll("
               "'.leaflet-overlay-pane path')].some(p => colours.includes(p.getAttribute('fill'))); }",
               "hotspotkartan", list(HOTSPOT_COLOURS.values()))  # fmt: skip


def as_police(page: Any) -> None:
    """Pick the polis role in local mode's sidebar picker."""
    picker = page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first
    picker.get_by_role("button", name="Open").click(timeout=300_000)
    page.get_by_role("option", name=POLICE_ROLE).click()


def visit_public(page: Any, url: str) -> float:
    started_at = time.perf_counter()
    page.goto(url)
    public_map_drawn(page)
    return time.perf_counter() - started_at


def visit_overview(page: Any, url: str) -> float:
    started_at = time.perf_counter()
    page.goto(url)
    as_police(page)
    page.get_by_role("link", name="Översikt").click(timeout=300_000)
    page.wait_for_selector("iframe[title='streamlit_folium.st_folium']", timeout=300_000)
    public_map_drawn(page)  # the same condition holds for the overview's folium map
    return time.perf_counter() - started_at


def visit_hotspots(page: Any, url: str) -> tuple[float, float]:
    """(click on Hotspots → cells drawn, page.goto → cells drawn)."""
    opened = time.perf_counter()
    page.goto(url)
    as_police(page)
    link = page.locator("[data-testid=stSidebar]").get_by_role("link", name="Hotspots")
    link.wait_for(timeout=300_000)
    clicked = time.perf_counter()
    link.click()
    hotspot_cells_drawn(page)
    done = time.perf_counter()
    return done - clicked, done - opened


# --- AppTest (each in a fresh process: python bench/cold_start.py --apptest MODE) -------------


def apptest(mode: str) -> dict[str, float]:
    """One AppTest figure in this (fresh) process; see the module docstring."""
    import threading

    import streamlit  # noqa: F401 - the server has Streamlit loaded before any session
    from streamlit.testing.v1 import AppTest

    out: dict[str, float] = {}
    if mode.startswith("public"):
        app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        started_at = time.perf_counter()
        if mode == "public":  # the server starts its warm-up the moment it listens
            from ui.warmup import warm_up

            threading.Thread(target=warm_up, daemon=True).start()
        app.run()
        out["seconds"] = time.perf_counter() - started_at
        from ui import strings

        assert strings.PUBLIC_HEADER in [h.value for h in app.header], app.exception
    else:
        if mode == "hotspots":
            from ui.warmup import warm_up

            started_at = time.perf_counter()
            warm_up()
            out["warmup_s"] = time.perf_counter() - started_at
        app = AppTest.from_file(str(ROOT / "pages" / "hotspots.py"), default_timeout=600)
        app.session_state["role"] = "polis"
        app.session_state["_authorised_role"] = "polis"
        started_at = time.perf_counter()
        app.run()
        out["seconds"] = time.perf_counter() - started_at
        assert app.get("component_instance"), "ingen karta"
    if app.exception:
        raise SystemExit(f"sidan kastade ett fel: {app.exception}")
    return out


def run_apptest(mode: str, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--apptest", mode], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"AppTest {mode} misslyckades:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- The run ----------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000, help="incidents in the big store")
    parser.add_argument("--apptest", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.apptest:
        print(json.dumps(apptest(args.apptest)))
        return

    # A stopped bench (SIGTERM) still stops its servers and removes its stores (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        demo = {**os.environ, "LAGESBILD_DATA_DIR": str(folder / "demo")}
        demo.pop("LAGESBILD_DATABASE_URL", None)
        subprocess.run([sys.executable, "-m", "geo", "init", "--demo-if-empty"], cwd=ROOT,
                       check=True, env=demo, capture_output=True)  # fmt: skip
        print(
            f"Bygger databas med {args.rows:,} syntetiska händelser …".replace(",", " "), flush=True
        )
        big = {**os.environ, "LAGESBILD_DATA_DIR": str(folder / "big"),
               "LAGESBILD_DATABASE_URL": build_big_store(folder / "big", args.rows)}  # fmt: skip

        chromium: dict[str, list[float]] = {k: [] for k in ("first", "first_at_once", "later", "polis", "hotspots",
                                                            "hotspots_at_start", "warmup_s")}  # fmt: skip
        naive: dict[str, list[float]] = {
            k: [] for k in ("first", "hotspots", "apptest_public", "apptest_hotspots")
        }
        tested: dict[str, list[float]] = {
            k: [] for k in ("public", "hotspots", "hotspots_warmup_s")
        }
        for run in range(args.runs):
            log = folder / f"run{run}"
            log.mkdir()
            # Target 1, the earlier protocol: Chromium starts once the server answers.
            with started("serve", demo, log / "serve-first.log", folder) as server:
                server.wait_healthy()
                with browser() as page:
                    chromium["first"].append(visit_public(page, server.url))
                with browser() as page:
                    chromium["later"].append(visit_public(page, server.url))
                with browser() as page:
                    chromium["polis"].append(visit_overview(page, server.url))
            # Target 1, strict: the browser is waiting when the server starts.
            with (
                browser() as page,
                started("serve", demo, log / "serve-at-once.log", folder) as server,
            ):
                server.wait_healthy()
                chromium["first_at_once"].append(visit_public(page, server.url))
            # Target 2: Hotspots on the big store, after the server's warm-up and right at start.
            with started("serve", big, log / "serve-hotspots.log", folder) as server:
                healthy = server.wait_healthy()
                chromium["warmup_s"].append(server.wait_warm() - healthy)
                with browser() as page:
                    chromium["hotspots"].append(visit_hotspots(page, server.url)[0])
            with started("serve", big, log / "serve-hotspots-at-start.log", folder) as server:
                server.wait_healthy()
                with browser() as page:
                    chromium["hotspots_at_start"].append(visit_hotspots(page, server.url)[0])
            # The naive server: no warm-up.
            with started("naive", demo, log / "naive-first.log", folder) as server:
                server.wait_healthy()
                with browser() as page:
                    naive["first"].append(visit_public(page, server.url))
            with started("naive", big, log / "naive-hotspots.log", folder) as server:
                server.wait_healthy()
                with browser() as page:
                    naive["hotspots"].append(visit_hotspots(page, server.url)[0])
            # AppTest, each figure in a fresh process.
            tested["public"].append(run_apptest("public", demo)["seconds"])
            warm = run_apptest("hotspots", big)
            tested["hotspots"].append(warm["seconds"])
            tested["hotspots_warmup_s"].append(warm["warmup_s"])
            naive["apptest_public"].append(run_apptest("public-naive", demo)["seconds"])
            naive["apptest_hotspots"].append(run_apptest("hotspots-naive", big)["seconds"])
            print(f"  körning {run + 1}: " + ", ".join(
                f"{k} {v[-1]:.2f}" for group in (chromium, tested) for k, v in group.items()
            ) + " | naivt: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in naive.items()), flush=True)  # fmt: skip
        with started("bare", demo, folder / "bare.log", folder) as server:
            server.wait_healthy()
            with browser() as page:
                opened = time.perf_counter()
                page.goto(server.url)
                page.get_by_text("Hej").wait_for(timeout=60_000)
                bare = time.perf_counter() - opened

    figures = {k: median(v) for k, v in chromium.items()}
    apptests = {k: median(v) for k, v in tested.items()}
    baselines = {k: median(v) for k, v in naive.items()}
    value = max(figures["first"], figures["hotspots"])
    print(f"  baslinje: en tom Streamlit-sida {bare:.2f} s; naiv server (ingen förvärmning): "
          + ", ".join(f"{k} {v:.2f} s" for k, v in baselines.items()))  # fmt: skip
    print(json.dumps({
        "bench": "cold_start",
        "metric": f"slower of: first session after a server start until Publik karta's map is drawn (demo data), and first Hotspots visit after a server start until its Gi* cells are drawn ({args.rows:,} incidents); Chromium, python -m geo serve, median of {args.runs}".replace(",", " ", 1),
        "value": value, "unit": "s", "target": TARGET_S,
        "baseline": max(baselines["first"], baselines["hotspots"]),
        "meets_target": bool(value <= TARGET_S and figures["later"] <= TARGET_S
                             and apptests["public"] <= TARGET_S and apptests["hotspots"] <= TARGET_S),
        "public_first_s": figures["first"], "hotspots_first_s": figures["hotspots"],
        # This machine is shared: the bare page is the floor of the moment (1.07 s when 3.66 s was
        # measured for the first visit, i.e. the target was 2.8 × the floor then).
        "public_first_vs_bare": round(figures["first"] / bare, 2), "hotspots_first_vs_bare": round(figures["hotspots"] / bare, 2),
        "chromium": figures, "apptest": apptests, "naive": baselines, "bare_page_s": round(bare, 2),
        "runs": {"chromium": chromium, "apptest": tested, "naive": naive},
        "rows": args.rows, "load_average_at_start": round(load, 2), "load_average_at_end": round(os.getloadavg()[0], 2),
    }))  # fmt: skip


def build_big_store(folder: Path, rows: int) -> str:
    """The big store (bench/hotspots_page.py's generator): migrated, built-in areas, demo rows."""
    sys.path.insert(0, str(ROOT / "bench"))
    import hotspots_page

    folder.mkdir(parents=True, exist_ok=True)
    hotspots_page.ROWS = rows
    return hotspots_page.build_store(folder)


if __name__ == "__main__":
    main()
