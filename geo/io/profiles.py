"""Import profiles: how the columns of one source system map to the canonical incident fields.

A profile is a JSON file in ``data/import_profiles/`` (see ``standard.json``). To add one, copy
``standard.json``, list under ``columns`` the header names the system uses for each field (matched
case-insensitively, å/ä/ö folded, spaces and underscores alike), and set:

- ``decimal``: ``","``, ``"."`` or ``"auto"`` (a value with only a comma uses decimal comma);
- ``thousands``: a thousands separator such as ``" "``, or ``null`` (then a value with one is an error);
- ``date_formats``: ``["iso"]``, or ``["iso", "svensk"]`` to accept day-first Swedish dates;
- ``earliest``: the first plausible date for this source (earlier dates are errors).

Then import with ``--profile NAME``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from geo.config import REFERENCE_DIR
from geo.errors import SchemaError
from geo.taxonomy import fold

PROFILE_DIR = REFERENCE_DIR / "import_profiles"
FIELDS = (
    "source_id", "occurred_at", "date", "time", "ended_at", "raw_type",
    "x", "y", "lon", "lat", "area_code", "area_name", "description", "tz",
)  # fmt: skip


def header_key(name: str) -> str:
    """How headers are compared: folded, with spaces, dashes and underscores alike."""
    return fold(name).replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class ImportProfile:
    """Column mapping and number/date conventions of one source system."""

    name: str
    description: str
    columns: dict[str, tuple[str, ...]]
    decimal: str
    thousands: str | None
    date_formats: tuple[str, ...]
    earliest: str

    def match_columns(self, headers: list[str]) -> dict[str, str]:
        """Canonical field → the file's header for it (first alias that is present)."""
        by_key = {header_key(h): h for h in headers}
        found = {}
        for field, aliases in self.columns.items():
            for alias in aliases:
                header = by_key.get(header_key(alias))
                if header is not None:
                    found[field] = header
                    break
        return found


def _folders(user_dir: Path | None) -> list[Path]:
    """Where profiles live: the user's own (``<data dir>/import_profiles``) first, then shipped."""
    folders = [user_dir / "import_profiles"] if user_dir is not None else []
    return [*folders, PROFILE_DIR]


def available_profiles(user_dir: Path | None = None) -> list[str]:
    """Names of the shipped profiles and, with ``user_dir``, the ones users saved."""
    return sorted({p.stem for folder in _folders(user_dir) for p in folder.glob("*.json")})


def load_profile(name: str = "standard", user_dir: Path | None = None) -> ImportProfile:
    """Load a profile by name (a user's saved profile wins over a shipped one of the same name).

    Raises
    ------
    SchemaError
        For an unknown profile or a field the importer does not know.
    """
    for folder in _folders(user_dir):
        path = folder / f"{name}.json"
        if path.exists():
            return _load(path, path.stat().st_mtime_ns)
    raise SchemaError(
        f"Okänd importprofil {name!r}; finns: {', '.join(available_profiles(user_dir))}."
    )


@functools.lru_cache(maxsize=32)
def _load(path: Path, _mtime_ns: int) -> ImportProfile:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SchemaError(f"Importprofilen {path.name} kan inte läsas: {error}") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict):
        raise SchemaError(f"Importprofilen {path.name} saknar 'columns'.")
    unknown = sorted(set(raw["columns"]) - set(FIELDS))
    if unknown:
        raise SchemaError(f"{path.name}: okända fält {unknown}; kända fält: {', '.join(FIELDS)}.")
    if raw.get("decimal", "auto") not in {",", ".", "auto"}:
        raise SchemaError(f'{path.name}: decimal måste vara ",", "." eller "auto".')
    return ImportProfile(
        name=str(raw["name"]),
        description=str(raw.get("description", "")),
        columns={k: tuple(v) for k, v in raw["columns"].items()},
        decimal=str(raw.get("decimal", "auto")),
        thousands=raw.get("thousands"),
        date_formats=tuple(raw.get("date_formats", ["iso"])),
        earliest=str(raw.get("earliest", "2000-01-01")),
    )
