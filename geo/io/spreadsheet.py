"""Spreadsheet files we write (CSV for Excel, XLSX): one place that keeps cells from running as formulas.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (and a leading TAB or CR can hide such a start), so an imported area called
``=HYPERLINK("https://…")`` or a unit ``=1+1`` would attack whoever opens an export. Every CSV or
XLSX the project writes goes through :func:`neutralise` here (OWASP "CSV injection"): a *text*
cell with such a start gets a leading apostrophe, which the spreadsheet shows and never evaluates.

Numbers stay numbers: an ``int``/``float`` cell (``-5``) is never touched, and neither is a text
that is exactly a number (``"-5"``, ``"-1,5"``, ``"+46"`` without anything after it), which a
spreadsheet reads as that number and cannot run. ``"-5+A1"`` or ``"+46 70 123"`` do get the
apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (or hide such a start)."""

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """Return the cell as it may be written: a text a spreadsheet would run gets a leading ``'``.

    Parameters
    ----------
    value
        Any cell value. Only ``str`` values are changed.

    Returns
    -------
    Any
        ``"'" + value`` for a text starting with one of :data:`FORMULA_STARTS` that is not a plain
        number; every other value unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if _PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def neutralise_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``table`` with every text cell and text header neutralised."""
    safe = table.copy()
    for column in safe.columns:
        series = safe[column]
        if not (
            pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)
        ):
            safe[column] = series.map(neutralise).astype(object)
    return safe.rename(columns=lambda c: neutralise(c) if isinstance(c, str) else c)


def csv_bytes(table: pd.DataFrame, *, sep: str = ";", bom: bool = True) -> bytes:
    """Return a table as CSV for Excel: neutralised cells, CRLF, UTF-8 (BOM unless ``bom=False``).

    ``sep=";"`` with a BOM is what Swedish Excel opens directly; ``sep=","`` without a BOM suits
    GIS tools (QGIS, ArcGIS).
    """
    text = neutralise_table(table).to_csv(sep=sep, index=False, lineterminator="\r\n")
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def csv_rows(
    columns: Sequence[str], rows: Iterable[Sequence[object]], *, sep: str = ";", bom: bool = True
) -> bytes:
    """Rows (lists of cells) under a header as CSV for Excel, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Tables as an Excel workbook, one sheet per name: every text is written as text.

    openpyxl stores a string starting with ``=`` as a formula; here each text cell is neutralised
    and typed as a string, so nothing in the workbook is a formula.
    """
    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for name, table in sheets.items():
        sheet = workbook.create_sheet(name[:31])
        safe = neutralise_table(table)
        sheet.append([str(c) for c in safe.columns])
        for row in safe.itertuples(index=False):
            sheet.append([None if _missing(v) else v for v in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
