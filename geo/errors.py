"""The error family: every error a user may see, with what went wrong and how to fix it."""

from __future__ import annotations

import datetime as dt
import os
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


def log_unexpected(traceback_text: str) -> Path:
    """Append an unexpected exception's traceback to ``<data dir>/logs/fel.log`` (0600).

    Users see a Swedish sentence; the details are for the server log, never the screen.
    """
    from geo.config import load_settings

    folder = load_settings().data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "fel.log"
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        handle.write(f"--- {stamp}\n{traceback_text}\n")
    return path
