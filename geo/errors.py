"""The error family: every error a user may see, with what went wrong and how to fix it."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem found while validating input.

    Parameters
    ----------
    where
        The file, with line/feature and column where known, e.g. ``"areas.geojson, feature 3"``.
    message
        What is wrong, in Swedish, naming the value.
    fix
        The likely fix, in Swedish; empty when there is nothing obvious to suggest.
    """

    where: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        """Return the problem as one line: where, what and (when there is one) the fix."""
        text = f"{self.where}: {self.message}"
        return f"{text} — {self.fix}" if self.fix else text


class GeoError(Exception):
    """Base of every error meant to be shown to a user (the message is Swedish)."""


class ConfigError(GeoError):
    """A setting has a value that cannot be used."""


class CRSError(GeoError):
    """Coordinates are in an unexpected or undeclared coordinate reference system."""


class SchemaError(GeoError):
    """Input lacks a field we need, or the database is not at the expected schema."""


class ImportRejected(GeoError):
    """An import was refused as a whole; ``problems`` lists every reason found.

    Nothing was written when this is raised.
    """

    def __init__(self, summary: str, problems: list[Problem]) -> None:
        self.summary = summary
        self.problems = list(problems)
        lines = [summary, *(f"  - {p}" for p in self.problems)]
        super().__init__("\n".join(lines))


class InsufficientDataError(GeoError):
    """There is too little data for the requested statistic to mean anything."""


class ConflictError(GeoError):
    """An edit was based on an old version of a record (optimistic locking)."""


class StorageError(GeoError):
    """The server's disk or database refuses to store anything: full, read-only or not writable.

    Not the user's fault and not a bug: the message says what the operator must fix. Raised by
    :func:`storage_error` from the low-level error (``OSError``, ``sqlite3``, psycopg).
    """


_FULL = "full"
_READ_ONLY = "read-only"
_NO_ACCESS = "no-access"
_CANNOT_OPEN = "cannot-open"
_IO = "io"

_OS_KINDS = {errno.ENOSPC: _FULL, errno.EDQUOT: _FULL, errno.EROFS: _READ_ONLY,
             errno.EACCES: _NO_ACCESS, errno.EPERM: _NO_ACCESS, errno.EIO: _IO}  # fmt: skip
# SQLite primary result codes (extended codes carry them in the low byte).
_SQLITE_KINDS = {13: _FULL, 8: _READ_ONLY, 14: _CANNOT_OPEN, 10: _IO, 23: _NO_ACCESS}
_SQLITE_TEXTS = {"database or disk is full": _FULL, "readonly database": _READ_ONLY,
                 "unable to open database file": _CANNOT_OPEN, "disk i/o error": _IO}  # fmt: skip
# PostgreSQL SQLSTATEs: disk_full, insufficient_resources, read_only_sql_transaction.
_PG_KINDS = {"53100": _FULL, "53000": _FULL, "25006": _READ_ONLY}


def _storage_kind(error: BaseException) -> tuple[str, str] | None:
    """(kind, the file or database named) for a storage failure, else None."""
    if isinstance(error, OSError) and error.errno in _OS_KINDS:
        return _OS_KINDS[error.errno], str(error.filename or "")
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int) and (code & 0xFF) in _SQLITE_KINDS:
            return _SQLITE_KINDS[code & 0xFF], ""
        text = str(error).lower()
        for fragment, kind in _SQLITE_TEXTS.items():
            if fragment in text:
                return kind, ""
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str) and state in _PG_KINDS:
        return _PG_KINDS[state], ""
    return None


def storage_error(error: BaseException) -> StorageError | None:
    """Return the Swedish :class:`StorageError` for a full, read-only or unwritable store.

    ``None`` when the exception is something else.

    The exception, the driver error SQLAlchemy wraps (``.orig``) and its causes are looked at, so
    ``sqlalchemy.exc.OperationalError('database or disk is full')`` is recognised as well as a
    plain ``OSError(ENOSPC)``.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, StorageError):
            return current
        found = _storage_kind(current)
        if found is not None:
            return StorageError(_storage_message(*found))
        orig = getattr(current, "orig", None)
        pending.extend([orig if isinstance(orig, BaseException) else None,
                        current.__cause__, current.__context__])  # fmt: skip
    return None


def _read_only_mount(path: Path) -> bool:
    """Whether the file system holding ``path`` (or its nearest existing parent) is read-only."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            try:
                return bool(os.statvfs(candidate).f_flag & os.ST_RDONLY)
            except OSError:
                return False
    return False


def _storage_message(kind: str, name: str) -> str:
    from geo.config import load_settings

    try:
        settings = load_settings()
        database = settings.database_url.removeprefix("sqlite:///")
        where = name or (f"databasen {database}" if settings.is_sqlite else "PostgreSQL-databasen")
        data_dir = str(settings.data_dir)
        place = Path(name) if name else Path(database) if settings.is_sqlite else settings.data_dir
    except GeoError:
        where, data_dir, place = name or "datamappen", "datamappen", Path(name or ".")
    if kind in (_CANNOT_OPEN, _NO_ACCESS) and _read_only_mount(place):
        kind = _READ_ONLY  # SQLite in WAL mode cannot even open a database on a read-only disk
    unchanged = "Det som skulle sparas sparades inte; inget annat har ändrats."
    if kind == _FULL:
        return (
            f"Lagringsutrymmet är fullt ({where}). {unchanged} Frigör utrymme på servern (gamla "
            "säkerhetskopior, loggar) eller be driften utöka disken, och försök sedan igen."
        )
    if kind == _READ_ONLY:
        return (
            f"Lagringen är skrivskyddad ({where}): Lägesbild kan inte spara där"
            + (", filsystemet är monterat skrivskyddat. " if _read_only_mount(place) else ". ")
            + f"{unchanged} Kontrollera att tjänstens användare får skriva i {data_dir} och "
            "databasfilen och att filsystemet inte är monterat skrivskyddat, och försök sedan igen."
        )
    if kind == _NO_ACCESS:
        return (
            f"Tjänsten saknar behörighet till {where or data_dir}. {unchanged} Ge tjänstens "
            f"användare läs- och skrivrätt till {data_dir} (se README, Driftsättning) eller välj en "
            "fil den får läsa, och försök sedan igen."
        )
    if kind == _CANNOT_OPEN:
        return (
            f"Databasen kan inte öppnas ({where}). Kontrollera att mappen {data_dir} finns och att "
            "tjänstens användare får läsa och skriva där."
        )
    return (
        f"Disken svarar med ett läs- eller skrivfel ({where}). {unchanged} Be driften kontrollera "
        "disken; återställ vid behov från den senaste säkerhetskopian (python -m geo restore)."
    )


def log_unexpected(traceback_text: str) -> Path | None:
    """Append an unexpected exception's traceback to ``<data dir>/logs/fel.log`` (0600).

    Users see a Swedish sentence; the details are for the server log, never the screen. When the
    log itself cannot be written (a full or read-only disk), the traceback goes to the process log
    (standard error, the journal under systemd) and ``None`` is returned: logging never raises.
    """
    import logging

    try:
        from geo.config import load_settings

        folder = load_settings().data_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / "fel.log"
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp}\n{traceback_text}\n")
        return path
    except (OSError, GeoError):
        logging.getLogger("lagesbild").error("fel.log could not be written:\n%s", traceback_text)
        return None
