"""Importing incident files: read → validate everything → write all in one transaction, or nothing.

One entry point, :func:`import_incidents`. Files stream in chunks; every problem is collected (file,
line or feature, column, value, what was expected, the likely fix) and reported once. Rows are
written inside one open transaction as they pass; if any error is found, or on a dry run, the
transaction is rolled back and the database is exactly as before. Rows the user excludes by number
are recorded in the import log with the file's hash, the counts and who imported it.

Duplicate rules (documented per source):
- file sources (polis, kommun, region): ``source_id`` must be unique in the file. An id already in
  the store with the same time and type is skipped (re-importing a file adds nothing); with another
  time or type it is an error. Without an id column, the id is a hash of time, type, place and text.
- polisen.se: the latest published version of an id wins, in the file and against the store
  (a changed event is updated, an unchanged one skipped).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import re
import sqlite3
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from sqlalchemy import Connection, Engine, select, update

from geo.areas.builtin import municipality_outline
from geo.areas.falkenberg import COASTAL_BUFFER_M
from geo.areas.join import area_codes_for_points
from geo.areas.layers import file_sha256
from geo.crs import (
    CRS_NAMES,
    MAP_CRS,
    RT90_CRS,
    WORK_CRS,
    classify_points,
    normalise_crs,
    transformer,
)
from geo.errors import GeoError, Problem, log_unexpected
from geo.forked import ChildProducer, fork_available
from geo.io.columns import combine_date_and_clock, plan_columns, user_type_groups
from geo.io.polisen import parse_events, read_events_file
from geo.io.profiles import ImportProfile, load_profile
from geo.io.readers import SourceFile, detect_format, open_csv, open_geo, open_xlsx
from geo.io.report import EXAMPLES_PER_KIND, ImportReport, importing, line_ranges, units
from geo.io.screening import screen_column
from geo.periods import LOCAL_TZ, LOCAL_TZ_NAME
from geo.store.database import (
    ImportRecord,
    active_layer,
    defer_secondary_indexes,
    insert_incidents,
    now_utc,
    restore_indexes,
)
from geo.store.schema import imports, incidents
from geo.taxonomy import Taxonomy, fold, load_taxonomy, normalise_text

SOURCES = ("polis", "kommun", "region")
OUTSIDE_CHOICES = ("fråga", "närmaste", "undanta")
NEAR_AREA_M = 500.0
"""A point this close to an area, but in none, is probably that area's (a harbour, a shore)."""
DEFAULT_MAX_BYTES = 1_000 * 1024 * 1024
BYTES_PER_ROW_ESTIMATE = 100
"""File bytes per row, to guess a file's row count for ``store.database.defer_secondary_indexes``."""
PARALLEL_MIN_BYTES = 20_000_000
"""Files at least this large (about 200,000 rows) are validated in a child process while this one
writes (:mod:`geo.forked`); below it the fork costs more than the overlap gains."""


def parse_line_list(text: str) -> frozenset[int]:
    """``"12,15-18"`` → {12, 15, 16, 17, 18}.

    Raises
    ------
    GeoError
        For anything but numbers and ranges.
    """
    numbers: set[int] = set()
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        bounds = part.replace("–", "-").split("-")
        if not all(b.strip().isdigit() for b in bounds) or len(bounds) > 2:
            raise GeoError(
                f"Kan inte tolka {part!r} i listan över undantagna rader; skriv t.ex. 12,15-18."
            )
        low, high = int(bounds[0]), int(bounds[-1])
        numbers.update(range(low, high + 1))
    return frozenset(numbers)


# --- Options ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOptions:
    """How to read and import one file."""

    source: str = "polis"
    format: str | None = None
    crs: str | None = None
    profile: str = "standard"
    exclude: frozenset[int] = frozenset()
    """Line numbers (CSV/Excel), feature numbers (GIS) or event ids (polisen.se) to leave out."""
    imported_by: str = "okänd"
    max_bytes: int = DEFAULT_MAX_BYTES
    today: dt.date | None = None
    """For the "in the future" check; defaults to today."""
    column_map: tuple[tuple[str, str], ...] = ()
    """The user's own column choices (field, header): they win over the profile."""
    type_groups: tuple[tuple[str, str], ...] = ()
    """Unknown type values the user put in a category group (raw value, group key)."""
    outside: str = "fråga"
    """Points just outside every area (within ``NEAR_AREA_M``): ``fråga`` (an error listing them
    with the nearest area), ``närmaste`` (assign the nearest area) or ``undanta`` (leave them out,
    recorded in the import log)."""
    user_dir: Path | None = None
    """The data directory, where saved user profiles live."""
    surface: str = "cli"
    """Where the report is read: ``cli`` (fixes name flags) or ``sida`` (fixes name page actions)."""
    swedish_dates: bool = False
    """Dates with slashes or dots are day/month/year (as a profile's ``date_formats: ["svensk"]``)."""


ProgressCallback = Callable[[float, str], None]


# --- The pipeline -------------------------------------------------------------------------------


@dataclass
class _Context:
    """Everything validation needs that stays the same for the whole file."""

    file_name: str
    unit: str
    source: str
    profile: ImportProfile
    taxonomy: Taxonomy
    layer: gpd.GeoDataFrame
    area_names: dict[str, str]
    land: shapely.Geometry
    earliest: pd.Timestamp
    latest: pd.Timestamp
    report: ImportReport
    existing: dict[str, tuple[str, str, str, str, str, str]]
    seen_ids: dict[str, int] = field(default_factory=dict)
    """source_id → the line it was first seen on (for duplicate messages)."""
    unknown_types: dict[str, list[int]] = field(default_factory=dict)
    crs_counts: Counter[str] = field(default_factory=Counter)
    crs_lines: dict[str, list[int]] = field(default_factory=dict)
    declared_crs: str | None = None
    time_mode: str = "timestamp"
    type_groups: dict[str, str] = field(default_factory=dict)
    """Folded raw type → group key, chosen by the user for values the taxonomy lacks."""
    outside: str = "fråga"
    axes: Counter[str] = field(default_factory=Counter)
    """How many points came as x = east (``öst``) and as x = north (``norr``, Swedish X/Y)."""
    axis_lines: dict[str, list[int]] = field(default_factory=dict)
    id_keys: dict[str, int] = field(default_factory=dict)
    """Content key of rows without an id → how many times it was seen (for ``#2`` suffixes)."""
    unknown_as_other: bool = False
    swedish_dates: bool = False
    """An automated feed (polisen.se): store a new type under Övrigt with a warning."""

    def where(self, line: int, column: str | None = None) -> str:
        text = f"{self.file_name}, {self.unit} {line}"
        return f"{text}, kolumn {column!r}" if column else text

    def error(self, kind: str, line: int, column: str | None, message: str, fix: str = "") -> None:
        self.report.errors.add(kind, Problem(self.where(line, column), message, fix))


