"""The store: migrations agree with the schema, times are UTC, layer replacement rejoins points."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import shapely
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, insert, select

import geo.store.database
from geo.errors import SchemaError
from geo.store.database import (
    BULK_MIN_ROWS,
    ImportRecord,
    active_layer,
    current_revision,
    data_version,
    defer_secondary_indexes,
    head_revision,
    incident_time_range,
    insert_incidents,
    load_incidents,
    make_engine,
    migrate,
    record_import,
    replace_area_layer,
    require_current_schema,
    restore_indexes,
)
from geo.store.schema import incidents, include_object, metadata


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
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, metadata)
    assert diff == []


@pytest.mark.sqlite_only(reason="PRAGMAs")
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


# --- Bulk loads: the fast SQLite path and deferred indexes --------------------------------------

INDEXES = (
    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents' ORDER BY name"
)
SECONDARY = ["ix_incidents_area_code", "ix_incidents_occurred_at"]


def _index_names(connection: Connection) -> list[str]:
    return list(connection.exec_driver_sql(INDEXES).scalars().all())


def _frame(rows: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        [_incident(source_id=str(start + i), area_code="1382R001") for i in range(rows)]
    )


def _plan(connection: Connection) -> str:
    rows = connection.exec_driver_sql(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM incidents WHERE occurred_at >= '2025-01-01'"
    ).all()
    return " ".join(str(row[-1]) for row in rows)


@pytest.mark.sqlite_only(reason="sqlite_master and EXPLAIN QUERY PLAN")
def test_a_bulk_load_drops_the_secondary_indexes_and_rebuilds_them_before_commit(
    store: Engine,
) -> None:
    with store.begin() as connection:
        deferred = defer_secondary_indexes(connection, expected_rows=BULK_MIN_ROWS)
        assert sorted(str(i.name) for i in deferred) == SECONDARY
        during = _index_names(connection)
        assert not set(SECONDARY) & set(during)
        assert any(name.startswith("sqlite_autoindex_incidents") for name in during)  # unique kept
        assert "ix_incidents_occurred_at" not in _plan(connection)
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="t")
        )
        insert_incidents(connection, _frame(50), import_id)
        restore_indexes(connection, deferred)
    with store.connect() as connection:
        assert set(SECONDARY) <= set(_index_names(connection))
        assert "USING COVERING INDEX ix_incidents_occurred_at" in _plan(connection)
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert len(load_incidents(store)) == 50


@pytest.mark.sqlite_only(reason="sqlite_master and EXPLAIN QUERY PLAN")
def test_a_rolled_back_bulk_load_leaves_the_indexes_as_they_were(store: Engine) -> None:
    with store.connect() as connection:
        before = _index_names(connection)
    with pytest.raises(RuntimeError), store.begin() as connection:
        # The very first statement of the transaction is DDL: it must not commit by itself.
        deferred = defer_secondary_indexes(connection, expected_rows=10 * BULK_MIN_ROWS)
        assert deferred
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="t")
        )
        insert_incidents(connection, _frame(5), import_id)
        raise RuntimeError("simulated failure mid-import")
    with store.connect() as connection:
        assert _index_names(connection) == before and set(SECONDARY) <= set(before)
        assert "ix_incidents_occurred_at" in _plan(connection)
    assert load_incidents(store).empty


@pytest.mark.sqlite_only(reason="sqlite_master and EXPLAIN QUERY PLAN")
def test_small_loads_and_loads_smaller_than_the_table_keep_their_indexes(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.begin() as connection:
        assert defer_secondary_indexes(connection, expected_rows=BULK_MIN_ROWS - 1) == ()
        assert set(SECONDARY) <= set(_index_names(connection))
    monkeypatch.setattr(geo.store.database, "BULK_MIN_ROWS", 1)
    with store.begin() as connection:
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="t")
        )
        insert_incidents(connection, _frame(20), import_id)
    with store.begin() as connection:
        assert defer_secondary_indexes(connection, expected_rows=10) == ()  # table has 20
        assert defer_secondary_indexes(connection, expected_rows=20) != ()
        assert not set(SECONDARY) & set(_index_names(connection))
        connection.rollback()


_texts = st.one_of(
    st.none(), st.text(max_size=8), st.sampled_from(["Misshandel", "Bråk", "", "o'hara", "a\x00b"])
)
_sources = st.sampled_from(["polis", "o'hara", '"; DROP TABLE incidents; --'])  # constant → literal
_times = st.one_of(
    st.none(),
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 12, 31),
        timezones=st.sampled_from([dt.UTC, ZoneInfo("Europe/Stockholm")]),
    ),
)  # fmt: skip
_floats = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=False, width=64))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(_sources, _texts, _times, _floats, _floats, _texts, st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_the_fast_sqlite_path_stores_exactly_what_sqlalchemy_core_stores(
    fast_store: Engine, rows: list[tuple[Any, ...]]
) -> None:
    """Byte for byte the same column values as SQLAlchemy's own INSERT (types, NULLs, times),
    also when a column holds one value and is written as a literal (quotes, NUL)."""
    frame = pd.DataFrame(
        [
            _incident(
                source=source, source_id=str(i), area_code=area, ended_at=ended, x=x, y=y,
                description=text, synthetic=synthetic,
            )
            for i, (source, area, ended, x, y, text, synthetic) in enumerate(rows)
        ]
    )  # fmt: skip
    with fast_store.connect() as connection, connection.begin() as transaction:
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="t")
        )
        insert_incidents(connection, frame, import_id)
        fast = connection.exec_driver_sql(STORED).all()
        connection.exec_driver_sql("DELETE FROM incidents")
        connection.execute(insert(incidents), _core_records(frame, import_id))
        core = connection.exec_driver_sql(STORED).all()
        transaction.rollback()
    assert len(fast) == len(rows) and fast == core


@pytest.fixture(scope="module")
def fast_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fast') / 'fast.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


STORED = (
    "SELECT source, source_id, category, raw_type, occurred_at, ended_at, x, typeof(x), y, "
    "area_code, location_precision, harm_weight, description, import_id, synthetic, "
    "typeof(synthetic) FROM incidents ORDER BY id"
)


def _core_records(frame: pd.DataFrame, import_id: int) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        record: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, pd.Timestamp):
                value = value.to_pydatetime()
            elif value is None or (not isinstance(value, str | bool) and pd.isna(value)):
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            record[str(key)] = value
        out.append({**record, "import_id": import_id})
    return out
