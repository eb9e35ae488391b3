"""Shared fixtures: temporary stores (migrated, with the built-in layer) and demo data."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from geo.areas import activate_builtin_layer
from geo.demo import load_demo
from geo.store import make_engine, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_GEO = PROJECT_ROOT.parent / "shared" / "geo"
OFFICIAL_REGSO = SHARED_GEO / "scb_regso_2018_falkenberg.geojson"
DEMO_END = dt.date(2026, 1, 1)
"""Fixed end of the demo data in tests, so results do not depend on today's date."""


def new_store(folder: Path, file_name: str = "test.db") -> Engine:
    """A migrated SQLite store in ``folder`` with the built-in area layer active."""
    engine = make_engine(f"sqlite:///{folder / file_name}")
    migrate(engine)
    activate_builtin_layer(engine)
    return engine


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    """A fresh store for one test."""
    engine = new_store(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A store with one year of demo data (seed 1, ending 2025-12-31). Read-only for tests."""
    engine = new_store(tmp_path_factory.mktemp("demo"))
    load_demo(engine, years=1, seed=1, end=DEMO_END)
    yield engine
    engine.dispose()


@pytest.fixture
def official_regso() -> Path:
    """SCB's official RegSO polygons from ../shared/geo (tests only; never shipped)."""
    if not OFFICIAL_REGSO.exists():
        pytest.skip(f"{OFFICIAL_REGSO} saknas (../shared/geo finns bara i utvecklingsmiljön)")
    return OFFICIAL_REGSO


def browser_required() -> bool:
    """CI sets LAGESBILD_REQUIRE_BROWSER=1: a browser test that cannot run then fails, not skips."""
    return os.environ.get("LAGESBILD_REQUIRE_BROWSER") == "1"


_skipped_browser_tests: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember browser tests that were skipped (CI must not count them as passing)."""
    if report.skipped and "browser" in report.keywords:
        _skipped_browser_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under LAGESBILD_REQUIRE_BROWSER=1 a skipped browser test fails the whole run."""
    if browser_required() and _skipped_browser_tests:
        print(f"\nWebbläsartester hoppades över men krävs: {_skipped_browser_tests}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
