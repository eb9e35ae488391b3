"""The store: migrations agree with the schema, times are UTC, layer replacement rejoins points."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import shapely
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, select

from geo.errors import SchemaError
from geo.schema import incidents, metadata
from geo.store import (
    ImportRecord,
    active_layer,
    current_revision,
    data_version,
    head_revision,
    incident_time_range,
    insert_incidents,
    load_incidents,
    make_engine,
    migrate,
    record_import,
    replace_area_layer,
    require_current_schema,
)


def _incident(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "source": "polis",
        "source_id": "1",
        "category": "vald",
        "raw_type": "Misshandel",
        "occurred_at": pd.Timestamp("2025-06-07 21:30", tz="Europe/Stockholm"),
        "ended_at": None,
        "x": 347009.0,
        "y": 6309811.0,
        "area_code": None,
        "location_precision": "punkt",
        "harm_weight": 4.0,
        "description": None,
        "synthetic": False,
    }
    row.update(overrides)
    return row


def test_migrations_create_exactly_the_schema(store: Engine) -> None:
    assert current_revision(store) == head_revision()
    with store.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_sqlite_runs_with_wal_and_foreign_keys(store: Engine) -> None:
    with store.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_an_empty_database_is_not_current(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaError, match="python -m geo init"):
        require_current_schema(engine)
    migrate(engine)
    require_current_schema(engine)


def test_times_are_stored_as_utc_and_come_back_aware(store: Engine) -> None:
    with store.begin() as connection:
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="test")
        )
        insert_incidents(connection, pd.DataFrame([_incident()]), import_id)
    frame = load_incidents(store)
    assert frame["occurred_at"].iloc[0] == pd.Timestamp("2025-06-07 19:30", tz="UTC")
    first, last = incident_time_range(store) or (None, None)
    assert first == last == dt.datetime(2025, 6, 7, 19, 30, tzinfo=dt.UTC)


def test_a_naive_time_is_refused(store: Engine) -> None:
    with store.begin() as connection:
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="test")
        )
    with pytest.raises(Exception, match="naive datetime"), store.begin() as connection:
        connection.execute(
            insert(incidents).values(
                **{**_incident(occurred_at=dt.datetime(2025, 6, 7, 21, 30)), "import_id": import_id}
            )
        )


def test_replacing_the_layer_rejoins_points_in_the_same_transaction(store: Engine) -> None:
    with store.begin() as connection:
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="test")
        )
        insert_incidents(connection, pd.DataFrame([_incident(area_code="1382R001")]), import_id)
    _info, layer = active_layer(store)
    # A new layer in which one big square around the point carries another code.
    square = shapely.box(340_000, 6_300_000, 355_000, 6_315_000)
    other = layer.iloc[[0]].copy()
    other["area_code"], other["name"], other.geometry = "TEST001", "Provruta", [square]
    with store.begin() as connection:
        replace_area_layer(
            connection, other, name="prov", source="test", approximate=False, provenance="test"
        )
    with store.connect() as connection:
        assert connection.execute(select(incidents.c.area_code)).scalar() == "TEST001"
    info, active = active_layer(store)
    assert info.name == "prov" and list(active["area_code"]) == ["TEST001"]


def test_data_version_changes_with_each_import(store: Engine) -> None:
    before = data_version(store)
    with store.begin() as connection:
        record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="test")
        )
    assert data_version(store) != before


def test_a_failed_transaction_leaves_nothing(store: Engine) -> None:
    with pytest.raises(RuntimeError), store.begin() as connection:
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="t")
        )
        insert_incidents(connection, pd.DataFrame([_incident()]), import_id)
        raise RuntimeError("simulated failure mid-import")
    assert load_incidents(store).empty
