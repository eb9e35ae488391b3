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

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, select, update

from geo.areas import file_sha256
from geo.builtin_areas import municipality_outline
from geo.crs import (
    CRS_NAMES,
    MAP_CRS,
    WORK_CRS,
    classify_points,
    normalise_crs,
    transformer,
)
from geo.errors import GeoError, Problem
from geo.falkenberg import COASTAL_BUFFER_M
from geo.join import area_codes_for_points
from geo.polisen import parse_events, read_events_file
from geo.profiles import ImportProfile, load_profile
from geo.readers import SourceFile, detect_format, open_csv, open_geo, open_xlsx
from geo.schema import imports, incidents
from geo.screening import screen_column
from geo.store import (
    ImportRecord,
    active_layer,
    insert_incidents,
    now_utc,
    record_import,
)
from geo.taxonomy import Taxonomy, fold, load_taxonomy, normalise_text

SOURCES = ("polis", "kommun", "region")
DEFAULT_MAX_BYTES = 1_000 * 1024 * 1024
BYTES_PER_ROW_ESTIMATE = 100
BULK_MIN_ROWS = 100_000
"""Files estimated above this many rows, and larger than the table, load with deferred indexes."""
EXAMPLES_PER_KIND = 20
"""How many problems of one kind the report lists; the rest are counted."""


# --- The report ---------------------------------------------------------------------------------


@dataclass
class ProblemLog:
    """Problems grouped by kind: the first few of each listed, all counted."""

    listed: dict[str, list[Problem]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, problem: Problem) -> None:
        self.counts[kind] += 1
        bucket = self.listed.setdefault(kind, [])
        if len(bucket) < EXAMPLES_PER_KIND:
            bucket.append(problem)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        out = []
        for kind, problems in self.listed.items():
            out += [f"  - {p}" for p in problems]
            hidden = self.counts[kind] - len(problems)
            if hidden > 0:
                out.append(f"    … och {hidden} till av samma slag")
        return out


@dataclass
class ImportReport:
    """What an import found and did; ``text()`` is the Swedish report for the terminal and the page."""

    file_name: str
    format: str = ""
    source: str = ""
    encoding: str | None = None
    separator: str | None = None
    profile: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    rows_valid: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    excluded_lines: list[int] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    redacted_lines: list[int] = field(default_factory=list)
    near_miss_lines: list[int] = field(default_factory=list)
    errors: ProblemLog = field(default_factory=ProblemLog)
    warnings: ProblemLog = field(default_factory=ProblemLog)
    notes: list[str] = field(default_factory=list)
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    dry_run: bool = False
    imported: bool = False
    import_id: int | None = None
    unit: str = "rad"

    @property
    def accepted(self) -> bool:
        return self.errors.total == 0

    def text(self) -> str:
        head = f"Import av {self.file_name} ({self.format}"
        if self.encoding:
            head += f", {self.encoding}, avgränsare {_separator_name(self.separator)}"
        head += f", källa {self.source})"
        lines = [head]
        lines += [f"  {note}" for note in self.notes]
        if self.columns:
            lines.append(
                "  Kolumner: " + ", ".join(f"{k} ← {v!r}" for k, v in self.columns.items())
            )
        lines.append(
            f"  Lästa {_units(self.unit, 2)}: {self.rows_read}; giltiga: {self.rows_valid}"
        )
        if self.excluded_lines:
            lines.append(
                f"  Undantagna av användaren: {len(self.excluded_lines)} ({_ranges(self.excluded_lines)})"
            )
        for reason, count in self.left_out.items():
            lines.append(f"  Utelämnade, {reason}: {count}")
        lines += findings_lines(
            self.unit, self.redacted_lines, self.near_miss_lines, self.errors, self.warnings,
            error_hint=f"  Rätta filen, eller undanta {_units(self.unit, 2)} uttryckligen med --exclude (t.ex. --exclude 12,15-18).",
        )  # fmt: skip
        if self.accepted:
            if self.dry_run:
                lines.append(
                    f"Provkörning: {self.rows_new} nya, {self.rows_updated} uppdaterade, {self.rows_unchanged} redan importerade. Inget sparat."
                )
            elif self.imported:
                lines.append(
                    f"Importerat (import {self.import_id}): {self.rows_new} nya, {self.rows_updated} uppdaterade, {self.rows_unchanged} redan importerade."
                )
        return "\n".join(lines)


