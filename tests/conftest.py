"""Shared fixtures: temporary stores (migrated, with the built-in layer) and demo data.

Every test gets its store from :func:`new_store` (or :func:`empty_store_url` for a command that
creates one). By default that is a SQLite file in the test's folder. With
``LAGESBILD_TEST_DATABASE_URL`` set to a PostgreSQL superuser's URL (``./test.sh --postgres``
starts a throw-away cluster and sets it), each store is instead a fresh database in that cluster:
a copy of a template migrated once per session by the owner role ``lagesbild_owner``, used by the
tests as the least-privileged app role ``lagesbild_app`` (see ``scripts/pg_cluster.sh``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, select, text
from sqlalchemy.pool import NullPool

from geo.areas.layers import activate_builtin_layer
from geo.demo import load_demo
from geo.store.database import make_engine, migrate
from geo.store.schema import metadata

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_GEO = PROJECT_ROOT.parent / "shared" / "geo"
OFFICIAL_REGSO = SHARED_GEO / "scb_regso_2018_falkenberg.geojson"
DEMO_END = dt.date(2026, 1, 1)
"""Fixed end of the demo data in tests, so results do not depend on today's date."""

POSTGRES_ADMIN_URL = os.environ.get("LAGESBILD_TEST_DATABASE_URL") or None
"""A PostgreSQL superuser's URL: the suite then runs against that cluster instead of SQLite."""
OWNER_ROLE, APP_ROLE = "lagesbild_owner", "lagesbild_app"


def on_postgres() -> bool:
    """Whether this run's stores are PostgreSQL databases."""
    return POSTGRES_ADMIN_URL is not None


class PostgresStores:
    """Databases in the test cluster, one per (folder, file name) a test asks for."""

    TEMPLATE = f"lagesbild_template_{os.getpid()}"  # one per session: runs may share a cluster

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.made: set[str] = set()
        self.template_ready = False

    def url(self, database: str, role: str) -> str:
        url = self.admin_url.set(drivername="postgresql+psycopg", username=role, database=database)
        return url.render_as_string(hide_password=False)

    @staticmethod
    def name_for(path: Path) -> str:
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:20]
        return f"t_{digest}"

    def exists(self, database: str) -> bool:
        with self.admin.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            ).first()
        return found is not None

    def create(self, database: str, *, template: str | None) -> None:
        """A new database owned by the owner role (dropped first if an earlier run left it)."""
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            source = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{database}"{source} OWNER {OWNER_ROLE}'))
        self.made.add(database)

    def drop(self, database: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        self.made.discard(database)

    def ensure_template(self) -> None:
        """Migrate the template once per session, as the owner, with the built-in layer."""
        if self.template_ready:
            return
        self.create(self.TEMPLATE, template=None)
        engine = make_engine(self.url(self.TEMPLATE, OWNER_ROLE))
        migrate(engine)
        activate_builtin_layer(engine)
        engine.dispose()
        self.template_ready = True

    def new_store(self, path: Path) -> Engine:
        database = self.name_for(path)
        if database not in self.made:
            self.ensure_template()
            self.create(database, template=self.TEMPLATE)
        return make_engine(self.url(database, APP_ROLE))

    def empty_url(self, path: Path) -> str:
        database = self.name_for(path)
        if database not in self.made:
            self.create(database, template=None)
        return self.url(database, OWNER_ROLE)

    def copy(self, source: Path, target: Path) -> Engine:
        """A copy of ``source``'s database (every engine on it must have been disposed)."""
        database = self.name_for(target)
        self.create(database, template=self.name_for(source))
        return make_engine(self.url(database, APP_ROLE))

    def drop_all(self) -> None:
        for database in sorted(self.made):
            self.drop(database)
        self.admin.dispose()


_postgres = PostgresStores(POSTGRES_ADMIN_URL) if POSTGRES_ADMIN_URL else None


def new_store(folder: Path, file_name: str = "test.db") -> Engine:
    """A migrated store with the built-in area layer active, named by ``folder / file_name``.

    SQLite: the file ``folder / file_name``. PostgreSQL: a fresh database for that path (the app
    role's engine); asking again for the same path returns the same database.
    """
    if _postgres is not None:
        return _postgres.new_store(folder / file_name)
    engine = make_engine(f"sqlite:///{folder / file_name}")
    migrate(engine)
    activate_builtin_layer(engine)
    return engine


def empty_store_url(folder: Path, file_name: str = "test.db") -> str:
    """The URL of an empty database for a command to create its store in (``geo init``, …).

    SQLite: the file's URL (the file does not exist yet). PostgreSQL: a new empty database, as the
    owner role, which runs the migrations as it would in production.
    """
    if _postgres is not None:
        return _postgres.empty_url(folder / file_name)
    return f"sqlite:///{folder / file_name}"


def store_url(folder: Path, file_name: str = "test.db") -> str:
    """The URL of the store :func:`new_store` made for ``folder / file_name`` (the app's role)."""
    if _postgres is not None:
        return _postgres.url(_postgres.name_for(folder / file_name), APP_ROLE)
    return f"sqlite:///{folder / file_name}"


def copy_store(source: Path, target: Path) -> Engine:
    """A private copy of the store at ``source`` (a path given to :func:`new_store`).

    Every engine on the source must be disposed first (PostgreSQL copies a database only when
    nobody is connected to it). SQLite: the file is copied after a WAL checkpoint.
    """
    if _postgres is not None:
        return _postgres.copy(source, target)
    wal = Path(f"{source}-wal")
    if wal.exists() and wal.stat().st_size:
        engine = make_engine(f"sqlite:///{source}")
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
    shutil.copy(source, target)
    return make_engine(f"sqlite:///{target}")


def store_fingerprint(engine: Engine) -> str:
    """A hash that changes with any change to the store's contents.

    SQLite: the file's bytes after a WAL checkpoint (equal means byte-for-byte equal).
    PostgreSQL: every table's rows in primary-key order and every index's name (a rolled-back
    transaction leaves neither changed; sequences may advance, which PostgreSQL never undoes).
    """
    digest = hashlib.sha256()
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return hashlib.sha256(Path(str(engine.url.database)).read_bytes()).hexdigest()
        for name in sorted(metadata.tables):
            table = metadata.tables[name]
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest.update(f"{name}:{rows!r}".encode())
        indexes = connection.exec_driver_sql(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
        ).scalars()
        digest.update(repr(list(indexes)).encode())
    return digest.hexdigest()


def drop_store(engine: Engine) -> None:
    """Dispose ``engine``; on PostgreSQL also drop its database (SQLite files go with tmp_path)."""
    engine.dispose()
    if _postgres is not None and engine.url.database:
        _postgres.drop(engine.url.database)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): checks SQLite's own machinery (PRAGMAs, sqlite_master, the sqlite3 "
        "fast path); reported as skipped on PostgreSQL, where tests/test_postgres.py checks the "
        "counterpart",
    )


