"""Small table files (surveys, partner indicators): read whole, validate, report like incident imports.

Survey and indicator files are a few thousand rows at most, so they are read completely (CSV through
the same strict reader as incidents, or Excel) and validated as one frame indexed by file line.
The report has the shape of the incident import report: every problem with file, line and column,
nothing written unless there are none.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.errors import GeoError, Problem
from geo.io.ingest import ProblemLog, findings_lines, separator_name
from geo.io.readers import detect_format, open_csv, open_xlsx

MAX_TABLE_BYTES = 50 * 1024 * 1024
"""Survey and indicator files larger than this are refused (they are small by nature)."""


@dataclass
class TableReport:
    """What a survey or indicator import found and did; ``text()`` is the Swedish report."""

    what: str
    """What is imported, in Swedish: ``enkätsvar`` or ``indikatorvärden``."""
    file_name: str
    format: str = ""
    encoding: str | None = None
    separator: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    rows_valid: int = 0
    stored: int | None = None
    """Records to store when that is not one per row (a long survey file: one per respondent)."""
    redacted_lines: list[int] = field(default_factory=list)
    near_miss_lines: list[int] = field(default_factory=list)
    errors: ProblemLog = field(default_factory=ProblemLog)
    warnings: ProblemLog = field(default_factory=ProblemLog)
    notes: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    dry_run: bool = False
    imported: bool = False
    import_id: int | None = None

    @property
    def accepted(self) -> bool:
        """Whether the file has no errors (it can be imported)."""
        return self.errors.total == 0

    def where(self, line: int | None, column: str | None = None) -> str:
        """``fil.csv, rad 12, kolumn 'område'`` (line 1 is the header)."""
        text = self.file_name if line is None else f"{self.file_name}, rad {line}"
        return f"{text}, kolumn {column!r}" if column else text

    def error(
        self, kind: str, line: int | None, column: str | None, message: str, fix: str = ""
    ) -> None:
        """Record an error at a file line and column."""
        self.errors.add(kind, Problem(self.where(line, column), message, fix))

    def text(self) -> str:
        """Return the Swedish report, shaped like the incident import's."""
        head = f"Import av {self.what} från {self.file_name} ({self.format}"
        if self.encoding:
            head += f", {self.encoding}, avgränsare {separator_name(self.separator)}"
        lines = [head + ")"]
        lines += [f"  {note}" for note in self.notes]
        if self.columns:
            lines.append(
                "  Kolumner: " + ", ".join(f"{k} ← {v!r}" for k, v in self.columns.items())
            )
        lines.append(f"  Lästa rader: {self.rows_read}; giltiga: {self.rows_valid}")
        lines += [f"  {line}" for line in self.summary]
        # "rader" whatever the count, as survey and indicator reports have always said.
        lines += findings_lines(
            "rader", self.redacted_lines, self.near_miss_lines, self.errors, self.warnings
        )
        count = self.rows_valid if self.stored is None else self.stored
        if self.accepted and self.dry_run:
            lines.append(f"Provkörning: {count} {self.what} kan importeras. Inget sparat.")
        elif self.accepted and self.imported:
            lines.append(f"Importerat (import {self.import_id}): {count} {self.what}.")
        return "\n".join(lines)


def read_table(path: Path, report: TableReport) -> pd.DataFrame:
    """Read the whole file as text columns indexed by file line (header = line 1).

    Structural problems (ragged rows, bad quotes, empty file) go to ``report.errors``.

    Raises
    ------
    GeoError
        When the file does not exist, is too large, or is not CSV or Excel.
    """
    if not path.exists():
        raise GeoError(f"Filen {path} finns inte.")
    if not path.is_file():
        raise GeoError(f"{path} är ingen fil (en mapp?); ange själva CSV- eller Excelfilen.")
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise GeoError(
            f"{path.name} är {size / 1e6:.0f} MB; enkät- och indikatorfiler får vara högst "
            f"{MAX_TABLE_BYTES / 1e6:.0f} MB."
        )
    fmt, note = detect_format(path)
    if note:
        report.notes.append(note)
    if fmt not in ("csv", "xlsx"):
        raise GeoError(
            f"{path.name}: formatet {fmt} stöds inte här; spara filen som CSV eller Excel (.xlsx)."
        )
    report.format = fmt
    try:
        source = open_csv(path) if fmt == "csv" else open_xlsx(path)
        chunks = list(source.chunks)
    except GeoError:
        raise
    except Exception as error:
        if not _unreadable(error):
            raise
        # A broken workbook (not a zip, a missing part) or an unreadable file: nothing was read.
        what = "Excel-arbetsbok" if fmt == "xlsx" else "CSV-fil"
        raise GeoError(
            f"{path.name} kunde inte läsas som {what} ({type(error).__name__}: {error}); inget "
            "har importerats — öppna filen i Excel och spara den igen som .xlsx eller som CSV (UTF-8)."
        ) from error
    report.encoding, report.separator = source.encoding, source.separator
    for problem in source.problems:
        report.errors.add("filstruktur", problem)
    headers = _unique_headers(source.headers, path.name, fmt, report)
    for chunk in chunks:
        chunk.columns = headers[: len(chunk.columns)]
    frame = pd.concat(chunks) if chunks else pd.DataFrame(columns=headers)
    # Plain Python strings, None for empty cells (pandas' string dtype would give NaN).
    frame = pd.DataFrame(
        {
            column: pd.Series(
                [None if pd.isna(v) else (str(v).strip() or None) for v in frame[column]],
                index=frame.index,
                dtype=object,
            )
            for column in frame.columns
        },
        index=frame.index,
    )
    report.rows_read = len(frame)
    return frame


def _unreadable(error: Exception) -> bool:
    """Whether reading failed because of the file rather than a bug.

    A broken workbook, a missing part, an I/O error. openpyxl's own errors are recognised by their
    module, so openpyxl is imported only when a workbook is read.
    """
    return isinstance(error, (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile)) or type(
        error
    ).__module__.startswith("openpyxl")


def _unique_headers(headers: list[str], file_name: str, fmt: str, report: TableReport) -> list[str]:
    """Return the headers made unique (``namn (2)``) so the frame can be built.

    A repeated header is an error (the CSV reader reports it already, an Excel sheet is reported
    here).
    """
    seen: dict[str, int] = {}
    out = []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        out.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    if fmt != "csv":
        for name in sorted(h for h, n in seen.items() if n > 1):
            report.errors.add("filstruktur", Problem(f"{file_name}, rad 1",
                              f"kolumnnamnet {name!r} förekommer flera gånger", "byt namn på kolumnerna"))  # fmt: skip
    return out