def findings_lines(
    unit: str,
    redacted: list[int],
    near_misses: list[int],
    errors: ProblemLog,
    warnings: ProblemLog,
    *,
    error_hint: str | None = None,
) -> list[str]:
    """The part every import report shares: screened lines, errors (nothing imported) and warnings."""
    lines = []
    if redacted:
        lines.append(
            f"  Personnummer borttagna ur fritext på {len(redacted)} {_units(unit, len(redacted))}: {_ranges(redacted)}"
        )
    if near_misses:
        lines.append(
            f"  Möjliga personnummer (fel kontrollsiffra) borttagna på {len(near_misses)} {_units(unit, len(near_misses))}: {_ranges(near_misses)}"
        )
    if errors.total:
        lines.append(f"FEL ({errors.total}) – inget har importerats, databasen är oförändrad:")
        lines += errors.lines()
        if error_hint:
            lines.append(error_hint)
    if warnings.total:
        lines.append(f"Varningar ({warnings.total}):")
        lines += warnings.lines()
    return lines  # fmt: skip


def _units(unit: str, count: int) -> str:
    """``rad``/``rader``, ``objekt``/``objekt`` by count."""
    if unit == "rad":
        return "rad" if count == 1 else "rader"
    return unit


def _separator_name(separator: str | None) -> str:
    return {";": "semikolon", ",": "komma", "\t": "tabb"}.get(separator or "", "–")


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` → ``"1–3, 7"`` (at most 30 numbers shown)."""
    shown = sorted(numbers)[:30]
    parts: list[str] = []
    start = prev = None
    for n in shown:
        if start is None:
            start = prev = n
        elif prev is not None and n == prev + 1:
            prev = n
        else:
            parts.append(f"{start}–{prev}" if start != prev else f"{start}")
            start = prev = n
    if start is not None:
        parts.append(f"{start}–{prev}" if start != prev else f"{start}")
    more = f" … (+{len(numbers) - 30})" if len(numbers) > 30 else ""
    return ", ".join(parts) + more


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
    existing: dict[str, tuple[str, str, str]]
    seen_ids: dict[str, int] = field(default_factory=dict)
    """source_id → the line it was first seen on (for duplicate messages)."""
    unknown_types: dict[str, list[int]] = field(default_factory=dict)
    crs_counts: Counter[str] = field(default_factory=Counter)
    crs_lines: dict[str, list[int]] = field(default_factory=dict)
    declared_crs: str | None = None

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
    report = ImportReport(file_name=path.name, source=options.source, dry_run=dry_run)
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
    profile = load_profile(options.profile)
    report.profile = profile.name
    source_name = "polisen" if fmt == "polisen" else options.source
    report.source = source_name
    today = options.today or dt.date.today()
    context = _Context(
        file_name=path.name, unit="objekt" if fmt in ("geojson", "gpkg", "polisen") else "rad",
        source=source_name, profile=profile, taxonomy=taxonomy, layer=layer,
        area_names={fold(n): c for n, c in zip(layer["name"], layer["area_code"], strict=True)},
        land=municipality_outline().buffer(COASTAL_BUFFER_M),
        earliest=pd.Timestamp(profile.earliest, tz="UTC"),
        latest=pd.Timestamp(today + dt.timedelta(days=1), tz="UTC"),
        report=report, existing=_existing(engine, source_name),
    )  # fmt: skip
    report.unit = context.unit
    sha256 = file_sha256(path)

    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            import_id = record_import(
                connection,
                ImportRecord(
                    kind="incidents",
                    source=source_name,
                    imported_by=options.imported_by,
                    file_name=path.name,
                    file_sha256=sha256,
                ),
            )
            for canonical in _canonical_chunks(path, fmt, options, context, say):
                if report.errors.total == 0:
                    _write(connection, canonical, import_id, context)
                if len(report.preview) < 20:
                    report.preview = pd.concat(
                        [report.preview, canonical.head(20 - len(report.preview))]
                    )
            _report_file_level(context)
            if report.errors.total or dry_run:
                transaction.rollback()
                return report
            _finish_import_log(connection, import_id, report, options)
            transaction.commit()
            report.imported, report.import_id = True, import_id
            say(1.0, "Klart.")
            return report
        except BaseException:
            transaction.rollback()
            raise


def _existing(engine: Engine, source: str) -> dict[str, tuple[str, str, str]]:
    """source_id → (occurred_at, raw_type, description) of what the store already has from a source."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(incidents.c.source_id, incidents.c.occurred_at, incidents.c.raw_type, incidents.c.description)
            .where(incidents.c.source == source)
        ).all()  # fmt: skip
    return {r[0]: (pd.Timestamp(r[1]).isoformat(), r[2], r[3] or "") for r in rows}


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
    mapping = _map_columns(source, context, options)
    rows_before = 0
    for chunk in source.chunks:
        report.rows_read += len(chunk)
        excluded = chunk.index.isin(list(options.exclude))
        report.excluded_lines += [int(n) for n in chunk.index[excluded]]
        chunk = chunk[~excluded]
        if mapping is not None:
            canonical = _validate_chunk(chunk, mapping, source, context)
            report.rows_valid += len(canonical)
            yield canonical
        rows_before += len(chunk)
        say(
            source.progress[0],
            f"Läst {report.rows_read:,} {_units(context.unit, 2)}".replace(",", " "),
        )
    for problem in source.problems:
        report.errors.add("struktur", problem)
    missing_exclusions = sorted(set(options.exclude) - set(report.excluded_lines))
    if missing_exclusions:
        report.errors.add("undantag", Problem(path.name, f"{_units(context.unit, 2)} {_ranges(missing_exclusions)} som ska undantas finns inte i filen",
                                              "kontrollera numren mot rapporten"))  # fmt: skip


def _map_columns(
    source: SourceFile, context: _Context, options: ImportOptions
) -> dict[str, str] | None:
    """Canonical field → file column; reports missing required columns (returns None then)."""
    if not source.headers:
        return None
    mapping = context.profile.match_columns(source.headers)
    if source.format in ("geojson", "gpkg"):
        mapping["x"], mapping["y"] = "_x", "_y"
        context.declared_crs = normalise_crs(options.crs or source.crs or MAP_CRS)
    elif "lon" in mapping and "lat" in mapping and "x" not in mapping:
        context.declared_crs = normalise_crs(options.crs or MAP_CRS)
    elif "x" in mapping and "y" in mapping:
        context.declared_crs = normalise_crs(options.crs) if options.crs else None
    context.report.columns = {k: v for k, v in mapping.items() if not v.startswith("_")}
    headers = ", ".join(repr(h) for h in source.headers if not h.startswith("_"))
    missing = []
    if "raw_type" not in mapping:
        missing.append(("typ", "raw_type"))
    if "occurred_at" not in mapping and not ("date" in mapping and "time" in mapping):
        missing.append(("tidpunkt (eller datum och klockslag)", "occurred_at"))
    has_place = ("x" in mapping and "y" in mapping) or ("lon" in mapping and "lat" in mapping)
    if not has_place and "area_code" not in mapping and "area_name" not in mapping:
        missing.append(("plats (x/y, lat/lon, områdeskod eller områdesnamn)", "x"))
    for label, field_name in missing:
        aliases = ", ".join(context.profile.columns.get(field_name, ()))
        context.report.errors.add("kolumner", Problem(source.path.name, f"hittar ingen kolumn för {label}; filens kolumner: {headers}",
                                                      f"döp om kolumnen till ett av: {aliases}, eller använd en annan --profile"))  # fmt: skip
    return None if missing else mapping


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
    bad |= _ids(chunk, mapping, context, out)
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
    from geo.times import parse_local_times

    swedish = "svensk" in context.profile.date_formats
    if "occurred_at" in mapping:
        column = mapping["occurred_at"]
        values = _column(chunk, mapping, "occurred_at")
    else:
        column = f"{mapping['date']} + {mapping['time']}"
        date, clock = _column(chunk, mapping, "date"), _column(chunk, mapping, "time")
        assert date is not None and clock is not None
        values = (date + " " + clock).where(date.notna() & clock.notna())
    assert values is not None
    if source.excel_dates:
        values = _excel_serials(values)
    bad = pd.Series(False, index=chunk.index)
    for line in values.index[values.isna()]:
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
    known = normalised.isin(list(categories))
    for line in normalised.index[~known]:
        context.unknown_types.setdefault(str(normalised[line]), []).append(int(line))
        bad[line] = True
    out["raw_type"] = normalised.map(names)
    out["category"] = normalised.map(categories)
    out["harm_weight"] = normalised.map(weights)
    return bad


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
        matched = names[given].map(lambda n: context.area_names.get(fold(str(n))))
        for line in matched.index[matched.isna()]:
            context.error("område_okänt", int(line), mapping["area_name"], f"områdesnamnet {names[line]!r} finns inte i det aktiva områdeslagret",
                          "använd ett namn ur `python -m geo areas list` (stavning och å/ä/ö spelar ingen roll)")  # fmt: skip
            bad[line] = True
        out.loc[matched.dropna().index, "area_code"] = matched.dropna()
    no_place = ~has_point & out["area_code"].isna() & ~bad
    for line in chunk.index[no_place]:
        context.error("plats_saknas", int(line), None, "saknar plats: varken koordinater, områdeskod eller områdesnamn",
                      "fyll i koordinater eller område")  # fmt: skip
        bad[line] = True
    out["location_precision"] = np.where(has_point, "punkt", "område")
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
        context.crs_lines.setdefault(kind, []).extend(int(n) for n in list(lines)[:5])
    expected = declared or WORK_CRS
    for line in kinds.index[kinds != expected]:
        kind = kinds[line]
        value = f"({xs[line]}, {ys[line]})"
        if kind == "EPSG:4326-swapped":
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


def _ids(
    chunk: pd.DataFrame, mapping: dict[str, str], context: _Context, out: pd.DataFrame
) -> pd.Series:
    bad = pd.Series(False, index=chunk.index)
    given = _column(chunk, mapping, "source_id")
    if given is None:
        content = (
            out["occurred_at"].astype(str) + "|" + out["raw_type"].astype(str) + "|" + out["x"].astype(str)
            + "|" + out["y"].astype(str) + "|" + out["area_code"].astype(str) + "|" + out["description"].astype(str)
        )  # fmt: skip
        ids = content.map(
            lambda text: (
                "h" + hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
            )
        )
    else:
        ids = given
        for line in ids.index[ids.isna()]:
            context.error(
                "id_saknas",
                int(line),
                mapping["source_id"],
                "saknar id",
                "fyll i id, eller ta bort id-kolumnen så räknas ett id fram",
            )
            bad[line] = True
    column = mapping.get("source_id")
    present = ids.dropna()
    # Vectorised: repeats inside this chunk, and ids already seen in earlier chunks.
    # Membership in a dict is ~50x faster than Series.isin for string ids (measured).
    values = present.to_numpy(dtype=object)
    seen = context.seen_ids
    earlier = np.fromiter((v in seen for v in values), dtype=bool, count=len(values))
    repeated = present.duplicated(keep="first").to_numpy() | earlier
    seen.update(zip(values[~repeated].tolist(), present.index[~repeated].tolist(), strict=True))
    for line, source_id in present[repeated].items():
        first = seen[source_id]
        what = (
            f"samma id {source_id!r} som {context.unit} {first}"
            if column
            else f"samma innehåll som {context.unit} {first}"
        )
        context.error(
            "dubblett_i_filen",
            int(line),
            column,
            what,
            "ta bort dubbletten eller undanta raden med --exclude",
        )
        bad[line] = True
    out["source_id"] = ids
    return bad


def _report_file_level(context: _Context) -> None:
    for value, lines in sorted(context.unknown_types.items(), key=lambda kv: -len(kv[1])):
        shown = _ranges(lines)
        context.report.errors.add("typ_okänd", Problem(
            f"{context.file_name}, {_units(context.unit, len(lines))} {shown}", f"okänd händelsetyp {value!r} ({len(lines)} st)",
            "lägg till typen eller ett alias i data/taxonomy.json, eller rätta värdet"))  # fmt: skip
    kinds = [k for k in context.crs_counts if k in CRS_NAMES]
    if len(kinds) > 1:
        summary = "; ".join(
            f"{CRS_NAMES[k]}: {context.crs_counts[k]} st (t.ex. {context.unit} {_ranges(context.crs_lines[k])})"
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
        exclude_ids=frozenset(str(n) for n in options.exclude),
    )  # fmt: skip
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
    for line in frame.index[types.isna()]:
        context.unknown_types.setdefault(str(frame.at[line, "raw_type"]), []).append(int(line))
    bad |= types.isna()
    frame = frame[~bad].copy()
    types = types[~bad]
    frame["raw_type"] = [t.name for t in types]
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
        known = canonical["source_id"].isin(list(existing))
        for line in canonical.index[known]:
            row = canonical.loc[line]
            stored_time, stored_type, stored_text = existing[row["source_id"]]
            same = (
                stored_time == pd.Timestamp(row["occurred_at"]).isoformat()
                and stored_type == row["raw_type"]
            )
            if context.source == "polisen":
                if same and stored_text == (row["description"] or ""):
                    report.rows_unchanged += 1
                else:
                    _update_polisen(connection, row, import_id)
                    report.rows_updated += 1
            elif same:
                report.rows_unchanged += 1
            else:
                context.error("dubblett_i_databasen", int(line), "id", f"id {row['source_id']!r} finns redan i databasen med annan tid eller typ",
                              "ett id får bara betyda en händelse; rätta id eller undanta raden")  # fmt: skip
        canonical = canonical[~known]
    if report.errors.total == 0 and not canonical.empty:
        insert_incidents(connection, canonical.reset_index(drop=True), import_id)
        report.rows_new += len(canonical)


def _update_polisen(connection: Connection, row: pd.Series, import_id: int) -> None:
    connection.execute(
        update(incidents)
        .where(incidents.c.source == "polisen", incidents.c.source_id == row["source_id"])
        .values(
            occurred_at=pd.Timestamp(row["occurred_at"]).to_pydatetime(), raw_type=row["raw_type"], category=row["category"],
            harm_weight=float(row["harm_weight"]), area_code=row["area_code"], location_precision=row["location_precision"],
            description=row["description"], import_id=import_id,
        )
    )  # fmt: skip


def _finish_import_log(
    connection: Connection, import_id: int, report: ImportReport, options: ImportOptions
) -> None:
    exclusions: list[dict[str, Any]] = [
        {"line": n, "reason": "undantagen av användaren"} for n in sorted(report.excluded_lines)
    ]
    connection.execute(
        update(imports).where(imports.c.id == import_id).values(
            rows_read=report.rows_read, rows_imported=report.rows_new + report.rows_updated,
            rows_excluded=len(exclusions), exclusions=json.dumps(exclusions, ensure_ascii=False),
            imported_at=now_utc(),
            note=f"{report.format}; {report.rows_new} nya, {report.rows_updated} uppdaterade, {report.rows_unchanged} oförändrade"
                 + (f"; personnummer borttagna på {len(report.redacted_lines)} rader" if report.redacted_lines else ""),
        )
    )  # fmt: skip
