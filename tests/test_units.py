"""Units and shift patterns: versioned edits, validation, DST-aware shift windows, and every
planned entry belonging to a registered unit and a shift."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from geo.errors import ConflictError, ImportRejected
from geo.presence.log import create_entry, list_entries, update_entry
from geo.presence.units import (
    ensure_defaults,
    list_shifts,
    list_units,
    save_shift,
    save_unit,
    shift_containing,
    unit_load,
)
from geo.store.database import active_layer
from tests.test_screening import PNR

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture
def planned(store: Engine) -> Engine:
    assert ensure_defaults(store) is True
    assert ensure_defaults(store) is False  # only once
    return store


def _entry(start: dt.datetime, minutes: int = 15, **changes: object) -> dict[str, object]:
    return {"area_code": "1382R011", "planned_start": start, "planned_end": start + dt.timedelta(minutes=minutes),
            "unit": "Patrull 1", "kind": "bilpatrull", "purpose": "Kort stopp", **changes}  # fmt: skip


def test_defaults_are_units_and_shifts_from_the_settings(planned: Engine) -> None:
    units = {u.name: u for u in list_units(planned)}
    assert {"Patrull 1", "Patrull 2", "Fotpatrull 1", "MC 1"} <= set(units)
    assert units["Fotpatrull 1"].kind == "fot" and units["Patrull 1"].home_base == "Falkenberg"
    assert [s.label for s in list_shifts(planned)] == [
        "dag 07:00–16:00",
        "kväll 15:00–24:00",
        "natt 22:00–07:00",
    ]


def test_unit_edits_are_versioned_and_validated(planned: Engine) -> None:
    unit = next(u for u in list_units(planned) if u.name == "Patrull 2")
    fields = {"name": "Patrull 2", "kind": "cykel", "home_base": "Ullared"}
    assert save_unit(planned, fields, who="anna", unit_id=unit.id, expected_version=1) == 2
    with pytest.raises(ConflictError, match=r"ändrats av anna \(version 2\)"):
        save_unit(
            planned, {**fields, "kind": "fot"}, who="bertil", unit_id=unit.id, expected_version=1
        )
    assert next(u for u in list_units(planned) if u.id == unit.id).kind == "cykel"
    with pytest.raises(ImportRejected) as refused:
        save_unit(
            planned, {"name": "Ridpatrull", "kind": "häst", "home_base": "Atlantis"}, who="anna"
        )
    assert [p.message for p in refused.value.problems] == [
        "okänd typ av enhet 'häst'", "okänd hemstation 'Atlantis'"]  # fmt: skip
    with pytest.raises(ImportRejected, match="personnummer"):
        save_unit(
            planned,
            {"name": f"Patrull {PNR}", "kind": "bil", "home_base": "Falkenberg"},
            who="anna",
        )
    with pytest.raises(ImportRejected, match="personnummer"):
        save_unit(planned, {"name": "Patrull 9", "kind": "bil", "home_base": "Falkenberg"}, who=PNR)
    with pytest.raises(ImportRejected, match="namnet finns redan"):
        save_unit(
            planned, {"name": "Patrull 1", "kind": "bil", "home_base": "Falkenberg"}, who="anna"
        )


def test_shift_patterns_are_validated(planned: Engine) -> None:
    with pytest.raises(ImportRejected, match="ingen tid"):
        save_shift(planned, {"name": "sen", "start_time": "25:00", "end_time": "03:00"}, who="anna")
    with pytest.raises(ImportRejected, match="noll timmar"):
        save_shift(planned, {"name": "sen", "start_time": "03:00", "end_time": "03:00"}, who="anna")
    assert (
        save_shift(
            planned, {"name": "helg", "start_time": "18:00", "end_time": "03:00"}, who="anna"
        )
        == 1
    )


@pytest.mark.parametrize(("day", "hours"), [(dt.date(2026, 3, 28), 8), (dt.date(2026, 10, 24), 10),
                                            (dt.date(2026, 12, 5), 9)])  # fmt: skip
def test_a_night_shift_across_the_dst_change_is_shorter_or_longer(
    planned: Engine, day: dt.date, hours: int
) -> None:
    natt = next(s for s in list_shifts(planned) if s.name == "natt")
    start, end = natt.window(day)
    assert (end - start) == dt.timedelta(hours=hours)
    assert start.astimezone(dt.timezone(dt.timedelta(hours=1 if day.month != 10 else 2))).hour == 22


def test_every_planned_entry_belongs_to_a_unit_and_a_shift(planned: Engine) -> None:
    codes = set(active_layer(planned)[1]["area_code"])
    evening = dt.datetime(2026, 12, 7, 19, 0, tzinfo=UTC)  # 20:00 Swedish time
    entry_id = create_entry(planned, _entry(evening), who="anna", area_codes=codes, now=NOW)
    assert list_entries(planned).set_index("id").at[entry_id, "shift"] == "kväll"
    with pytest.raises(ImportRejected, match="okänd eller inaktiv enhet 'Patrull 99'"):
        create_entry(
            planned, _entry(evening, unit="Patrull 99"), who="anna", area_codes=codes, now=NOW
        )
    with pytest.raises(ImportRejected, match="inte inom dag 07:00–16:00"):
        create_entry(
            planned,
            _entry(evening, unit="Patrull 2", shift="dag"),
            who="anna",
            area_codes=codes,
            now=NOW,
        )
    across = dt.datetime(2026, 12, 7, 5, 50, tzinfo=UTC)  # 06:50–07:10: in no single shift
    with pytest.raises(ImportRejected, match="inte inom något pass"):
        create_entry(planned, _entry(across, 20), who="anna", area_codes=codes, now=NOW)
    with pytest.raises(ImportRejected, match="inte inom natt"):
        update_entry(planned, entry_id, expected_version=1, changes={"shift": "natt"}, who="anna",
                     area_codes=codes, now=NOW)  # fmt: skip
    night = dt.datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 00:00 Swedish time, the night after
    update_entry(planned, entry_id, expected_version=1, changes={"planned_start": night,
                 "planned_end": night + dt.timedelta(minutes=15)}, who="anna", area_codes=codes, now=NOW)  # fmt: skip
    assert list_entries(planned).set_index("id").at[entry_id, "shift"] == "natt"


def test_shift_containing_and_unit_load(planned: Engine) -> None:
    shifts = list_shifts(planned)
    at = dt.datetime(2026, 12, 7, 14, 30, tzinfo=UTC)  # 15:30 local: dag ends 16, kväll from 15
    found = shift_containing(shifts, at, at + dt.timedelta(minutes=15))
    assert found is not None and found.name == "dag"
    codes = set(active_layer(planned)[1]["area_code"])
    create_entry(planned, _entry(at), who="anna", area_codes=codes, now=NOW)
    create_entry(
        planned,
        _entry(at + dt.timedelta(hours=3), 45, unit="Patrull 2"),
        who="anna",
        area_codes=codes,
        now=NOW,
    )
    load = unit_load(list_entries(planned), list_units(planned), [s for s in shifts if s.name == "kväll"],
                     dt.date(2026, 12, 7)).set_index("unit")  # fmt: skip
    assert (
        load.at["Patrull 1", "planned_hours"] == 0.25
        and load.at["Patrull 2", "planned_hours"] == 0.75
    )
    assert load.at["Patrull 2", "booked_share"] == pytest.approx(0.75 / 63, abs=1e-3)
    assert load.at["MC 1", "visits"] == 0


def test_the_demo_registers_its_units_and_the_default_shifts(demo_store: Engine) -> None:
    demo_units = set(list_entries(demo_store)["unit"])
    assert demo_units <= {u.name for u in list_units(demo_store)}
    assert {s.name for s in list_shifts(demo_store)} == {"dag", "kväll", "natt"}


def test_every_unit_and_shift_change_is_audited_append_only(planned: Engine) -> None:
    from sqlalchemy import exc

    from geo.presence.units import register_audit

    unit = next(u for u in list_units(planned) if u.name == "MC 1")
    save_unit(
        planned,
        {"name": "MC 1", "kind": "MC", "home_base": "Ullared"},
        who="anna",
        unit_id=unit.id,
        expected_version=1,
    )
    save_shift(planned, {"name": "helg", "start_time": "18:00", "end_time": "03:00"}, who="bertil")
    trail = register_audit(planned)
    defaults = len(list_units(planned)) + len(list_shifts(planned)) - 1  # all but the new shift
    assert trail["action"].tolist() == ["skapad"] * defaults + ["ändrad", "skapad"]
    changed = trail.iloc[-2]
    assert changed["register"] == "enhet" and changed["changed_by"] == "anna"
    assert (
        '"home_base": "Falkenberg"' in changed["before_json"]
        and '"home_base": "Ullared"' in changed["after_json"]
    )
    assert (
        trail.iloc[-1]["register"] == "pass"
        and '"end_time": "03:00"' in trail.iloc[-1]["after_json"]
    )
    with (
        pytest.raises(exc.DatabaseError, match=r"append-only|permission denied"),
        planned.begin() as connection,
    ):
        connection.exec_driver_sql("UPDATE presence_register_audit SET changed_by = 'någon annan'")
    with (
        pytest.raises(exc.DatabaseError, match=r"append-only|permission denied"),
        planned.begin() as connection,
    ):
        connection.exec_driver_sql("DELETE FROM presence_register_audit")
