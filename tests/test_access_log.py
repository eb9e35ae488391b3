"""The access log: rows go in, never change, never go away, and carry no personnummer."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.exc import DatabaseError

from geo.access.access_log import ACTIONS, Actor, read, record, to_csv
from geo.errors import GeoError
from geo.store.schema import access_log

POLICE = Actor("anna.berg@polisen.se (polis)", "polis", "polis")


def test_a_row_records_who_what_where_and_the_filters(store: Engine) -> None:
    record(store, POLICE, "filter", page="hotspots",
           details={"start_utc": "2025-01-01T00:00:00+00:00", "zones": ["inland"]})  # fmt: skip
    (row,) = read(store)
    assert row["user"] == POLICE.who and row["organisation"] == "polis" and row["role"] == "polis"
    assert row["action"] == "filter" and row["page"] == "hotspots"
    assert '"zones": ["inland"]' in row["details_json"]
    assert row["at"].tzinfo is not None


@pytest.mark.parametrize(
    "statement",
    [update(access_log).values(user="någon annan"), delete(access_log)],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_delete_a_row(store: Engine, statement: object) -> None:
    record(store, POLICE, "visning", page="oversikt")
    with (
        pytest.raises(DatabaseError, match=r"append-only|permission denied"),
        store.begin() as connection,
    ):
        connection.execute(statement)  # type: ignore[call-overload]
    assert len(read(store)) == 1 and read(store)[0]["user"] == POLICE.who


def test_raw_sql_cannot_change_it_either(store: Engine) -> None:
    record(store, POLICE, "export", page="planera", target="narvaroplan.csv")
    with (
        pytest.raises(DatabaseError, match=r"append-only|permission denied"),
        store.begin() as connection,
    ):
        connection.execute(text("DELETE FROM access_log WHERE id = 1"))
    assert read(store)[0]["target"] == "narvaroplan.csv"


def test_personnummer_never_reach_the_log(store: Engine) -> None:
    record(store, Actor("19121212-1212 (kommun)", "kommun", "samverkan"), "export",
           page="lagesbild", target="lista 191212121212.csv",
           details={"sök": "Tolvan 121212-1212"})  # fmt: skip
    (row,) = read(store)
    for value in (row["user"], row["target"], row["details_json"]):
        assert "1212-1212" not in value and "121212121212" not in value
        assert "personnummer borttaget" in value


def test_an_unknown_action_is_refused_in_swedish(store: Engine) -> None:
    with pytest.raises(GeoError, match=r"okänd handling 'läst'.*visning"):
        record(store, POLICE, "läst")
    assert read(store) == []


def test_a_change_and_its_log_row_roll_back_together(store: Engine) -> None:
    with pytest.raises(RuntimeError), store.begin() as connection:
        record(connection, POLICE, "ändring", page="admin", target="användare x")
        raise RuntimeError("the change failed")
    assert read(store) == []


def test_read_filters_by_time_user_and_action(store: Engine) -> None:
    day = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    for hour, actor, action in [(8, POLICE, "visning"), (9, Actor("k (kommun)", "kommun", "samverkan"), "export"),
                                (10, POLICE, "export")]:  # fmt: skip
        record(store, actor, action, page="oversikt", at=day + dt.timedelta(hours=hour))
    assert [r["at"].hour for r in read(store)] == [10, 9, 8]  # newest first
    assert len(read(store, since=day + dt.timedelta(hours=9))) == 2
    assert len(read(store, until=day + dt.timedelta(hours=9))) == 1
    assert [r["user"] for r in read(store, user="ANNA")] == [POLICE.who, POLICE.who]
    assert {r["user"] for r in read(store, user="kommun")} == {"k (kommun)"}
    assert [r["action"] for r in read(store, action="export")] == ["export", "export"]
    assert len(read(store, limit=1)) == 1


def test_the_csv_export_opens_in_excel_and_runs_no_formulas(store: Engine) -> None:
    record(store, Actor('=HYPERLINK("http://x") (polis)', "polis", "polis"), "visning", page="om")
    data = to_csv(read(store))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["id", "tid_utc", "anvandare"]
    assert rows[1][2].startswith("'=HYPERLINK")
    assert rows[1][5] == "visning" and "+00:00" in rows[1][1]


def test_actions_are_the_documented_ones() -> None:
    assert set(ACTIONS) == {"visning", "filter", "export", "ändring", "inloggning", "nekad"}
