"""Readers for incident files: chunks of text columns by line, and structural problems.

Each reader yields chunks indexed by the file's own line (or feature) numbers, plus the
structural problems it found. Validation happens in ``geo.io.ingest``.

CSV (Swedish Excel style): UTF-8, UTF-8 with BOM, Windows-1252 and UTF-16 with BOM; separators
``;``, ``,`` and TAB; a strict parser (unterminated quotes, ragged rows and NUL bytes are reported
with their line). Excel ``.xlsx`` through openpyxl (also when it hides behind ``.csv``).
GeoJSON and GeoPackage points through pyogrio.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.errors import Problem

CHUNK_ROWS = 100_000
FIELD_LIMIT = 1 << 30
"""The csv module refuses fields over 128 kB by default; a long legitimate text is not an error."""
csv.field_size_limit(FIELD_LIMIT)
_SEP_DIRECTIVE = re.compile(r"^\s*sep=(.)\s*$")
"""Excel's ``sep=;`` first line, which names the separator and is not the header."""
_ZIP_MAGIC = b"PK\x03\x04"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def detect_format(path: Path, declared: str | None = None) -> tuple[str, str | None]:
    """Return the file's real format and, if it differs from its name or declaration, why.

    A ``.csv`` that is really an Excel workbook (a zip archive) is read as ``xlsx``.
    """
    with path.open("rb") as handle:
        head = handle.read(64)
    sniffed: str | None = None
    if head.startswith(_ZIP_MAGIC):
        sniffed = "xlsx"
    elif head.startswith(_SQLITE_MAGIC):
        sniffed = "gpkg"
    else:
        stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
        if stripped.startswith(b"["):
            sniffed = "polisen"
        elif stripped.startswith(b"{"):
            sniffed = "geojson"
    by_name = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".geojson": "geojson",
               ".json": "polisen", ".gpkg": "gpkg"}.get(path.suffix.lower())  # fmt: skip
    claimed = declared or by_name
    if sniffed in ("xlsx", "gpkg") and claimed != sniffed:
        return (
            sniffed,
            f"{path.name} är egentligen en {'Excel-arbetsbok' if sniffed == 'xlsx' else 'GeoPackage'}; läses som {sniffed}.",
        )
    if claimed == "polisen" and sniffed == "geojson":
        return "geojson", None
    return claimed or sniffed or "csv", None


@dataclass
class SourceFile:
    """An opened incident file: headers, chunks of text columns, and structural problems."""

    path: Path
    format: str
    headers: list[str]
    unit: str
    """How rows are named in messages: ``rad`` (CSV/Excel line) or ``objekt`` (GIS feature)."""
    chunks: Iterator[pd.DataFrame]
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None
    separator: str | None = None
    crs: str | None = None
    excel_dates: bool = False
    notes: list[str] = field(default_factory=list)
    progress: list[float] = field(default_factory=lambda: [0.0])
    """Share of the file read so far (updated while chunks are consumed)."""


# --- CSV ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ByteScan:
    """What one pass over a file's bytes tells: encoding, NUL bytes, and physical line count."""

    encoding: str
    has_nul: bool
    lines: int


def scan_bytes(path: Path) -> ByteScan:
    """Scan a file's bytes: its encoding, whether it has NUL bytes, and its number of lines.

    Encoding by BOM (``utf-8-sig``, ``utf-16``), else ``utf-8`` if the whole file decodes, else
    ``cp1252``.
    """
    utf8 = codecs.getincrementaldecoder("utf-8")()
    valid_utf8, has_nul, newlines, last = True, False, 0, b""
    with path.open("rb") as handle:
        head = handle.read(4)
        handle.seek(0)
        for block in iter(lambda: handle.read(1 << 20), b""):
            if valid_utf8:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    valid_utf8 = False
            has_nul = has_nul or b"\x00" in block
            newlines += block.count(b"\n")
            last = block[-1:]
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8" if valid_utf8 else "cp1252"
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    return ByteScan(encoding=encoding, has_nul=has_nul and encoding != "utf-16", lines=lines)


