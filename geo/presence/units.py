"""Units and shift patterns of the lokalpolisområde: data the police edit, versioned like the log.

A unit has a name, a kind (``bil``, ``fot``, ``cykel``, ``MC``) and a home base (a locality of
FACTS §1.3, where its rounds start and end). A shift pattern is a daily window in Swedish local
time, e.g. ``dag`` 07–16, ``kväll`` 15–24, ``natt`` 22–07 (ending the next morning). Edits name the
version they were based on and are refused with :class:`ConflictError` when someone saved in
between. Defaults come from ``data/presence.json`` the first time a planner opens the plan.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select, update

from geo.errors import ConflictError, GeoError, ImportRejected, Problem
from geo.periods import LOCAL_TZ
from geo.store.database import now_utc, unit_of_work
from geo.store.schema import presence_register_audit, presence_shifts, presence_units

UNIT_KINDS = ("bil", "fot", "cykel", "MC")
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class Unit:
    """A unit that can be planned: name, kind, home base, whether active, and its version."""

    id: int
    name: str
    kind: str
    home_base: str
    active: bool
    version: int


@dataclass(frozen=True)
class Shift:
    """A daily window in Swedish local time; ``end`` at or before ``start`` means the next day."""

    id: int
    name: str
    start: str
    end: str
    version: int

    @property
    def label(self) -> str:
        """The shift as a label: name and local start–end, e.g. ``kväll 15:00–24:00``."""
        return f"{self.name} {self.start}–{self.end}"

    def minutes(self) -> tuple[int, int]:
        """Start and end as minutes after the local midnight of the shift's day (end may be > 1440)."""
        start, end = _minutes(self.start), _minutes(self.end)
        return start, end if end > start else end + 1440

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """Return the UTC window of the shift that starts on local ``day``.

        Wall-clock bounds, so a night shift across the daylight-saving change is an hour shorter
        (March) or longer (October).
        """
        start, end = self.minutes()
        midnight = dt.datetime.combine(day, dt.time())
        return _local_to_utc(midnight + dt.timedelta(minutes=start)), _local_to_utc(
            midnight + dt.timedelta(minutes=end)
        )


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _local_to_utc(naive: dt.datetime) -> dt.datetime:
    """Return a Swedish wall-clock time in UTC, never refusing one.

    A time in the spring gap moves forward, a repeated autumn time takes its first occurrence
    (shift bounds are whole hours people work by).
    """
    stamp = pd.Timestamp(naive).tz_localize(LOCAL_TZ, nonexistent="shift_forward", ambiguous=True)
    return stamp.tz_convert("UTC").to_pydatetime()


def shift_windows(
    shifts: Sequence[Shift], first_day: dt.date, days: int = 7
) -> list[tuple[Shift, dt.date, dt.datetime, dt.datetime]]:
    """Every (shift, local day, UTC start, UTC end) for ``days`` days from ``first_day``."""
    return [
        (shift, first_day + dt.timedelta(days=i), *shift.window(first_day + dt.timedelta(days=i)))
        for i in range(days)
        for shift in shifts
    ]


def shift_containing(shifts: Sequence[Shift], start: dt.datetime, end: dt.datetime) -> Shift | None:
    """Return the first shift whose window holds the whole of ``[start, end)``, or None.

    The window on the local day of ``start``, or the day before for a night shift.
    """
    local_day = pd.Timestamp(start).tz_convert(LOCAL_TZ).date()
    for shift in shifts:
        for day in (local_day, local_day - dt.timedelta(days=1)):
            begin, finish = shift.window(day)
            if begin <= start and end <= finish:
                return shift
    return None


# --- Reading ------------------------------------------------------------------------------------


def list_units(source: Engine | Connection, *, active_only: bool = False) -> list[Unit]:
    """Return the units by name (only the active ones with ``active_only``)."""
    query = select(presence_units).order_by(presence_units.c.name)
    if active_only:
        query = query.where(presence_units.c.active.is_(True))
    rows = _rows(source, query)
    return [
        Unit(r["id"], r["name"], r["kind"], r["home_base"], bool(r["active"]), r["version"])
        for r in rows
    ]


def list_shifts(source: Engine | Connection) -> list[Shift]:
    """Return the shift patterns by start time."""
    rows = _rows(source, select(presence_shifts).order_by(presence_shifts.c.start_time))
    return [Shift(r["id"], r["name"], r["start_time"], r["end_time"], r["version"]) for r in rows]


