"""Importing a presence log from a file (CSV or Excel), through the same validation as the page.

Columns: ``id`` (empty for a new entry), ``unit``, ``area`` (code or name), ``start``, ``end``
(Swedish local time ``YYYY-MM-DD HH:MM`` or ISO with an offset), ``kind``, ``status``,
``purpose``, ``version`` (the version a changed row was based on). All or nothing: every row is
written inside one write transaction and any problem rolls the whole file back; the report names
the lines. A row for an existing entry is refused when the entry has been saved since ``version``
(no lost update); a unit in two places at once, a time that does not exist or occurs twice at the
daylight-saving change, a "genomförd" that ends in the future and a personnummer in any field
(or in the importer's name) are errors. A past "planerad" is accepted but flagged: it was
probably done or cancelled and not marked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import ConflictError, GeoError, ImportRejected, Problem
from geo.io.table_files import TableReport, read_table
from geo.io.times import parse_local_times
from geo.presence.log import (
    create_entry_in,
    personnummer_problems,
    update_entry_in,
)
from geo.store.database import now_utc, unit_of_work

COLUMNS = ("id", "unit", "area", "start", "end", "kind", "status", "purpose", "version")
REQUIRED = ("unit", "area", "start", "end", "kind", "status", "purpose")


@dataclass
class PresenceImportReport:
    """What a presence file import found and did: rows, created, updated and warnings."""

    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False


def import_presence_file(engine: Any, path: Path, *, who: str, area_codes: set[str], names: Mapping[str, str],
                         shapes: Mapping[str, Any] | None = None, dry_run: bool = False,
                         now: dt.datetime | None = None) -> PresenceImportReport:  # fmt: skip
    """Check (and unless ``dry_run`` store) a presence file; all or nothing.

    Raises
    ------
    ImportRejected
        With every problem, each naming its line; nothing is written.
    """
    moment = now or now_utc()
    table_report = TableReport("närvaroposter", path.name)
    frame = read_table(path, table_report)
    report = PresenceImportReport(path.name, dry_run=dry_run)
    problems: list[Problem] = [p for listed in table_report.errors.listed.values() for p in listed]
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ImportRejected(f"{path.name}: närvarologgen avvisades.", [
            Problem(path.name, f"saknar kolumnerna {missing}", f"använd kolumnerna {', '.join(COLUMNS)}")])  # fmt: skip
    problems += personnummer_problems({}, who, where=path.name)
    starts, start_problems = parse_local_times(frame["start"])
    ends, end_problems = parse_local_times(frame["end"])
    for column, found in (("start", start_problems), ("end", end_problems)):
        for item in found:
            problems.append(
                Problem(f"{path.name}, rad {item.label}, kolumn {column!r}", item.message, item.fix)
            )
    by_name = {name.casefold(): code for code, name in names.items()}
    report.rows = len(frame)
    with unit_of_work(engine) as work:
        connection = work.connection
        for line, row in frame.iterrows():
            where = f"{path.name}, rad {line}"
            text = {
                k: (None if pd.isna(v) or str(v).strip() == "" else str(v).strip())
                for k, v in row.items()
            }
            for column in REQUIRED:
                if text.get(column) is None:
                    problems.append(Problem(where, f"kolumnen {column!r} är tom", "fyll i värdet"))
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
                problems += refused
                continue
            if text["status"] == "planerad" and fields["planned_end"] < moment:
                report.warnings.append(Problem(where, "planerad men redan passerad",
                                               "markera den som genomförd eller inställd"))  # fmt: skip
            try:
                if text.get("id") is None:
                    entry = {**{k: None for k in ("x", "y", "route_wkt", "promise_activity", "actual_start",
                                                  "actual_end", "tactics", "notes", "shift")}, **fields}  # fmt: skip
                    create_entry_in(connection, entry, who=who, area_codes=area_codes, source="fil", synthetic=False,
                                    now=moment, shapes=shapes)  # fmt: skip
                    report.created += 1
                else:
                    if text.get("version") is None:
                        problems.append(Problem(where, "en ändrad post saknar version",
                                                "ange versionen du utgick från (kolumnen version)"))  # fmt: skip
                        continue
                    update_entry_in(connection, int(float(str(text["id"]))), expected_version=int(float(str(text["version"]))),
                                    changes=fields, who=who, area_codes=area_codes, now=moment, shapes=shapes)  # fmt: skip
                    report.updated += 1
            except ConflictError as error:
                problems.append(
                    Problem(where, str(error), "läs ut loggen igen och gör om ändringen")
                )
            except ImportRejected as error:
                problems += [Problem(where, p.message, p.fix) for p in error.problems]
            except (GeoError, ValueError) as error:
                problems.append(Problem(where, str(error), "rätta raden"))
        if problems or dry_run:
            work.discard()  # nothing is written
    if problems:
        raise ImportRejected(f"{path.name}: närvarologgen avvisades; inget sparades.", problems)
    return report
