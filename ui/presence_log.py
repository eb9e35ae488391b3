"""Every write of the presence pages: :class:`PresenceLog`, bound once to the engine and the area
layer, and :func:`save`, the one way a page runs a write and shows what happened.

``PresenceLog`` itself calls no Streamlit: it delegates to the geo functions (``geo.presence.log``,
``geo.presence.log_import``, ``geo.presence.units``) with the layer's codes and shapes, so no caller passes them
along. It lives in ``ui/`` because it speaks the page's language (form values in Swedish local
time, the proposal table's Swedish columns and its Swedish refusals); the rules stay in ``geo``.
:func:`save` holds what the pages did after every write: a flash message and a rerun (so every
view below is drawn again from the database), a concurrent edit (``ConflictError``) shown and the
stale version forgotten, any other refusal shown with its problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from geo.errors import ConflictError, GeoError, ImportRejected
from geo.io.report import ImportReport
from geo.presence.log import (
    cancel_entry,
    create_entry,
    local_window,
    mark_done,
    parse_point,
    parse_route,
    record_dwell,
    update_entry,
)
from geo.presence.log_import import import_presence_file
from geo.presence.units import ensure_defaults, save_shift, save_unit
from ui import strings

T = TypeVar("T")
FLASH_KEY = "plan_flash"
"""Where the message of the last write waits for the rerun that shows it."""


class PresenceLog:
    """The presence log and its registers (units, shifts), written against one area layer.

    Every write validates against the layer's area codes and shapes given here once; reads are
    the views' business (``ui.views.presence``), never this object's.
    """

    def __init__(self, engine: Engine, layer: gpd.GeoDataFrame) -> None:
        self.engine = engine
        self.names: dict[str, str] = dict(zip(layer["area_code"], layer["name"], strict=True))
        self.shapes: dict[str, Any] = dict(zip(layer["area_code"], layer.geometry, strict=True))
        self._codes = set(self.names)
        self._code_for_name = {name: code for code, name in self.names.items()}

    @property
    def area_codes(self) -> set[str]:
        """The layer's area codes (a fresh set: the geo functions take a mutable one)."""
        return set(self._codes)

    def ensure_defaults(self) -> bool:
        """Create the default units and shifts when there are none (``data/presence.json``)."""
        return ensure_defaults(self.engine)

    # --- Entries ----------------------------------------------------------------------------------

    def create(self, fields: Mapping[str, Any], *, who: str, source: str = "manuell") -> int:
        """Add an entry; returns its id (``ImportRejected`` with every problem otherwise)."""
        return create_entry(self.engine, fields, who=who, area_codes=self.area_codes,
                            source=source, shapes=self.shapes)  # fmt: skip

    def plan_visit(self, fields: Mapping[str, Any], *, day: dt.date, start: dt.time, minutes: int,
                   point: str = "", route: str = "", who: str) -> int:  # fmt: skip
        """Add a visit from the form: a Swedish local start and length, an optional point
        (``E N``) and route (``E N, E N, …``) in SWEREF 99 TM; returns its id."""
        planned_start, planned_end = local_window(day, start, int(minutes))
        entry = {**fields, "planned_start": planned_start, "planned_end": planned_end}
        if point.strip():
            entry["x"], entry["y"] = parse_point(point)
        if route.strip():
            entry["route_wkt"] = parse_route(route)
        return self.create(entry, who=who)

    def update(self, entry_id: int, *, expected_version: int, changes: Mapping[str, Any],
               who: str) -> int:  # fmt: skip
        """Change an entry still at ``expected_version``; returns the new version."""
        return update_entry(self.engine, entry_id, expected_version=expected_version, changes=changes,
                            who=who, area_codes=self.area_codes, shapes=self.shapes)  # fmt: skip

    def cancel(self, entry_id: int, *, expected_version: int, who: str) -> int:
        """Mark an entry ``inställd`` (kept in the log); returns the new version."""
        return cancel_entry(self.engine, entry_id, expected_version=expected_version, who=who,
                            area_codes=self.area_codes)  # fmt: skip

    def edit(self, entry_id: int, *, expected_version: int, was: Mapping[str, Any], purpose: str,
             unit: str, day: dt.date, start: dt.time, minutes: int, status: str, who: str) -> bool:  # fmt: skip
        """Save the edit form: cancel when the status turns ``inställd``, else change the purpose,
        the unit, and the time and status where they differ from ``was`` (the entry as the form
        opened it: ``planned_start``, ``planned_end``, ``status``). True when it was cancelled."""
        if status == "inställd" and was["status"] != "inställd":
            self.cancel(entry_id, expected_version=expected_version, who=who)
            return True
        changes: dict[str, object] = {"purpose": purpose, "unit": unit}
        planned_start, planned_end = local_window(day, start, int(minutes))
        if planned_start != was["planned_start"] or planned_end != was["planned_end"]:
            changes |= {"planned_start": planned_start, "planned_end": planned_end}
        if status != was["status"]:
            changes["status"] = status
        self.update(entry_id, expected_version=expected_version, changes=changes, who=who)
        return False

    def mark_done(self, entry_id: int, *, expected_version: int, day: dt.date, start: dt.time,
                  minutes: int, tactics: str, notes: str, who: str) -> int:  # fmt: skip
        """Mark an entry ``genomförd`` from the form (actual Swedish local start and length)."""
        actual_start, actual_end = local_window(day, start, int(minutes))
        return mark_done(self.engine, entry_id, expected_version=expected_version, actual_start=actual_start,
                         actual_end=actual_end, tactics=tactics or None, notes=notes or None, who=who,
                         area_codes=self.area_codes, shapes=self.shapes)  # fmt: skip

    def add_proposal(self, table: pd.DataFrame, *, who: str) -> tuple[int, list[str]]:
        """Add the proposal's ticked rows (the page's table: Lägg in, Område by name, Enhet, Pass,
        Start as ``ÅÅÅÅ-MM-DD TT:MM`` Swedish time, Minuter, Varför), each on its own.

        Returns how many were added and a Swedish line per row that was refused (a row that is no
        time, or that the log refuses: overlap, outside the shifts, …).
        """
        added, refused = 0, []
        for number, line in enumerate(table.to_dict("records"), start=1):
            if not line["Lägg in"]:
                continue
            try:
                starts = dt.datetime.strptime(str(line["Start"]).strip(), "%Y-%m-%d %H:%M")
            except ValueError:
                refused.append(
                    strings.PLAN_PROPOSAL_BAD_TIME.format(row=number, value=line["Start"])
                )
                continue
            try:
                planned_start, planned_end = local_window(
                    starts.date(), starts.time(), int(line["Minuter"])
                )
                area = str(line["Område"])
                fields = {"area_code": self._code_for_name.get(area, area), "planned_start": planned_start,
                          "planned_end": planned_end, "unit": line["Enhet"], "shift": line["Pass"],
                          "kind": "bilpatrull", "purpose": f"Förslag efter behov: {line['Varför']}"}  # fmt: skip
                self.create(fields, who=who, source="förslag")
                added += 1
            except GeoError as error:
                problems = "; ".join(str(p) for p in getattr(error, "problems", [])) or str(error)
                refused.append(strings.PLAN_PROPOSAL_REFUSED.format(row=number, message=problems))
        return added, refused

    # --- Files ------------------------------------------------------------------------------------

    def check_file(self, path: Path, *, who: str, swedish_dates: bool = False) -> ImportReport:
        """Check a presence file (CSV/Excel) as if importing it; nothing is stored."""
        return import_presence_file(self.engine, path, who=who, area_codes=self.area_codes, shapes=self.shapes,
                                    names=self.names, dry_run=True, swedish_dates=swedish_dates)  # fmt: skip

    def import_file(self, path: Path, *, who: str, swedish_dates: bool = False) -> ImportReport:
        """Import a presence file, all or nothing.

        Raises
        ------
        ImportRejected
            When the file is refused (it was checked, but the log has changed since): the report's
            problems, for the page's refusal; nothing is written.
        """
        report = import_presence_file(self.engine, path, who=who, area_codes=self.area_codes, shapes=self.shapes,
                                      names=self.names, swedish_dates=swedish_dates)  # fmt: skip
        if not report.accepted:
            raise ImportRejected(strings.PLAN_IMPORT_REFUSED.format(file=path.name),
                                 report.errors.examples())  # fmt: skip
        return report

    def record_gps(self, stays: pd.DataFrame, *, who: str) -> int:
        """Store GPS stays (``ui.views.presence.gps``) as performed presence; returns how many."""
        return record_dwell(self.engine, stays, who=who)

    # --- Registers --------------------------------------------------------------------------------

    def save_unit(self, fields: Mapping[str, object], *, who: str, unit_id: int | None,
                  expected_version: int | None) -> int:  # fmt: skip
        """Add a unit (``unit_id`` None) or edit one at ``expected_version``."""
        return save_unit(
            self.engine, fields, who=who, unit_id=unit_id, expected_version=expected_version
        )

    def save_shift(self, fields: Mapping[str, object], *, who: str, shift_id: int | None,
                   expected_version: int | None) -> int:  # fmt: skip
        """Add a shift pattern (``shift_id`` None) or edit one at ``expected_version``."""
        return save_shift(self.engine, fields, who=who, shift_id=shift_id,
                          expected_version=expected_version)  # fmt: skip


