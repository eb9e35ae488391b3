"""`python -m geo retention --older-than 36m`: incidents before the cut-off month are deleted with
an audit row; the import log, the public release ledger, the presence log and surveys stay."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from geo.commands.cli import main
from geo.errors import ConfigError
from geo.io.ingest import ImportOptions, import_incidents
from geo.presence.log import create_entry
from geo.public.publish import publish
from geo.store.database import active_layer, data_version
from geo.store.retention import apply_retention, cutoff_for, parse_age
from geo.store.schema import imports, incidents, presence_audit, presence_entries, public_releases

CENTRE = (347000, 6309800)
TODAY = dt.date(2026, 12, 2)


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _import(engine: Engine, folder: Path, times: list[str]) -> None:
    rows = [f"R{k};{t};Stöld;{CENTRE[0] + k};{CENTRE[1]};" for k, t in enumerate(times)]
    path = folder / "handelser.csv"
    path.write_text("id;tidpunkt;typ;x;y;beskrivning\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert import_incidents(engine, path, ImportOptions(imported_by="test")).imported


@pytest.mark.parametrize(
    ("text", "months"), [("36m", 36), ("3y", 36), ("48 mån", 48), ("24M", 24), ("5år", 60)]
)
def test_policies_are_read_in_months(text: str, months: int) -> None:
    assert parse_age(text) == months


@pytest.mark.parametrize("text", ["12m", "1y", "36", "tre år", "-36m", ""])
def test_short_or_unreadable_policies_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="--older-than"):
        parse_age(text)


def test_the_cutoff_is_a_whole_month_in_swedish_time() -> None:
    cutoff = cutoff_for(36, TODAY)
    assert cutoff == dt.datetime(2023, 11, 30, 23, 0, tzinfo=dt.UTC)  # 1 Dec 2023 00:00 CET
    assert cutoff_for(36, dt.date(2026, 7, 31)) == dt.datetime(2023, 6, 30, 22, 0, tzinfo=dt.UTC)


def test_old_incidents_go_and_everything_else_stays(store: Engine, tmp_path: Path) -> None:
    _import(store, tmp_path, [
        "2023-11-30T23:59:00+01:00",  # the last minute before the cut-off month: deleted
        "2023-12-01T00:00:00+01:00",  # the first minute of the cut-off month: kept
        "2022-05-10T12:00:00+02:00", "2023-01-10T12:00:00+01:00",  # deleted
        "2025-03-10T12:00:00+01:00", "2026-10-10T12:00:00+02:00",  # kept
    ])  # fmt: skip
    _info, layer = active_layer(store)
    create_entry(
        store,
        {"area_code": "1382R001", "planned_start": dt.datetime(2022, 6, 1, 10, tzinfo=dt.UTC),
         "planned_end": dt.datetime(2022, 6, 1, 11, tzinfo=dt.UTC), "unit": "Patrull 1",
         "kind": "bilpatrull", "purpose": "Trygghetsskapande"},
        who="test", area_codes=set(layer["area_code"]),
    )  # fmt: skip
    publish(store, tmp_path / "site", months=12, today=dt.date(2026, 1, 15))
    releases, imports_before = _count(store, public_releases), _count(store, imports)
    version = data_version(store)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    (log_dir / "fel.log").write_text(
        "--- 2023-01-10T08:00:00+00:00\nTraceback: värde 'Storgatan 1' i rad 7\n\n"
        "--- 2026-11-30T08:00:00+00:00\nTraceback: ny\n\n",
        encoding="utf-8",
    )

    dry = apply_retention(store, months=36, who="test", log_dir=log_dir, today=TODAY, dry_run=True)
    assert (dry.incidents, dry.log_entries, dry.audit_id) == (3, 1, None)
    assert _count(store, incidents) == 6 and "Storgatan" in (log_dir / "fel.log").read_text()

    report = apply_retention(store, months=36, who="förvaltare", log_dir=log_dir, today=TODAY)
    assert (report.incidents, report.log_entries) == (3, 1)
    with store.connect() as connection:
        left = (
            connection.execute(select(incidents.c.occurred_at).order_by(incidents.c.occurred_at))
            .scalars()
            .all()
        )
        audit = (
            connection.execute(select(imports).where(imports.c.kind == "gallring")).mappings().one()
        )
    assert min(left) >= report.cutoff and len(left) == 3
    assert audit["imported_by"] == "förvaltare" and audit["rows_excluded"] == 3
    assert "policy 36 månader" in audit["note"] and audit["id"] == report.audit_id
    assert "3 händelser före 2023-12-01 raderade" in report.text()
    assert data_version(store) != version  # caches of the pages see the change
    assert _count(store, imports) == imports_before + 1  # the import history itself stays
    assert _count(store, public_releases) == releases  # published months stay published
    assert _count(store, presence_entries) == 1 and _count(store, presence_audit) == 1
    log = (log_dir / "fel.log").read_text(encoding="utf-8")
    assert "Storgatan" not in log and "Traceback: ny" in log

    again = apply_retention(store, months=36, who="test", log_dir=log_dir, today=TODAY)
    assert again.incidents == 0 and again.audit_id is None  # nothing to do, nothing logged


@pytest.mark.sqlite_only(reason="the deleted rows must be gone from the SQLite file's free pages")
def test_deleted_descriptions_are_gone_from_the_database_file(
    store: Engine, tmp_path: Path
) -> None:
    rows = ["id;tidpunkt;typ;x;y;beskrivning"] + [
        f"G{k};2020-0{k % 9 + 1}-10T12:00:00+01:00;Stöld;{CENTRE[0]};{CENTRE[1]};HEMLIGBESKRIVNING{k}"
        for k in range(200)
    ]
    path = tmp_path / "gamla.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert import_incidents(store, path, ImportOptions(imported_by="test")).imported
    database = Path(str(store.url.database))
    with store.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"HEMLIGBESKRIVNING" in database.read_bytes()
    apply_retention(store, months=36, who="test", today=TODAY)
    store.dispose()
    files = [database, Path(f"{database}-wal")]
    assert all(b"HEMLIGBESKRIVNING" not in f.read_bytes() for f in files if f.exists())


def test_the_command_deletes_and_says_what_it_did(
    store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _import(store, tmp_path, ["2019-05-10T12:00:00+02:00", "2026-10-10T12:00:00+02:00"])
    monkeypatch.setenv("LAGESBILD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", store.url.render_as_string(hide_password=False))
    assert main(["retention", "--older-than", "36m", "--dry-run"]) == 0
    assert "1 händelser" in capsys.readouterr().out and _count(store, incidents) == 2
    assert main(["retention", "--older-than", "12m"]) == 2
    assert "minst 24m" in capsys.readouterr().err and _count(store, incidents) == 2
    assert main(["retention", "--older-than", "36m", "--by", "drift"]) == 0
    assert "raderade" in capsys.readouterr().out and _count(store, incidents) == 1