def detect_separator(header_line: str) -> str:
    """Return the most frequent of ``;``, TAB and ``,`` in the header (``;`` wins ties)."""
    counts = {sep: header_line.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ";"


class _CountingReader(io.RawIOBase):
    """A binary reader that knows how many bytes have been read (for progress)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def open_csv(path: Path, *, chunk_rows: int | None = None) -> SourceFile:
    """Open a CSV file: detect encoding and separator, then stream chunks of rows."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    scan = scan_bytes(path)
    encoding = scan.encoding
    size = max(path.stat().st_size, 1)
    with path.open(encoding=encoding, newline="") as probe:
        header_line = probe.readline()
        directive = _SEP_DIRECTIVE.match(header_line.rstrip("\r\n"))
        if directive:
            header_line = probe.readline()
    separator = directive.group(1) if directive else detect_separator(header_line)
    source = SourceFile(
        path=path,
        format="csv",
        headers=[],
        unit="rad",
        chunks=iter(()),
        encoding=encoding,
        separator=separator,
    )
    if not header_line.strip():
        source.problems.append(
            Problem(path.name, "filen är tom", "exportera filen igen med rubrikrad och data")
        )
        return source
    header = next(csv.reader([header_line], delimiter=separator))
    header = [h.strip() for h in header]
    source.headers = header
    header_number = 2 if directive else 1
    if directive:
        source.notes.append(
            f"Första raden (sep={separator}) anger avgränsaren; rubrikraden är rad 2."
        )
    duplicates = sorted({h for h in header if header.count(h) > 1})
    for name in duplicates:
        source.problems.append(
            Problem(
                f"{path.name}, rad {header_number}",
                f"kolumnnamnet {name!r} förekommer flera gånger",
                "byt namn på kolumnerna",
            )
        )
    if not duplicates and not directive and _fast_path_is_exact(path, scan, separator, header):
        source.chunks = _arrow_chunks(path, source, encoding, separator, header, size, chunk_rows)
    else:
        source.chunks = _csv_chunks(
            path, source, encoding, separator, len(header), chunk_rows, size, header_number
        )
    return source


def _arrow_options(
    encoding: str, separator: str, header: list[str], on_invalid: Callable[[object], str]
) -> dict[str, object]:
    import pyarrow as pa
    import pyarrow.csv as arrow_csv

    return {
        "read_options": arrow_csv.ReadOptions(encoding="utf-8" if encoding == "utf-8-sig" else encoding, block_size=8 << 20),
        "parse_options": arrow_csv.ParseOptions(delimiter=separator, newlines_in_values=False, ignore_empty_lines=False, invalid_row_handler=on_invalid),
        "convert_options": arrow_csv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False),
    }  # fmt: skip


def _fast_path_is_exact(path: Path, scan: ByteScan, separator: str, header: list[str]) -> bool:
    """Whether pyarrow's (lenient, fast) parser gives exactly what the strict reader would.

    True only when there are no NUL bytes, no rows with the wrong number of fields, no quote
    characters left in values, and exactly one physical line per row (so no blank lines and no
    line breaks inside values): then row *i* is line *i + 2* and nothing was silently repaired.
    """
    import pyarrow.compute as pc
    import pyarrow.csv as arrow_csv

    if scan.has_nul or scan.encoding == "utf-16":
        return False
    invalid: list[object] = []

    def on_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    rows = 0
    try:
        reader = arrow_csv.open_csv(
            path, **_arrow_options(scan.encoding, separator, header, on_invalid)
        )
        for batch in reader:
            if invalid:
                return False
            rows += batch.num_rows
            all_empty = None
            for column in batch.columns:
                # Quote characters or line breaks left in a value mean the strict parser would
                # have read it differently (stray or unterminated quotes).
                for odd in ('"', "\n", "\r"):
                    if pc.any(pc.match_substring(column, odd)).as_py():
                        return False
                empty = pc.equal(column, "")
                all_empty = empty if all_empty is None else pc.and_(all_empty, empty)
            if all_empty is not None and pc.any(all_empty).as_py():
                return False  # a blank line: the strict reader skips it, pyarrow makes a row
    except Exception:
        return False
    return not invalid and rows > 0 and rows + 1 == scan.lines


