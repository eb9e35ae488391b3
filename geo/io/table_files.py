"""Small table files (surveys, partner indicators, presence logs): read whole into the one import report.

Survey and indicator files are a few thousand rows at most, so they are read completely (CSV through
the same strict reader as incidents, or Excel) and validated as one frame indexed by file line.
Problems go to the one report of every import (:class:`geo.io.report.ImportReport`): every
problem with file, line and column, nothing written unless there are none.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from geo.errors import GeoError, Problem
from geo.io.readers import detect_format, open_csv, open_xlsx
from geo.io.report import ImportReport

MAX_TABLE_BYTES = 50 * 1024 * 1024
"""Survey and indicator files larger than this are refused (they are small by nature)."""


def read_table(path: Path, report: ImportReport) -> pd.DataFrame:
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


def _unique_headers(
    headers: list[str], file_name: str, fmt: str, report: ImportReport
) -> list[str]:
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
