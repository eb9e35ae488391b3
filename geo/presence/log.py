"""The presence log: planned and performed police presence per area.

Edited safely by several officers, audited, and measured against need. Nothing here ever
reaches a public output.

Editing: every entry has a ``version``; an edit names the version it was based on and is refused
with :class:`ConflictError` (showing both versions) when someone else saved in between. Every
change is appended to ``presence_audit`` (who, when, before, after), which the database itself
keeps append-only (triggers in migration 0002).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, exc, insert, or_, select, update

from geo import formats
from geo.areas.join import area_codes_for_points
from geo.config import REFERENCE_DIR
from geo.errors import ConflictError, GeoError, ImportRejected, Problem
from geo.io.screening import screen_text
from geo.periods import LOCAL_TZ
from geo.store.database import now_utc, unit_of_work
from geo.store.schema import presence_audit, presence_entries

STATUSES = ("planerad", "genomförd", "inställd")


@functools.lru_cache(maxsize=1)
def presence_settings(path: Path = REFERENCE_DIR / "presence.json") -> dict[str, Any]:
    """Kinds of presence, the default inland target, GPS rules and the Koper guidance text."""
    return dict(json.loads(path.read_text(encoding="utf-8")))


def kinds() -> tuple[str, ...]:
    """Return the configured kinds of presence (``data/presence.json``)."""
    return tuple(presence_settings()["kinds"])


EDITABLE = (
    "area_code", "x", "y", "route_wkt", "planned_start", "planned_end", "unit", "kind", "purpose", "promise_activity",
    "status", "actual_start", "actual_end", "tactics", "notes", "shift",
)  # fmt: skip


# --- Validation ---------------------------------------------------------------------------------


ROUTE_TOLERANCE_M = 50.0
"""A route may run this far outside its area (roads along the border)."""


def parse_point(text: str) -> tuple[float, float]:
    """``"347000 6309800"`` (E N in SWEREF 99 TM; decimal comma allowed) → (E, N).

    Raises
    ------
    GeoError
        Naming the expected form.
    """
    parts = text.replace(",", ".").split()
    try:
        e, n = (float(p) for p in parts)
    except ValueError as error:
        raise GeoError(
            f"Kan inte tolka {text!r} som en punkt; skriv E N i SWEREF 99 TM, t.ex. 347000 6309800."
        ) from error
    return e, n


def parse_route(text: str) -> str:
    """``"E N; E N; …"`` (SWEREF 99 TM) → WKT LineString (at least two points)."""
    import shapely

    points = [parse_point(part) for part in text.split(";") if part.strip()]
    if len(points) < 2:
        raise GeoError("En rutt behöver minst två punkter: E N; E N; …")
    return str(shapely.LineString(points).wkt)


def validate(
    entry: Mapping[str, Any],
    *,
    area_codes: set[str],
    others: pd.DataFrame,
    now: dt.datetime,
    shapes: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Every problem with an entry (after an edit), in Swedish.

    Parameters
    ----------
    others
        The unit's other entries that are not cancelled (``planned_start``, ``planned_end``, ``id``),
        to refuse a unit in two places at once.
    """
    problems: list[Problem] = []
    where = f"närvaropost {entry.get('id') or '(ny)'}"
    if entry.get("area_code") not in area_codes:
        problems.append(
            Problem(where, f"okänt område {entry.get('area_code')!r}", "välj ett område i listan")
        )
    shape = (shapes or {}).get(str(entry.get("area_code")))
    if shape is not None and entry.get("x") is not None and entry.get("y") is not None:
        import shapely

        if not shape.covers(shapely.Point(float(entry["x"]), float(entry["y"]))):
            problems.append(
                Problem(
                    where,
                    f"punkten ({entry['x']:.0f}, {entry['y']:.0f}) ligger utanför området",
                    "välj en punkt i området eller ett annat område",
                )
            )
    if shape is not None and entry.get("route_wkt"):
        import shapely

        route = shapely.from_wkt(str(entry["route_wkt"]))
        if route.geom_type != "LineString" or not shape.buffer(ROUTE_TOLERANCE_M).covers(route):
            problems.append(
                Problem(
                    where,
                    "rutten går utanför området",
                    f"håll rutten inom området (±{ROUTE_TOLERANCE_M:.0f} m)",
                )
            )
    if entry.get("kind") not in kinds():
        problems.append(
            Problem(
                where,
                f"okänd typ av närvaro {entry.get('kind')!r}",
                f"använd en av: {', '.join(kinds())}",
            )
        )
    if entry.get("status") not in STATUSES:
        problems.append(
            Problem(
                where,
                f"okänd status {entry.get('status')!r}",
                f"använd en av: {', '.join(STATUSES)}",
            )
        )
    if not str(entry.get("unit") or "").strip():
        problems.append(Problem(where, "saknar enhet", "ange patrull eller enhet"))
    if not str(entry.get("purpose") or "").strip():
        problems.append(Problem(where, "saknar syfte", "skriv kort varför närvaron planeras"))
    start, end = entry.get("planned_start"), entry.get("planned_end")
    if start is None or end is None:
        problems.append(Problem(where, "saknar planerad start eller slut", "ange båda tiderna"))
    elif end < start:
        problems.append(Problem(where, "planerat slut är före start", "byt plats på tiderna"))
    elif end == start:
        problems.append(
            Problem(where, "planerad tid är noll minuter", "ange ett slut efter starten")
        )
    if entry.get("status") == "genomförd":
        actual_start, actual_end = entry.get("actual_start"), entry.get("actual_end")
        if actual_start is None or actual_end is None:
            problems.append(
                Problem(
                    where,
                    "genomförd närvaro saknar faktisk start och slut",
                    "ange när den faktiskt genomfördes",
                )
            )
        elif actual_end <= actual_start:
            problems.append(
                Problem(where, "faktiskt slut är inte efter faktisk start", "rätta tiderna")
            )
        elif actual_end > now:
            problems.append(
                Problem(
                    where,
                    "markerad som genomförd men slutar i framtiden",
                    "markera den som genomförd när den är klar",
                )
            )
    if (
        start is not None
        and end is not None
        and end > start
        and entry.get("status") != "inställd"
        and not others.empty
    ):
        overlapping = others[
            (others["planned_start"] < pd.Timestamp(end))
            & (others["planned_end"] > pd.Timestamp(start))
        ]
        overlapping = overlapping[overlapping["id"] != entry.get("id")]
        for row in overlapping.itertuples():
            problems.append(Problem(where, f"enheten {entry.get('unit')} är redan planerad i närvaropost {row.id} samtidigt",
                                    "välj en annan tid eller enhet"))  # fmt: skip
    return problems


