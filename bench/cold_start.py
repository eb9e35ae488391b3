"""Cold start in Chromium: how long a new visitor waits after the server has started.

Run from the project root: `.venv/bin/python bench/cold_start.py [--runs 3]`.
Each run starts a fresh Streamlit server on the demo data (local mode, so the first page is the
least privileged role's: *Publik karta*) and opens it in a new Chromium profile:
  first   the very first session after the server start, until the public map is drawn (the
          Leaflet map inside the site has a size and its areas are on it);
  later   a second new session on the same, now warm, server;
  polis   a third session that picks the polis role and opens *Översikt* until its map is drawn.
Baseline, in the same run: a bare Streamlit page (one `st.write`) opened the same way — the
floor that Streamlit and Chromium set on this machine.
Targets: issue 15, the first visit to *Publik karta* after a server start ≤ 3 s; issue 13, the
first page of a fresh session ≤ 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
TARGET_S = 3.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(script: Path, data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "LAGESBILD_DATA_DIR": str(data_dir)}
    env.pop("LAGESBILD_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"streamlit startade inte:\n{log.read_text(errors='replace')}")


def _public_map_drawn(page: object) -> None:
    """The public site's Leaflet map has a size and its area layer is drawn (inside iframes)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for frame in page.frames:  # type: ignore[attr-defined]
            try:
                if frame.evaluate(
                    "() => { const m = document.querySelector('.leaflet-container');"
                    " return !!m && m.getBoundingClientRect().height > 100"
                    " && document.querySelectorAll('.leaflet-overlay-pane path').length > 5; }"
                ):
                    return
            except Exception:  # a frame navigating away
                continue
        time.sleep(0.05)
    raise SystemExit("kartan ritades aldrig")


def _visit(url: str, *, police: bool = False) -> float:
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="cold-start-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"], viewport={"width": 1400, "height": 1000},
        )  # fmt: skip
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        if police:
            picker = page.locator("[data-testid=stSelectbox]").filter(has_text="Roll").first
            picker.get_by_role("button", name="Open").click(timeout=120_000)
            page.get_by_role("option", name=re.compile(r"^Polis")).click()
            page.get_by_role("link", name="Översikt").click(timeout=120_000)
            page.wait_for_selector("iframe[title='streamlit_folium.st_folium']", timeout=120_000)
        _public_map_drawn(page)
        seconds = time.perf_counter() - started
        context.close()
    return seconds


def _bare_page(folder: Path) -> float:
    script = folder / "bare.py"
    script.write_text("import streamlit as st\nst.write('Hej')\n", encoding="utf-8")
    process, url = _start(script, folder, folder / "bare.log")
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(url)
            page.get_by_text("Hej").wait_for(timeout=60_000)
            seconds = time.perf_counter() - started
            browser.close()
        return seconds
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--script", default="server.py", help="server.py (warm start) or dashboard.py"
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        subprocess.run([sys.executable, "-m", "geo", "init", "--demo-if-empty"], cwd=ROOT, check=True,
                       env={**os.environ, "LAGESBILD_DATA_DIR": str(data)}, capture_output=True)  # fmt: skip
        runs: list[dict[str, float]] = []
        for run in range(args.runs):
            process, url = _start(ROOT / args.script, data, Path(folder) / f"server{run}.log")
            try:
                measured = {
                    "first": _visit(url),
                    "later": _visit(url),
                    "polis": _visit(url, police=True),
                }
            finally:
                process.terminate()
                process.wait()
            runs.append(measured)
            print(f"  körning {run + 1}: första besöket {measured['first']:.2f} s, senare besök "
                  f"{measured['later']:.2f} s, polis → Översikt {measured['polis']:.2f} s", flush=True)  # fmt: skip
        baseline = _bare_page(Path(folder))
    first = statistics.median(r["first"] for r in runs)
    later = statistics.median(r["later"] for r in runs)
    police = statistics.median(r["polis"] for r in runs)
    print(f"  baslinje: en tom Streamlit-sida {baseline:.2f} s")
    print(json.dumps({
        "bench": "cold_start", "metric": f"first visit after a server start until the public map is drawn (Chromium), median of {len(runs)}",
        "value": round(first, 2), "unit": "s", "target": TARGET_S, "baseline": round(baseline, 2),
        "meets_target": bool(first <= TARGET_S and later <= TARGET_S),
        "later_session_s": round(later, 2), "police_overview_s": round(police, 2),
        "runs": [{k: round(v, 2) for k, v in r.items()} for r in runs], "load_average_at_start": round(load, 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
