"""Importera's view: what the forms offer (profiles, codebooks) and the import options made from
the page's fields. Checking and importing a file is ``ui.importing``'s (the page's write)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geo.config import Settings
from geo.io.ingest import ImportOptions, parse_line_list
from geo.io.partners import IndicatorOptions
from geo.io.profiles import available_profiles
from geo.io.surveys import SurveyOptions, available_codebooks

INCIDENT_TYPES = ("csv", "txt", "tsv", "xlsx", "geojson", "json", "gpkg")
"""The incident uploader's file endings."""
TABLE_TYPES = ("csv", "txt", "xlsx")
"""The survey and indicator uploaders' file endings."""
NOBODY = "okänd (importsidan)"
"""Who the import log names when the field is left empty (local mode)."""


@dataclass(frozen=True)
class ImportChoices:
    """The import profiles (shipped and the users' own) and the shipped survey codebooks."""

    profiles: list[str]
    standard_profile: int
    """The index of the standard profile (the default choice)."""
    codebooks: dict[str, Path]


def choices(settings: Settings) -> ImportChoices:
    """What the forms offer (read on every run: a profile saved on the page shows at once)."""
    profiles = available_profiles(settings.data_dir)
    return ImportChoices(profiles, profiles.index("standard"), available_codebooks())


def incident_options(
    settings: Settings, *, source: str, profile: str, crs: str, exclude: str, by: str,
    swedish_dates: bool, outside: str,
) -> ImportOptions:  # fmt: skip
    """The incident import's options from the page's fields (``crs`` ``""``: guess from the values).

    Raises :class:`geo.errors.GeoError` when the excluded lines do not parse ("12,15-18").
    """
    return ImportOptions(
        source=source, profile=profile, crs=crs or None, exclude=parse_line_list(exclude),
        imported_by=by, max_bytes=settings.max_import_bytes, outside=outside,
        user_dir=settings.data_dir, swedish_dates=swedish_dates,
    )  # fmt: skip


def survey_options(*, codebook: Path, wave: str, crs: str, layout: str, by: str) -> SurveyOptions:
    """The survey import's options (``wave`` ``""``: from the file; ``crs`` ``""``: guessed)."""
    return SurveyOptions(codebook=codebook, wave=wave or None, crs=crs or None, layout=layout,
                         imported_by=by)  # fmt: skip


def indicator_options(*, by: str) -> IndicatorOptions:
    """The partner indicator import's options."""
    return IndicatorOptions(imported_by=by)