def _arrow_chunks(
    path: Path,
    source: SourceFile,
    encoding: str,
    separator: str,
    header: list[str],
    size: int,
    chunk_rows: int,
) -> Iterator[pd.DataFrame]:
    """Chunks from pyarrow once :func:`_fast_path_is_exact` said it matches the strict reader."""
    import pyarrow.csv as arrow_csv

    reader = arrow_csv.open_csv(
        path, **_arrow_options(encoding, separator, header, lambda _row: "error")
    )
    next_line = 2
    done = 0
    for batch in reader:
        frame = batch.to_pandas(types_mapper=lambda _t: pd.StringDtype())
        frame.columns = header
        frame.index = pd.RangeIndex(next_line, next_line + len(frame), name="line")
        next_line += len(frame)
        done += batch.nbytes
        source.progress[0] = min(done / size, 0.99)
        for start in range(0, len(frame), chunk_rows):
            yield frame.iloc[start : start + chunk_rows]
    source.progress[0] = 1.0


def _csv_chunks(
    path: Path,
    source: SourceFile,
    encoding: str,
    separator: str,
    width: int,
    chunk_rows: int,
    size: int,
    header_lines: int = 1,
) -> Iterator[pd.DataFrame]:
    raw = _CountingReader(path.open("rb"))
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding=encoding, newline="")
    line_number = 0

    def lines() -> Iterator[str]:
        nonlocal line_number
        for line in text:
            line_number += 1
            if "\x00" in line:
                column = line.index("\x00") + 1
                source.problems.append(
                    Problem(
                        f"{path.name}, rad {line_number}, tecken {column}",
                        "innehåller NUL-tecken (binära data)",
                        "spara filen som text (CSV) igen; filen kan vara skadad",
                    )
                )
                line = line.replace("\x00", "")
            yield line

    reader = csv.reader(lines(), delimiter=separator, strict=True)
    rows: list[list[str]] = []
    labels: list[int] = []
    seen_data = False
    try:
        for _ in range(header_lines):
            next(reader)  # the sep= directive and the header, already read
        while True:
            start = line_number + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                source.problems.append(
                    Problem(
                        f"{path.name}, rad {start}",
                        f"felaktig citering: {error}",
                        'kontrollera citattecken ("); ett fält som börjar med " måste avslutas med "',
                    )
                )
                break
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                source.problems.append(
                    Problem(
                        f"{path.name}, rad {reader.line_num}",
                        f"har {len(row)} fält, rubrikraden har {width}",
                        f"kontrollera avgränsaren ({_name(separator)}) och citattecken på raden",
                    )
                )
                continue
            seen_data = True
            rows.append(row)
            labels.append(reader.line_num)
            if len(rows) >= chunk_rows:
                source.progress[0] = raw.position / size
                yield pd.DataFrame(
                    rows,
                    columns=source.headers,
                    index=pd.Index(labels, name="line"),
                    dtype="string",
                )
                rows, labels = [], []
        if rows:
            yield pd.DataFrame(
                rows, columns=source.headers, index=pd.Index(labels, name="line"), dtype="string"
            )
        if not seen_data and not any("citering" in p.message for p in source.problems):
            source.problems.append(
                Problem(
                    path.name,
                    "filen har bara en rubrikrad och inga data",
                    "exportera filen igen med data",
                )
            )
        source.progress[0] = 1.0
    finally:
        text.close()


def _name(separator: str) -> str:
    return {";": "semikolon", ",": "komma", "\t": "tabb"}[separator]


