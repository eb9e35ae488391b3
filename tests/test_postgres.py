"""PostgreSQL/PostGIS itself: geometry columns, the app role's privileges, triggers, COPY.

These run on a real PostgreSQL 15 with PostGIS: the run's cluster under ``./test.sh --postgres``,
otherwise one started for this file (see the ``postgres`` fixture in conftest). What the rest of
the suite checks on both databases (imports, presence, publishing, pages) is not repeated here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, exc, insert, text

from geo.presence.log import create_entry, update_entry
from geo.store.database import (
    APPEND_ONLY_TABLES,
    BULK_MIN_ROWS,
    ImportRecord,
    active_layer,
    defer_secondary_indexes,
    grant_app_role,
    insert_incidents,
    load_incidents,
    make_engine,
    record_import,
    restore_indexes,
)
from geo.store.schema import metadata
from tests.conftest import APP_ROLE, OWNER_ROLE, PostgresStores

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
AREAS = {"1382R001", "1382R011"}
SECONDARY = {"ix_incidents_area_code", "ix_incidents_occurred_at", "ix_incidents_geom"}


@pytest.fixture
def pg(postgres: PostgresStores, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """A fresh migrated database: (the app role's engine, the owner role's engine)."""
    app = postgres.new_store(tmp_path / "pg.db")
    assert app.url.database is not None
    owner = make_engine(postgres.url(app.url.database, OWNER_ROLE))
    yield app, owner
    app.dispose()
    owner.dispose()
    postgres.drop(app.url.database)


def _incident(i: int, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "source": "polis",
        "source_id": str(i),
        "category": "vald",
        "raw_type": "Misshandel",
        "occurred_at": pd.Timestamp("2025-06-07 21:30", tz="Europe/Stockholm"),
        "ended_at": None,
        "x": 347009.0 + i,
        "y": 6309811.0,
        "area_code": "1382R001",
        "location_precision": "punkt",
        "harm_weight": 4.0,
        "description": None,
        "synthetic": False,
    }
    row.update(overrides)
    return row


def _load(engine: Engine, frame: pd.DataFrame) -> None:
    with engine.begin() as connection:
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="t")
        )
        insert_incidents(connection, frame, import_id)


def _entry(unit: str, hour: int, **overrides: object) -> dict[str, object]:
    start = NOW + dt.timedelta(days=1, hours=hour)
    fields: dict[str, object] = {
        "area_code": "1382R001",
        "planned_start": start,
        "planned_end": start + dt.timedelta(minutes=30),
        "unit": unit,
        "kind": "bilpatrull",
        "purpose": "Synlig närvaro",
    }
    fields.update(overrides)
    return fields


def _one_row_in_each_append_only_table(app: Engine) -> None:
    from geo.presence.units import save_unit

    create_entry(app, _entry("P1", 1), who="anna", area_codes=AREAS, now=NOW)
    save_unit(app, {"name": "P1", "kind": "bil", "home_base": "Falkenberg"}, who="anna")
    with app.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO public_releases (released_at, first_month, last_month, content_json, "
                "content_sha256) VALUES (now(), '2025-01', '2025-12', '{}', repeat('0', 64))"
            )
        )
        connection.execute(
            text(
                'INSERT INTO access_log (at, "user", role, action) '
                "VALUES (now(), 'anna', 'polis', 'visning')"
            )
        )
        counts = {
            t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in APPEND_ONLY_TABLES
        }
    assert all(counts.values()), counts


# --- PostGIS ------------------------------------------------------------------------------------


def test_points_and_areas_get_generated_geometry_in_sweref99_with_gist_indexes(
    pg: tuple[Engine, Engine],
) -> None:
    app, _owner = pg
    _load(app, pd.DataFrame([_incident(1), _incident(2, x=None, y=None, area_code="1382R011")]))
    with app.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT source_id, ST_SRID(geom), ST_X(geom), ST_Y(geom) FROM incidents ORDER BY id"
            )
        ).all()
        assert rows == [("1", 3006, 347010.0, 6309811.0), ("2", None, None, None)]
        indexes = dict(
            connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%geom'")
            ).all()
        )
        assert set(indexes) == {"ix_incidents_geom", "ix_areas_geom"}
        assert all("USING gist (geom)" in d for d in indexes.values())
        # The polygon in PostGIS is the one the app reads from WKB, and finds the point.
        found = connection.execute(
            text(
                "SELECT a.area_code FROM areas a JOIN area_layers l ON l.id = a.layer_id "
                "JOIN incidents i ON ST_Contains(a.geom, i.geom) WHERE l.is_active"
            )
        ).scalars()
        assert list(found) == ["1382R001"]
        wkb = connection.execute(
            text("SELECT area_code, ST_AsBinary(geom), ST_SRID(geom) FROM areas ORDER BY 1")
        ).all()
    _info, layer = active_layer(app)
    assert [r[0] for r in wkb] == list(layer["area_code"]) and {r[2] for r in wkb} == {3006}
    for (_code, blob, _srid), polygon in zip(wkb, layer.geometry, strict=True):
        assert shapely.equals(shapely.from_wkb(bytes(blob)), polygon)


def test_a_spatial_query_uses_the_gist_index(pg: tuple[Engine, Engine]) -> None:
    app, _owner = pg
    rng = np.random.default_rng(3)
    frame = pd.DataFrame([_incident(i) for i in range(5000)])
    frame["x"] = rng.uniform(330_000, 370_000, len(frame))
    frame["y"] = rng.uniform(6_290_000, 6_330_000, len(frame))
    _load(app, frame)
    with app.connect() as connection:
        connection.execute(text("ANALYZE incidents"))
        plan = " ".join(
            connection.execute(
                text(
                    "EXPLAIN SELECT count(*) FROM incidents WHERE geom && "
                    "ST_MakeEnvelope(347000, 6309000, 348000, 6310000, 3006)"
                )
            ).scalars()
        )
    assert "ix_incidents_geom" in plan


# --- The app's role -----------------------------------------------------------------------------


def test_the_app_role_may_append_to_audits_and_the_ledger_but_never_change_them(
    pg: tuple[Engine, Engine],
) -> None:
    app, _owner = pg
    _one_row_in_each_append_only_table(app)
    for table in sorted(APPEND_ONLY_TABLES):
        for statement in (
            f"UPDATE {table} SET id = id",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            with pytest.raises(exc.ProgrammingError, match="permission denied"), app.begin() as c:
                c.execute(text(statement))
    with app.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM presence_audit")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM access_log")).scalar() == 1
        privileges = {
            name: connection.execute(
                text(
                    "SELECT has_table_privilege(:role, :t, 'SELECT'), "
                    "has_table_privilege(:role, :t, 'INSERT'), "
                    "has_table_privilege(:role, :t, 'UPDATE'), "
                    "has_table_privilege(:role, :t, 'DELETE'), "
                    "has_table_privilege(:role, :t, 'TRUNCATE')"
                ),
                {"role": APP_ROLE, "t": name},
            ).one()
            for name in [*metadata.tables, "alembic_version"]
        }
    for name, rights in privileges.items():
        if name == "alembic_version":
            assert tuple(rights) == (True, False, False, False, False)
        elif name in APPEND_ONLY_TABLES:
            assert tuple(rights) == (True, True, False, False, False), name
        else:
            assert tuple(rights) == (True, True, True, True, False), name


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE mine (id int)",
        "DROP TRIGGER presence_audit_append_only ON presence_audit",
        "ALTER TABLE presence_audit DISABLE TRIGGER presence_audit_append_only",
        "DROP TABLE presence_audit CASCADE",
        "UPDATE alembic_version SET version_num = '0001'",
    ],
    ids=["create", "drop-trigger", "disable-trigger", "drop-table", "schema-version"],
)
def test_the_app_role_cannot_change_the_schema_or_its_guards(
    pg: tuple[Engine, Engine], statement: str
) -> None:
    app, _owner = pg
    refused = r"permission denied|must be owner"
    with pytest.raises(exc.ProgrammingError, match=refused), app.begin() as connection:
        connection.execute(text(statement))


def test_granting_again_takes_back_what_the_app_role_should_not_have(
    pg: tuple[Engine, Engine],
) -> None:
    app, owner = pg
    create_entry(app, _entry("P1", 1), who="anna", area_codes=AREAS, now=NOW)
    with owner.begin() as connection:
        connection.execute(text(f"GRANT UPDATE, DELETE ON presence_audit TO {APP_ROLE}"))
    # The mistake is real: the row trigger is all that is left.
    with pytest.raises(exc.DBAPIError, match="append-only"), app.begin() as connection:
        connection.execute(text("DELETE FROM presence_audit"))
    with owner.begin() as connection:
        assert grant_app_role(connection)
    with pytest.raises(exc.ProgrammingError, match="permission denied"), app.begin() as c:
        c.execute(text("DELETE FROM presence_audit"))
    with app.begin() as connection:  # the app role cannot grant: nothing happens, no error
        assert not grant_app_role(connection)


# --- Triggers, for every role (the owner too) ----------------------------------------------------


@pytest.mark.parametrize("table", sorted(APPEND_ONLY_TABLES))
@pytest.mark.parametrize("verb", ["UPDATE {t} SET id = id", "DELETE FROM {t}", "TRUNCATE {t}"])
def test_audits_and_the_ledger_are_append_only_even_for_the_owner(
    pg: tuple[Engine, Engine], table: str, verb: str
) -> None:
    app, owner = pg
    _one_row_in_each_append_only_table(app)
    with pytest.raises(exc.DBAPIError, match="append-only"), owner.begin() as connection:
        connection.execute(text(verb.format(t=table)))


def test_a_direct_update_must_raise_the_version_and_write_the_audit(
    pg: tuple[Engine, Engine],
) -> None:
    app, _owner = pg
    entry_id = create_entry(app, _entry("P1", 1), who="anna", area_codes=AREAS, now=NOW)
    with pytest.raises(exc.DBAPIError, match="version must rise by one"), app.begin() as c:
        c.execute(text("UPDATE presence_entries SET purpose = 'tyst ändring'"))
    with pytest.raises(exc.DBAPIError, match="has no row in presence_audit"), app.begin() as c:
        c.execute(text("UPDATE presence_entries SET purpose = 'tyst', version = version + 1"))
    with app.begin() as connection:  # with its audit row the same change is accepted
        connection.execute(text("UPDATE presence_entries SET purpose = 'x', version = 2"))
        connection.execute(
            text(
                "INSERT INTO presence_audit (entry_id, action, changed_by, changed_at) "
                "VALUES (:id, 'ändrad', 'granskare', now())"
            ),
            {"id": entry_id},
        )
    with pytest.raises(exc.DBAPIError, match="has no row in presence_audit"), app.begin() as c:
        c.execute(
            insert(metadata.tables["presence_entries"]).values(
                **_entry("P2", 3),
                status="planerad",
                source="manuell",
                synthetic=False,
                version=1,
                created_by="x",
                created_at=NOW,
                updated_by="x",
                updated_at=NOW,
            )
        )
    assert (
        update_entry(
            app,
            entry_id,
            expected_version=2,
            changes={"purpose": "via appen"},
            who="bertil",
            area_codes=AREAS,
            now=NOW,
        )
        == 3
    )


def test_a_unit_changed_behind_the_registers_back_is_refused(pg: tuple[Engine, Engine]) -> None:
    from geo.presence.units import list_units, save_unit

    app, _owner = pg
    save_unit(app, {"name": "P9", "kind": "bil", "home_base": "Falkenberg"}, who="anna")
    unit = list_units(app)[0]
    with pytest.raises(exc.DBAPIError, match="version must rise by one"), app.begin() as c:
        c.execute(text("UPDATE presence_units SET active = false WHERE id = :id"), {"id": unit.id})
    unaudited = "has no row in presence_register_audit"
    with pytest.raises(exc.DBAPIError, match=unaudited), app.begin() as c:
        c.execute(text("UPDATE presence_units SET active = false, version = version + 1"))


# --- Bulk load: COPY ----------------------------------------------------------------------------

texts = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    descriptions=st.lists(texts, min_size=1, max_size=12),
    offsets=st.lists(st.integers(-(10**9), 10**9), min_size=12, max_size=12),
    floats=st.lists(
        st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64)),
        min_size=12,
        max_size=12,
    ),
)
def test_copy_stores_exactly_what_sqlalchemy_core_stores(
    postgres: PostgresStores,
    tmp_path_factory: pytest.TempPathFactory,
    descriptions: list[str | None],
    offsets: list[int],
    floats: list[float | None],
) -> None:
    rows = []
    for i, description in enumerate(descriptions):
        moment = pd.Timestamp("2000-01-01", tz="UTC") + pd.Timedelta(microseconds=offsets[i] * 997)
        rows.append(
            _incident(
                i,
                description=description,
                occurred_at=moment,
                ended_at=None if i % 2 else moment + pd.Timedelta(minutes=5),
                x=floats[i],
                y=floats[-1 - i],
                harm_weight=abs(floats[i] or 1.0),
                raw_type=description or "Misshandel",
                synthetic=bool(i % 3),
            )
        )
    frame = pd.DataFrame(rows)
    folder = tmp_path_factory.mktemp("copy")
    fast, core = postgres.new_store(folder / "fast.db"), postgres.new_store(folder / "core.db")
    _load(fast, frame)
    with core.begin() as connection:
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="t")
        )
        records = [
            {k: (None if v is None or v is pd.NaT else v) for k, v in r.items()} for r in rows
        ]
        for record in records:
            for key in ("occurred_at", "ended_at"):
                if record[key] is not None:
                    record[key] = pd.Timestamp(record[key]).to_pydatetime()
        connection.execute(
            insert(metadata.tables["incidents"]), [{**r, "import_id": import_id} for r in records]
        )
    query = text(
        "SELECT source, source_id, category, raw_type, occurred_at, ended_at, x, y, area_code, "
        "location_precision, harm_weight, description, synthetic, ST_AsEWKT(geom) "
        "FROM incidents ORDER BY source_id"
    )
    with fast.connect() as a, core.connect() as b:
        assert a.execute(query).all() == b.execute(query).all()
    for engine in (fast, core):
        engine.dispose()
        assert engine.url.database is not None
        postgres.drop(engine.url.database)


def test_a_failed_copy_leaves_nothing(pg: tuple[Engine, Engine]) -> None:
    app, _owner = pg
    frame = pd.DataFrame([_incident(1), _incident(1)])  # the same (source, source_id) twice
    with pytest.raises(exc.IntegrityError):
        _load(app, frame)
    assert load_incidents(app).empty
    with app.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM imports")).scalar() == 0


def _indexes(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(
            connection.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'incidents'")
            ).scalars()
        )


def test_a_first_bulk_load_builds_the_indexes_once_and_a_later_one_keeps_them(
    pg: tuple[Engine, Engine],
) -> None:
    app, owner = pg
    assert _indexes(app) >= SECONDARY
    with app.begin() as connection:  # the app's role may not drop indexes: it keeps them
        assert defer_secondary_indexes(connection, expected_rows=BULK_MIN_ROWS) == ()
    with pytest.raises(RuntimeError), owner.begin() as connection:  # the owner may drop indexes
        deferred = defer_secondary_indexes(connection, expected_rows=BULK_MIN_ROWS)
        assert {str(i.name) for i in deferred} == SECONDARY
        during = set(
            connection.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'incidents'")
            ).scalars()
        )
        assert not SECONDARY & during and "uq_incidents_source" in during  # unique kept
        raise RuntimeError("a rejected file")
    assert _indexes(app) >= SECONDARY  # the rollback restored them
    with owner.begin() as connection:
        deferred = defer_secondary_indexes(connection, expected_rows=BULK_MIN_ROWS)
        import_id = record_import(
            connection, ImportRecord(kind="incidents", source="polis", imported_by="t")
        )
        insert_incidents(connection, pd.DataFrame([_incident(i) for i in range(30)]), import_id)
        restore_indexes(connection, deferred)
    assert _indexes(app) >= SECONDARY
    with owner.begin() as connection:  # the table is no longer empty: a reader must not wait
        assert defer_secondary_indexes(connection, expected_rows=10 * BULK_MIN_ROWS) == ()
    with owner.begin() as connection:
        assert defer_secondary_indexes(connection, expected_rows=BULK_MIN_ROWS - 1) == ()
    assert len(load_incidents(app)) == 30


def test_reads_come_back_as_on_sqlite(pg: tuple[Engine, Engine], tmp_path: Path) -> None:
    """load_incidents through psycopg's cursor gives the frame the sqlite3 path gives."""
    from geo.areas.layers import activate_builtin_layer
    from geo.store.database import migrate

    app, _owner = pg
    sqlite = make_engine(f"sqlite:///{tmp_path / 'same.db'}")
    migrate(sqlite)
    activate_builtin_layer(sqlite)
    frame = pd.DataFrame(
        [_incident(i, occurred_at=pd.Timestamp("2025-03-30 01:30", tz="UTC") + pd.Timedelta(hours=i))
         for i in range(4)]
    )  # fmt: skip
    frame.loc[2, ["x", "y"]] = None
    frame.loc[3, "description"] = "en text"
    columns = ("source_id", "occurred_at", "ended_at", "x", "y", "description", "synthetic")
    start = dt.datetime(2025, 3, 30, 2, tzinfo=dt.UTC)
    outputs = []
    for engine in (app, sqlite):
        _load(engine, frame)
        outputs.append(load_incidents(engine, columns=columns, start=start))
    sqlite.dispose()
    assert list(outputs[0]["source_id"]) == ["1", "2", "3"]
    assert str(outputs[0]["occurred_at"].dt.tz) == "UTC"
    pd.testing.assert_frame_equal(outputs[0], outputs[1])


def test_ids_come_from_sequences_the_app_role_may_use(pg: tuple[Engine, Engine]) -> None:
    app, _owner = pg
    ids = [
        create_entry(app, _entry(f"P{i}", i), who="anna", area_codes=AREAS, now=NOW)
        for i in range(3)
    ]
    assert len(set(ids)) == 3 and all(b > a for a, b in itertools.pairwise(ids))