def import_incidents(
    engine: Engine,
    path: Path,
    options: ImportOptions,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Validate an incident file and, if it has no errors and this is not a dry run, import it.

    Returns
    -------
    ImportReport
        ``report.accepted`` is False when anything was wrong; nothing was written then.
    """
    say = progress or (lambda _fraction, _message: None)
    report = ImportReport(file_name=path.name, source=options.source, dry_run=dry_run,
                          surface=options.surface, updates=True, skips_unchanged=True,
                          excludable=True)  # fmt: skip
    if options.outside not in OUTSIDE_CHOICES:
        raise GeoError(
            f"Okänt val {options.outside!r} för punkter utanför områdena; använd {', '.join(OUTSIDE_CHOICES)}."
        )
    if options.source not in SOURCES:
        raise GeoError(f"Okänd källa {options.source!r}; använd {', '.join(SOURCES)}.")
    if not path.exists():
        raise GeoError(f"Filen {path} finns inte.")
    size = path.stat().st_size
    if size > options.max_bytes:
        report.errors.add("storlek", Problem(path.name, f"filen är {size / 1e6:.0f} MB, gränsen är {options.max_bytes / 1e6:.0f} MB",
                                             "dela upp filen, eller höj LAGESBILD_MAX_IMPORT_MB"))  # fmt: skip
        return report
    fmt, note = detect_format(path, options.format)
    report.format = fmt
    if note:
        report.notes.append(note)
    _info, layer = active_layer(engine)
    taxonomy = load_taxonomy()
    profile = load_profile(options.profile, options.user_dir)
    report.profile = profile.name
    source_name = "polisen" if fmt == "polisen" else options.source
    report.source = source_name
    today = options.today or dt.date.today()
    context = _Context(
        file_name=path.name, unit="objekt" if fmt in ("geojson", "gpkg", "polisen") else "rad",
        source=source_name, profile=profile, taxonomy=taxonomy, layer=layer,
        area_names={name_key(n): c for n, c in zip(layer["name"], layer["area_code"], strict=True)},
        land=municipality_outline().buffer(COASTAL_BUFFER_M),
        earliest=pd.Timestamp(profile.earliest, tz="UTC"),
        latest=pd.Timestamp(today + dt.timedelta(days=1), tz="UTC"),
        report=report, existing=_existing(engine, source_name),
        type_groups={fold(raw): group for raw, group in
                     [*user_type_groups(options.user_dir).items(), *options.type_groups]},
        outside=options.outside, unknown_as_other=fmt == "polisen", swedish_dates=options.swedish_dates,
    )  # fmt: skip
    unknown_groups = sorted(
        {g for g in context.type_groups.values()} - {g.key for g in taxonomy.groups}
    )
    if unknown_groups:
        raise GeoError(
            f"Okänd kategorigrupp {', '.join(unknown_groups)}; använd en av: {', '.join(g.key for g in taxonomy.groups)}."
        )
    report.unit = context.unit
    sha256 = file_sha256(path)

    record = ImportRecord(kind="incidents", source=source_name, imported_by=options.imported_by,
                          file_name=path.name, file_sha256=sha256)  # fmt: skip
    with importing(engine, report, record) as (work, import_id):
        assert import_id is not None
        connection = work.connection
        # A dry run writes no rows (the checks need none), so it defers nothing either.
        expected_rows = 0 if dry_run else size // BYTES_PER_ROW_ESTIMATE
        deferred = defer_secondary_indexes(connection, expected_rows=expected_rows)
        if not dry_run and size >= PARALLEL_MIN_BYTES and fork_available():
            # Validation in a child process on the other core, the writes here (geo.forked).
            child = ChildProducer(
                lambda progress: _validated(path, fmt, options, context, progress),
                lambda: report,
                say,
            )
            for canonical in child:
                _write(connection, canonical, import_id, context)
            _take_validation(report, child.result)
        else:
            for canonical in _validated(path, fmt, options, context, say):
                _write(connection, canonical, import_id, context)
        if report.will_store:  # otherwise the unit is discarded: no rows, no import line
            _finish_import_log(connection, import_id, report, options)
            restore_indexes(connection, deferred)  # a rollback restores them by itself
            if bool(deferred) and _checkpoint_after_commit(connection):
                work.after_commit(lambda: _start_checkpoint(connection, engine))
    if report.imported:
        say(1.0, "Klart.")
    return report


def _checkpoint_after_commit(connection: Connection) -> bool:
    """For a bulk load on SQLite: let the commit skip the WAL checkpoint; True if it will.

    In WAL mode the committing connection normally copies the whole WAL into the database file
    before ``COMMIT`` returns (1M rows: a 190 MB WAL, 0.9 s). The data are committed and visible
    once the WAL holds them, so the copy is done afterwards by :func:`_start_checkpoint`, the way a
    server database's checkpointer works.
    """
    if connection.dialect.name != "sqlite":
        return False
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA wal_autocheckpoint=0")  # this connection only, until the commit
    return True


def _start_checkpoint(connection: Connection, engine: Engine) -> threading.Thread:
    """Copy the WAL into the database file in a background thread, on a connection of its own."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA wal_autocheckpoint=1000")  # back to SQLite's default for the pool
    database = str(engine.url.database)

    def run() -> None:
        try:
            with contextlib.closing(sqlite3.connect(database, timeout=10)) as own:
                own.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # housekeeping: the import is committed already
            log_unexpected(traceback.format_exc())

    thread = threading.Thread(target=run, name="lagesbild-checkpoint")
    thread.start()
    return thread


def _existing(engine: Engine, source: str) -> dict[str, tuple[str, str, str, str, str, str]]:
    """Return what the store already has from a source, by id key.

    Each value is (occurred_at, raw_type, description, category, area_code, id as stored).
    """
    with engine.connect() as connection:
        rows = connection.execute(
            select(incidents.c.source_id, incidents.c.occurred_at, incidents.c.raw_type, incidents.c.description,
                   incidents.c.category, incidents.c.area_code)
            .where(incidents.c.source == source)
        ).all()  # fmt: skip
    return {
        id_key(r[0]): (
            pd.Timestamp(r[1]).isoformat(),
            r[2],
            r[3] or "",
            r[4] or "",
            r[5] or "",
            r[0],
        )
        for r in rows
    }


def _validated(
    path: Path, fmt: str, options: ImportOptions, context: _Context, say: ProgressCallback
) -> Iterator[pd.DataFrame]:
    """Yield the file's rows, validated, chunk by chunk, while no error has been found.

    Nothing is written after an error; validation goes on to report every error and fills the
    preview.
    """
    report = context.report
    for canonical in _canonical_chunks(path, fmt, options, context, say):
        if len(report.preview) < 20:
            report.preview = pd.concat([report.preview, canonical.head(20 - len(report.preview))])
        if report.errors.total == 0:
            yield canonical
    _report_file_level(context)


_WRITE_FIELDS = ("rows_new", "rows_updated", "rows_unchanged", "warnings")
"""What :func:`_write` adds to the report (the rest comes from the validation)."""


def _take_validation(report: ImportReport, validated: ImportReport) -> None:
    """Merge the report the child validated into this process's report (which has the writes)."""
    written = report.warnings
    for name in (f.name for f in dataclasses.fields(ImportReport)):
        if name not in _WRITE_FIELDS:
            setattr(report, name, getattr(validated, name))
    report.warnings = validated.warnings
    for kind, problems in written.listed.items():
        for problem in problems:
            report.warnings.add(kind, problem)
    for kind, count in written.counts.items():
        report.warnings.counts[kind] += count - len(written.listed.get(kind, []))