TEXT_FIELDS = {
    "unit": "enhet", "kind": "typ", "purpose": "syfte", "promise_activity": "aktivitet", "tactics": "taktik",
    "notes": "anteckningar", "route_wkt": "rutt", "shift": "pass",
}  # fmt: skip
"""Every free-text field of an entry, with its Swedish name for messages."""


def personnummer_problems(
    fields: Mapping[str, Any], who: str | None, *, where: str
) -> list[Problem]:
    """Return a problem for every field that holds a personnummer or samordningsnummer.

    Every text field counts, and the name of who saves, which the audit keeps; near misses too
    (``geo.io.screening``). Refused, never stored: the presence log and its append-only audit cannot
    be cleaned afterwards.
    """
    texts = {name: fields.get(key) for key, name in TEXT_FIELDS.items()}
    texts["vem som sparar"] = who
    problems = []
    for name, value in texts.items():
        if value is None or not isinstance(value, str):
            continue
        found = screen_text(value)
        if found.redacted or found.near_misses:
            problems.append(Problem(where, f"fältet {name} innehåller ett personnummer eller samordningsnummer",
                                    "ta bort numret; personnummer får aldrig stå i närvarologgen"))  # fmt: skip
    return problems


def _row(connection: Connection, entry_id: int) -> dict[str, Any] | None:
    found = (
        connection.execute(select(presence_entries).where(presence_entries.c.id == entry_id))
        .mappings()
        .first()
    )
    return dict(found) if found else None


def _others_for_unit(connection: Connection, unit: str) -> pd.DataFrame:
    rows = connection.execute(
        select(
            presence_entries.c.id, presence_entries.c.planned_start, presence_entries.c.planned_end
        ).where(presence_entries.c.unit == unit, presence_entries.c.status != "inställd")
    ).all()
    frame = pd.DataFrame(rows, columns=["id", "planned_start", "planned_end"])
    for column in ("planned_start", "planned_end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _unit_and_shift(
    connection: Connection, entry: dict[str, Any], *, check_shift: bool
) -> list[Problem]:
    """Check the entry's unit and shift against the registers; return the problems.

    The unit must be a registered, active unit and the visit must lie inside a registered shift
    (the named one, or the one found and written into ``entry``), once units and shifts exist
    (``geo.presence.units``; an empty register accepts any unit, as before migration 0007).
    """
    from geo.presence.units import list_shifts, list_units, shift_containing

    where = f"närvaropost {entry.get('id') or '(ny)'}"
    problems = []
    units = [u.name for u in list_units(connection, active_only=True)]
    if units and entry.get("unit") not in units:
        problems.append(Problem(where, f"okänd eller inaktiv enhet {entry.get('unit')!r}",
                                f"välj en av: {', '.join(units)}"))  # fmt: skip
    shifts = list_shifts(connection)
    start, end = entry.get("planned_start"), entry.get("planned_end")
    if not check_shift or not shifts or start is None or end is None or end <= start:
        return problems
    named = [s for s in shifts if s.name == entry.get("shift")]
    if entry.get("shift") and not named:
        problems.append(Problem(where, f"okänt pass {entry.get('shift')!r}",
                                f"välj ett av: {', '.join(s.label for s in shifts)}"))  # fmt: skip
        return problems
    found = shift_containing(named or shifts, start, end)
    if found is None:
        wanted = (
            named[0].label if named else "något pass (" + ", ".join(s.label for s in shifts) + ")"
        )
        problems.append(Problem(where, f"besöket ligger inte inom {wanted}", "flytta besöket in i passet eller välj ett annat pass"))  # fmt: skip
    else:
        entry["shift"] = found.name
    return problems


def audit_json(row: Mapping[str, Any] | None) -> str | None:
    """Return a row as the JSON text an audit table stores (datetimes in ISO 8601), or ``None``."""
    if row is None:
        return None
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()},
        ensure_ascii=False,
    )


