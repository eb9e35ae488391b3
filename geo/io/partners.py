"""Partner indicators: area-level figures from the kommun and the region, with source and period.

One generic file format, one row per value::

    area_code;period;indicator;value;unit;source
    1382R001;2025;Anmälningar om skadegörelse och klotter;14;antal;Falkenbergs kommun, felanmälan

``period`` is a year (``2025``), a quarter (``2025-Q3``) or a month (``2025-09``). Values may use a
decimal comma. The pair (area, period, indicator, source) is unique: a value already stored for it
is an error, not an overwrite. All or nothing, like every import.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, insert, select

from geo.io.profiles import header_key
from geo.io.report import ImportReport, importing
from geo.io.table_files import read_table
from geo.store.database import ImportRecord, active_layer
from geo.store.schema import partner_indicators

COLUMNS = {
    "area_code": ("area_code", "områdeskod", "regso"),
    "period": ("period", "tidsperiod"),
    "indicator": ("indicator", "indikator"),
    "value": ("value", "värde"),
    "unit": ("unit", "enhet"),
    "source": ("source", "källa"),
}
LABELS = {
    "area_code": "områdeskod", "period": "period", "indicator": "indikator", "value": "värde",
    "unit": "enhet", "source": "källa",
}  # fmt: skip
MAX_LENGTH = {"indicator": 200, "unit": 60, "source": 200}
"""The longest texts the store keeps (``geo.store.schema.partner_indicators``)."""
PERIOD = re.compile(r"^(?P<year>(19|20)\d{2})(?:-(?:Q(?P<q>[1-4])|(?P<m>0[1-9]|1[0-2])))?$")


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First day and the day after the last day of a period (local dates)."""
    match = PERIOD.match(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    year = int(match["year"])
    if match["q"]:
        start = pd.Timestamp(year, 3 * int(match["q"]) - 2, 1)
        return start, start + pd.DateOffset(months=3)
    if match["m"]:
        start = pd.Timestamp(year, int(match["m"]), 1)
        return start, start + pd.DateOffset(months=1)
    return pd.Timestamp(year, 1, 1), pd.Timestamp(year + 1, 1, 1)


@dataclass(frozen=True)
class IndicatorOptions:
    """How a partner indicator file is imported: who imports it (for the import log)."""

    imported_by: str = "okänd"


def import_indicators(
    engine: Engine, path: Path, options: IndicatorOptions | None = None, *, dry_run: bool = False
) -> ImportReport:
    """Validate an indicator file and store it when nothing is wrong (and not a dry run)."""
    options = options or IndicatorOptions()
    report = ImportReport(path.name, what="indikatorvärden", dry_run=dry_run)
    frame = read_table(path, report)
    by_key = {header_key(h): h for h in frame.columns}
    mapping = {
        field: next((by_key[header_key(a)] for a in aliases if header_key(a) in by_key), None)
        for field, aliases in COLUMNS.items()
    }
    report.columns = {k: v for k, v in mapping.items() if v}
    missing = [k for k, v in mapping.items() if v is None]
    if missing:
        report.error("kolumn", 1, None, f"kolumner saknas: {', '.join(missing)}",
                     "filen ska ha kolumnerna area_code, period, indicator, value, unit, source")  # fmt: skip
        return report
    _info, layer = active_layer(engine)
    codes = set(layer["area_code"])
    with engine.connect() as connection:
        stored = set(
            connection.execute(
                select(
                    partner_indicators.c.area_code,
                    partner_indicators.c.period,
                    partner_indicators.c.indicator,
                    partner_indicators.c.source,
                )
            ).all()
        )
    rows: list[dict[str, object]] = []
    seen: dict[tuple[object, ...], int] = {}
    for label, row in zip(frame.index, frame.to_dict("records"), strict=True):
        values: dict[str, str | None] = {
            field: None if pd.isna(row[column]) else str(row[column])
            for field, column in mapping.items()
            if column
        }
        line = int(label)
        problems_before = report.errors.total
        for field in COLUMNS:
            if values.get(field) is None:
                report.error("tomt_fält", line, mapping[field], f"{field} saknas: tom cell för {LABELS[field]}",
                             f"fyll i {LABELS[field]} på raden eller ta bort raden")  # fmt: skip
        if report.errors.total > problems_before:
            continue
        text_of = {k: str(v) for k, v in values.items()}
        for field, longest in MAX_LENGTH.items():
            if len(text_of[field]) > longest:
                report.error("för_lång_text", line, mapping[field],
                             f"{LABELS[field]} {text_of[field][:40]!r}… är {len(text_of[field])} tecken",
                             f"korta texten till högst {longest} tecken")  # fmt: skip
        if text_of["area_code"] not in codes:
            report.error("okänt_område", line, mapping["area_code"],
                         f"områdeskoden {text_of['area_code']!r} finns inte i det aktiva områdeslagret",
                         "använd RegSO-koden, t.ex. 1382R001")  # fmt: skip
        if not PERIOD.match(text_of["period"]):
            report.error("period", line, mapping["period"], f"perioden {text_of['period']!r} går inte att läsa",
                         "skriv år (2025), kvartal (2025-Q3) eller månad (2025-09)")  # fmt: skip
        text = re.sub(r"[\s\u00a0]", "", text_of["value"]).replace(",", ".")
        try:
            number = float(text)
            if not math.isfinite(number):
                raise ValueError
        except ValueError:
            report.error("värde", line, mapping["value"], f"värdet {text_of['value']!r} är inget tal",
                         "skriv ett tal, med decimalkomma om det behövs")  # fmt: skip
            continue
        key = (text_of["area_code"], text_of["period"], text_of["indicator"], text_of["source"])
        if key in seen:
            report.error("dubblett", line, mapping["indicator"], f"samma område, period, indikator och källa som rad {seen[key]}",
                         "ta bort dubbletten")  # fmt: skip
        elif key in stored:
            report.error("dubblett", line, mapping["indicator"], "värdet är redan importerat för samma område, period, indikator och källa",
                         "importera bara nya värden")  # fmt: skip
        seen.setdefault(key, line)
        rows.append({**text_of, "value": number})
    report.rows_valid = len(rows) if report.errors.total == 0 else 0
    report.preview = pd.DataFrame(rows[:20])
    if not report.will_store:
        return report  # refused, or a dry run: no write transaction at all
    record = ImportRecord(kind="indikatorer", source="partner", imported_by=options.imported_by,
                          file_name=path.name, rows_read=report.rows_read, rows_imported=len(rows))  # fmt: skip
    with importing(engine, report, record) as (work, import_id):
        work.connection.execute(
            insert(partner_indicators),
            [{**r, "import_id": import_id, "synthetic": False} for r in rows],
        )
    return report


def load_indicators(engine: Engine) -> pd.DataFrame:
    """Every stored partner indicator value."""
    columns = [
        partner_indicators.c.area_code, partner_indicators.c.period, partner_indicators.c.indicator,
        partner_indicators.c.value, partner_indicators.c.unit, partner_indicators.c.source,
        partner_indicators.c.synthetic,
    ]  # fmt: skip
    with engine.connect() as connection:
        rows = connection.execute(select(*columns)).all()
    return pd.DataFrame(rows, columns=[c.name for c in columns])