def _canonical_chunks(
    path: Path, fmt: str, options: ImportOptions, context: _Context, say: ProgressCallback
) -> Iterator[pd.DataFrame]:
    if fmt == "polisen":
        yield from _polisen_chunks(path, options, context)
        return
    opener = {"csv": open_csv, "xlsx": open_xlsx}.get(fmt)
    source: SourceFile = opener(path) if opener else open_geo(path, fmt)
    report = context.report
    report.encoding, report.separator = source.encoding, source.separator
    report.notes += source.notes
    report.headers = [h for h in source.headers if not h.startswith("_")]
    chunks = iter(source.chunks)
    first = next(chunks, None)
    if first is not None:
        report.raw_preview = first.head(5).drop(
            columns=[c for c in first.columns if c.startswith("_")]
        )
    mapping = _map_columns(source, first, context, options)
    for chunk in itertools.chain([first] if first is not None else [], chunks):
        report.rows_read += len(chunk)
        excluded = chunk.index.isin(list(options.exclude))
        report.excluded_lines += [int(n) for n in chunk.index[excluded]]
        chunk = chunk[~excluded]
        if mapping is not None:
            canonical = _validate_chunk(chunk, mapping, source, context)
            report.rows_valid += len(canonical)
            yield canonical
        say(
            source.progress[0],
            f"Läst {report.rows_read:,} {units(context.unit, 2)}".replace(",", " "),
        )
    for problem in source.problems:
        report.errors.add("struktur", problem)
    missing_exclusions = sorted(set(options.exclude) - set(report.excluded_lines))
    if missing_exclusions:
        report.errors.add("undantag", Problem(path.name, f"{units(context.unit, 2)} {line_ranges(missing_exclusions)} som ska undantas finns inte i filen",
                                              "kontrollera numren mot rapporten"))  # fmt: skip


def _map_columns(
    source: SourceFile, first: pd.DataFrame | None, context: _Context, options: ImportOptions
) -> dict[str, str] | None:
    """Map each canonical field to a file column: profile, the user's map, then the content.

    The content is that of the first rows. Missing required columns are reported with the closest
    header; the result is None then.
    """
    if not source.headers:
        return None
    plan = plan_columns(
        source.headers, first, context.profile, file_name=source.path.name,
        column_map=dict(options.column_map), geometry_columns=source.format in ("geojson", "gpkg"),
    )  # fmt: skip
    mapping = plan.mapping
    context.time_mode = plan.time_mode
    context.report.notes += list(plan.notes)
    if source.format in ("geojson", "gpkg"):
        context.declared_crs = normalise_crs(options.crs or source.crs or MAP_CRS)
    elif "lon" in mapping and "lat" in mapping and "x" not in mapping:
        context.declared_crs = normalise_crs(options.crs or MAP_CRS)
    elif "x" in mapping and "y" in mapping:
        context.declared_crs = normalise_crs(options.crs) if options.crs else None
    context.report.columns = {k: v for k, v in mapping.items() if not v.startswith("_")}
    if plan.complete and "source_id" not in mapping:
        context.report.notes.append(
            "Filen har ingen id-kolumn: id räknas fram ur källa, tid, typ och plats, så samma fil känns igen nästa gång. "
            "En rättad tid eller plats blir då en ny händelse; importera rättelser med id (t.ex. ärendenummer)."
        )
    for problem in plan.problems:
        context.report.errors.add("kolumner", problem)
    if not plan.complete:
        context.report.columns_missing = True
        if source.format == "xlsx" and _looks_like_two_header_rows(
            source.headers, first, context.profile
        ):
            context.report.errors.add("kolumner", Problem(source.path.name, "rubriken verkar gå över två rader (sammanfogade celler i Excel): kolumnnamnen står på rad 2",
                                                          "ta bort den översta rubrikraden i Excel så att en rad med kolumnnamn står överst, och spara igen"))  # fmt: skip
        return None
    return mapping


def _looks_like_two_header_rows(
    headers: list[str], first: pd.DataFrame | None, profile: ImportProfile
) -> bool:
    """Whether the first data row names more fields than the header row does (a merged header)."""
    if first is None or first.empty:
        return False
    second = [str(v) for v in first.iloc[0].tolist()]
    return len(profile.match_columns(second)) > len(profile.match_columns(headers)) and (
        sum(1 for h in headers if not h.strip()) > 0 or len(profile.match_columns(headers)) <= 1
    )


def _validate_chunk(
    chunk: pd.DataFrame, mapping: dict[str, str], source: SourceFile, context: _Context
) -> pd.DataFrame:
    """Turn one chunk of text columns into canonical incident rows; every problem goes to the report."""
    out = pd.DataFrame(index=chunk.index)
    bad = pd.Series(False, index=chunk.index)
    bad |= _times(chunk, mapping, source, context, out)
    bad |= _types(chunk, mapping, context, out)
    bad |= _places(chunk, mapping, context, out)
    _descriptions(chunk, mapping, context, out)
    bad |= _ids(chunk, mapping, context, out, bad)
    out["source"] = context.source
    out["synthetic"] = False
    return out[~bad]


def _column(chunk: pd.DataFrame, mapping: dict[str, str], field_name: str) -> pd.Series | None:
    column = mapping.get(field_name)
    if column is None:
        return None
    values = chunk[column].str.strip()
    missing = values.isna() | values.str.lower().isin(_MISSING)
    return values.mask(missing)


# Missing-value markers in lower case, with and without å/ä/ö: empty, NULL, - and okänd are
# missing values, never "Övrigt".
_MISSING = frozenset(
    {"", "null", "none", "nan", "-", "--", "okänd", "okand", "uppgift saknas", "saknas", "n/a"}
)


def _times(
    chunk: pd.DataFrame,
    mapping: dict[str, str],
    source: SourceFile,
    context: _Context,
    out: pd.DataFrame,
) -> pd.Series:
    from geo.io.times import parse_local_times

    swedish = "svensk" in context.profile.date_formats or context.swedish_dates
    bad = pd.Series(False, index=chunk.index)
    if "occurred_at" in mapping:
        column = mapping["occurred_at"]
        values = _column(chunk, mapping, "occurred_at")
        assert values is not None
        if source.excel_dates:
            values = _excel_serials(values)
    else:
        column = f"{mapping['date']} + {mapping['time']}"
        date, clock = _column(chunk, mapping, "date"), _column(chunk, mapping, "time")
        assert date is not None and clock is not None
        if source.excel_dates:
            date, clock = _excel_serials(date), _excel_clock(clock)
        values, bad_clocks = combine_date_and_clock(date, clock)
        for line in bad_clocks:
            context.error("tid_klockslag", line, mapping["time"], f"{clock[line]!r} är inget klockslag",
                          "skriv klockslaget som TT:MM, t.ex. 01:40")  # fmt: skip
            bad[line] = True
        values = values.mask(bad)
    if "tz" in mapping:
        shown_values = values
        values, tz_offsets = _apply_time_zones(chunk, mapping, values, context, bad)
    else:
        shown_values, tz_offsets = values, None
    for line in values.index[values.isna() & ~bad]:
        context.error(
            "tid_saknas", int(line), column, "saknar tidpunkt", "fyll i när händelsen inträffade"
        )
        bad[line] = True
    parsed, problems = parse_local_times(values, swedish_forms=swedish)
    for problem in problems:
        context.error(problem.kind, problem.label, column, problem.message, problem.fix)
        bad[problem.label] = True
    too_early = parsed < context.earliest
    too_late = parsed > context.latest
    for line in parsed.index[too_early.fillna(False)]:
        context.error("tid_orimlig", int(line), column, f"{values[line]!r} är före {context.profile.earliest}, då källan inte fanns",
                      "kontrollera året; ändra earliest i importprofilen om datumet är rätt")  # fmt: skip
        bad[line] = True
    for line in parsed.index[too_late.fillna(False)]:
        context.error(
            "tid_framtid",
            int(line),
            column,
            f"{values[line]!r} ligger i framtiden",
            "kontrollera datumet",
        )
        bad[line] = True
    if tz_offsets is not None:
        bad |= _check_time_zones(parsed, tz_offsets, shown_values, mapping["tz"], context)
    out["occurred_at"] = parsed
    ended = _column(chunk, mapping, "ended_at")
    if ended is not None:
        ended_at, problems = parse_local_times(ended, swedish_forms=swedish)
        for problem in problems:
            context.error(
                problem.kind, problem.label, mapping["ended_at"], problem.message, problem.fix
            )
            bad[problem.label] = True
        before = (ended_at < parsed).fillna(False)
        for line in ended_at.index[before]:
            context.error(
                "tid_slut_före_start",
                int(line),
                mapping["ended_at"],
                "sluttiden är före starttiden",
                "kontrollera tiderna",
            )
            bad[line] = True
        out["ended_at"] = ended_at
    else:
        out["ended_at"] = pd.Series(pd.NaT, index=chunk.index, dtype="datetime64[ns, UTC]")
    return bad


