"""Backup and restore of the whole database: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL.

A backup is one file: a consistent SQLite database copied page by page while the app may keep
running (``sqlite3.Connection.backup``), or a ``pg_dump`` custom-format archive. A restore
replaces everything in the configured database with the backup's content and then brings the
schema to the code's revision (Alembic), so a backup made before an upgrade can be restored after
it. Stop the app (``systemctl stop lagesbild``) before a restore.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from geo.errors import ConfigError, GeoError

PG_BIN_DIRS = tuple(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
"""Debian's PostgreSQL client programs, newest first (used when pg_dump is not on PATH)."""

_BACKUP_NAME = re.compile(r"^lagesbild-\d{8}-\d{6}\.(db|dump)$")


@dataclass(frozen=True)
class BackupInfo:
    """What a backup or restore did."""

    path: Path
    dialect: str
    size_bytes: int
    revision: str | None


def default_backup_path(folder: Path, dialect: str, *, now: dt.datetime | None = None) -> Path:
    """``<folder>/lagesbild-YYYYMMDD-HHMMSS.db`` (SQLite) or ``.dump`` (PostgreSQL), UTC time."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    suffix = "db" if dialect == "sqlite" else "dump"
    return folder / f"lagesbild-{moment:%Y%m%d-%H%M%S}.{suffix}"


def backup(engine: Engine, out: Path) -> BackupInfo:
    """Write a consistent backup of the database to ``out`` (0600, written beside it and renamed).

    Raises
    ------
    GeoError
        When ``out`` exists, or pg_dump is missing or fails (its message is included).
    """
    if out.exists():
        raise GeoError(
            f"{out} finns redan; välj ett nytt filnamn (en säkerhetskopia skrivs aldrig över)."
        )
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = out.with_name(out.name + ".delvis")
    partial.unlink(missing_ok=True)
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(_sqlite_path(engine), partial)
        else:
            _pg_dump(engine, partial)
        partial.chmod(0o600)
        partial.rename(out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(out, engine.dialect.name, out.stat().st_size, _revision_of(engine))


def restore(engine: Engine, source: Path) -> BackupInfo:
    """Replace the database's whole content with the backup ``source``, then migrate to head.

    Raises
    ------
    GeoError
        When the file is missing, not a backup of this kind of database, from a newer version of
        Lägesbild than this one, or pg_restore fails.
    """
    from geo.store.database import migrate

    if not source.is_file():
        raise GeoError(
            f"Säkerhetskopian {source} finns inte; ange sökvägen till en fil från python -m geo backup."
        )
    if engine.dialect.name == "sqlite":
        revision = _sqlite_revision(source)
        _check_revision(revision, source)
        engine.dispose()  # no pooled connection may hold the old file open in the middle
        _sqlite_backup(source, _sqlite_path(engine), replace=True)
    else:
        _pg_restore(engine, source)
        revision = _revision_of(engine)
    engine.dispose()
    migrate(engine)  # to the code's schema; on PostgreSQL this also grants the app role again
    return BackupInfo(source, engine.dialect.name, source.stat().st_size, revision)


def prune_backups(folder: Path, *, keep_days: int, now: dt.datetime | None = None) -> list[Path]:
    """Delete backups older than ``keep_days`` in ``folder``; return the deleted files.

    Only ``lagesbild-YYYYMMDD-HHMMSS.db|dump`` files count; the newest one is always kept and other
    files are never touched.
    """
    if keep_days < 1:
        raise ConfigError("--keep-days ska vara minst 1 (dagar).")
    moment = (now or dt.datetime.now(dt.UTC)).timestamp()
    backups = sorted(
        (p for p in folder.glob("lagesbild-*") if _BACKUP_NAME.match(p.name) and p.is_file()),
        key=lambda p: p.stat().st_mtime,
    )
    old = [p for p in backups[:-1] if moment - p.stat().st_mtime > keep_days * 86400]
    for path in old:
        path.unlink()
    return old


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise ConfigError("Säkerhetskopiering kräver en SQLite-fil, inte en databas i minnet.")
    return Path(database)


def _sqlite_backup(source: Path, target: Path, *, replace: bool = False) -> None:
    """Copy ``source`` into ``target`` with SQLite's online backup API and check the copy."""
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as origin:
        if not replace:
            problem = origin.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise GeoError(
                    f"Databasen {source} är skadad ({problem}); ingen säkerhetskopia skrevs."
                )
        with contextlib.closing(sqlite3.connect(target, timeout=30)) as copy:
            origin.backup(copy, pages=4096)
            if not replace:
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
            if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise GeoError(f"Kopian {target} klarade inte SQLite:s kontroll; försök igen.")


