"""The server's warm-up: right after it starts listening, do what the first visitors would wait for.

Streamlit runs a page's imports and cached loaders inside the first session that needs them, so
the very first visit after a start paid for importing pandas, geopandas, SQLAlchemy, Alembic and
HiGHS and for building the public site, and the first police visit for the rest of the imports
(folium, streamlit_folium, Altair …), for reading every incident (1M rows: about 3 s) and
for the Gi* of the default view. ``python -m geo serve`` starts Streamlit through
:mod:`ui.server`, which runs :func:`warm_up` in a background thread once the runtime is up.

The warm-up calls the same cached functions as the pages, with the same keys, so the pages find
the results in the process-wide caches. A session that arrives while a value is being computed
waits for it instead of computing it again (Streamlit locks each cache key). The order is what
local mode's first page needs (*Publik karta*), then the modules of every page, then the police
pages' data and their default views; after the first step it steps aside while a session's script
runs (:func:`yield_to_pages`). A step that fails is logged and ends the warm-up; the pages then do
that work themselves and show any error as before. Nothing here is kept apart from
Streamlit's caches: a new import (a new data version) is loaded by the first page that needs it.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from geo.config import PROJECT_ROOT

if TYPE_CHECKING:  # imported where used: ui.loaders loads pandas and geopandas
    from geo.periods import Filters

_LOGGER = logging.getLogger("lagesbild.warmup")
PAGES_DIR = PROJECT_ROOT / "pages"
DASHBOARD = PROJECT_ROOT / "dashboard.py"
HOTSPOT_CELL_SIZE = 250
"""The Hotspots page's default cell size (its select slider's ``value``)."""
DONE = "Förvärmningen är klar"
"""The start of the line printed when the warm-up has finished (the bench waits for it)."""


COMPONENT_MODULES = frozenset({"streamlit_folium", "ui.maps"})
"""Modules that declare a Streamlit v1 component when imported (``ui.maps`` imports
``streamlit_folium``). ``components.declare_component`` registers the component with the server
only when it runs inside a session's script. Imported outside a session, the module would stay
imported with its component unregistered, and every folium map would stay blank (the server
answers 404 for the component's files: what the earlier ``st.App`` lifespan warm-up ran into).
So the page imports skip them, and :func:`_import_components` imports them and registers the
component with the running server itself, as ``declare_component`` does inside a session."""


SCRIPT_THREAD = "ScriptRunner.scriptThread"
"""The name of the thread Streamlit runs a session's script in (it ends when the run is done)."""


_last_page_seen = [float("-inf")]
"""When (monotonic) :func:`yield_to_pages` last saw a session's script running."""


def _page_running() -> bool:
    running = any(t.name == SCRIPT_THREAD and t.is_alive() for t in threading.enumerate())
    if running:
        _last_page_seen[0] = time.monotonic()
    return running


def yield_to_pages(quiet_s: float = 1.0, max_wait_s: float = 10.0) -> None:
    """Wait while a session's script runs, and ``quiet_s`` after it (at most ``max_wait_s``).

    The warm-up shares the CPU and the interpreter lock with the sessions: while it imports or
    computes, a page that runs at the same time gets about half of it, and the browser drawing
    what the page sent competes with it too (two cores). After the first page's step the warm-up
    therefore steps aside between modules and between views, so a visitor during the warm-up is
    not slowed by work done for someone else; it only delays the warm-up. With nobody on the
    server it does not wait at all."""
    deadline = time.monotonic() + max_wait_s
    while time.monotonic() < deadline and (
        _page_running() or time.monotonic() - _last_page_seen[0] < quiet_s
    ):
        time.sleep(0.02)


def _no_pause() -> None:
    return None


def import_modules_of(script: Path, pause: Callable[[], None] = _no_pause) -> None:
    """Import what a page script imports at its top level (``from ui import loaders`` imports the
    submodule ``ui.loaders``; ``from geo.outputs.maps import area_outline_map`` the module ``geo.outputs.maps``),
    except :data:`COMPONENT_MODULES`."""
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in COMPONENT_MODULES:
                    pause()
                    importlib.import_module(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in COMPONENT_MODULES:
                continue
            pause()
            module = importlib.import_module(node.module)
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                if name in COMPONENT_MODULES:
                    continue
                if hasattr(module, "__path__") and not hasattr(module, alias.name):
                    pause()
                    importlib.import_module(name)


EXTRA_MODULES = ("folium.plugins", "streamlit.emojis", "streamlit.material_icon_names")
"""Imported later by a session: what ``streamlit_folium`` imports (also when it is left to the
pages, see :data:`COMPONENT_MODULES`), and the emoji and icon tables Streamlit loads when a page
first shows an icon (``st.warning(icon="⚠️")``)."""


def import_modules(names: tuple[str, ...], pause: Callable[[], None] = _no_pause) -> None:
    """Import these modules (by name)."""
    for name in names:
        pause()
        importlib.import_module(name)


def import_pages(keys: tuple[str, ...], pause: Callable[[], None] = _no_pause) -> None:
    """Import the modules of ``dashboard.py`` and of the pages with these keys, in that order."""
    for script in (DASHBOARD, *(PAGES_DIR / f"{key}.py" for key in keys)):
        import_modules_of(script, pause)


def default_filters(first: dt.datetime, last: dt.datetime) -> Filters:
    """The filters Översikt and Hotspots open with: :func:`ui.filters.incident_filters` with
    every widget at its default (the default period clipped to the data, every group and zone,
    police-initiated offences left out, all areas)."""
    from geo.periods import LOCAL_TZ, Filters, Period
    from ui.widgets import default_period

    default = default_period(last)
    lowest, highest = first.astimezone(LOCAL_TZ).date(), last.astimezone(LOCAL_TZ).date()
    period = Period.whole_days(max(default.first_day, lowest), min(default.last_day, highest))
    return Filters(period)


def _public_page() -> None:
    """What *Publik karta* needs: its modules, the engine, and the published site."""
    from ui.auth import PAGE_ACCESS

    import_pages(PAGE_ACCESS["publik"])
    from ui import loaders, state

    settings = state.settings()
    version = loaders.current_data_version()
    state.public_site(settings.database_url, version, state.public_month(), state.SERVER_ACTOR)


def _all_modules() -> None:
    """The modules of every page (the police's navigation order: admin sees them all)."""
    import sys

    from ui.auth import PAGE_ACCESS

    already = "streamlit_folium" in sys.modules
    import_pages(PAGE_ACCESS["admin"], yield_to_pages)
    import_modules(EXTRA_MODULES, yield_to_pages)
    if "streamlit_folium" in sys.modules and not already:  # pulled in by another module
        _LOGGER.error("Förvärmningen importerade streamlit_folium utan att registrera kartorna")
    yield_to_pages()
    _import_components()


def _import_components() -> None:
    """Import :data:`COMPONENT_MODULES` and register streamlit_folium's component with the
    running server (without a server, e.g. under AppTest, they are left to the pages)."""
    import sys

    from streamlit import runtime
    from streamlit.components.v1.custom_component import CustomComponent

    if not runtime.exists() or "streamlit_folium" in sys.modules:
        return  # no server to register with, or a session has imported (and registered) it
    import streamlit_folium

    registry = runtime.get_instance().component_registry
    for value in vars(streamlit_folium).values():
        if isinstance(value, CustomComponent):
            registry.register_component(value)
    importlib.import_module("ui.maps")


def _police_data() -> None:
    """Every incident (shared by the police pages), the area layer and the data's span."""
    from ui import loaders, state

    yield_to_pages()
    state.serve_leaflet()
    data = loaders.page_data()
    yield_to_pages()
    loaders.incident_table(data.settings.database_url, data.version)


def _default_views() -> None:
    """What Hotspots and Översikt compute for their default filters."""
    from ui import loaders

    data = loaders.page_data()
    if data.span is None:
        return
    url, version = data.settings.database_url, data.version
    filters = default_filters(*data.span)
    views: tuple[Callable[[], object], ...] = (
        lambda: loaders.hotspots(url, version, filters, HOTSPOT_CELL_SIZE, False),
        lambda: loaders.week_profile(url, version, filters, filters.area_code),
        lambda: loaders.indicators(url, version, filters),
        lambda: loaders.area_counts(url, version, filters.period),
        lambda: loaders.monthly_by_zone(url, version, filters),
    )
    for view in views:
        yield_to_pages()
        view()


STEPS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("publik karta", _public_page),
    ("moduler", _all_modules),
    ("händelser", _police_data),
    ("standardvyer", _default_views),
)
"""The warm-up, in order: the first page of local mode first."""


def warm_up() -> dict[str, float]:
    """Run the steps in order; seconds per step done. A failing step is logged and ends it."""
    done: dict[str, float] = {}
    for name, step in STEPS:
        started = time.perf_counter()
        try:
            step()
        except Exception:  # the pages will meet (and show) the same problem themselves
            _LOGGER.warning("Förvärmningen avbröts vid steget %r", name, exc_info=True)
            break
        done[name] = time.perf_counter() - started
    return done


def summary(done: dict[str, float]) -> str:
    """``Förvärmningen är klar på 3,1 s (publik karta 1,2 s, …)`` for the server's log."""
    from geo.formats import number

    parts = ", ".join(f"{name} {number(seconds, 1)} s" for name, seconds in done.items())
    return f"{DONE} på {number(sum(done.values()), 1)} s ({parts})"


def _runtime_started(timeout_s: float) -> bool:
    """Wait until Streamlit's runtime is up (the server then accepts sessions)."""
    from streamlit import runtime
    from streamlit.runtime.runtime import RuntimeState

    up = (RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if runtime.exists() and runtime.get_instance().state in up:
            return True
        time.sleep(0.02)
    return False


THREAD_NAME = "lagesbild-warmup"
_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


class _WarmupThreadFilter(logging.Filter):
    """Drop Streamlit's "missing ScriptRunContext" warning for the warm-up thread (it runs
    cached functions outside any session on purpose); other threads' warnings stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD_NAME


def start_in_background(timeout_s: float = 300.0) -> threading.Thread:
    """Start the warm-up in a daemon thread that first waits for the server to start listening."""
    logging.getLogger(_CONTEXT_LOGGER).addFilter(_WarmupThreadFilter())

    def run() -> None:
        if not _runtime_started(timeout_s):
            _LOGGER.warning("Förvärmningen körs inte: servern startade inte inom %s s", timeout_s)
            return
        print(summary(warm_up()), flush=True)

    thread = threading.Thread(target=run, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread
