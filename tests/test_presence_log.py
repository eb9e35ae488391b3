"""ui.presence_log.PresenceLog (the presence pages' one writer, bound once to the layer) and the
views of ui.views.presence that cache: a write must show in the next view at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import Engine

from geo.demo import load_demo
from geo.errors import ConflictError, ImportRejected
from geo.presence.log import list_entries
from geo.store.database import active_layer, now_utc
from tests.conftest import DEMO_END, new_store
from ui.presence_log import PresenceLog

DAY = dt.date(2026, 11, 2)  # a Monday; 19:00 Swedish time is 18:00 UTC
NEXT_MONDAY = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())


@pytest.fixture
def log(store: Engine) -> PresenceLog:
    return PresenceLog(store, active_layer(store)[1])


def _visit(log: PresenceLog, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {"area_code": "1382R011", "unit": "Patrull 1", "kind": "bilpatrull",
                               "purpose": "Riktad närvaro"}  # fmt: skip
    return {**base, **fields}


def test_a_point_is_checked_against_the_layer_the_log_was_bound_to(log: PresenceLog) -> None:
    inside = log.shapes["1382R011"].representative_point()
    elsewhere = log.shapes["1382R001"].representative_point()
    with pytest.raises(ImportRejected) as refused:
        log.plan_visit(_visit(log), day=DAY, start=dt.time(19), minutes=30,
                       point=f"{elsewhere.x:.0f} {elsewhere.y:.0f}", who="test")  # fmt: skip
    assert "ligger utanför området" in str(refused.value.problems)
    entry_id = log.plan_visit(_visit(log), day=DAY, start=dt.time(19), minutes=30,
                              point=f"{inside.x:.0f} {inside.y:.0f}", who="test")  # fmt: skip
    stored = list_entries(log.engine).set_index("id").loc[entry_id]
    assert stored["planned_start"] == pd.Timestamp("2026-11-02 18:00", tz="UTC")
    assert (stored["x"], stored["y"]) == (round(inside.x), round(inside.y))


def test_an_edit_moves_refuses_a_stale_version_and_cancels(log: PresenceLog) -> None:
    entry_id = log.create(_visit(log, planned_start=dt.datetime(2026, 11, 2, 18, tzinfo=dt.UTC),
                                 planned_end=dt.datetime(2026, 11, 2, 19, tzinfo=dt.UTC)), who="Pia")  # fmt: skip
    was = list_entries(log.engine).set_index("id").loc[entry_id].to_dict()
    cancelled = log.edit(entry_id, expected_version=1, was=was, purpose="Flyttad", unit="Patrull 1",
                         day=DAY, start=dt.time(21), minutes=45, status="planerad", who="Pia")  # fmt: skip
    moved = list_entries(log.engine).set_index("id").loc[entry_id]
    assert not cancelled and moved["version"] == 2 and moved["purpose"] == "Flyttad"
    assert moved["planned_start"] == pd.Timestamp("2026-11-02 20:00", tz="UTC")
    assert moved["planned_end"] - moved["planned_start"] == pd.Timedelta(minutes=45)
    with pytest.raises(ConflictError, match="har ändrats av Pia \\(version 2\\)"):
        log.edit(entry_id, expected_version=1, was=was, purpose="Gammal", unit="Patrull 1", day=DAY,
                 start=dt.time(19), minutes=60, status="planerad", who="Kalle")  # fmt: skip
    assert log.edit(entry_id, expected_version=2, was=moved.to_dict(), purpose="Flyttad", unit="Patrull 1",
                    day=DAY, start=dt.time(21), minutes=45, status="inställd", who="Pia")  # fmt: skip
    assert list_entries(log.engine).set_index("id").at[entry_id, "status"] == "inställd"


def test_the_proposal_table_adds_ticked_rows_and_names_each_refused_one(log: PresenceLog) -> None:
    name = log.names["1382R011"]
    row = {"Lägg in": True, "Område": name, "Enhet": "Patrull 1", "Pass": None,
           "Start": "2026-11-02 19:00", "Minuter": 15, "Varför": "stort behov"}  # fmt: skip
    table = pd.DataFrame([row, {**row, "Lägg in": False, "Start": "2026-11-03 19:00"},
                          {**row, "Start": "i morgon kväll"}, {**row, "Start": "2026-11-02 19:05"}])  # fmt: skip
    added, refused = log.add_proposal(table, who="Pia")
    assert added == 1
    assert refused[0] == "Rad 3: 'i morgon kväll' är ingen tid; skriv ÅÅÅÅ-MM-DD TT:MM."
    assert refused[1].startswith("Rad 4 lades inte in:") and "redan planerad" in refused[1]
    (stored,) = list_entries(log.engine).itertuples()
    assert (stored.area_code, stored.source, stored.purpose) == (
        "1382R011", "förslag", "Förslag efter behov: stort behov",
    )  # fmt: skip


# --- Cached views: a write shows at once ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = new_store(tmp_path_factory.mktemp("presence_views"))
    load_demo(engine, years=1, seed=3, end=DEMO_END)
    yield engine
    engine.dispose()


@pytest.fixture
def app_env(demo: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(demo.url))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _proposed(table: pd.DataFrame | None) -> set[tuple[str, str]]:
    return set() if table is None else set(zip(table["Enhet"], table["Start"], strict=True))


@pytest.mark.usefixtures("app_env")
def test_the_proposal_is_made_again_around_the_visits_just_added(demo: Engine) -> None:
    from ui import loaders
    from ui.views import presence as views

    data = loaders.page_data()
    log = PresenceLog(demo, data.layer)
    week = views.plan_week(data, NEXT_MONDAY)
    choice = views.ProposalChoice(2.0, 30, 8, 15, ("Patrull 1",), ("dag", "kväll"))
    first = views.proposal(week, choice)
    assert first.table is not None and first.summary.startswith("120 av 120 minuter")
    added, refused = log.add_proposal(first.table, who="Pia")
    assert added == len(first.table) and refused == []
    again = views.proposal(views.plan_week(data, NEXT_MONDAY), choice)
    # The same unit cannot be proposed at the times it now has: the cache was not reused.
    assert _proposed(again.table) and not _proposed(again.table) & _proposed(first.table)


@pytest.mark.usefixtures("app_env")
def test_a_visit_done_a_moment_ago_counts_in_the_need_view_at_once(demo: Engine) -> None:
    from geo.presence.units import list_shifts, shift_containing
    from ui import loaders
    from ui.views import presence as views
    from ui.warmup import default_filters

    data = loaders.page_data()
    assert data.span is not None
    filters = default_filters(*data.span)
    before = views.need(data, filters, ()).table.set_index("Område")["Levererade timmar"]
    now = now_utc().replace(second=0, microsecond=0)
    shifts = list_shifts(demo)
    start = next(
        s for back in range(40, 90, 5)
        if shift_containing(shifts, s := now - dt.timedelta(minutes=back), s + dt.timedelta(minutes=30))
    )  # fmt: skip
    PresenceLog(demo, data.layer).create({
        "area_code": "1382R012", "planned_start": start, "planned_end": start + dt.timedelta(minutes=30),
        "unit": "Patrull 4", "kind": "bilpatrull", "purpose": "Besök nyss", "status": "genomförd",
        "actual_start": start, "actual_end": start + dt.timedelta(minutes=30),
    }, who="test")  # fmt: skip
    after = views.need(data, filters, ()).table.set_index("Område")["Levererade timmar"]
    name = data.layer.set_index("area_code").at["1382R012", "name"]
    assert after[name] == pytest.approx(before[name] + 0.5)


WRITES = {"create_entry", "update_entry", "cancel_entry", "mark_done", "record_dwell",
          "import_presence_file", "save_unit", "save_shift", "ensure_defaults"}  # fmt: skip
"""The geo functions that write the presence log or its registers."""


def _geo_writes(source: str) -> set[str]:
    import ast

    return {alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)
            and (node.module or "").split(".")[0] == "geo" for alias in node.names} & WRITES  # fmt: skip


def test_the_presence_pages_write_only_through_the_log() -> None:
    """No page, section or view imports a geo write (the log is the one way in)."""
    root = Path(__file__).resolve().parent.parent
    assert _geo_writes(
        "def f():\n    from geo.presence.log import create_entry, list_entries\n"
    ) == {"create_entry"}
    for path in ("pages/planera.py", "pages/narvaro.py", "ui/planning.py", "ui/views/presence.py"):
        assert _geo_writes((root / path).read_text(encoding="utf-8")) == set(), path
    # ... and every one of them goes through the log.
    assert _geo_writes((root / "ui/presence_log.py").read_text(encoding="utf-8")) == WRITES
