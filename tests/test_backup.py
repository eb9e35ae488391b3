"""`python -m geo backup` / `restore`: a round trip gives back every row of every table, an older
backup is upgraded after the restore, and what is not a backup is refused before anything changes.

Runs on the test run's database: SQLite (online backup API) or PostgreSQL (pg_dump/pg_restore).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.exc import DBAPIError

from geo.commands.cli import main
from geo.errors import GeoError
from geo.io.ingest import ImportOptions, import_incidents
from geo.presence.log import create_entry
from geo.store.backup import backup, default_backup_path, prune_backups, restore
from geo.store.database import active_layer, head_revision, make_engine
from geo.store.schema import incidents, metadata, presence_audit
from tests.conftest import OWNER_ROLE, empty_store_url, on_postgres

CENTRE = (347000, 6309800)


def _owner(engine: Engine) -> Engine:
    """The engine a restore runs with: on PostgreSQL the owner role (it drops and creates the
    tables, as ``python -m geo init`` does); on SQLite the same file."""
    if not on_postgres():
        return engine
    return make_engine(engine.url.set(username=OWNER_ROLE).render_as_string(hide_password=False))


def _contents(engine: Engine) -> dict[str, list[Any]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as connection:
        return {
            name: connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            for name, table in sorted(metadata.tables.items())
        }


def _fill(engine: Engine, folder: Path, *, hour: int = 10) -> None:
    rows = [
        f"B{k};2025-{k % 12 + 1:02d}-10T12:00:00+01:00;Stöld;{CENTRE[0] + k};{CENTRE[1]};Cykel {k}"
        for k in range(40)
    ]
    path = folder / "handelser.csv"
    path.write_text("id;tidpunkt;typ;x;y;beskrivning\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert import_incidents(engine, path, ImportOptions(imported_by="test")).imported
    _info, layer = active_layer(engine)
    create_entry(
        engine,
        {"area_code": "1382R001", "planned_start": dt.datetime(2025, 6, 1, hour, tzinfo=dt.UTC),
         "planned_end": dt.datetime(2025, 6, 1, hour + 1, tzinfo=dt.UTC), "unit": "Patrull 1",
         "kind": "bilpatrull", "purpose": "Trygghetsskapande"},
        who="test", area_codes=set(layer["area_code"]),
    )  # fmt: skip


def test_round_trip_gives_back_every_row(store: Engine, tmp_path: Path) -> None:
    _fill(store, tmp_path)
    before = _contents(store)
    assert len(before["incidents"]) == 40 and len(before["presence_audit"]) == 1
    info = backup(store, tmp_path / "kopior" / "lagesbild.bak")
    assert info.size_bytes > 0 and info.revision == head_revision()
    assert oct(info.path.stat().st_mode & 0o777) == "0o600"
    with store.begin() as connection:  # then things happen: incidents lost, new ones imported
        connection.execute(delete(incidents).where(incidents.c.source_id.like("B1%")))
    _fill(store, tmp_path, hour=14)  # lost ids come back; presence gets a second entry
    assert _contents(store) != before
    owner = _owner(store)
    restore(owner, info.path)
    store.dispose()
    assert _contents(store) == before
    with pytest.raises(DBAPIError), store.begin() as connection:  # the audit is append-only still
        connection.execute(delete(presence_audit))


def test_the_commands_back_up_and_restore(
    store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _fill(store, tmp_path)
    before = _contents(store)
    monkeypatch.setenv("LAGESBILD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", store.url.render_as_string(hide_password=False))
    assert main(["backup", "--keep-days", "30"]) == 0
    written = sorted((tmp_path / "data" / "backups").iterdir())
    assert len(written) == 1 and written[0].suffix == (".dump" if on_postgres() else ".db")
    assert "Säkerhetskopia skriven" in capsys.readouterr().out
    with store.begin() as connection:
        connection.execute(delete(incidents))
    assert main(["restore", str(written[0])]) == 2  # without --yes nothing happens
    assert "--yes" in capsys.readouterr().err and _contents(store)["incidents"] == []
    owner_url = _owner(store).url.render_as_string(hide_password=False)
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", owner_url)
    assert main(["restore", str(written[0]), "--yes"]) == 0
    store.dispose()
    assert _contents(store) == before


def test_an_older_backup_is_upgraded_after_the_restore(store: Engine, tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from geo.store.database import MIGRATIONS_DIR

    old = make_engine(empty_store_url(tmp_path, "gammal.db"))  # a database of version 0007
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with old.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        connection.execute(
            text("INSERT INTO imports (kind, source, rows_read, rows_imported, rows_excluded, "
                 "imported_by, imported_at, synthetic) VALUES ('incidents', 'polis', 1, 1, 0, "
                 "'förr', '2024-01-01 00:00:00', false)")
        )  # fmt: skip
    info = backup(old, tmp_path / "aldre.bak")
    old.dispose()
    assert info.revision == "0007"
    restore(_owner(store), info.path)
    store.dispose()
    after = _contents(store)
    assert [row.imported_by for row in after["imports"]] == ["förr"] and after["access_log"] == []
    with store.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert revision == head_revision()


def test_what_is_not_a_backup_is_refused_and_nothing_changes(store: Engine, tmp_path: Path) -> None:
    _fill(store, tmp_path)
    before = _contents(store)
    not_a_backup = tmp_path / "handelser.csv"
    with pytest.raises(GeoError, match="ingen"):
        restore(_owner(store), not_a_backup)
    with pytest.raises(GeoError, match="finns inte"):
        restore(_owner(store), tmp_path / "saknas.db")
    info = backup(store, tmp_path / "en.bak")
    with pytest.raises(GeoError, match="finns redan"):
        backup(store, info.path)  # a backup is never overwritten
    store.dispose()
    assert _contents(store) == before


def test_a_backup_from_a_newer_version_is_refused(store: Engine, tmp_path: Path) -> None:
    owner = _owner(store)
    with owner.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    newer = backup(owner, tmp_path / "nyare.bak")
    with owner.begin() as connection:
        connection.execute(text(f"UPDATE alembic_version SET version_num = '{head_revision()}'"))
    with pytest.raises(GeoError, match="nyare version"):
        restore(owner, newer.path)
    with store.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == head_revision()
        )


def test_old_backups_are_pruned_but_the_newest_and_other_files_stay(tmp_path: Path) -> None:
    now = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
    made = []
    for days in (40, 31, 5, 45):
        path = default_backup_path(tmp_path, "sqlite", now=now - dt.timedelta(days=days))
        path.write_bytes(b"x")
        stamp = (now - dt.timedelta(days=days)).timestamp()
        os.utime(path, (stamp, stamp))
        made.append(path)
    other = tmp_path / "anteckningar.txt"
    other.write_text("behåll")
    os.utime(other, (0, 0))
    removed = prune_backups(tmp_path, keep_days=30, now=now)
    assert sorted(removed) == sorted([made[0], made[1], made[3]])
    assert made[2].exists() and other.exists()
    only_old = tmp_path / "gamla"
    only_old.mkdir()
    lone = default_backup_path(only_old, "sqlite", now=now - dt.timedelta(days=90))
    lone.write_bytes(b"x")
    os.utime(lone, (0, 0))
    assert prune_backups(only_old, keep_days=30, now=now) == [] and lone.exists()
