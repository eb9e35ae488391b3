"""Importing a presence log from a file (CSV or Excel), through the same validation as the page.

Columns: ``id`` (empty for a new entry), ``unit``, ``area`` (code or name), ``start``, ``end``
(Swedish local time ``YYYY-MM-DD HH:MM`` or ISO with an offset), ``kind``, ``status``,
``purpose``, ``version`` (the version a changed row was based on). All or nothing: every row is
written inside one unit of work (:func:`geo.io.report.importing`) and any problem discards the
whole file; the report (:class:`geo.io.report.ImportReport`, as for every import) names the
lines. A row for an existing entry is refused when the entry has been saved since ``version``
(no lost update); a unit in two places at once, a time that does not exist or occurs twice at the
daylight-saving change, a "genomförd" that ends in the future and a personnummer in any field
(or in the importer's name) are errors. A past "planerad" is accepted but flagged: it was
probably done or cancelled and not marked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import ConflictError, GeoError, ImportRejected, Problem
from geo.io.report import ImportReport, importing
from geo.io.table_files import read_table
from geo.io.times import parse_local_times
from geo.presence.log import (
    create_entry_in,
    personnummer_problems,
    update_entry_in,
)
from geo.store.database import now_utc

COLUMNS = ("id", "unit", "area", "start", "end", "kind", "status", "purpose", "version")
REQUIRED = ("unit", "area", "start", "end", "kind", "status", "purpose")


def import_presence_file(engine: Any, path: Path, *, who: str, area_codes: set[str], names: Mapping[str, str],
                         shapes: Mapping[str, Any] | None = None, dry_run: bool = False,
                         now: dt.datetime | None = None, swedish_dates: bool = False) -> ImportReport:  # fmt: skip
    """Check (and unless ``dry_run`` store) a presence file; all or nothing.

    ``swedish_dates`` reads slashed and dotted dates day first (``28/12/2026 20:00``), as the
    incident import's ``--svenska-datum`` does.

    Returns
    -------
    ImportReport
        ``rows_new``/``rows_updated`` count the entries created and changed; every problem is in
        ``errors`` with its line, and then nothing is written. No import-log line is kept: the
        presence audit records every entry, and an import line would make every cached incident
        figure stale (``store.database.data_version``).

    Raises
    ------
    GeoError
        When the file cannot be read at all (missing, too large, not CSV or Excel).
    """
    moment = now or now_utc()
    report = ImportReport(
        path.name, what="närvaroposter", source="fil", dry_run=dry_run, updates=True
    )
    frame = read_table(path, report)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    report.columns = {c: c for c in COLUMNS if c in frame.columns}
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        report.error("kolumner", None, None, f"saknar kolumnerna {', '.join(missing)}",
                     f"använd rubrikerna {';'.join(COLUMNS)} (id och version får vara tomma)")  # fmt: skip
        return report
    for problem in personnummer_problems({}, who, where=path.name):
        report.errors.add("personnummer", problem)
    starts, start_problems = parse_local_times(frame["start"], swedish_forms=swedish_dates)
    ends, end_problems = parse_local_times(frame["end"], swedish_forms=swedish_dates)
    for column, found in (("start", start_problems), ("end", end_problems)):
        for item in found:
            report.error("tid", int(item.label), column, item.message, item.fix)
    by_name = {name.casefold(): code for code, name in names.items()}
    valid = 0
    line_of: dict[int, int] = {}  # entries this file created (inside the unit) → their file line
    with importing(engine, report, None) as (work, _import_id):
        for line, row in frame.iterrows():
            number = int(line)
            where = report.where(number)
            text = {
                k: (None if pd.isna(v) or str(v).strip() == "" else str(v).strip())
                for k, v in row.items()
            }
            for column in REQUIRED:
                if text.get(column) is None:
                    report.error(
                        "tom", number, column, f"kolumnen {column!r} är tom", "fyll i värdet"
                    )
            start, end = starts.get(line), ends.get(line)
            if any(text.get(c) is None for c in REQUIRED) or pd.isna(start) or pd.isna(end):
                continue
            area = (
                text["area"]
                if text["area"] in area_codes
                else by_name.get(str(text["area"]).casefold(), text["area"])
            )
            fields: dict[str, Any] = {"area_code": area, "unit": text["unit"], "kind": text["kind"], "status": text["status"],
                                      "purpose": text["purpose"], "planned_start": pd.Timestamp(start).to_pydatetime(),
                                      "planned_end": pd.Timestamp(end).to_pydatetime()}  # fmt: skip
            if text["status"] == "genomförd":
                fields |= {
                    "actual_start": fields["planned_start"],
                    "actual_end": fields["planned_end"],
                }
            refused = personnummer_problems(fields, None, where=where)
            if refused:
                for problem in refused:
                    report.errors.add("personnummer", problem)
                continue
            if text["status"] == "planerad" and fields["planned_end"] < moment:
                report.warn("passerad", number, None, "planerad men redan passerad",
                            "markera den som genomförd eller inställd")  # fmt: skip
            try:
                if text.get("id") is None:
                    entry = {**{k: None for k in ("x", "y", "route_wkt", "promise_activity", "actual_start",
                                                  "actual_end", "tactics", "notes", "shift")}, **fields}  # fmt: skip
                    created = create_entry_in(work.connection, entry, who=who, area_codes=area_codes, source="fil",
                                              synthetic=False, now=moment, shapes=shapes)  # fmt: skip
                    line_of[created] = number
                    report.rows_new += 1
                else:
                    if text.get("version") is None:
                        report.error("version", number, "version", "en ändrad post saknar version",
                                     "ange versionen du utgick från (kolumnen version)")  # fmt: skip
                        continue
                    update_entry_in(work.connection, int(float(str(text["id"]))), expected_version=int(float(str(text["version"]))),
                                    changes=fields, who=who, area_codes=area_codes, now=moment, shapes=shapes)  # fmt: skip
                    report.rows_updated += 1
                valid += 1
            except ConflictError as error:
                report.error("konflikt", number, None, _clause(str(error)),
                             "läs ut loggen igen och gör om ändringen")  # fmt: skip
            except ImportRejected as error:
                for problem in error.problems:
                    message = _in_this_file(problem.message, line_of)
                    report.errors.add("post", Problem(where, message, problem.fix))
            except (GeoError, ValueError) as error:
                report.error("post", number, None, _clause(str(error)), "rätta raden")
        report.rows_valid = valid
    return report


_ENTRY = re.compile(r"närvaropost (\d+)")


def _in_this_file(message: str, line_of: Mapping[int, int]) -> str:
    """Name an entry this file created by its line (``rad 3 i filen``): it is not stored yet."""
    return _ENTRY.sub(
        lambda m: f"posten på rad {line_of[int(m[1])]} i filen" if int(m[1]) in line_of else m[0],
        message,
    )


def _clause(message: str) -> str:
    """Return a refusal written as a sentence (``Närvaropost 99 finns inte.``) as a report clause."""
    message = message.strip().rstrip(".")
    return message[:1].lower() + message[1:] if message[1:2].islower() else message