# --- Excel --------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def open_xlsx(path: Path, *, chunk_rows: int | None = None) -> SourceFile:
    """Open the first sheet of an Excel workbook; the first non-empty row is the header."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    import openpyxl

    # A file handle, not the path: openpyxl refuses names that do not end in .xlsx (an Excel
    # workbook saved as "export.csv" is common).
    handle = path.open("rb")
    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    source = SourceFile(
        path=path, format="xlsx", headers=[], unit="rad", chunks=iter(()), excel_dates=True
    )
    rows = sheet.iter_rows(values_only=True)
    header_row = 0
    for header_row, values in enumerate(rows, start=1):  # noqa: B007 - header_row used below
        if any(v is not None and str(v).strip() for v in values):
            source.headers = [_cell_text(v).strip() for v in values]
            break
    if not source.headers:
        workbook.close()
        handle.close()
        source.problems.append(
            Problem(path.name, "arbetsboken är tom", "kontrollera att data ligger på första bladet")
        )
        return source
    source.chunks = _xlsx_chunks(
        path, source, workbook, rows, header_row, chunk_rows, max(sheet.max_row or 1, 1), handle
    )
    return source


def _xlsx_chunks(
    path: Path, source: SourceFile, workbook: object, rows: Iterator[tuple[object, ...]],
    header_row: int, chunk_rows: int, total: int, handle: BinaryIO,
) -> Iterator[pd.DataFrame]:  # fmt: skip
    width = len(source.headers)
    buffer: list[list[str]] = []
    labels: list[int] = []
    seen = False
    for number, values in enumerate(rows, start=header_row + 1):
        cells = [_cell_text(v) for v in values]
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            source.problems.append(
                Problem(
                    f"{path.name}, rad {number}",
                    f"har värden utanför de {width} rubrikkolumnerna",
                    "ta bort eller namnge kolumnerna",
                )
            )
            continue
        seen = True
        buffer.append((cells + [""] * width)[:width])
        labels.append(number)
        if len(buffer) >= chunk_rows:
            source.progress[0] = number / total
            yield pd.DataFrame(
                buffer, columns=source.headers, index=pd.Index(labels, name="line"), dtype="string"
            )
            buffer, labels = [], []
    if buffer:
        yield pd.DataFrame(
            buffer, columns=source.headers, index=pd.Index(labels, name="line"), dtype="string"
        )
    if not seen:
        source.problems.append(
            Problem(
                path.name,
                "arbetsboken har bara en rubrikrad och inga data",
                "exportera igen med data",
            )
        )
    workbook.close()  # type: ignore[attr-defined]
    handle.close()
    source.progress[0] = 1.0


# --- GeoJSON / GeoPackage -----------------------------------------------------------------------


def open_geo(path: Path, fmt: str) -> SourceFile:
    """Open point features; properties become text columns, the points ``_x``/``_y`` in file CRS."""
    source = SourceFile(path=path, format=fmt, headers=[], unit="objekt", chunks=iter(()))
    try:
        frame = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as error:
        source.problems.append(
            Problem(path.name, f"kunde inte läsas som {fmt}: {error}", "kontrollera filformatet")
        )
        return source
    if frame.empty:
        source.problems.append(
            Problem(path.name, "filen innehåller inga objekt", "exportera igen med data")
        )
        return source
    source.crs = frame.crs.to_string() if frame.crs is not None else None
    labels = pd.Index(range(1, len(frame) + 1), name="line")
    table = pd.DataFrame(
        {c: frame[c].map(_cell_text) for c in frame.columns if c != "geometry"}, dtype="string"
    ).set_index(labels)
    points = frame.geometry.to_numpy()
    is_point = shapely.get_type_id(points) == 0
    for number in labels[~is_point & ~shapely.is_missing(points)]:
        kind = shapely.get_type_id(points[number - 1])
        source.problems.append(
            Problem(
                f"{path.name}, objekt {number}",
                f"geometrin är inte en punkt (typ {kind})",
                "exportera händelser som punkter",
            )
        )
    coords = shapely.get_coordinates(points[is_point])
    table["_x"] = pd.array([None] * len(frame), dtype="string")
    table["_y"] = pd.array([None] * len(frame), dtype="string")
    table.loc[labels[is_point], "_x"] = [repr(float(v)) for v in coords[:, 0]]
    table.loc[labels[is_point], "_y"] = [repr(float(v)) for v in coords[:, 1]]
    source.headers = list(table.columns)
    source.chunks = iter([table])
    source.progress[0] = 1.0
    return source
