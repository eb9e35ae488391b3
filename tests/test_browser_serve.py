"""`python -m geo serve` in Chromium: the server's warm-up (ui/warmup.py) runs once it listens,
and afterwards the public site and the police's folium maps draw (a warm-up that imported
streamlit_folium outside a session without registering its component: blank maps)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from geo.access import access_log
from geo.demo import load_demo
from geo.store.database import make_engine
from tests.conftest import DEMO_END, new_store, on_postgres, store_url
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _need_browser, open_as_police

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent


def test_serve_warms_up_and_the_maps_draw(tmp_path: Path) -> None:
    _need_browser()
    data = tmp_path / "data"
    engine = new_store(data, "lagesbild.db")
    load_demo(engine, years=1, seed=1, end=DEMO_END)
    engine.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LAGESBILD_DATA_DIR": str(data)}
    env.pop("LAGESBILD_DATABASE_URL", None)
    if on_postgres():
        env["LAGESBILD_DATABASE_URL"] = store_url(data, "lagesbild.db")
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "geo", "serve", "--port", str(port)], cwd=ROOT, env=env,
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while "Förvärmningen är klar" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.2)
        # Before any visit: the site is published, and the map component is registered (its
        # files are served; imported outside a session without registering, they answer 404).
        for path in ("/app/static/publik/index.html",
                     "/component/streamlit_folium.st_folium/index.html"):  # fmt: skip
            with urllib.request.urlopen(f"{url}{path}") as answer:
                assert answer.status == 200, path
        profile = tempfile.mkdtemp(prefix="chromium-profile-")
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000},
            )  # fmt: skip
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            frame = open_as_police(page, url)  # Publik karta first, then Översikt's folium map
            frame.wait_for_function(
                "() => document.querySelectorAll('path.leaflet-interactive').length >= 28",
                timeout=60_000,
            )
            context.close()
        assert errors == []
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "missing ScriptRunContext" not in text, text
    rows = access_log.read(make_engine(store_url(data, "lagesbild.db")), action="ändring")
    assert [r["user"] for r in rows] == ["servern (vid start)"]  # the visit found it published
