"""The store: engine, migrations, and the reads and writes the rest of the app needs.

SQLite (WAL, foreign keys on, a private file) is the embedded default; PostgreSQL with PostGIS
(``LAGESBILD_DATABASE_URL=postgresql+psycopg://…``) is the multi-user store, from the same
migrations. Every write that belongs together happens in one transaction. What differs between the
two lives here: the one way to write (:func:`unit_of_work`), bulk loads (SQLite ``executemany`` of plain tuples, PostgreSQL ``COPY``), bulk
reads (the driver's cursor), and the PostgreSQL privileges of the app's role
(:func:`grant_app_role`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    Index,
    bindparam,
    create_engine,
    event,
    exc,
    func,
    insert,
    make_url,
    select,
    text,
    update,
)

from geo.crs import WORK_CRS, require_work_crs
from geo.errors import SchemaError
from geo.store.schema import area_layers, areas, imports, incidents, metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(database_url: str) -> Engine:
    """Create an engine for a SQLite file or a PostgreSQL database.

    SQLite: the folder is created 0700 and the file 0600 (WAL and shared-memory files take the
    file's mode), an existing file readable by others is made 0600; WAL, foreign keys and a
    128 MB page cache are switched on. PostgreSQL: ``postgresql://`` means psycopg 3; connections
    are checked before use (a restarted server is not an error on the next page view).
    """
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            _private_sqlite_file(Path(url.database))
        engine = create_engine(url)
    elif url.get_backend_name() == "postgresql":
        engine = create_engine(url, pool_pre_ping=True, connect_args=_pg_connect_args(url))
    else:
        engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            # WAL with synchronous=NORMAL cannot corrupt the database; a power cut may lose only
            # the last commit. A 128 MB page cache keeps the three incident indexes in memory
            # during large imports (the default 2 MB made a 1M-row import ~40 % slower).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-131072")
            cursor.close()

    return engine


def _private_sqlite_file(path: Path) -> None:
    """Create the database's folder 0700 and the file 0600; tighten an existing file to 0600.

    An existing folder keeps its mode (it may be ``data/`` of the checkout, or shared on purpose):
    the file's own mode protects the data, and SQLite gives its ``-wal`` and ``-shm`` files the
    database file's mode.
    """
    path = path.expanduser()
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):  # mkdir(parents=True) would give the parents the umask's mode
        folder.mkdir(mode=0o700, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077 and path.stat().st_uid == os.getuid():
            for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                if name.exists():
                    name.chmod(0o600)
    else:
        os.close(descriptor)


def _pg_connect_args(url: Any) -> dict[str, Any]:
    """Session settings for every PostgreSQL connection: UTC, our name in ``pg_stat_activity``."""
    args: dict[str, Any] = {"application_name": "lagesbild"}
    if "options" not in url.query:
        args["options"] = "-c TimeZone=UTC"
    return args


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """Return the newest migration's revision id."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (``None`` for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@dataclass
class UnitOfWork:
    """One transaction a writer works in: everything it writes commits together, or nothing does.

    Made only by :func:`unit_of_work`. A writer that belongs to a larger write takes the unit's
    ``connection`` (the ``*_in`` functions); none opens a transaction of its own.
    """

    connection: Connection
    """The connection the unit's statements run on."""
    discarded: bool = False
    """Set by :meth:`discard`: the unit rolls back at its end instead of committing."""
    _after_commit: list[Callable[[], object]] = field(default_factory=list)

    def discard(self) -> None:
        """Roll back at the end instead of committing (a dry run, or a file with errors)."""
        self.discarded = True

    def after_commit(self, step: Callable[[], object]) -> None:
        """Run ``step`` once the unit has committed (never after a rollback)."""
        self._after_commit.append(step)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[UnitOfWork]:
    """Open the one kind of write transaction: it holds the write lock from its first statement.

    So a check made inside it (a unit's other bookings, a version, a release's month) still holds
    when it commits. The unit commits when the block ends, rolls back when it raises or was
    discarded, and then runs its after-commit steps.

    Parameters
    ----------
    engine
        The store's engine.

    Yields
    ------
    UnitOfWork
        The unit; its ``connection`` runs the statements.

    Notes
    -----
    SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock before anything is read (the
    driver's own deferred ``BEGIN`` only comes with the first write, after the check: ten processes
    booking one unit then got 5–10 accepted). Other writers wait (``busy_timeout``). PostgreSQL:
    the exclusion constraint of migration 0007 refuses overlapping bookings of a unit at commit,
    and the constraints and row versions refuse the rest.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.begin()
        work = UnitOfWork(connection)
        try:
            yield work
        except BaseException:
            connection.rollback()
            raise
        if work.discarded:
            connection.rollback()
            return
        connection.commit()
        for step in work._after_commit:
            step()


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (creates it on an empty database).

    On PostgreSQL the privileges of the app's role are granted again afterwards, in the same
    transaction (:func:`grant_app_role`), so a new table is never left without them.
    """
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        if connection.dialect.name == "postgresql":
            grant_app_role(connection)


APP_ROLE = "lagesbild_app"
"""The PostgreSQL role the app connects as (or a group role its login roles are members of)."""

APPEND_ONLY_TABLES = frozenset(
    {"presence_audit", "presence_register_audit", "public_releases", "access_log"}
)
"""Audit tables and the release ledger: the app's role may read and append, never change or delete
(and triggers refuse UPDATE, DELETE and TRUNCATE for every role, the owner included)."""


def grant_app_role(connection: Connection, role: str = APP_ROLE) -> bool:
    """Give ``role`` exactly what the app needs on PostgreSQL; ``False`` when that is not possible.

    ``SELECT, INSERT, UPDATE, DELETE`` on the data tables, ``SELECT, INSERT`` on
    :data:`APPEND_ONLY_TABLES`, ``SELECT`` on ``alembic_version``, and the id sequences; no DDL,
    no ``TRUNCATE``, ``TRIGGER`` or ``REFERENCES``. Everything is revoked first, so running it again
    takes back what an older version granted. Nothing happens (``False``) when the role does not
    exist or the connected user does not own the tables (it is then the app itself, or a user
    who cannot grant): the owner role that runs ``python -m geo init`` grants.
    """
    if connection.dialect.name != "postgresql":
        return False
    found = connection.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role), "
            "(SELECT tableowner = current_user FROM pg_tables "
            " WHERE schemaname = current_schema() AND tablename = 'alembic_version')"
        ),
        {"role": role},
    ).one()
    if not found[0] or not found[1]:
        return False
    quote = connection.dialect.identifier_preparer.quote
    grantee = quote(role)
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    existing = set(
        connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": schema}
        ).scalars()
    )
    connection.execute(text(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {grantee}"))
    for name in [*sorted(set(metadata.tables) & existing), "alembic_version"]:
        table = quote(name)
        connection.execute(text(f"REVOKE ALL ON {table} FROM {grantee}"))
        if name == "alembic_version":
            rights = "SELECT"
        elif name in APPEND_ONLY_TABLES:
            rights = "SELECT, INSERT"
        else:
            rights = "SELECT, INSERT, UPDATE, DELETE"
        connection.execute(text(f"GRANT {rights} ON {table} TO {grantee}"))
    sequences = connection.execute(
        text(
            "SELECT s.relname FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace "
            "WHERE s.relkind = 'S' AND n.nspname = current_schema() "
            "AND pg_get_userbyid(s.relowner) = current_user"
        )
    ).scalars()
    for sequence in sequences:
        connection.execute(text(f"GRANT USAGE, SELECT ON SEQUENCE {quote(sequence)} TO {grantee}"))
    return True


def require_current_schema(engine: Engine) -> None:
    """Raise :class:`SchemaError` unless the database is at the newest migration."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaError(
            f"Databasen har schemaversion {current or 'ingen'}, programmet behöver {head}; "
            "kör `python -m geo init` för att uppgradera."
        )


def now_utc() -> dt.datetime:
    """Return the current time in UTC (one place, so tests and logs agree)."""
    return dt.datetime.now(dt.UTC)


# --- Import log ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRecord:
    """What the import log keeps about one import (file hash, counts, who)."""

    kind: str
    source: str
    imported_by: str
    file_name: str | None = None
    file_sha256: str | None = None
    rows_read: int = 0
    rows_imported: int = 0
    exclusions: tuple[Mapping[str, Any], ...] = ()
    synthetic: bool = False
    note: str | None = None


def record_import(connection: Connection, record: ImportRecord) -> int:
    """Write one import-log row inside the caller's transaction; returns its id."""
    result = connection.execute(
        insert(imports).values(
            kind=record.kind,
            source=record.source,
            file_name=record.file_name,
            file_sha256=record.file_sha256,
            rows_read=record.rows_read,
            rows_imported=record.rows_imported,
            rows_excluded=len(record.exclusions),
            exclusions=json.dumps(list(record.exclusions), ensure_ascii=False),
            imported_by=record.imported_by,
            imported_at=now_utc(),
            synthetic=record.synthetic,
            note=record.note,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def import_log(engine: Engine) -> pd.DataFrame:
    """Return the import log, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(imports).order_by(imports.c.id.desc())).mappings().all()
    return pd.DataFrame([dict(r) for r in rows])


def data_version(engine: Engine) -> str:
    """Return a key that changes whenever data change (an import, an area layer); for caches."""
    with engine.connect() as connection:
        last_import = connection.execute(select(func.max(imports.c.id))).scalar() or 0
        layer = connection.execute(
            select(area_layers.c.id).where(area_layers.c.is_active.is_(True))
        ).scalar()
    return f"import{last_import}-layer{layer or 0}"


# --- Areas --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerInfo:
    """Facts about the active area layer, shown wherever its areas are."""

    layer_id: int
    name: str
    source: str
    approximate: bool
    provenance: str
    created_at: dt.datetime


def replace_area_layer(
    connection: Connection,
    layer: gpd.GeoDataFrame,
    *,
    name: str,
    source: str,
    approximate: bool,
    provenance: str,
    population_note: str | None = None,
    file_sha256: str | None = None,
) -> int:
    """Make ``layer`` the active area layer inside the caller's transaction; returns its id.

    ``layer`` must be validated (see ``geo.areas.layers.validate_layer``) and in EPSG:3006 with
    ``area_code``, ``name``, ``zone``, ``population``. Incidents with coordinates are joined to the
    new areas in the same transaction, so codes and polygons never disagree.
    """
    require_work_crs(layer, "layer")
    connection.execute(update(area_layers).values(is_active=False))
    layer_id = connection.execute(
        insert(area_layers).values(
            name=name,
            source=source,
            approximate=approximate,
            provenance=provenance,
            file_sha256=file_sha256,
            created_at=now_utc(),
            is_active=True,
        )
    ).inserted_primary_key
    assert layer_id is not None
    new_id = int(layer_id[0])
    rows = [
        {
            "layer_id": new_id,
            "area_code": str(row.area_code),
            "name": str(row.name),
            "zone": str(row.zone),
            "population": None if pd.isna(row.population) else int(row.population),
            "population_note": population_note,
            "geometry_wkb": shapely.to_wkb(row.geometry),
        }
        for row in layer.itertuples(index=False)
    ]
    connection.execute(insert(areas), rows)
    rejoin_incidents(connection, layer)
    return new_id


def rejoin_incidents(connection: Connection, layer: gpd.GeoDataFrame) -> None:
    """Recompute ``area_code`` of every incident that has coordinates, against ``layer``."""
    from geo.areas.join import area_codes_for_points  # local: join imports nothing from store

    frame = pd.read_sql(
        select(incidents.c.id, incidents.c.x, incidents.c.y).where(incidents.c.x.is_not(None)),
        connection,
    )
    if frame.empty:
        return
    codes = area_codes_for_points(frame["x"].to_numpy(), frame["y"].to_numpy(), layer)
    statement = (
        update(incidents)
        .where(incidents.c.id == bindparam("incident_id"))
        .values(area_code=bindparam("new_code"))
    )
    connection.execute(
        statement,
        [
            {"incident_id": int(i), "new_code": (None if c is None else str(c))}
            for i, c in zip(frame["id"], codes, strict=True)
        ],
    )


def active_layer(engine: Engine | Connection) -> tuple[LayerInfo, gpd.GeoDataFrame]:
    """Return the active area layer (EPSG:3006) and its facts.

    Raises
    ------
    SchemaError
        When there is no active layer (run ``python -m geo init``).
    """
    connection_or_engine = engine
    if isinstance(connection_or_engine, Engine):
        with connection_or_engine.connect() as connection:
            return active_layer(connection)
    connection = connection_or_engine
    info = (
        connection.execute(select(area_layers).where(area_layers.c.is_active.is_(True)))
        .mappings()
        .first()
    )
    if info is None:
        raise SchemaError("Det finns inget aktivt områdeslager; kör `python -m geo init`.")
    rows = (
        connection.execute(
            select(areas).where(areas.c.layer_id == info["id"]).order_by(areas.c.area_code)
        )
        .mappings()
        .all()
    )
    layer = gpd.GeoDataFrame(
        {
            "area_code": [r["area_code"] for r in rows],
            "name": [r["name"] for r in rows],
            "zone": [r["zone"] for r in rows],
            "population": pd.array([r["population"] for r in rows], dtype="Int64"),
        },
        geometry=shapely.from_wkb([r["geometry_wkb"] for r in rows]),
        crs=WORK_CRS,
    )
    layer.attrs["population_note"] = rows[0]["population_note"] if rows else None
    return (
        LayerInfo(
            layer_id=int(info["id"]),
            name=str(info["name"]),
            source=str(info["source"]),
            approximate=bool(info["approximate"]),
            provenance=str(info["provenance"]),
            created_at=info["created_at"],
        ),
        layer,
    )


# --- Incidents ----------------------------------------------------------------------------------

INCIDENT_COLUMNS = (
    "source",
    "source_id",
    "category",
    "raw_type",
    "occurred_at",
    "ended_at",
    "x",
    "y",
    "area_code",
    "location_precision",
    "harm_weight",
    "description",
    "synthetic",
)
"""The canonical incident frame's columns (what readers produce and the store takes)."""


def insert_incidents(connection: Connection, frame: pd.DataFrame, import_id: int) -> int:
    """Insert a canonical incident frame inside the caller's transaction; returns the row count.

    On SQLite the rows go as plain tuples straight to the driver cursor's ``executemany``, with
    times pre-formatted the way SQLAlchemy stores them (UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``) and
    repeated text (type, category, area, …) shared as one Python string per distinct value: at
    1M rows this is about 4× faster than SQLAlchemy Core with dicts (see ``bench/ingest.py``).
    Other databases go through SQLAlchemy Core.
    """
    missing = [c for c in INCIDENT_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(f"incident frame lacks columns {missing}")
    if frame.empty:
        return 0
    if connection.dialect.name == "postgresql":
        return _copy_incidents(connection, frame, import_id)
    if connection.dialect.name != "sqlite":
        records = _records(frame[list(INCIDENT_COLUMNS)])
        for record in records:
            record["import_id"] = import_id
        connection.execute(insert(incidents), records)
        return len(records)
    placeholders, parameters = [], []
    for name in INCIDENT_COLUMNS:
        values = _sqlite_column(frame[name], name)
        literal = _constant_literal(values)
        placeholders.append(literal or "?")
        if literal is None:
            parameters.append(values.tolist())
    # import_id (an int we made) and columns holding one value in this frame (the source, a NULL
    # end time, …) are written as literals: fewer parameters to bind per row (measured 20–30 %
    # off executemany at 1M rows).
    sql = (
        f"INSERT INTO incidents ({', '.join(INCIDENT_COLUMNS)}, import_id) "
        f"VALUES ({', '.join(placeholders)}, {int(import_id)})"
    )
    cursor = _driver_connection(connection).cursor()
    try:
        cursor.executemany(sql, zip(*parameters, strict=True))
    finally:
        cursor.close()
    return len(frame)


def _copy_incidents(connection: Connection, frame: pd.DataFrame, import_id: int) -> int:
    """PostgreSQL: the rows through ``COPY … FROM STDIN`` on the same connection and transaction.

    The columns are the same plain values as for SQLite (shared strings, ``None`` for missing),
    times as UTC text with an explicit ``+00``; psycopg formats each row in C. A failure anywhere
    aborts the transaction, so the import stays all or nothing. The generated ``geom`` column and
    its GiST index are filled by the server.
    """
    columns = [_sqlite_column(frame[name], name) for name in INCIDENT_COLUMNS]
    for position, name in enumerate(INCIDENT_COLUMNS):
        if name in _TIME_COLUMNS:
            columns[position] = _with_utc_offset(columns[position])
    columns.append(np.full(len(frame), int(import_id), dtype=object))
    names = ", ".join((*INCIDENT_COLUMNS, "import_id"))
    sql = f"COPY incidents ({names}) FROM STDIN"
    driver_error = connection.dialect.loaded_dbapi.Error
    cursor = _driver_connection(connection).cursor()
    try:
        with cursor.copy(sql) as copy:
            write_row = copy.write_row
            for row in zip(*columns, strict=True):
                write_row(row)
    except driver_error as error:  # as SQLAlchemy's own statements raise (IntegrityError, …)
        raise exc.DBAPIError.instance(sql, None, error, driver_error) from error
    finally:
        cursor.close()
    return len(frame)


def _with_utc_offset(times: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC) → the same with ``+00``; ``None`` stays ``None``."""
    out = times.copy()
    present = np.array([value is not None for value in times], dtype=bool)
    if present.any():
        out[present] = np.char.add(times[present].astype(str), "+00").astype(object)
    return out


def _constant_literal(values: np.ndarray) -> str | None:
    """Return an SQL literal when every value is the same None, bool or text; else ``None``."""
    first = values[0]
    if len(values) > 1 and values[1] is not first and values[1] != first:
        return None  # the usual case for a varying column, decided without a pass over it
    if not (first is None or isinstance(first, bool | str)) or not (values == first).all():
        return None  # (the values come from _sqlite_column: all None, all bool, or text/None)
    if first is None:
        return "NULL"
    if isinstance(first, bool):
        return "1" if first else "0"
    if "\x00" in first:
        return None
    return "'" + first.replace("'", "''") + "'"  # SQL quoting: no backslash escapes


def _driver_connection(connection: Connection) -> Any:
    """Return the sqlite3 connection under a SQLAlchemy connection (same transaction)."""
    return connection.connection.driver_connection


BULK_MIN_ROWS = 100_000
"""Loads expected to be at least this large (and larger than the table) defer the indexes."""


@dataclass(frozen=True)
class SQLIndex:
    """An index SQLAlchemy's tables do not hold (PostgreSQL's GiST on ``geom``), as DDL text."""

    name: str
    definition: str

    def drop(self, connection: Connection) -> None:
        """Drop the index (in the connection's transaction)."""
        connection.execute(text(f"DROP INDEX {self.name}"))

    def create(self, connection: Connection) -> None:
        """Create the index again from its definition (in the connection's transaction)."""
        connection.execute(text(f"CREATE INDEX {self.name} ON {self.definition}"))


INCIDENTS_GEOM_INDEX = SQLIndex("ix_incidents_geom", "incidents USING gist (geom)")
"""The GiST index of migration 0009 on ``incidents.geom`` (PostgreSQL only)."""


def defer_secondary_indexes(
    connection: Connection, *, expected_rows: int
) -> tuple[Index | SQLIndex, ...]:
    """For a bulk load: drop the incidents' secondary indexes; returns what was dropped.

    Call :func:`restore_indexes` with the result before committing. The DDL runs inside the
    caller's transaction, so a rollback restores the indexes by itself. Building an index once is
    cheaper than updating it row by row when the load is at least as large as the table (measured:
    1M rows into an empty table, executemany 8.7 s → 3.9 s, plus 1.7 s to build both indexes).
    Nothing is deferred for small loads or a load smaller than the table.
    The unique (source, source_id) index is never dropped: it guards the data.

    PostgreSQL: only into an *empty* table (the first load) by the table's owner (the app's role
    may not drop indexes), and the GiST index on ``geom`` too (1M points: 7.2 s maintained row by
    row, 1.4 s built once). ``DROP INDEX`` locks the table until the commit, so readers wait for
    the load: harmless when there is nothing to read yet, but a later large load would freeze
    every page, so it keeps the indexes.
    """
    if expected_rows < max(BULK_MIN_ROWS, 1) or connection.dialect.name not in (
        "sqlite",
        "postgresql",
    ):
        return ()
    btrees = sorted((i for i in incidents.indexes if not i.unique), key=lambda i: str(i.name))
    if connection.dialect.name == "postgresql":
        owner = connection.execute(
            text(
                "SELECT tableowner = current_user FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename = 'incidents'"
            )
        ).scalar()
        if not owner:  # the app's role may not drop indexes: the owner's bulk load can
            return ()
        if connection.execute(select(incidents.c.id).limit(1)).first() is not None:
            return ()
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        deferred: tuple[Index | SQLIndex, ...] = (*btrees, INCIDENTS_GEOM_INDEX)
    else:
        stored = connection.execute(select(func.max(incidents.c.id))).scalar() or 0
        if expected_rows < stored:
            return ()
        driver = _driver_connection(connection)
        if not driver.in_transaction:
            # sqlite3 begins a transaction only before DML; DDL alone would commit at once.
            driver.execute("BEGIN")
        deferred = tuple(btrees)
    for index in deferred:
        index.drop(connection)
    return deferred


def restore_indexes(connection: Connection, indexes: Iterable[Index | SQLIndex]) -> None:
    """Re-create indexes dropped by :func:`defer_secondary_indexes` (in the same transaction)."""
    for index in indexes:
        index.create(connection)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (NaN/NaT → None, Timestamp → datetime)."""
    out = []
    for row in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, pd.Timestamp):
                clean[str(key)] = value.to_pydatetime()
            elif value is None or (not isinstance(value, str) and pd.isna(value)):
                clean[str(key)] = None
            else:
                clean[str(key)] = value.item() if hasattr(value, "item") else value
        out.append(clean)
    return out


_TIME_COLUMNS = ("occurred_at", "ended_at")
_FLOAT_COLUMNS = ("x", "y", "harm_weight")
_REPEATED_TEXT = ("source", "category", "raw_type", "area_code", "location_precision")
"""Text columns with few distinct values: one Python string per value, shared by every row."""


def _sqlite_column(series: pd.Series, column: str) -> np.ndarray:
    """One column as an object array of plain Python values for sqlite3 (None for missing)."""
    if column in _TIME_COLUMNS:
        return _sqlite_times(series)
    if column in _FLOAT_COLUMNS:
        numbers = pd.to_numeric(series, errors="coerce").astype(float).to_numpy()
        out = numbers.astype(object)
        out[np.isnan(numbers)] = None
        return out
    if column == "synthetic":
        return series.astype(bool).to_numpy().astype(object)
    if column in _REPEATED_TEXT:
        codes, uniques = pd.factorize(series)  # missing → -1
        table = np.empty(len(uniques) + 1, dtype=object)
        table[: len(uniques)] = [str(u) for u in uniques]
        table[-1] = None
        return table[codes]
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "string":
        out = series.to_numpy(dtype=object, copy=True)  # already Python strings
        out[pd.isna(out)] = None
        return out
    return series.astype("string").to_numpy(dtype=object, na_value=None)


def _sqlite_times(series: pd.Series) -> np.ndarray:
    """Return times as UTC text as SQLAlchemy's SQLite DateTime stores them, ``None`` for NaT."""
    stamps = pd.to_datetime(series, utc=True)
    missing = stamps.isna().to_numpy()
    if missing.all():
        return np.full(len(series), None, dtype=object)
    text = np.datetime_as_string(
        stamps.dt.tz_convert(None).to_numpy(dtype="datetime64[us]"), unit="us"
    )
    if stamps.min().year >= 1000 and stamps.max().year <= 9999:
        # Every value is "YYYY-MM-DDTHH:MM:SS.ffffff" (or "NaT"): 26 characters, and the T
        # becomes a space in place, without a Python call per value.
        text = text.astype("U26")
        text.view("U1").reshape(-1, 26)[:, 10] = " "
        out = text.astype(object)
    else:
        out = np.array([t.replace("T", " ", 1) for t in text.tolist()], dtype=object)
    out[missing] = None
    return out


def load_incidents(
    engine: Engine,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    columns: Iterable[str] = ("category", "occurred_at", "area_code", "harm_weight", "x", "y"),
) -> pd.DataFrame:
    """Incidents with ``start <= occurred_at < end`` (UTC), selected columns only.

    On SQLite the rows are read through the driver connection and the times parsed in one
    vectorised step (1M rows: about 3 s instead of 6 s through SQLAlchemy's row objects).
    """
    names = list(columns)
    for name in names:
        incidents.c[name]
    if engine.dialect.name in ("sqlite", "postgresql"):
        return _load_incidents_driver(engine, names, start, end)
    query = select(*[incidents.c[c] for c in names])
    if start is not None:
        query = query.where(incidents.c.occurred_at >= start)
    if end is not None:
        query = query.where(incidents.c.occurred_at < end)
    with engine.connect() as connection:
        frame = pd.read_sql(query, connection)
    return _parse_times(frame)


def _load_incidents_driver(
    engine: Engine, names: list[str], start: dt.datetime | None, end: dt.datetime | None
) -> pd.DataFrame:
    """Read through the driver's cursor (sqlite3 or psycopg): plain tuples, no row objects.

    (Apache Arrow's ADBC SQLite driver was twice as fast again, but it links its own copy of SQLite;
    two SQLite libraries in one process can release each other's POSIX locks and corrupt the
    database – we saw "disk I/O error" in tests – so it is not used.) On PostgreSQL the times come
    back as aware datetimes and are bound as such; on SQLite as the UTC text SQLAlchemy stores.
    """
    sqlite = engine.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"
    conditions: list[str] = []
    parameters: list[Any] = []
    for operator, moment in ((">=", start), ("<", end)):
        if moment is not None:
            conditions.append(f"occurred_at {operator} {marker}")
            utc = moment.astimezone(dt.UTC)
            parameters.append(utc.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else utc)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"SELECT {', '.join(names)} FROM incidents{where}"  # names are checked against the table
    with engine.connect() as connection:
        cursor = _driver_connection(connection).cursor()
        try:
            cursor.execute(sql, parameters)
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=names, coerce_float=True)
        finally:
            cursor.close()
    for name in ("x", "y", "harm_weight"):
        if name in frame:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    if "synthetic" in frame:
        frame["synthetic"] = frame["synthetic"].astype(bool)
    return _parse_times(frame)


def _parse_times(frame: pd.DataFrame) -> pd.DataFrame:
    for name in ("occurred_at", "ended_at"):
        if name in frame:
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
    return frame


def incident_time_range(engine: Engine) -> tuple[dt.datetime, dt.datetime] | None:
    """First and last ``occurred_at`` in the store (UTC), or ``None`` when there are none."""
    with engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(incidents.c.occurred_at), func.max(incidents.c.occurred_at))
        ).one()
    if first is None:
        return None
    as_utc = UTCDateTimeValue.parse
    return as_utc(first), as_utc(last)


class UTCDateTimeValue:
    """Aggregates (min/max) bypass the column type on SQLite; parse what comes back."""

    @staticmethod
    def parse(value: Any) -> dt.datetime:
        """Return an aggregate's value (text or datetime) as an aware UTC datetime."""
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def count_rows(engine: Engine, table_name: str) -> int:
    """Row count of one of our tables (for reports and tests)."""
    from geo.store.schema import metadata

    table = metadata.tables[table_name]
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)