def _rows(source: Engine | Connection, query: object) -> list[Mapping[str, Any]]:
    if isinstance(source, Connection):
        return [dict(r) for r in source.execute(query).mappings().all()]  # type: ignore[call-overload]
    with source.connect() as connection:
        return [dict(r) for r in connection.execute(query).mappings().all()]  # type: ignore[call-overload]


# --- Validation and writing ---------------------------------------------------------------------


def unit_problems(fields: Mapping[str, object], *, where: str, who: str) -> list[Problem]:
    """Return what is wrong with a unit's fields: name, kind, home base, personnummer."""
    from geo.areas.falkenberg import LOCALITIES_2020
    from geo.presence.log import personnummer_problems

    problems = []
    if not str(fields.get("name") or "").strip():
        problems.append(
            Problem(where, "enheten saknar namn", "ge enheten ett namn, t.ex. Patrull 1")
        )
    if fields.get("kind") not in UNIT_KINDS:
        problems.append(Problem(where, f"okänd typ av enhet {fields.get('kind')!r}",
                                f"använd en av: {', '.join(UNIT_KINDS)}"))  # fmt: skip
    bases = {locality.name for locality in LOCALITIES_2020}
    if fields.get("home_base") not in bases:
        problems.append(Problem(where, f"okänd hemstation {fields.get('home_base')!r}",
                                f"välj en ort: {', '.join(sorted(bases))}"))  # fmt: skip
    problems += personnummer_problems({"unit": fields.get("name")}, who, where=where)
    return problems


def shift_problems(fields: Mapping[str, object], *, where: str, who: str) -> list[Problem]:
    """Return what is wrong with a shift's fields: name, start and end times, personnummer."""
    from geo.presence.log import personnummer_problems

    problems = []
    if not str(fields.get("name") or "").strip():
        problems.append(Problem(where, "passet saknar namn", "ge passet ett namn, t.ex. kväll"))
    for key, label in (("start_time", "start"), ("end_time", "slut")):
        value = str(fields.get(key) or "")
        if not _TIME.match(value) or _minutes(value) > 1440:
            problems.append(Problem(where, f"passets {label} {value!r} är ingen tid",
                                    "skriv TT:MM, t.ex. 07:00 eller 24:00"))  # fmt: skip
    if not problems and fields["start_time"] == fields["end_time"]:
        problems.append(
            Problem(where, "passet är noll timmar långt", "ange ett slut efter starten")
        )
    problems += personnummer_problems({"shift": fields.get("name")}, who, where=where)
    return problems


def save_unit(engine: Engine, fields: Mapping[str, object], *, who: str, unit_id: int | None = None,
              expected_version: int | None = None) -> int:  # fmt: skip
    """Add a unit (``unit_id`` None) or edit one at ``expected_version``; returns the new version."""
    values = {k: fields.get(k) for k in ("name", "kind", "home_base")}
    values["active"] = bool(fields.get("active", True))
    where = f"enhet {unit_id or values['name']}"
    problems = unit_problems(values, where=where, who=who)
    if problems:
        raise ImportRejected("Enheten sparades inte.", problems)
    return _save(engine, presence_units, values, who=who, row_id=unit_id, expected=expected_version,
                 what="Enheten")  # fmt: skip


def save_shift(engine: Engine, fields: Mapping[str, object], *, who: str, shift_id: int | None = None,
               expected_version: int | None = None) -> int:  # fmt: skip
    """Add a shift pattern or edit one at ``expected_version``; returns the new version."""
    values = {k: fields.get(k) for k in ("name", "start_time", "end_time")}
    problems = shift_problems(values, where=f"pass {shift_id or values['name']}", who=who)
    if problems:
        raise ImportRejected("Passet sparades inte.", problems)
    return _save(engine, presence_shifts, values, who=who, row_id=shift_id, expected=expected_version,
                 what="Passet")  # fmt: skip


