"""Settings: one frozen object, read once from the environment and passed explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from geo.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The project folder (the one holding ``dashboard.py``)."""

REFERENCE_DIR = PROJECT_ROOT / "data"
"""Reference data the project makes itself and ships in git (areas, taxonomy)."""

#: Every environment variable we read, with its meaning and default. Shown by ``python -m geo settings``.
ENVIRONMENT: dict[str, str] = {
    "LAGESBILD_DATA_DIR": "Folder for the runtime database and exports (default: data/ in the project).",
    "LAGESBILD_DATABASE_URL": (
        "SQLAlchemy URL of the database (default: sqlite:///<data dir>/lagesbild.db). "
        "For several users: postgresql+psycopg://ROLE@HOST/DATABASE (PostGIS; README, PostgreSQL)."
    ),
    "LAGESBILD_TILES_URL": (
        "Optional base-map tile URL template ({z}/{x}/{y}); empty means no tiles, which works offline."
    ),
    "LAGESBILD_TILES_ATTRIBUTION": "Attribution text for the tiles above (required when tiles are set).",
    "LAGESBILD_MAX_IMPORT_MB": "Largest file an import accepts, in MB (default 1000); larger files are refused before parsing.",
    "LAGESBILD_SURVEY_MIN_N": (
        "Survey results of an area with fewer answers than this are hidden from every role but "
        "polis (default 5; the public export never goes below 5)."
    ),
    "LAGESBILD_PROMISE": "The promise's configuration file (default: data/promise.json): focus areas and activities.",
}


@dataclass(frozen=True)
class Settings:
    """Everything configurable, resolved once.

    Parameters
    ----------
    data_dir
        Folder holding the runtime database and exports.
    database_url
        SQLAlchemy URL.
    tiles_url
        Optional tile URL template for map backgrounds; ``None`` draws the areas on a plain background.
    tiles_attribution
        Attribution shown with the tiles.
    """

    data_dir: Path
    database_url: str
    tiles_url: str | None = None
    tiles_attribution: str | None = None
    max_import_bytes: int = 1_000 * 1024 * 1024
    survey_min_n: int = 5
    promise_path: Path = REFERENCE_DIR / "promise.json"

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment (or a given mapping).

    Parameters
    ----------
    environ
        Defaults to ``os.environ``; tests pass a dict.

    Returns
    -------
    Settings

    Raises
    ------
    ConfigError
        When a value cannot be used, naming the variable.
    """
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("LAGESBILD_DATA_DIR") or REFERENCE_DIR).expanduser().resolve()
    database_url = env.get("LAGESBILD_DATABASE_URL") or f"sqlite:///{data_dir / 'lagesbild.db'}"
    if not database_url.startswith(("sqlite", "postgresql")):
        raise ConfigError(
            f"LAGESBILD_DATABASE_URL={database_url!r} stöds inte; "
            "använd sqlite:///sökväg/till/fil.db eller postgresql+psycopg://roll@värd/databas."
        )
    tiles_url = env.get("LAGESBILD_TILES_URL") or None
    attribution = env.get("LAGESBILD_TILES_ATTRIBUTION") or None
    if tiles_url and not attribution:
        raise ConfigError(
            "LAGESBILD_TILES_URL är satt men LAGESBILD_TILES_ATTRIBUTION saknas; "
            "ange kartunderlagets upphovsrätt."
        )
    max_mb_text = env.get("LAGESBILD_MAX_IMPORT_MB") or "1000"
    if not max_mb_text.isdigit() or int(max_mb_text) < 1:
        raise ConfigError(
            f"LAGESBILD_MAX_IMPORT_MB={max_mb_text!r} ska vara ett positivt heltal (MB)."
        )
    min_n_text = env.get("LAGESBILD_SURVEY_MIN_N") or "5"
    if not min_n_text.isdigit() or int(min_n_text) < 1:
        raise ConfigError(f"LAGESBILD_SURVEY_MIN_N={min_n_text!r} ska vara ett positivt heltal.")
    promise_path = Path(env.get("LAGESBILD_PROMISE") or REFERENCE_DIR / "promise.json")
    return Settings(
        survey_min_n=int(min_n_text),
        promise_path=promise_path.expanduser().resolve(),
        data_dir=data_dir,
        database_url=database_url,
        tiles_url=tiles_url,
        tiles_attribution=attribution,
        max_import_bytes=int(max_mb_text) * 1024 * 1024,
    )