def _audit(
    connection: Connection,
    entry_id: int,
    action: str,
    who: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    connection.execute(
        insert(presence_audit).values(
            entry_id=entry_id,
            action=action,
            changed_by=who,
            changed_at=now_utc(),
            before_json=audit_json(before),
            after_json=audit_json(after),
        )
    )


# --- Writing ------------------------------------------------------------------------------------


def create_entry(engine: Engine, fields: Mapping[str, Any], *, who: str, area_codes: set[str], source: str = "manuell",
                 synthetic: bool = False, now: dt.datetime | None = None, shapes: Mapping[str, Any] | None = None) -> int:  # fmt: skip
    """Add a presence entry (status ``planerad`` unless given) and its audit row; returns its id.

    Raises
    ------
    ImportRejected
        With every validation problem; nothing is written.
    """
    entry = {key: fields.get(key) for key in EDITABLE}
    entry["status"] = entry.get("status") or "planerad"
    moment = now or now_utc()
    refused = personnummer_problems(entry, who, where="närvaropost (ny)")
    if refused:
        raise ImportRejected("Närvaroposten sparades inte.", refused)
    try:
        with unit_of_work(engine) as work:
            connection = work.connection
            return create_entry_in(connection, entry, who=who, area_codes=area_codes, source=source,
                                   synthetic=synthetic, now=moment, shapes=shapes)  # fmt: skip
    except exc.IntegrityError as error:  # PostgreSQL: the exclusion constraint on unit and time
        raise ImportRejected("Närvaroposten sparades inte.", [_overlap_refused(entry)]) from error


def _overlap_refused(entry: Mapping[str, Any]) -> Problem:
    return Problem(f"närvaropost {entry.get('id') or '(ny)'}",
                   f"enheten {entry.get('unit')} är redan planerad samtidigt", "välj en annan tid eller enhet")  # fmt: skip


def create_entry_in(connection: Connection, entry: Mapping[str, Any], *, who: str, area_codes: set[str], source: str,
                    synthetic: bool, now: dt.datetime, shapes: Mapping[str, Any] | None) -> int:  # fmt: skip
    """Validate and insert one entry inside an open write transaction; returns its id."""
    entry = dict(entry)
    problems = validate(
        entry,
        area_codes=area_codes,
        others=_others_for_unit(connection, str(entry["unit"])),
        now=now,
        shapes=shapes,
    )
    problems += _unit_and_shift(connection, entry, check_shift=True)
    if problems:
        raise ImportRejected("Närvaroposten sparades inte.", problems)
    values = {**entry, "source": source, "synthetic": synthetic, "version": 1, "created_by": who,
              "created_at": now, "updated_by": who, "updated_at": now}  # fmt: skip
    key = connection.execute(insert(presence_entries).values(**values)).inserted_primary_key
    assert key is not None
    entry_id = int(key[0])
    _audit(connection, entry_id, "skapad", who, None, _row(connection, entry_id))
    return entry_id


def update_entry(engine: Engine, entry_id: int, *, expected_version: int, changes: Mapping[str, Any], who: str,
                 area_codes: set[str], now: dt.datetime | None = None, shapes: Mapping[str, Any] | None = None) -> int:  # fmt: skip
    """Apply ``changes`` to an entry if it is still at ``expected_version``; returns the new version.

    Raises
    ------
    ConflictError
        When someone saved a newer version: the message shows both (no lost update).
    ImportRejected
        When the edited entry is not valid; nothing is written.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise GeoError(f"Fälten {sorted(unknown)} kan inte ändras.")
    moment = now or now_utc()
    refused = personnummer_problems(changes, who, where=f"närvaropost {entry_id}")
    if refused:
        raise ImportRejected("Ändringen sparades inte.", refused)
    try:
        with unit_of_work(engine) as work:
            connection = work.connection
            return update_entry_in(connection, entry_id, expected_version=expected_version, changes=changes,
                                   who=who, area_codes=area_codes, now=moment, shapes=shapes)  # fmt: skip
    except ConflictError:
        _audit_conflict(engine, entry_id, expected_version, changes, who)
        raise
    except exc.IntegrityError as error:
        raise ImportRejected(
            "Ändringen sparades inte.", [_overlap_refused({**changes, "id": entry_id})]
        ) from error


def update_entry_in(connection: Connection, entry_id: int, *, expected_version: int, changes: Mapping[str, Any], who: str,
                    area_codes: set[str], now: dt.datetime, shapes: Mapping[str, Any] | None) -> int:  # fmt: skip
    """Check the version, validate and update one entry inside an open write transaction."""
    moment = now
    before = _row(connection, entry_id)
    if before is None:
        raise GeoError(f"Närvaropost {entry_id} finns inte.")
    edited = {**before, **changes}
    if before["version"] != expected_version:
        raise ConflictError(_conflict_message(entry_id, expected_version, before, changes))
    problems = validate(
        edited,
        area_codes=area_codes,
        others=_others_for_unit(connection, str(edited["unit"])),
        now=moment,
        shapes=shapes,
    )
    moved = bool({"planned_start", "planned_end", "unit", "shift"} & set(changes))
    if moved and "shift" not in changes:
        edited["shift"] = None  # moved in time: the shift is found again
    if edited.get("status") != "inställd":
        problems += _unit_and_shift(connection, edited, check_shift=moved)
    if problems:
        raise ImportRejected("Ändringen sparades inte.", problems)
    values = {key: edited[key] for key in EDITABLE}
    result = connection.execute(
        update(presence_entries)
        .where(presence_entries.c.id == entry_id, presence_entries.c.version == expected_version)
        .values(**values, version=expected_version + 1, updated_by=who, updated_at=moment)
    )
    if result.rowcount != 1:  # saved by someone else between our read and our write
        current = _row(connection, entry_id) or before
        raise ConflictError(_conflict_message(entry_id, expected_version, current, changes))
    action = {"inställd": "inställd", "genomförd": "genomförd"}.get(
        str(changes.get("status")), "ändrad"
    )
    _audit(connection, entry_id, action, who, before, _row(connection, entry_id))
    return expected_version + 1


def _audit_conflict(
    engine: Engine, entry_id: int, expected_version: int, changes: Mapping[str, Any], who: str
) -> None:
    """Write a refused attempt into the audit (action ``konflikt``); the entry is unchanged.

    The row says who tried to change what, from which version, against the version that was
    stored.
    """
    with unit_of_work(engine) as work:
        connection = work.connection
        current = _row(connection, entry_id)
        if current is not None:
            attempt = {"från_version": expected_version, **changes}
            _audit(connection, entry_id, "konflikt", who, current, attempt)


def _conflict_message(
    entry_id: int, expected: int, current: Mapping[str, Any], changes: Mapping[str, Any]
) -> str:
    theirs = ", ".join(f"{k} = {current.get(k)}" for k in changes)
    mine = ", ".join(f"{k} = {v}" for k, v in changes.items())
    return (
        f"Närvaropost {entry_id} har ändrats av {current.get('updated_by')} (version {current.get('version')}) "
        f"sedan du öppnade version {expected}. Sparad version: {theirs}. Din ändring: {mine}. "
        "Läs in posten igen och gör om ändringen."
    )


def cancel_entry(
    engine: Engine, entry_id: int, *, expected_version: int, who: str, area_codes: set[str]
) -> int:
    """Mark an entry ``inställd`` (kept in the log, never deleted)."""
    return update_entry(
        engine,
        entry_id,
        expected_version=expected_version,
        changes={"status": "inställd"},
        who=who,
        area_codes=area_codes,
    )


def mark_done(engine: Engine, entry_id: int, *, expected_version: int, actual_start: dt.datetime, actual_end: dt.datetime,
              tactics: str | None, notes: str | None, who: str, area_codes: set[str], now: dt.datetime | None = None,
              shapes: Mapping[str, Any] | None = None) -> int:  # fmt: skip
    """Mark an entry ``genomförd`` with the actual times, tactics and notes."""
    changes = {
        "status": "genomförd",
        "actual_start": actual_start,
        "actual_end": actual_end,
        "tactics": tactics,
        "notes": notes,
    }
    return update_entry(
        engine,
        entry_id,
        expected_version=expected_version,
        changes=changes,
        who=who,
        area_codes=area_codes,
        now=now,
        shapes=shapes,
    )


# --- Reading ------------------------------------------------------------------------------------


def last_performed(engine: Engine, area_code: str, *, before: dt.datetime) -> dt.datetime | None:
    """When the last performed presence in an area started (UTC), or ``None`` if there is none.

    Only ``genomförd`` entries count, by their actual start, and only those that started before
    ``before`` (so a panel for an earlier period shows what was known then).
    """
    from sqlalchemy import func

    query = select(func.max(presence_entries.c.actual_start)).where(
        presence_entries.c.area_code == area_code,
        presence_entries.c.status == "genomförd",
        presence_entries.c.actual_start < before,
    )
    with engine.connect() as connection:
        value = connection.execute(query).scalar()
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return (
        stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")
    ).to_pydatetime()


def list_entries(
    engine: Engine, *, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> pd.DataFrame:
    """Entries whose planned or actual time overlaps ``[start, end)``, oldest first."""
    query = select(presence_entries)
    if start is not None:
        query = query.where(
            or_(presence_entries.c.planned_end > start, presence_entries.c.actual_end > start)
        )
    if end is not None:
        query = query.where(
            or_(
                presence_entries.c.planned_start < end,
                and_(
                    presence_entries.c.actual_start.is_not(None),
                    presence_entries.c.actual_start < end,
                ),
            )
        )
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(presence_entries.c.planned_start)).mappings().all()
    frame = pd.DataFrame(
        [dict(r) for r in rows], columns=[c.name for c in presence_entries.columns]
    )
    for column in (
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "created_at",
        "updated_at",
    ):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def audit_trail(engine: Engine, entry_id: int | None = None) -> pd.DataFrame:
    """Return the audit rows (all, or for one entry), in order."""
    query = select(presence_audit).order_by(presence_audit.c.id)
    if entry_id is not None:
        query = query.where(presence_audit.c.entry_id == entry_id)
    with engine.connect() as connection:
        return pd.DataFrame([dict(r) for r in connection.execute(query).mappings().all()])


def local_window(day: dt.date, start: dt.time, minutes: int) -> tuple[dt.datetime, dt.datetime]:
    """Return a window that starts at a Swedish wall-clock time and lasts ``minutes``, in UTC.

    Raises
    ------
    GeoError
        When the start does not exist or occurs twice at a daylight-saving change (never a guess).
    """
    naive = pd.Timestamp(dt.datetime.combine(day, start))
    try:
        local = naive.tz_localize(LOCAL_TZ, nonexistent="raise", ambiguous="raise")
    except (
        ValueError,
        OverflowError,
    ) as error:  # pytz NonExistent/AmbiguousTimeError are ValueErrors
        raise GeoError(
            f"{naive:%Y-%m-%d %H:%M} finns inte eller inträffar två gånger i svensk tid (sommartidsomställning); välj en annan tid."
        ) from error
    begin = local.tz_convert("UTC").to_pydatetime()
    return begin, begin + dt.timedelta(minutes=int(minutes))


def stays_window(stays: pd.DataFrame) -> tuple[dt.datetime, dt.datetime] | None:
    """Return the whole UTC days that GPS stays cover (to fetch the plan for the same days)."""
    if stays.empty:
        return None
    return (
        pd.Timestamp(stays["start"].min()).floor("D").to_pydatetime(),
        pd.Timestamp(stays["end"].max()).ceil("D").to_pydatetime(),
    )


@dataclass(frozen=True)
class VisitLengths:
    """How long performed visits lasted, in the bins the Koper guidance talks about."""

    counts: pd.Series
    n: int
    median_minutes: float
    delivered_share: float
    """Delivered minutes ÷ planned minutes for these visits."""


KOPER_BINS = (
    [0, 10, 15, 20, 30, 60, 120, 10_000],
    ["[0, 10)", "[10, 15)", "[15, 20)", "[20, 30)", "[30, 60)", "[60, 120)", "≥ 120"],
)
"""Visit lengths in minutes, half-open classes: ``[10, 15)`` is 10 up to but not including 15, so
a 15-minute visit counts in ``[15, 20)`` (the Koper guidance: 10–15 minutes, at most about 20)."""


def visit_lengths(entries: pd.DataFrame) -> VisitLengths | None:
    """Lengths of performed visits binned around 10–15 minutes; ``None`` when there are none."""
    done = entries[entries["status"] == "genomförd"]
    minutes = (performed_hours(done) * 60).round()
    if minutes.empty:
        return None
    edges, labels = KOPER_BINS
    counts = (
        pd.cut(minutes, edges, labels=labels, right=False)
        .value_counts()
        .sort_index()
        .rename("Besök")
    )
    planned = ((done["planned_end"] - done["planned_start"]).dt.total_seconds() / 60).sum()
    return VisitLengths(
        counts,
        len(done),
        float(minutes.median()),
        float(minutes.sum() / planned) if planned else 0.0,
    )


# --- Measuring ----------------------------------------------------------------------------------


def performed_hours(entries: pd.DataFrame) -> pd.Series:
    """Hours actually delivered per entry (0 unless ``genomförd``)."""
    done = entries["status"] == "genomförd"
    hours = (entries["actual_end"] - entries["actual_start"]).dt.total_seconds() / 3600
    return hours.where(done, 0.0).fillna(0.0)


def planned_hours_per_area(entries: pd.DataFrame) -> pd.Series:
    """Planned hours per area, cancelled entries left out."""
    planned = entries[entries["status"] != "inställd"]
    hours = (planned["planned_end"] - planned["planned_start"]).dt.total_seconds() / 3600
    return hours.groupby(planned["area_code"]).sum()


def need_vs_delivered(incidents: pd.DataFrame, entries: pd.DataFrame, areas: gpd.GeoDataFrame, *, end: dt.datetime,
                      hours: tuple[int, ...] = ()) -> pd.DataFrame:  # fmt: skip
    """Compare, per area, the share of need with the share of delivered presence.

    Need is harm-weighted incidents, optionally only in ``hours`` of the day; delivered presence is
    in hours. Also the gap, and the days since the last presence.

    ``incidents`` need ``occurred_at``, ``area_code`` and ``harm``; ``entries`` are presence entries
    for the same period.
    """
    chosen = incidents
    if hours:
        local_hour = chosen["occurred_at"].dt.tz_convert(LOCAL_TZ).dt.hour
        chosen = chosen[local_hour.isin(hours)]
    need = chosen.groupby("area_code", observed=True)["harm"].sum()
    delivered = entries.assign(hours=performed_hours(entries)).groupby("area_code")["hours"].sum()
    table = pd.DataFrame(areas[["area_code", "name", "zone"]]).reset_index(drop=True)
    table["need"] = table["area_code"].map(need).fillna(0.0)
    table["need_share"] = table["need"] / table["need"].sum() if table["need"].sum() else 0.0
    table["delivered_hours"] = table["area_code"].map(delivered).fillna(0.0).round(1)
    total = table["delivered_hours"].sum()
    table["delivered_share"] = table["delivered_hours"] / total if total else 0.0
    table["gap"] = table["need_share"] - table["delivered_share"]
    done = entries[entries["status"] == "genomförd"]
    if done.empty:
        table["days_since_presence"] = np.nan
    else:
        last = done.groupby("area_code")["actual_end"].max()
        last_at = pd.to_datetime(table["area_code"].map(last.to_dict()), utc=True)
        table["days_since_presence"] = (
            (pd.Timestamp(end) - last_at).dt.total_seconds() / 86_400
        ).round(0)
    return table


def coverage_gaps(
    table: pd.DataFrame, *, min_need_share: float = 0.05, min_days: int = 14
) -> pd.DataFrame:
    """Areas with a high share of need and no delivered presence for ``min_days`` days (or ever)."""
    high = table["need_share"] >= min_need_share
    stale = table["days_since_presence"].isna() | (table["days_since_presence"] >= min_days)
    return table[high & stale].sort_values("need_share", ascending=False)


def inland_commitment(
    entries: pd.DataFrame, areas: gpd.GeoDataFrame, *, target_hours_per_week: float, freq: str = "W"
) -> pd.DataFrame:
    """Delivered hours in ``inland`` areas per ISO week (``freq="W"``) or month (``"M"``) against a target."""
    inland = set(areas.loc[areas["zone"] == "inland", "area_code"])
    done = entries[(entries["status"] == "genomförd") & entries["area_code"].isin(inland)]
    if done.empty:
        return pd.DataFrame(columns=["period", "delivered_hours", "target_hours", "met"])
    local = done["actual_start"].dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    if freq == "W":
        iso = local.dt.isocalendar()
        period = iso["year"].astype(str) + "-V" + iso["week"].astype(str).str.zfill(2)
        target = target_hours_per_week
    else:
        period = local.dt.to_period("M").astype(str)
        target = target_hours_per_week * 52 / 12
    table = (
        done.assign(period=period, hours=performed_hours(done))
        .groupby("period")["hours"]
        .sum()
        .rename("delivered_hours")
        .reset_index()
    )
    table["delivered_hours"] = table["delivered_hours"].round(1)
    table["target_hours"] = round(target, 1)
    table["met"] = table["delivered_hours"] >= table["target_hours"]
    return table


@dataclass(frozen=True)
class Proposal:
    """One proposed presence window and why."""

    area_code: str
    name: str
    start: dt.datetime
    end: dt.datetime
    hours: float
    reason: str


def propose(need: pd.DataFrame, profiles: Mapping[str, pd.DataFrame], *, week_start: dt.date, total_hours: float,
            inland_min_share: float, max_hours_per_area: float, visit_hours: float = 1.0) -> list[Proposal]:  # fmt: skip
    """Distribute ``total_hours`` over areas in proportion to need, then over time windows.

    Parameters
    ----------
    need
        From :func:`need_vs_delivered` (``area_code``, ``name``, ``zone``, ``need_share``).
    profiles
        Per area, the hour × weekday counts (``geo.analysis.indicators.time_of_week``): windows follow need.
    inland_min_share
        At least this share of the hours goes to ``inland`` areas (spread by their need).
    max_hours_per_area
        No area gets more; the excess goes to the others by need.

    Notes
    -----
    Visits are ``visit_hours`` long in the busiest hours of the area's week profile, one per
    hour slot, so the plan follows the time of need (FACTS §5: short, unpredictable stops deter best).
    """
    if total_hours <= 0:
        return []
    shares = need.set_index("area_code")["need_share"].astype(float).clip(lower=0)
    if shares.sum() == 0:
        shares[:] = 1.0
    hours = shares / shares.sum() * total_hours
    inland = need.set_index("area_code")["zone"] == "inland"
    if inland.any() and hours[inland].sum() < inland_min_share * total_hours:
        inland_need = (
            shares[inland]
            if shares[inland].sum() > 0
            else pd.Series(1.0, index=shares[inland].index)
        )
        other_need = (
            shares[~inland]
            if shares[~inland].sum() > 0
            else pd.Series(1.0, index=shares[~inland].index)
        )
        hours[inland] = inland_need / inland_need.sum() * inland_min_share * total_hours
        hours[~inland] = other_need / other_need.sum() * (1 - inland_min_share) * total_hours
    for _ in range(len(hours)):  # cap and redistribute
        over = hours > max_hours_per_area
        if not over.any():
            break
        excess = (hours[over] - max_hours_per_area).sum()
        hours[over] = max_hours_per_area
        room = ~over & (hours < max_hours_per_area)
        if not room.any():
            break
        weights = (
            shares[room] if shares[room].sum() > 0 else pd.Series(1.0, index=hours[room].index)
        )
        hours[room] += weights / weights.sum() * excess
    names = need.set_index("area_code")["name"]
    proposals: list[Proposal] = []
    for code, area_hours in hours.sort_values(ascending=False).items():
        visits = math.floor(area_hours / visit_hours + 1e-9)
        if visits == 0:
            continue
        profile = profiles.get(str(code))
        slots = _busiest_slots(profile, visits)
        for weekday, hour, count in slots:
            day = week_start + dt.timedelta(days=int(weekday))
            start = pd.Timestamp(dt.datetime.combine(day, dt.time(int(hour)))).tz_localize(
                LOCAL_TZ, nonexistent="shift_forward", ambiguous=True
            )
            reason = (f"{names[code]}: {formats.percent(shares[code] / shares.sum())} av behovet, {formats.hours(area_hours)} denna vecka; "
                      f"{count} händelser har skett {['mån', 'tis', 'ons', 'tor', 'fre', 'lör', 'sön'][int(weekday)]} kl {int(hour):02d}")  # fmt: skip
            proposals.append(Proposal(str(code), str(names[code]), start.to_pydatetime(),
                                      (start + pd.Timedelta(hours=visit_hours)).to_pydatetime(), visit_hours, reason))  # fmt: skip
    return sorted(proposals, key=lambda p: p.start)


def _busiest_slots(profile: pd.DataFrame | None, n: int) -> list[tuple[int, int, int]]:
    """Return the ``n`` busiest (weekday, hour) slots of a week profile; evenings if empty."""
    if profile is None or profile.to_numpy().sum() == 0:
        return [(day % 7, 20 + (day // 7) % 3, 0) for day in range(n)]
    stacked = profile.stack().sort_values(ascending=False, kind="stable")
    out = [
        (int(weekday), int(hour), int(count)) for (hour, weekday), count in stacked.head(n).items()
    ]
    return out


# --- GPS ----------------------------------------------------------------------------------------


def dwell_sessions(positions: pd.DataFrame, areas: gpd.GeoDataFrame, *, min_stay_minutes: float = 10,
                   max_gap_minutes: float = 5) -> pd.DataFrame:  # fmt: skip
    """Return the stays in areas from GPS fixes.

    Consecutive fixes of one unit in one area form a stay; a new stay starts when the unit or the
    area changes or the gap between fixes exceeds ``max_gap_minutes``. Stays shorter than
    ``min_stay_minutes`` (driving through) are dropped.

    ``positions``: ``unit``, ``time`` (UTC), ``x``, ``y`` (EPSG:3006). Vectorised: no per-point loop.
    """
    frame = positions.sort_values(["unit", "time"], kind="stable").reset_index(drop=True)
    frame["area_code"] = area_codes_for_points(frame["x"].to_numpy(), frame["y"].to_numpy(), areas)
    unit = frame["unit"].to_numpy()
    code = frame["area_code"].to_numpy()
    # int64 nanoseconds: a tz-aware column .to_numpy() would give an object array of Timestamps
    # (measured: 3.5 of 5.3 s for a year of fixes).
    nanoseconds = (
        pd.to_datetime(frame["time"], utc=True)
        .dt.tz_convert(None)
        .to_numpy(dtype="datetime64[ns]")
        .astype(np.int64)
    )
    gap = np.diff(nanoseconds) / 60e9
    changed = np.ones(len(frame), dtype=bool)
    if len(frame) > 1:
        changed[1:] = (unit[1:] != unit[:-1]) | (code[1:] != code[:-1]) | (gap > max_gap_minutes)
    frame["stay"] = np.cumsum(changed)
    stays = frame[frame["area_code"].notna()].groupby("stay").agg(unit=("unit", "first"), area_code=("area_code", "first"),
                                                                  start=("time", "min"), end=("time", "max"), fixes=("time", "size"))  # fmt: skip
    stays["minutes"] = (stays["end"] - stays["start"]).dt.total_seconds() / 60
    return stays[stays["minutes"] >= min_stay_minutes].reset_index(drop=True)


def gps_against_plan(stays: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    """Per area, minutes measured by GPS against minutes planned on the same days (not cancelled)."""
    if stays.empty:
        return pd.DataFrame(columns=["area_code", "gps_minutes", "planned_minutes"])
    first, last = (
        pd.Timestamp(stays["start"].min()).floor("D"),
        pd.Timestamp(stays["end"].max()).ceil("D"),
    )
    planned = entries[
        (entries["status"] != "inställd")
        & (entries["planned_start"] < last)
        & (entries["planned_end"] > first)
    ]
    planned_minutes = (
        ((planned["planned_end"] - planned["planned_start"]).dt.total_seconds() / 60)
        .groupby(planned["area_code"])
        .sum()
    )
    gps_minutes = stays.groupby("area_code")["minutes"].sum()
    table = (
        pd.DataFrame({"gps_minutes": gps_minutes, "planned_minutes": planned_minutes})
        .fillna(0.0)
        .round(0)
    )
    return table.rename_axis("area_code").reset_index()


def read_gps(path: Path) -> pd.DataFrame:
    """Read a GPS log: ``unit``, ``time`` (UTC), ``x``, ``y`` in EPSG:3006.

    From CSV (``unit;time;lat;lon``, ISO times with offset) or GPX (``trkpt``, the unit is the track
    name or the file name).

    Raises
    ------
    ImportRejected
        Naming the line (or point) and column of every bad value.
    """
    from geo.crs import transformer

    problems: list[Problem] = []
    try:
        if path.suffix.lower() == ".gpx":
            frame = _read_gpx(path)
        else:
            raw = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
    except GeoError:
        raise
    except Exception as error:  # a broken or empty file: the reader's own words, in a GeoError
        kind = "GPX (XML)" if path.suffix.lower() == ".gpx" else "CSV"
        raise ImportRejected(
            f"{path.name}: GPS-loggen kan inte läsas som {kind}; inget har sparats.",
            [Problem(path.name, f"{type(error).__name__}: {error}",
                     "exportera loggen igen som CSV (unit;time;lat;lon) eller GPX")],
        ) from error  # fmt: skip
    if path.suffix.lower() != ".gpx":
        raw.columns = [c.strip().lower() for c in raw.columns]
        missing = [c for c in ("unit", "time", "lat", "lon") if c not in raw.columns]
        if missing:
            raise ImportRejected(
                f"{path.name}: saknar kolumnerna {missing}.",
                [Problem(path.name, f"kolumner: {list(raw.columns)}", "använd unit;time;lat;lon")],
            )
        frame = raw.rename(columns={"time": "time"})
        frame.index = frame.index + 2  # line numbers
    times = pd.to_datetime(frame["time"], utc=True, format="ISO8601", errors="coerce")
    lat = pd.to_numeric(frame["lat"].astype(str).str.replace(",", "."), errors="coerce")
    lon = pd.to_numeric(frame["lon"].astype(str).str.replace(",", "."), errors="coerce")
    unit_word = "punkt" if path.suffix.lower() == ".gpx" else "rad"
    for line in frame.index[times.isna()][:20]:
        problems.append(
            Problem(
                f"{path.name}, {unit_word} {line}, kolumn 'time'",
                f"{frame.at[line, 'time']!r} är ingen tid med tidszon",
                "använd ISO 8601, t.ex. 2026-11-27T10:15:00Z",
            )
        )
    bad = lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
    for line in frame.index[bad][:20]:
        problems.append(
            Problem(
                f"{path.name}, {unit_word} {line}, kolumn 'lat'/'lon'",
                f"({frame.at[line, 'lat']}, {frame.at[line, 'lon']}) är ingen WGS84-position",
                "kontrollera koordinaterna",
            )
        )
    if problems:
        raise ImportRejected(f"{path.name}: GPS-loggen avvisades.", problems)
    x, y = transformer("EPSG:4326", "EPSG:3006").transform(lon.to_numpy(), lat.to_numpy())
    return pd.DataFrame(
        {"unit": frame["unit"].astype(str).to_numpy(), "time": times.to_numpy(), "x": x, "y": y}
    )


def _read_gpx(path: Path) -> pd.DataFrame:
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()  # noqa: S314
    namespace = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
    rows = []
    for track in root.iter(f"{namespace}trk"):
        name = track.findtext(f"{namespace}name") or path.stem
        for point in track.iter(f"{namespace}trkpt"):
            rows.append(
                {
                    "unit": name,
                    "time": point.findtext(f"{namespace}time"),
                    "lat": point.get("lat"),
                    "lon": point.get("lon"),
                }
            )
    frame = pd.DataFrame(rows, columns=["unit", "time", "lat", "lon"])
    frame.index = frame.index + 1
    return frame


def record_dwell(engine: Engine, stays: pd.DataFrame, *, who: str, kind: str = "bilpatrull") -> int:
    """Store GPS stays as performed presence (source ``gps``) with audit rows, in one transaction."""
    moment = now_utc()
    refused = [problem for stay in stays.itertuples()
               for problem in personnummer_problems({"unit": stay.unit}, who, where=f"GPS-vistelse {stay.unit}")]  # fmt: skip
    if refused:
        raise ImportRejected("GPS-vistelserna sparades inte.", refused)
    with unit_of_work(engine) as work:
        connection = work.connection
        for stay in stays.itertuples():
            start = pd.Timestamp(stay.start).to_pydatetime()
            end = pd.Timestamp(stay.end).to_pydatetime()
            values = {"area_code": stay.area_code, "planned_start": start, "planned_end": end, "unit": stay.unit, "kind": kind,
                      "purpose": "Uppmätt närvaro från GPS-logg", "status": "genomförd", "actual_start": start, "actual_end": end,
                      "source": "gps", "synthetic": False, "version": 1, "created_by": who, "created_at": moment,
                      "updated_by": who, "updated_at": moment}  # fmt: skip
            key = connection.execute(insert(presence_entries).values(**values)).inserted_primary_key
            assert key is not None
            _audit(connection, int(key[0]), "skapad", who, None, _row(connection, int(key[0])))
    return len(stays)


# --- Exports (police only) ----------------------------------------------------------------------


def week_plan_csv(entries: pd.DataFrame, names: Mapping[str, str]) -> bytes:
    """Return the plan as Swedish Excel CSV (``;``, UTF-8 with BOM), times in Swedish time.

    Every text cell is neutralised against formulas (:mod:`geo.io.spreadsheet`).
    """
    from geo.io.spreadsheet import csv_bytes

    return csv_bytes(plan_table(entries, names))


def week_plan_ics(entries: pd.DataFrame, names: Mapping[str, str]) -> bytes:
    """Return the plan as an iCalendar file (one event per entry that is not cancelled)."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Lägesbild Falkenberg//närvaroplan//SV")
    calendar.add("version", "2.0")
    for row in entries[entries["status"] != "inställd"].itertuples():
        event = Event()
        event.add("uid", f"narvaro-{row.id}@lagesbild-falkenberg")
        event.add("summary", f"{row.kind}: {names.get(row.area_code, row.area_code)} ({row.unit})")
        event.add("dtstart", pd.Timestamp(row.planned_start).to_pydatetime())
        event.add("dtend", pd.Timestamp(row.planned_end).to_pydatetime())
        event.add("dtstamp", pd.Timestamp(row.updated_at).to_pydatetime())
        event.add("description", f"Syfte: {row.purpose}. Status: {row.status}.")
        event.add("location", names.get(row.area_code, row.area_code))
        calendar.add_component(event)
    return calendar.to_ical()