def _save(engine: Engine, table: object, values: Mapping[str, object], *, who: str, row_id: int | None,
          expected: int | None, what: str) -> int:  # fmt: skip
    from sqlalchemy import Table

    assert isinstance(table, Table)
    register = "enhet" if table is presence_units else "pass"
    moment = now_utc()
    with unit_of_work(engine) as work:
        connection = work.connection
        clash = connection.execute(
            select(table.c.id).where(table.c.name == values["name"], table.c.id != (row_id or -1))
        ).first()
        if clash is not None:
            raise ImportRejected(f"{what} sparades inte.", [Problem(str(values["name"]), "namnet finns redan",
                                                                    "välj ett annat namn")])  # fmt: skip
        if row_id is None:
            key = connection.execute(
                insert(table).values(**values, version=1, updated_by=who, updated_at=moment)
            ).inserted_primary_key
            assert key is not None
            _register_audit(connection, register, table, int(key[0]), "skapad", who, None)
            return 1
        before = _current(connection, table, row_id)
        result = connection.execute(
            update(table)
            .where(table.c.id == row_id, table.c.version == expected)
            .values(**values, version=(expected or 0) + 1, updated_by=who, updated_at=moment)
        )
        if result.rowcount != 1:
            if before is None:
                raise GeoError(f"{what} {row_id} finns inte.")
            raise ConflictError(
                f"{what} {values['name']} har ändrats av {before['updated_by']} (version {before['version']}) "
                f"sedan du öppnade version {expected}. Läs in den igen och gör om ändringen."
            )
        _register_audit(connection, register, table, row_id, "ändrad", who, before)
        return (expected or 0) + 1


def _current(connection: Connection, table: Any, row_id: int) -> dict[str, Any] | None:
    found = connection.execute(select(table).where(table.c.id == row_id)).mappings().first()
    return dict(found) if found else None


def _register_audit(connection: Connection, register: str, table: Any, row_id: int, action: str, who: str,
                    before: Mapping[str, Any] | None) -> None:  # fmt: skip
    """One append-only audit row for a unit or shift change (before and after as JSON)."""
    from geo.presence.log import audit_json

    connection.execute(insert(presence_register_audit).values(
        register=register, row_id=row_id, action=action, changed_by=who, changed_at=now_utc(),
        before_json=audit_json(before), after_json=audit_json(_current(connection, table, row_id))))  # fmt: skip


def register_audit(engine: Engine) -> pd.DataFrame:
    """Every change to the units and shift patterns, in order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(presence_register_audit).order_by(presence_register_audit.c.id)
        )
        return pd.DataFrame([dict(r) for r in rows.mappings().all()])


def ensure_defaults(engine: Engine, *, who: str = "standard (data/presence.json)") -> bool:
    """Add the default units and shifts of ``data/presence.json`` when none exist; True if added."""
    from geo.presence.log import presence_settings

    settings = presence_settings()
    moment = now_utc()
    added = False
    with unit_of_work(engine) as work:
        connection = work.connection
        for table, register, rows, extra in ((presence_units, "enhet", settings["default_units"], {"active": True}),
                                             (presence_shifts, "pass", settings["default_shifts"], {})):  # fmt: skip
            if connection.execute(select(func.count()).select_from(table)).scalar():
                continue
            for row in rows:
                key = connection.execute(insert(table).values(**row, **extra, version=1, updated_by=who,
                                                              updated_at=moment)).inserted_primary_key  # fmt: skip
                assert key is not None
                _register_audit(connection, register, table, int(key[0]), "skapad", who, None)
            added = True
    return added


# --- Load ---------------------------------------------------------------------------------------


def unit_load(entries: pd.DataFrame, units: Sequence[Unit], shifts: Sequence[Shift],
              week_start: dt.date) -> pd.DataFrame:  # fmt: skip
    """Return per unit the week's planned visits and hours, done hours, and booked share.

    Cancelled visits are left out; the share is of the unit's shift time (every shift, every day).
    """
    shift_hours = sum(
        (end - start).total_seconds() / 3600
        for _s, _d, start, end in shift_windows(shifts, week_start)
    )
    live = entries[entries["status"] != "inställd"] if not entries.empty else entries
    rows = []
    for unit in units:
        mine = live[live["unit"] == unit.name] if not live.empty else live
        planned = (
            float(((mine["planned_end"] - mine["planned_start"]).dt.total_seconds() / 3600).sum())
            if not mine.empty
            else 0.0
        )
        done = mine[mine["status"] == "genomförd"] if not mine.empty else mine
        done_hours = (
            float(((done["actual_end"] - done["actual_start"]).dt.total_seconds() / 3600).sum())
            if not done.empty
            else 0.0
        )
        rows.append({"unit": unit.name, "kind": unit.kind, "home_base": unit.home_base, "visits": len(mine),
                     "planned_hours": round(planned, 2), "done_hours": round(done_hours, 2),
                     "booked_share": round(planned / shift_hours, 3) if shift_hours else 0.0})  # fmt: skip
    return pd.DataFrame(rows, columns=["unit", "kind", "home_base", "visits", "planned_hours", "done_hours",
                                       "booked_share"])  # fmt: skip