_TZ_OFFSETS = {
    "utc": "+00:00", "z": "+00:00", "gmt": "+00:00", "utc+0": "+00:00", "utc+00:00": "+00:00",
    "cet": "+01:00", "met": "+01:00", "normaltid": "+01:00", "vintertid": "+01:00", "utc+1": "+01:00",
    "utc+01:00": "+01:00", "gmt+1": "+01:00",
    "cest": "+02:00", "mest": "+02:00", "sommartid": "+02:00", "utc+2": "+02:00",
    "utc+02:00": "+02:00", "gmt+2": "+02:00",
}  # fmt: skip
_TZ_LOCAL = frozenset({LOCAL_TZ_NAME.lower(), "lokal", "lokal tid", "svensk tid", "se", "sverige"})
_TZ_NUMERIC = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")
_HAS_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")


def _offset_text(value: str) -> str | None:
    """``"CET"`` → ``"+01:00"``; the local zone (its IANA name, "svensk tid") → ``""``; unknown → ``None``."""
    key = fold(value).replace(" ", "")
    if fold(value) in _TZ_LOCAL or key in _TZ_LOCAL:
        return ""
    if key in _TZ_OFFSETS:
        return _TZ_OFFSETS[key]
    match = _TZ_NUMERIC.match(key)
    if match and int(match["h"]) <= 14:
        return f"{match['sign']}{int(match['h']):02d}:{match['m'] or '00'}"
    return None


def _apply_time_zones(
    chunk: pd.DataFrame,
    mapping: dict[str, str],
    values: pd.Series,
    context: _Context,
    bad: pd.Series,
) -> tuple[pd.Series, pd.Series]:
    """Honour a time-zone column: append each row's offset to its time (local rows stay local).

    Returns the times to parse and, per row, the declared offset (``""`` for local time).
    """
    zones = _column(chunk, mapping, "tz")
    assert zones is not None
    zones = zones.astype(object)
    distinct = {z: _offset_text(str(z)) for z in zones.dropna().unique()}
    unknown = pd.Series(
        [z is not None and not pd.isna(z) and distinct.get(z) is None for z in zones],
        index=zones.index,
    )
    offsets = pd.Series([distinct.get(z) or "" for z in zones], index=zones.index, dtype=object)
    for line in zones.index[unknown]:
        context.error("tid_tidszon_okänd", int(line), mapping["tz"], f"{zones[line]!r} är ingen tidszon som kan tolkas",
                      f"skriv UTC, CET, CEST, {LOCAL_TZ_NAME} eller en offset som +01:00")  # fmt: skip
        bad[line] = True
    plain = (
        values.notna() & (offsets != "") & ~values.fillna("").str.strip().str.contains(_HAS_OFFSET)
    )
    out = values.copy()
    out[plain] = values[plain].str.strip() + offsets[plain]
    used = int((offsets != "").sum())
    if used and not any(n.startswith("Tidszonskolumnen") for n in context.report.notes):
        context.report.notes.append(
            f"Tidszonskolumnen {mapping['tz']!r} används: rader med UTC eller en offset räknas om till svensk tid."
        )
    return out, offsets


def _check_time_zones(
    parsed: pd.Series, offsets: pd.Series, values: pd.Series, column: str, context: _Context
) -> pd.Series:
    """Report a declared CET/CEST-style offset that Swedish time did not have then as an error."""
    bad = pd.Series(False, index=parsed.index)
    check = parsed.notna() & offsets.isin(["+01:00", "+02:00"])
    if not check.any():
        return bad
    local = parsed[check].dt.tz_convert(LOCAL_TZ)
    actual = local.map(lambda t: t.utcoffset())
    declared = offsets[check].map(lambda o: dt.timedelta(hours=int(o[1:3])))
    for line in actual.index[actual != declared]:
        season = (
            "sommartid, +02:00" if actual[line] == dt.timedelta(hours=2) else "normaltid, +01:00"
        )
        context.error("tid_tidszon_motsäger", int(line), column,
                      f"tidszonen {offsets[line]} stämmer inte med svensk tid vid {values[line]!r} ({season})",
                      "rätta tidszonen, eller ta bort kolumnen om tiderna är svensk lokal tid")  # fmt: skip
        bad[line] = True
    return bad