def week_plan_html(entries: pd.DataFrame, names: Mapping[str, str], *, title: str) -> str:
    """Return a printable week plan (self-contained HTML; every text escaped)."""
    import html

    table = plan_table(entries, names)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in table.itertuples(index=False)
    )
    return (
        f"<!doctype html><html lang='sv'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px}"
        "@media print{.no-print{display:none}}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Polisen – intern närvaroplan. Får inte spridas utanför polisen.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )


def plan_table(entries: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Return the entries as the plan's table: Swedish headers, area names, local times."""
    local = {
        c: entries[c].dt.tz_convert(LOCAL_TZ).dt.strftime("%Y-%m-%d %H:%M")
        for c in ("planned_start", "planned_end")
    }
    return pd.DataFrame({
        "Id": entries["id"], "Område": entries["area_code"].map(lambda c: names.get(c, c)), "Start": local["planned_start"],
        "Slut": local["planned_end"], "Enhet": entries["unit"], "Typ": entries["kind"], "Syfte": entries["purpose"],
        "Status": entries["status"],
    })  # fmt: skip


def week_hours_vs_need(week: pd.DataFrame, need: pd.DataFrame) -> pd.DataFrame:
    """Per area: its share of need beside the week's planned and done hours and their share."""
    live = week[week["status"] != "inställd"] if not week.empty else week
    planned = planned_hours_per_area(live) if not live.empty else pd.Series(dtype=float)
    done = (
        live.assign(hours=performed_hours(live)).groupby("area_code")["hours"].sum()
        if not live.empty
        else pd.Series(dtype=float)
    )
    table = need[["area_code", "name", "zone", "need_share"]].copy()
    table["planned_hours"] = table["area_code"].map(planned).fillna(0.0).round(2)
    table["done_hours"] = table["area_code"].map(done).fillna(0.0).round(2)
    total = table["planned_hours"].sum()
    table["planned_share"] = table["planned_hours"] / total if total else 0.0
    return table.sort_values("need_share", ascending=False).reset_index(drop=True)


def week_blocks(week: pd.DataFrame, names: Mapping[str, str], monday: dt.date) -> pd.DataFrame:
    """Return the week's visits as blocks for a units × days view, by unit and time.

    Each block has the unit, local day, start and end (``HH:MM``), area name, purpose, minutes,
    status and id.
    """
    columns = ["id", "unit", "day", "start", "end", "area", "purpose", "minutes", "status", "shift"]
    if week.empty:
        return pd.DataFrame(columns=columns)
    start = week["planned_start"].dt.tz_convert(LOCAL_TZ)
    end = week["planned_end"].dt.tz_convert(LOCAL_TZ)
    blocks = pd.DataFrame({
        "id": week["id"], "unit": week["unit"], "day": start.dt.date, "start": start.dt.strftime("%H:%M"),
        "end": end.dt.strftime("%H:%M"), "area": week["area_code"].map(lambda c: names.get(c, c)),
        "purpose": week["purpose"], "minutes": ((week["planned_end"] - week["planned_start"]).dt.total_seconds() // 60).astype(int),
        "status": week["status"], "shift": week.get("shift"), "_at": week["planned_start"],
    })  # fmt: skip
    in_week = (blocks["day"] >= monday) & (blocks["day"] < monday + dt.timedelta(days=7))
    return blocks[in_week].sort_values(["unit", "_at"]).drop(columns="_at").reset_index(drop=True)


def map_minutes(week: pd.DataFrame, measure: str) -> pd.Series:
    """Return minutes per area for the week's map, by ``measure``.

    ``planned`` (not cancelled), ``remaining`` (still ``planerad``) or ``done`` (delivered, actual
    times).
    """
    if week.empty:
        return pd.Series(dtype=float)
    if measure == "done":
        return (week.assign(m=performed_hours(week) * 60).groupby("area_code")["m"].sum()).round()
    chosen = week[week["status"] == "planerad"] if measure == "remaining" else week
    return (
        (planned_hours_per_area(chosen) * 60).round()
        if not chosen.empty
        else pd.Series(dtype=float)
    )