def _sqlite_revision(path: Path) -> str | None:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise GeoError(
            f"{path} är ingen säkerhetskopia av en SQLite-databas från Lägesbild ({error}); "
            "välj en .db-fil som python -m geo backup skrev."
        ) from None
    return None if row is None else str(row[0])


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_program(name: str) -> str:
    """Return the path of ``pg_dump``/``pg_restore``: on PATH, else in /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    for folder in PG_BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    raise ConfigError(
        f"{name} saknas; installera PostgreSQL-klienten (apt-get install postgresql-client-15)."
    )


def _pg_environment(engine: Engine) -> tuple[list[str], dict[str, str]]:
    """Return the client programs' connection arguments and environment.

    The password goes in the environment (PGPASSWORD), never on the command line where other users
    could read it.
    """
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["--dbname", str(url.database or "")]
    if url.host:
        args += ["--host", str(url.host)]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", str(url.username)]
    query_host = url.query.get("host")  # a unix socket folder: ?host=/run/postgresql
    if query_host and not url.host:
        args += ["--host", str(query_host if isinstance(query_host, str) else query_host[0])]
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise GeoError(f"{what} misslyckades: {done.stderr.strip()[-800:]}")


def _pg_dump(engine: Engine, out: Path) -> None:
    args, env = _pg_environment(engine)
    _run([pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          "--file", str(out), *args], env, "pg_dump")  # fmt: skip


def _pg_revision(source: Path) -> str | None:
    """Return the Alembic revision inside a pg_dump archive (read without touching any database)."""
    data = subprocess.run([pg_program("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(source)],
                          capture_output=True, text=True)  # fmt: skip
    if data.returncode != 0:
        raise GeoError(
            f"{source} är ingen pg_dump-säkerhetskopia av Lägesbild ({data.stderr.strip()[-300:]}); "
            "välj en .dump-fil som python -m geo backup skrev."
        )
    lines = data.stdout.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            value = lines[number + 1].strip()
            return None if value == "\\." else value
    return None


_PG_PRELUDE = """
DO $$
DECLARE item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS name FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
    LOOP
        EXECUTE 'DROP TABLE IF EXISTS ' || item.name || ' CASCADE';
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || item.name || ' CASCADE';
    END LOOP;
END $$;
"""
"""Before the archive's script: drop every table and function of the schema that is not part of an
extension (the database is replaced whole, not merged)."""


def _pg_restore(engine: Engine, source: Path) -> None:
    """Replace our tables with the archive's, all in one transaction (psql --single-transaction).

    Every table this version knows is dropped first (also those the archive, from an older version,
    lacks) with the functions its migrations made, then pg_restore's script recreates and fills the
    archive's tables. Extensions (PostGIS, btree_gist) and PostGIS's ``spatial_ref_sys`` are left
    out: they belong to the database administrator and stay installed. On any error nothing has
    changed.
    """
    args, env = _pg_environment(engine)
    _check_revision(_pg_revision(source), source)
    listing = subprocess.run([pg_program("pg_restore"), "--list", str(source)], capture_output=True, text=True, check=True)  # fmt: skip
    entries = [line for line in listing.stdout.splitlines()
               if not re.search(r"\bEXTENSION\b|\bspatial_ref_sys\b", line)]  # fmt: skip
    work = source.with_name(f".{source.name}.{os.getpid()}")
    use_list, script = Path(f"{work}.list"), Path(f"{work}.sql")
    use_list.write_text("\n".join(entries) + "\n", encoding="utf-8")
    try:
        _run([pg_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              f"--use-list={use_list}", f"--file={script}", str(source)], env, "pg_restore")  # fmt: skip
        script.write_text(_PG_PRELUDE + script.read_text(encoding="utf-8"), encoding="utf-8")
        script.chmod(0o600)
        engine.dispose()
        _run([pg_program("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
              "--set=ON_ERROR_STOP=1", f"--file={script}", *args], env, "Återställningen (psql)")  # fmt: skip
    finally:
        use_list.unlink(missing_ok=True)
        script.unlink(missing_ok=True)


# --- Both ---------------------------------------------------------------------------------------


def _revision_of(engine: Engine) -> str | None:
    from geo.store.database import current_revision

    return current_revision(engine)


def _check_revision(revision: str | None, source: Path) -> None:
    from geo.store.database import MIGRATIONS_DIR

    known = {p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("*.py")}
    if revision is None:
        raise GeoError(
            f"{source} saknar schemaversion; det är ingen säkerhetskopia från Lägesbild."
        )
    if revision not in known:
        raise GeoError(
            f"Säkerhetskopian {source} har schemaversion {revision}, som den här versionen av "
            "Lägesbild inte känner till (den är gjord med en nyare version): uppgradera först."
        )