# --- Running a write from a page ------------------------------------------------------------------


def show_problems(error: GeoError) -> None:
    """A refusal: its summary, then each problem (where, what, how to fix) as a list line."""
    st.error(strings.md_lines(getattr(error, "summary", str(error))))
    for problem in getattr(error, "problems", []):
        st.write(f"- {strings.md(problem)}")


def flash(message: str) -> None:
    """Remember the message and rerun: everything below is drawn again from the database."""
    st.session_state[FLASH_KEY] = message
    st.rerun()


def show_flash() -> None:
    """The message of the write that caused this run, once."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)


def save(write: Callable[[], T], done: str | Callable[[T], str], *,
         version_key: str | None = None) -> None:  # fmt: skip
    """Run a write; on success flash ``done`` (or ``done(result)``) and rerun.

    A versioned write is made against the version the form was opened with, kept in
    ``st.session_state[version_key]``: after a save and after a conflict that version is forgotten,
    so the form reloads the stored one (a conflict is shown, and the audit holds both attempts).
    Any other refusal is shown with its problems and the form keeps what was typed.
    """
    try:
        result = write()
    except ConflictError as error:
        st.error(strings.md_lines(error))
        if version_key:
            st.session_state.pop(version_key, None)
        return
    except GeoError as error:
        show_problems(error)
        return
    if version_key:
        st.session_state.pop(version_key, None)
    flash(done(result) if callable(done) else done)