def pytest_report_header(config: pytest.Config) -> str:
    if _postgres is None:
        return "stores: SQLite files in each test's folder"
    url = _postgres.admin_url.render_as_string(hide_password=True)
    return f"stores: PostgreSQL databases in {url} (tests connect as {APP_ROLE})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, SQLite-only tests are skipped with their reason (visible in the summary)."""
    if _postgres is None:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"only on SQLite: {reason}"))


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresStores]:
    """PostgreSQL for the tests that are about PostgreSQL itself (tests/test_postgres.py).

    The run's cluster when ``LAGESBILD_TEST_DATABASE_URL`` is set; otherwise a throw-away one
    started here with ``scripts/pg_cluster.sh`` (so ``./test.sh`` checks PostgreSQL wherever its
    binaries are installed). Without PostgreSQL the tests skip, and fail under
    ``LAGESBILD_REQUIRE_POSTGRES=1`` (CI).
    """
    if _postgres is not None:
        yield _postgres
        return
    import subprocess
    import tempfile

    script = PROJECT_ROOT / "scripts" / "pg_cluster.sh"
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        message = "PostgreSQL saknas (apt-get install postgresql postgresql-15-postgis-3)"
        if os.environ.get("LAGESBILD_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="lagesbild-pg-", dir="/tmp"))  # reachable by postgres
    try:
        started = subprocess.run(
            [str(script), "start", str(folder)], check=True, capture_output=True, text=True
        )
        stores = PostgresStores(started.stdout.strip().splitlines()[-1])
        yield stores
        stores.drop_all()
    finally:
        subprocess.run([str(script), "stop", str(folder)], check=False, capture_output=True)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    """A fresh store for one test."""
    engine = new_store(tmp_path)
    yield engine
    drop_store(engine)


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
    if _postgres is not None:
        _postgres.drop_all()
    if browser_required() and _skipped_browser_tests:
        print(f"\nWebbläsartester hoppades över men krävs: {_skipped_browser_tests}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
