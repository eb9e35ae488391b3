"""Many writers at once on the store this run uses (SQLite file or PostgreSQL database).

Twenty writers lose nothing; two editors of one entry: exactly one wins at first, the other is
shown the conflict and its re-applied edit lands on top, and the audit holds both edits in order.
Writers are threads, each saving through the app's own functions on the shared engine (the way
Streamlit serves several users from one process), plus separate processes for imports.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import threading
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from geo.errors import ConflictError
from geo.io.ingest import ImportOptions, import_incidents
from geo.presence.log import audit_trail, create_entry, list_entries, update_entry
from geo.store.database import count_rows, load_incidents, make_engine

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
AREAS = {"1382R001", "1382R011"}
WRITERS = 20


def _entry(unit: str, hour: int) -> dict[str, object]:
    start = NOW + dt.timedelta(days=1, hours=hour)
    return {
        "area_code": "1382R001" if hour % 2 else "1382R011",
        "planned_start": start,
        "planned_end": start + dt.timedelta(minutes=30),
        "unit": unit,
        "kind": "bilpatrull",
        "purpose": f"Synlig närvaro {unit} {hour}",
    }


def _run_threads(target, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        try:
            result = target(index)
        except Exception as error:  # every outcome is reported, none is lost
            result = f"error: {error!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


def test_twenty_writers_lose_nothing(store: Engine) -> None:
    per_writer = 5

    def writer(index: int) -> str:
        for hour in range(per_writer):
            create_entry(store, _entry(f"Patrull {index}", hour), who=f"polis{index}",
                         area_codes=AREAS, now=NOW)  # fmt: skip
        return "ok"

    outcomes = _run_threads(writer, WRITERS)
    assert outcomes == ["ok"] * WRITERS
    entries = list_entries(store)
    assert len(entries) == WRITERS * per_writer
    assert entries.groupby("unit").size().to_dict() == {
        f"Patrull {i}": per_writer for i in range(WRITERS)
    }
    trail = audit_trail(store)
    assert len(trail) == WRITERS * per_writer and set(trail["action"]) == {"skapad"}
    assert sorted(trail["entry_id"]) == sorted(entries["id"])


def test_twenty_writers_of_one_entry_exactly_one_wins(store: Engine) -> None:
    entry_id = create_entry(store, _entry("Patrull 1", 1), who="anna", area_codes=AREAS, now=NOW)

    def editor(index: int) -> str:
        try:
            update_entry(store, entry_id, expected_version=1, changes={"purpose": f"av {index}"},
                         who=f"polis{index}", area_codes=AREAS, now=NOW)  # fmt: skip
        except ConflictError:
            return "conflict"
        return f"ok:{index}"

    outcomes = _run_threads(editor, WRITERS)
    winners = [o for o in outcomes if o.startswith("ok:")]
    assert len(winners) == 1 and outcomes.count("conflict") == WRITERS - 1, outcomes
    stored = list_entries(store).iloc[0]
    assert stored["version"] == 2 and stored["purpose"] == f"av {winners[0][3:]}"
    trail = audit_trail(store, entry_id)
    # The one edit, then every refused attempt (who tried, against the stored version 2).
    assert trail["action"].tolist() == ["skapad", "ändrad"] + ["konflikt"] * (WRITERS - 1)
    assert trail["changed_by"].tolist()[:2] == ["anna", f"polis{winners[0][3:]}"]
    losers = {f"polis{i}" for i in range(WRITERS)} - {f"polis{winners[0][3:]}"}
    assert set(trail["changed_by"].tolist()[2:]) == losers


def test_two_editors_one_wins_the_other_reapplies_and_the_audit_holds_both(
    store: Engine,
) -> None:
    entry_id = create_entry(store, _entry("Patrull 1", 1), who="anna", area_codes=AREAS, now=NOW)
    edits = {0: {"purpose": "Trygghetsvandring med kommunen"}, 1: {"tactics": "Fotpatrull"}}

    def editor(index: int) -> str:
        try:
            update_entry(store, entry_id, expected_version=1, changes=edits[index],
                         who=f"redaktör{index}", area_codes=AREAS, now=NOW)  # fmt: skip
        except ConflictError as error:
            return f"conflict:{index}:{error}"
        return f"ok:{index}"

    outcomes = _run_threads(editor, 2)
    won = [o for o in outcomes if o.startswith("ok:")]
    lost = [o for o in outcomes if o.startswith("conflict:")]
    assert len(won) == 1 and len(lost) == 1, outcomes
    winner, loser = int(won[0][3]), int(lost[0].split(":")[1])
    message = lost[0]
    assert f"redaktör{winner}" in message and "version 2" in message  # both versions shown
    # The loser reads the saved version and applies the edit again: nothing is lost.
    assert update_entry(store, entry_id, expected_version=2, changes=edits[loser],
                        who=f"redaktör{loser}", area_codes=AREAS, now=NOW) == 3  # fmt: skip
    stored = list_entries(store).iloc[0]
    assert stored["purpose"] == "Trygghetsvandring med kommunen"
    assert stored["tactics"] == "Fotpatrull"
    trail = audit_trail(store, entry_id)
    # Both attempts: the winner's edit, the loser's refused attempt (against version 2), and the
    # loser's edit applied again.
    assert trail["changed_by"].tolist() == [
        "anna",
        f"redaktör{winner}",
        f"redaktör{loser}",
        f"redaktör{loser}",
    ]
    assert trail["action"].tolist() == ["skapad", "ändrad", "konflikt", "ändrad"]
    refused = json.loads(trail["after_json"].iloc[2])
    assert refused["från_version"] == 1 and all(refused[k] == v for k, v in edits[loser].items())
    assert json.loads(trail["before_json"].iloc[2])["version"] == 2


def _import_in_process(url: str, path: str, barrier: object, queue: object) -> None:
    engine = make_engine(url)
    barrier.wait()  # type: ignore[attr-defined]
    try:
        report = import_incidents(
            engine,
            Path(path),
            ImportOptions(today=dt.date(2026, 1, 1), imported_by=Path(path).stem),
        )
        queue.put("ok" if report.imported else f"refused: {report.text()}")  # type: ignore[attr-defined]
    except Exception as error:
        queue.put(f"error: {error!r}")  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_twenty_importing_processes_lose_no_row(store: Engine, tmp_path: Path) -> None:
    """Separate processes (as separate app servers would be), each importing its own file."""
    rows = 50
    paths = []
    for writer in range(WRITERS):
        lines = ["id;tidpunkt;typ;x;y"]
        for i in range(rows):
            moment = pd.Timestamp("2025-06-01 12:00", tz="Europe/Stockholm") + pd.Timedelta(
                minutes=writer * rows + i
            )
            lines.append(f"w{writer}-{i};{moment:%Y-%m-%d %H:%M};Misshandel;347009;6309811")
        path = tmp_path / f"skrivare{writer}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    url = store.url.render_as_string(hide_password=False)
    store.dispose()
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(WRITERS), context.Queue()
    processes = [
        context.Process(target=_import_in_process, args=(url, str(p), barrier, queue))
        for p in paths
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert outcomes == ["ok"] * WRITERS, outcomes
    stored = load_incidents(store, columns=("source_id",))
    assert len(stored) == WRITERS * rows == stored["source_id"].nunique()
    assert count_rows(store, "imports") == WRITERS


@pytest.mark.parametrize("writers", [WRITERS])
def test_writers_booking_one_unit_at_once_only_one_gets_the_slot(
    store: Engine, writers: int
) -> None:
    """The same unit at the same time from many threads: one booking, the rest refused."""
    from geo.errors import ImportRejected

    def booker(index: int) -> str:
        fields = _entry("Patrull 1", 1)
        fields["purpose"] = f"skrivare {index}"
        try:
            create_entry(store, fields, who=f"polis{index}", area_codes=AREAS, now=NOW)
        except ImportRejected as error:
            return "refused" if "samtidigt" in str(error.problems) else f"other: {error.problems}"
        return "ok"

    outcomes = _run_threads(booker, writers)
    assert sorted(outcomes) == ["ok"] + ["refused"] * (writers - 1), outcomes
    assert len(list_entries(store)) == 1 and len(audit_trail(store)) == 1
