"""The server's warm-up (ui/warmup.py): it fills exactly the caches the pages then use, and it
leaves the modules that declare Streamlit components to the sessions (else the maps are blank)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from geo.access import access_log
from geo.demo import load_demo
from tests.conftest import DEMO_END, drop_store, new_store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def warm_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A demo store of its own (the warm-up writes a publication and its access-log row)."""
    engine = new_store(tmp_path)
    load_demo(engine, years=1, seed=1, end=DEMO_END)
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield engine
    st.cache_data.clear()
    st.cache_resource.clear()
    drop_store(engine)


def _as(role: str, script: Path) -> AppTest:
    app = AppTest.from_file(str(script), default_timeout=120)
    app.session_state["role"] = role
    app.session_state["_authorised_role"] = role
    return app


def test_the_pages_find_what_the_warm_up_computed(warm_store: Engine) -> None:
    from ui import loaders
    from ui.state import SERVER_ACTOR
    from ui.warmup import HOTSPOT_CELL_SIZE, STEPS, default_filters, warm_up

    done = warm_up()
    assert list(done) == [name for name, _step in STEPS]  # every step ran, none failed
    published = access_log.read(warm_store, action="ändring")
    assert [(r["user"], r["role"], r["target"]) for r in published] == [
        (SERVER_ACTOR.who, SERVER_ACTOR.role, "publik karta")
    ]

    # Publik karta (local mode's first page) hits the warm-up's publication: the page's own
    # session publishes nothing, so no second change is logged.
    public = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    public.run()
    assert not public.exception, public.exception
    assert len(public.get("iframe")) == 1
    assert len(access_log.read(warm_store, action="ändring")) == 1

    # Hotspots opens with the filters, cell size and weighting the warm-up computed.
    hotspots = _as("polis", ROOT / "pages" / "hotspots.py")
    hotspots.run()
    assert not hotspots.exception, hotspots.exception
    logged = access_log.read(warm_store, action="filter", limit=1)[0]
    data = loaders.page_data()
    assert data.span is not None
    expected = json.loads(json.dumps(default_filters(*data.span).as_record()))
    assert json.loads(logged["details_json"]) == expected
    assert hotspots.select_slider(key="hotspots_cell").value == HOTSPOT_CELL_SIZE
    assert hotspots.toggle(key="hotspots_weighted").value is False
    assert hotspots.get("component_instance"), "the hotspot map"


def test_the_warm_up_imports_the_pages_modules_but_not_streamlit_folium(
    warm_store: Engine, tmp_path: Path
) -> None:
    """Imported outside a session, streamlit_folium's component would never be registered with
    the server, and every folium map would stay blank (its files answer 404)."""
    probe = (
        "import json, sys\n"
        "from ui.warmup import warm_up\n"
        "done = warm_up()\n"
        "print(json.dumps({'steps': list(done), 'loaded': sorted(m for m in "
        "('streamlit_folium', 'ui.maps', 'folium', 'folium.plugins', 'geo.analysis.hotspots', 'altair')"
        " if m in sys.modules)}))\n"
    )
    env = {**os.environ, "LAGESBILD_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["steps"] == ["publik karta", "moduler", "händelser", "standardvyer"]
    assert result["loaded"] == ["altair", "folium", "folium.plugins", "geo.analysis.hotspots"]


def test_a_failing_step_ends_the_warm_up_without_raising(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An uninitialised database: the warm-up stops at the first step (the pages then show the
    Swedish message themselves); the server keeps running."""
    from ui.warmup import warm_up

    monkeypatch.setenv("LAGESBILD_DATABASE_URL", f"sqlite:///{tmp_path / 'tom.db'}")
    st.cache_resource.clear()
    try:
        assert warm_up() == {}
    finally:
        st.cache_resource.clear()


def test_the_warm_up_steps_aside_while_a_page_runs() -> None:
    """While a session's script runs (and a moment after), the warm-up waits; alone, it does not."""
    import threading
    import time

    from ui.warmup import SCRIPT_THREAD, yield_to_pages

    started = time.monotonic()
    yield_to_pages(quiet_s=0.0)
    assert time.monotonic() - started < 0.1  # nobody on the server
    page = threading.Thread(target=time.sleep, args=(0.4,), name=SCRIPT_THREAD)
    page.start()
    started = time.monotonic()
    yield_to_pages(quiet_s=0.3)
    waited = time.monotonic() - started
    page.join()
    assert 0.65 <= waited < 3.0  # the page's 0.4 s, then 0.3 s of quiet