def _excel_clock(values: pd.Series) -> pd.Series:
    """Excel time-of-day cells (a fraction of a day, e.g. ``0.0694``) → ``HH:MM``."""
    numeric = pd.to_numeric(values, errors="coerce")
    fraction = (
        numeric.notna() & (numeric >= 0) & (numeric < 1) & values.str.contains(".", regex=False)
    )
    if not fraction.any():
        return values
    minutes = (numeric[fraction] * 24 * 60).round().astype(int)
    out = values.copy()
    out[fraction] = (minutes // 60).map("{:02d}".format) + ":" + (minutes % 60).map("{:02d}".format)
    return out


def _excel_serials(values: pd.Series) -> pd.Series:
    """Excel serial day numbers (e.g. ``45988.6``) in a time column → ISO local times."""
    numeric = pd.to_numeric(values, errors="coerce")
    serial = numeric.notna() & (numeric > 20_000) & (numeric < 80_000)
    if not serial.any():
        return values
    stamps = pd.Timestamp("1899-12-30") + pd.to_timedelta(numeric[serial], unit="D")
    out = values.copy()
    out[serial] = stamps.dt.round("s").dt.strftime("%Y-%m-%d %H:%M:%S")
    return out


def _types(
    chunk: pd.DataFrame, mapping: dict[str, str], context: _Context, out: pd.DataFrame
) -> pd.Series:
    column = mapping["raw_type"]
    values = _column(chunk, mapping, "raw_type")
    assert values is not None
    bad = pd.Series(False, index=chunk.index)
    for line in values.index[values.isna()]:
        context.error("typ_saknas", int(line), column, "saknar händelsetyp (tomt, NULL, - och okänd räknas som saknad)",
                      "fyll i typen; Övrigt används bara när typen verkligen är övrigt")  # fmt: skip
        bad[line] = True
    normalised = _normalise_unique(values.dropna())
    categories, weights, names = {}, {}, {}
    for raw in normalised.unique():
        event_type = context.taxonomy.classify(raw)
        if event_type is not None:
            categories[raw], weights[raw], names[raw] = (
                event_type.group,
                float(event_type.harm_weight),
                event_type.name,
            )
    for raw in normalised.unique():
        group = context.type_groups.get(fold(raw))
        if raw not in categories and group is not None:
            categories[raw], weights[raw], names[raw] = (
                group,
                group_weight(context.taxonomy, group),
                raw,
            )
    known = normalised.isin(list(categories))
    for line in normalised.index[~known]:
        context.unknown_types.setdefault(str(normalised[line]), []).append(int(line))
        bad[line] = True
    # One lookup per distinct value (a column of types has few), then take by code: ~4x faster
    # than three Series.map calls over a million rows.
    codes, uniques = pd.factorize(normalised)
    taken = codes >= 0

    def by_code(table: dict[str, Any], dtype: str) -> pd.Series:
        lookup = np.array([table.get(u) for u in uniques] + [None], dtype=object)
        values = lookup[np.where(taken, codes, len(uniques))]
        return pd.Series(values, index=normalised.index).astype(dtype)

    out["raw_type"] = by_code(names, "object")
    out["category"] = by_code(categories, "object")
    out["harm_weight"] = by_code(weights, "float64")
    return bad


def group_weight(taxonomy: Taxonomy, group: str) -> float:
    """Return the harm weight of a type a user put in ``group``: the median of the group's.

    Documented on *Importera*: a user-assigned type is weighted like a typical type of its group.
    """
    weights = sorted(float(t.harm_weight) for t in taxonomy.types if t.group == group)
    return weights[len(weights) // 2] if weights else 0.0


def _normalise_unique(values: pd.Series) -> pd.Series:
    """``normalise_text`` applied once per distinct value (a column of types has few)."""
    codes, uniques = pd.factorize(values)
    normalised = np.array([normalise_text(str(u)) for u in uniques], dtype=object)
    return pd.Series(normalised[codes] if len(uniques) else [], index=values.index, dtype=object)


def _parse_numbers(values: pd.Series, profile: ImportProfile) -> tuple[pd.Series, pd.Series]:
    """Text → float under the profile's decimal and thousands rules; returns (numbers, unparseable)."""
    text = values.str.replace("\u00a0", " ", regex=False).str.strip()
    if profile.thousands:
        text = text.str.replace(profile.thousands, "", regex=False)
    if profile.decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    elif profile.decimal == "auto":
        only_comma = text.str.contains(",", regex=False, na=False) & ~text.str.contains(
            ".", regex=False, na=False
        )
        text = text.where(~only_comma, text.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(text, errors="coerce")
    return numbers, values.notna() & numbers.isna()


def _places(
    chunk: pd.DataFrame, mapping: dict[str, str], context: _Context, out: pd.DataFrame
) -> pd.Series:
    bad = pd.Series(False, index=chunk.index)
    x_field, y_field = ("x", "y") if "x" in mapping else ("lon", "lat")
    has_point = pd.Series(False, index=chunk.index)
    out["x"] = np.nan
    out["y"] = np.nan
    out["area_code"] = pd.Series(None, index=chunk.index, dtype="object")
    if x_field in mapping and y_field in mapping:
        xs_text, ys_text = _column(chunk, mapping, x_field), _column(chunk, mapping, y_field)
        assert xs_text is not None and ys_text is not None
        xs, bad_x = _parse_numbers(xs_text, context.profile)
        ys, bad_y = _parse_numbers(ys_text, context.profile)
        for line in chunk.index[bad_x | bad_y]:
            column = mapping[x_field] if bad_x[line] else mapping[y_field]
            value = xs_text[line] if bad_x[line] else ys_text[line]
            hint = (
                "ange tusentalsavgränsare i importprofilen (thousands)"
                if value and " " in str(value).strip()
                else "skriv talet med decimalkomma eller decimalpunkt"
            )
            context.error("koordinat_ogiltig", int(line), column, f"{value!r} är inget tal", hint)
            bad[line] = True
        zero = (xs == 0) & (ys == 0)
        present = xs.notna() & ys.notna() & ~zero & ~bad
        has_point = present
        xs, ys = _axis_order(xs, ys, present, context)
        bad |= _check_crs(xs[present], ys[present], mapping[x_field], context)
        usable = present & ~bad
        if usable.any():
            crs = context.declared_crs or WORK_CRS
            e, n = transformer(crs, WORK_CRS).transform(
                xs[usable].to_numpy(), ys[usable].to_numpy()
            )
            inside = shapely.contains_xy(context.land, e, n)
            for line in chunk.index[usable][~inside]:
                context.error("utanför_kommunen", int(line), mapping[x_field], f"punkten ({xs[line]}, {ys[line]}) ligger utanför Falkenbergs kommun",
                              "kontrollera koordinaterna och koordinatsystemet")  # fmt: skip
                bad[line] = True
            out.loc[usable, "x"] = np.round(e, 1)
            out.loc[usable, "y"] = np.round(n, 1)
            out.loc[usable, "area_code"] = area_codes_for_points(e, n, context.layer)
            nowhere = usable & out["area_code"].isna() & ~bad
            if nowhere.any():
                bad |= _outside_areas(out, nowhere, mapping[x_field], context)
    known_codes = set(context.layer["area_code"])
    codes = _column(chunk, mapping, "area_code")
    if codes is not None:
        given = codes.notna() & ~has_point
        unknown = given & ~codes.isin(list(known_codes))
        for line in chunk.index[unknown]:
            context.error("område_okänt", int(line), mapping["area_code"], f"områdeskoden {codes[line]!r} finns inte i det aktiva områdeslagret",
                          "använd en kod ur `python -m geo areas list`")  # fmt: skip
            bad[line] = True
        out.loc[given & ~unknown, "area_code"] = codes[given & ~unknown]
    names = _column(chunk, mapping, "area_name")
    if names is not None:
        given = names.notna() & out["area_code"].isna() & ~has_point
        matched = names[given].map(
            lambda n: context.area_names.get(name_key(str(n))) or _place_area(str(n), context)
        )
        for line in matched.index[matched.isna()]:
            context.error("område_okänt", int(line), mapping["area_name"], f"områdesnamnet {names[line]!r} finns inte i det aktiva områdeslagret",
                          _closest_area(str(names[line]), context))  # fmt: skip
            bad[line] = True
        out.loc[matched.dropna().index, "area_code"] = matched.dropna()
    no_place = ~has_point & out["area_code"].isna() & ~bad
    for line in chunk.index[no_place]:
        context.error("plats_saknas", int(line), None, "saknar plats: varken koordinater, områdeskod eller områdesnamn",
                      "fyll i koordinater eller område")  # fmt: skip
        bad[line] = True
    out["location_precision"] = np.where(has_point, "punkt", "område")
    return bad


def name_key(name: str) -> str:
    """How area names are compared: case, å/ä/ö, spaces, hyphens and underscores do not count."""
    return " ".join(fold(name).replace("-", " ").replace("_", " ").split())


def _closest_area(name: str, context: _Context) -> str:
    import difflib

    names = dict(zip(context.layer["name"].map(name_key), context.layer["name"], strict=True))
    match = difflib.get_close_matches(name_key(name), list(names), n=1, cutoff=0.6)
    if match:
        return f"menade du {names[match[0]]!r}? (stora/små bokstäver, å/ä/ö, mellanslag och bindestreck spelar ingen roll)"
    return "använd ett namn ur `python -m geo areas list`, en områdeskod som 1382R005, eller koordinater"


def _place_area(name: str, context: _Context) -> str | None:
    """Return the area of a locality or district named alone (``Ullared``, ``Skrea strand``)."""
    from geo.areas.gazetteer import area_for_text, find_places

    found = find_places(name)
    if len(found) == 1 and fold(found[0].name) == fold(name):
        return area_for_text(name, context.layer)
    return None


def _axis_order(
    xs: pd.Series, ys: pd.Series, present: pd.Series, context: _Context
) -> tuple[pd.Series, pd.Series]:
    """Read points whose x holds the northing that way, counted and named in the report.

    Swedish convention has X = north, Y = east. Never swapped silently, and a file mixing both
    orders is refused at the end (:func:`_report_file_level`).
    """
    if not present.any():
        return xs, ys
    expected = context.declared_crs or WORK_CRS
    if expected == MAP_CRS:
        return xs, ys  # lat/lon given as x/y is an error of its own (koordinat_omkastad)
    kinds = pd.Series(
        classify_points(xs[present].to_numpy(), ys[present].to_numpy()), index=xs[present].index
    )
    north_first = kinds.index[kinds == f"{expected}-swapped"]
    east_first = kinds.index[kinds == expected]
    context.axes["norr"] += len(north_first)
    context.axes["öst"] += len(east_first)
    context.axis_lines.setdefault("norr", []).extend(int(n) for n in north_first[:5])
    context.axis_lines.setdefault("öst", []).extend(int(n) for n in east_first[:5])
    if len(north_first) == 0:
        return xs, ys
    xs, ys = xs.copy(), ys.copy()
    xs[north_first], ys[north_first] = ys[north_first].to_numpy(), xs[north_first].to_numpy()
    return xs, ys


def _outside_areas(
    out: pd.DataFrame, nowhere: pd.Series, column: str, context: _Context
) -> pd.Series:
    """Points in the municipality but in no area: nearest area and distance, then the user's rule."""
    bad = pd.Series(False, index=out.index)
    geoms = context.layer.geometry.to_numpy()
    codes = context.layer["area_code"].to_numpy()
    names = dict(zip(context.layer["area_code"], context.layer["name"], strict=True))
    page = context.report.surface == "sida"
    for line in out.index[nowhere]:
        point = shapely.Point(out.at[line, "x"], out.at[line, "y"])
        distances = shapely.distance(point, geoms)
        nearest = int(np.argmin(distances))
        code, metres = str(codes[nearest]), float(distances[nearest])
        where = f"{metres:.0f} m från {names[code]} ({code})"
        if metres > NEAR_AREA_M:
            context.error("utanför_områden", int(line), column, f"punkten ligger utanför alla områden, {where}",
                          "kontrollera koordinaterna, eller importera ett områdeslager som täcker platsen")  # fmt: skip
            bad[line] = True
        elif context.outside == "närmaste":
            out.at[line, "area_code"] = code
            context.report.warnings.add("utanför_områden", Problem(context.where(int(line), column),
                                        f"punkten ligger utanför alla områden, {where}; räknas till {names[code]}"))  # fmt: skip
        elif context.outside == "undanta":
            context.report.left_out_lines.append(
                (int(line), "utanför alla områden (valt: undanta)")
            )
            bad[line] = True
        else:
            fix = ("välj \"Räkna till närmaste område\" eller \"Undanta\" under \"Punkter strax utanför alla områden\" och kontrollera igen"
                   if page else "lägg till --outside närmaste (räkna till närmaste område) eller --outside undanta")  # fmt: skip
            context.error(
                "utanför_områden",
                int(line),
                column,
                f"punkten ligger utanför alla områden, {where}",
                fix,
            )
            bad[line] = True
    return bad


def _check_crs(xs: pd.Series, ys: pd.Series, column: str, context: _Context) -> pd.Series:
    """Every point must fit the declared CRS; points that fit another are named with it."""
    bad = pd.Series(False, index=xs.index)
    if xs.empty:
        return bad
    declared = context.declared_crs
    kinds = pd.Series(classify_points(xs.to_numpy(), ys.to_numpy()), index=xs.index)
    for kind, lines in kinds.groupby(kinds).groups.items():
        context.crs_counts[kind] += len(lines)
        context.crs_lines.setdefault(kind, []).extend(int(n) for n in lines[:5])
    expected = declared or WORK_CRS
    for line in kinds.index[kinds != expected]:
        kind = kinds[line]
        value = f"({xs[line]}, {ys[line]})"
        if (
            kind in ("EPSG:3006-swapped", "EPSG:3021-swapped")
            and declared is None
            and kind.startswith(RT90_CRS)
        ):
            context.error("koordinat_crs", int(line), column, f"{value} ser ut som RT90 2.5 gon V med X = norr och Y = öst (svensk konvention)",
                          f"ange --crs {RT90_CRS} (koordinatsystem RT90 på sidan Importera)")  # fmt: skip
        elif kind.endswith("-swapped") and kind != "EPSG:4326-swapped":
            base = kind.removesuffix("-swapped")
            context.error("koordinat_crs", int(line), column, f"{value} ser ut som {CRS_NAMES[base]} med X = norr och Y = öst, men filen anges vara {CRS_NAMES[declared or WORK_CRS]}",
                          f"ange --crs {base}, eller rätta punkterna")  # fmt: skip
        elif kind == "EPSG:4326-swapped":
            context.error(
                "koordinat_omkastad",
                int(line),
                column,
                f"{value} ser ut som latitud och longitud i omvänd ordning",
                "byt plats på kolumnerna",
            )
        elif kind in CRS_NAMES and declared is None:
            context.error("koordinat_crs", int(line), column, f"{value} ser ut som {CRS_NAMES[kind]}, inte SWEREF 99 TM som x/y förutsätts vara",
                          f"ange --crs {kind}")  # fmt: skip
        elif kind in CRS_NAMES:
            context.error("koordinat_crs", int(line), column, f"{value} ser ut som {CRS_NAMES[kind]}, men filen anges vara {CRS_NAMES[declared or WORK_CRS]}",
                          f"ange --crs {kind}, eller rätta punkterna")  # fmt: skip
        elif expected == MAP_CRS and not (-180 <= xs[line] <= 180 and -90 <= ys[line] <= 90):
            context.error(
                "koordinat_utanför",
                int(line),
                column,
                f"{value} ligger utanför ±180/±90 grader",
                "kontrollera koordinaterna",
            )
        else:
            context.error(
                "koordinat_utanför",
                int(line),
                column,
                f"{value} ligger inte i Sverige i något känt koordinatsystem",
                "kontrollera koordinaterna",
            )
        bad[line] = True
    return bad


def _descriptions(
    chunk: pd.DataFrame, mapping: dict[str, str], context: _Context, out: pd.DataFrame
) -> None:
    values = _column(chunk, mapping, "description")
    if values is None:
        out["description"] = None
        return
    screened = screen_column(values)
    context.report.redacted_lines += screened.redacted_rows
    context.report.near_miss_lines += screened.near_miss_rows
    for line in screened.near_miss_rows[
        : EXAMPLES_PER_KIND - len(context.report.warnings.listed.get("nästan_personnummer", []))
    ]:
        context.report.warnings.add("nästan_personnummer", Problem(context.where(line, mapping["description"]),
                                    "ett tal som ser ut som ett personnummer med fel kontrollsiffra togs bort", "kontrollera källsystemets fritext"))  # fmt: skip
    out["description"] = screened.values.astype(object).where(screened.values.notna(), None)


def id_key(source_id: str) -> str:
    """How ids are compared: trimmed and case-folded (``F-2026-0903`` = ``f-2026-0903 ``)."""
    return source_id.strip().casefold()


_ASCII_WHITESPACE = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
"""The ASCII characters Python's ``str.strip`` removes."""


def id_keys(source_ids: pd.Series) -> pd.Series:
    """:func:`id_key` of every id; in pyarrow when all are ASCII (1M ids: 0.02 s instead of 1 s).

    For ASCII text, trimming these characters and lower-casing is exactly ``strip().casefold()``.
    """
    array = pa.array(source_ids.astype("string"))
    if len(array) == 0 or not pc.all(pc.string_is_ascii(array)).as_py():
        return source_ids.map(id_key)
    keys = pc.ascii_lower(pc.ascii_trim(array, characters=_ASCII_WHITESPACE))
    return pd.Series(keys.to_numpy(zero_copy_only=False), index=source_ids.index, dtype=object)


def content_ids(source: str, out: pd.DataFrame) -> pd.Series:
    """Return a stable id for rows without one, from what the row is: source, time, type, place.

    The same file imported again gives the same ids, so it is recognised as already imported.
    The description is left out on purpose: a corrected text is the same incident.
    """

    def text(column: str) -> pd.Series:
        values = out[column]
        if column == "occurred_at":
            return values.map(lambda t: "" if pd.isna(t) else pd.Timestamp(t).isoformat())
        if column in ("x", "y"):
            return values.map(lambda v: "" if pd.isna(v) else f"{float(v):.1f}")
        return values.map(
            lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
        )

    content = (
        source
        + "|"
        + text("occurred_at")
        + "|"
        + text("raw_type")
        + "|"
        + text("x")
        + "|"
        + text("y")
        + "|"
        + text("area_code")
    )
    return content.map(
        lambda key: "h" + hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
    )


def _ids(
    chunk: pd.DataFrame,
    mapping: dict[str, str],
    context: _Context,
    out: pd.DataFrame,
    refused: pd.Series,
) -> pd.Series:
    """Ids from the file (trimmed, compared case-folded) or from the content; repeats reported.

    A line already ``refused`` (its time, type or place has an error) is not called a possible
    duplicate of another: two unreadable times are not the same time.
    """
    bad = pd.Series(False, index=chunk.index)
    given = _column(chunk, mapping, "source_id")
    column = mapping.get("source_id")
    if given is None:
        ids = content_ids(context.source, out)
        # Identical rows are possible duplicates, not errors: two thefts in the same area in the
        # same hour happen. Each repeat gets a suffix (#2, #3 …) so a re-import still matches.
        counts = context.id_keys
        suffixed = []
        for line, base in ids.items():
            repeats = counts.get(base, 0)
            counts[base] = repeats + 1
            if repeats and not refused.get(line, False):
                first = context.seen_ids.get(base, line)
                context.report.warnings.add("möjlig_dubblett", Problem(context.where(int(line)),
                                            f"samma tid, typ och plats som {context.unit} {first}: möjlig dubblett",
                                            "undanta raden om det är samma händelse"))  # fmt: skip
            else:
                context.seen_ids[base] = int(line)
            suffixed.append(base if not repeats else f"{base}#{repeats + 1}")
        out["source_id"] = pd.Series(suffixed, index=ids.index, dtype=object)
        return bad
    ids = given
    for line in ids.index[ids.isna()]:
        context.error("id_saknas", int(line), column, "saknar id",
                      "fyll i id, eller ta bort id-kolumnen så räknas ett id fram")  # fmt: skip
        bad[line] = True
    present = ids.dropna()
    keys = id_keys(present)
    # Vectorised: repeats inside this chunk, and ids already seen in earlier chunks.
    # Membership in a dict is ~50x faster than Series.isin for string ids (measured).
    values = keys.to_numpy(dtype=object)
    seen = context.seen_ids
    if seen.keys().isdisjoint(values):  # the usual case, checked in C before a per-value pass
        earlier = np.zeros(len(values), dtype=bool)
    else:
        earlier = np.fromiter((v in seen for v in values), dtype=bool, count=len(values))
    repeated = keys.duplicated(keep="first").to_numpy() | earlier
    seen.update(zip(values[~repeated].tolist(), present.index[~repeated].tolist(), strict=True))
    exclude_hint = (
        'undanta raden i fältet "Undanta rader"'
        if context.report.surface == "sida"
        else "undanta raden med --exclude"
    )
    for line, key in keys[repeated].items():
        first = seen[key]
        context.error("dubblett_i_filen", int(line), column,
                      f"samma id {present[line]!r} som {context.unit} {first} (stora/små bokstäver och mellanslag räknas inte)",
                      f"ta bort dubbletten eller {exclude_hint}")  # fmt: skip
        bad[line] = True
    out["source_id"] = ids
    return bad


def _report_file_level(context: _Context) -> None:
    context.report.unknown_types = {k: list(v) for k, v in context.unknown_types.items()}
    for value, lines in sorted(context.unknown_types.items(), key=lambda kv: -len(kv[1])):
        shown = line_ranges(lines)
        context.report.errors.add("typ_okänd", Problem(
            f"{context.file_name}, {units(context.unit, len(lines))} {shown}", f"okänd händelsetyp {value!r} ({len(lines)} st)",
            "välj en kategorigrupp för typen under \"Okända händelsetyper\" nedan, eller rätta värdet" if context.report.surface == "sida"
            else f"rätta värdet, eller lägg typen i en grupp: --group {value!r}=GRUPP (grupper: {', '.join(g.key for g in context.taxonomy.groups)})"))  # fmt: skip
    if context.axes["norr"] and context.axes["öst"]:
        context.report.errors.add("koordinat_axlar", Problem(context.file_name,
            f"blandad axelordning: {context.axes['norr']} punkter har x = norr (t.ex. {context.unit} {line_ranges(context.axis_lines['norr'])}), "
            f"{context.axes['öst']} har x = öst (t.ex. {context.unit} {line_ranges(context.axis_lines['öst'])})",
            "använd samma ordning på hela filen: x = öst och y = norr, eller x = norr och y = öst"))  # fmt: skip
    elif context.axes["norr"]:
        context.report.notes.append(
            f"x-kolumnen innehåller nordkoordinater och y-kolumnen östkoordinater (svensk konvention X = norr, Y = öst) på alla {context.axes['norr']} punkter; de lästes så. Kontrollera kartan efter importen."
        )
    kinds = [k for k in context.crs_counts if k in CRS_NAMES]
    if len(kinds) > 1:
        summary = "; ".join(
            f"{CRS_NAMES[k]}: {context.crs_counts[k]} st (t.ex. {context.unit} {line_ranges(context.crs_lines[k])})"
            for k in kinds
        )
        context.report.errors.add("koordinat_blandade", Problem(context.file_name, f"blandade koordinatsystem i samma fil: {summary}",
                                                                "använd ett koordinatsystem för hela filen"))  # fmt: skip


def _polisen_chunks(
    path: Path, options: ImportOptions, context: _Context
) -> Iterator[pd.DataFrame]:
    records = read_events_file(path)
    context.report.rows_read = len(records)
    batch = parse_events(
        records, file_name=path.name, taxonomy=context.taxonomy, layer=context.layer,
        exclude_positions=options.exclude,
    )  # fmt: skip
    context.report.excluded_lines += batch.excluded_positions
    missing = sorted(set(options.exclude) - set(batch.excluded_positions))
    if missing:
        context.report.errors.add("undantag", Problem(path.name, f"objekt {line_ranges(missing)} som ska undantas finns inte i filen (filen har {len(records)} objekt)",
                                                      "undanta med objektets nummer som felmeddelandet anger (objekt N), inte med händelsens id"))  # fmt: skip
    context.report.left_out.update(batch.left_out)
    if batch.duplicates_replaced:
        context.report.notes.append(
            f"{batch.duplicates_replaced} äldre versioner av samma id ersattes av den senaste i filen."
        )
    for problem in batch.problems:
        context.report.errors.add("polisen", problem)
    frame = batch.frame
    if frame.empty:
        return
    bad = frame["occurred_at"].isna()
    types = frame["raw_type"].map(context.taxonomy.classify)
    other = context.taxonomy.type_named("Övrigt")
    new_types: dict[str, list[int]] = {}
    for line in frame.index[types.isna()]:
        new_types.setdefault(str(frame.at[line, "raw_type"]), []).append(int(line))
    for raw, lines in new_types.items():
        # An automated feed must not stop on a type polisen.se adds: keep it under Övrigt, say so.
        context.report.warnings.add("typ_ny", Problem(f"{context.file_name}, objekt {line_ranges(lines)}",
                                    f"ny händelsetyp {raw!r} ({len(lines)} st) finns inte i taxonomin; sparad som Övrigt",
                                    "lägg till typen i data/taxonomy.json med rätt grupp och skadevikt"))  # fmt: skip
    unknown = types.isna()
    types = types.map(lambda t: other if t is None else t)
    frame = frame[~bad].copy()
    types, unknown = types[~bad], unknown[~bad]
    frame["raw_type"] = [
        raw if new else t.name
        for t, raw, new in zip(types, frame["raw_type"], unknown, strict=True)
    ]
    frame["category"] = [t.group for t in types]
    frame["harm_weight"] = [float(t.harm_weight) for t in types]
    screened = screen_column(frame["description"])
    context.report.redacted_lines += screened.redacted_rows
    context.report.near_miss_lines += screened.near_miss_rows
    frame["description"] = screened.values.astype(object)
    frame["x"] = np.nan
    frame["y"] = np.nan
    frame["ended_at"] = pd.NaT
    frame["source"] = "polisen"
    frame["synthetic"] = False
    context.report.rows_valid = len(frame)
    yield frame


def _write(
    connection: Connection, canonical: pd.DataFrame, import_id: int, context: _Context
) -> None:
    """Insert new rows; for polisen.se update changed ones; skip unchanged ones; flag conflicts."""
    report = context.report
    if canonical.empty:
        return
    existing = context.existing
    if existing:
        keys = id_keys(canonical["source_id"])
        known = keys.isin(list(existing))
        for line in canonical.index[known]:
            row = canonical.loc[line]
            changes = _changes(existing[keys[line]], row)
            if not changes:
                report.rows_unchanged += 1
                continue
            # A later export of the same case is a correction: the stored row is updated, and
            # the report says what changes (on the page before anything is confirmed).
            if not report.dry_run:
                _update_row(connection, context.source, existing[keys[line]][5], row, import_id)
            report.rows_updated += 1
            if context.source != "polisen":
                report.warnings.add("uppdateras", Problem(context.where(int(line), "id"),
                                    f"id {row['source_id']!r} finns redan och uppdateras: {'; '.join(changes)}",
                                    "undanta raden om den gamla uppgiften ska stå kvar"))  # fmt: skip
        canonical = canonical[~known]
    if report.errors.total == 0 and not canonical.empty:
        if not report.dry_run:  # a dry run is rolled back anyway: counting is enough
            insert_incidents(connection, canonical, import_id)
        report.rows_new += len(canonical)


def _changes(stored: tuple[str, str, str, str, str, str], row: pd.Series) -> list[str]:
    """Return what differs between a stored incident and the same id in the file, in Swedish."""
    stored_time, stored_type, stored_text, stored_category, stored_area, _stored_id = stored
    time = pd.Timestamp(row["occurred_at"])
    changes = []
    if stored_time != time.isoformat():
        old = pd.Timestamp(stored_time).tz_convert(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
        changes.append(f"tid {old} → {time.tz_convert(LOCAL_TZ):%Y-%m-%d %H:%M}")
    if stored_type != row["raw_type"]:
        changes.append(f"typ {stored_type} → {row['raw_type']}")
    elif stored_category != _text(row["category"]):
        changes.append(f"grupp {stored_category} → {row['category']}")
    if stored_area != _text(row["area_code"]):
        changes.append(f"område {stored_area or 'inget'} → {_text(row['area_code']) or 'inget'}")
    if stored_text != _text(row["description"]):
        changes.append("beskrivning ändrad")
    return changes


def _text(value: object) -> str:
    """Return a cell as text for comparing: missing (None, NaN, NA) is the empty string."""
    return "" if value is None or bool(pd.isna(value)) else str(value)


def _update_row(
    connection: Connection, source: str, stored_id: str, row: pd.Series, import_id: int
) -> None:
    connection.execute(
        update(incidents)
        .where(incidents.c.source == source, incidents.c.source_id == stored_id)
        .values(
            occurred_at=pd.Timestamp(row["occurred_at"]).to_pydatetime(), raw_type=row["raw_type"], category=row["category"],
            harm_weight=float(row["harm_weight"]), area_code=row["area_code"], location_precision=row["location_precision"],
            description=row["description"], import_id=import_id,
            x=None if pd.isna(row.get("x")) else float(row["x"]), y=None if pd.isna(row.get("y")) else float(row["y"]),
            ended_at=None if pd.isna(row.get("ended_at")) else pd.Timestamp(row["ended_at"]).to_pydatetime(),
        )
    )  # fmt: skip


def _finish_import_log(
    connection: Connection, import_id: int, report: ImportReport, options: ImportOptions
) -> None:
    exclusions: list[dict[str, Any]] = [
        {"line": n, "unit": report.unit, "reason": "undantagen av användaren"}
        for n in sorted(report.excluded_lines)
    ] + [{"line": n, "unit": report.unit, "reason": r} for n, r in sorted(report.left_out_lines)]
    connection.execute(
        update(imports).where(imports.c.id == import_id).values(
            rows_read=report.rows_read, rows_imported=report.rows_new + report.rows_updated,
            rows_excluded=len(exclusions), exclusions=json.dumps(exclusions, ensure_ascii=False),
            imported_at=now_utc(),
            note=f"{report.format}; {report.rows_new} nya, {report.rows_updated} uppdaterade, {report.rows_unchanged} oförändrade"
                 + (f"; personnummer borttagna på {len(report.redacted_lines)} rader" if report.redacted_lines else ""),
        )
    )  # fmt: skip
