"""Planera närvaro in AppTest on its own store: the proposal for a selected week goes into the plan
for two units without double booking, and every write shows at once (the week, the load, the map)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from geo.demo import load_demo
from geo.presence.log import list_entries
from tests.conftest import DEMO_END, new_store

ROOT = Path(__file__).resolve().parent.parent
NEXT_MONDAY = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())


@pytest.fixture(scope="module")
def planning_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = new_store(tmp_path_factory.mktemp("planera"))
    load_demo(engine, years=1, seed=3, end=DEMO_END)
    yield engine
    engine.dispose()


@pytest.fixture
def page(planning_store: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(planning_store.url))
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "pages" / "planera.py"), default_timeout=120)
    app.session_state["role"] = "polis"
    app.session_state["_authorised_role"] = "polis"
    app.run()
    assert not app.exception, app.exception
    yield app
    st.cache_data.clear()
    st.cache_resource.clear()


def _grid(app: AppTest) -> str:
    return next(m.value for m in app.markdown if "week-grid" in m.value)


def test_plan_a_week_from_the_proposal_and_mark_one_done(
    page: AppTest, planning_store: Engine
) -> None:
    page.sidebar.text_input(key="plan_who").set_value("Planerare Pia")
    page.sidebar.date_input(key="plan_week").set_value(NEXT_MONDAY).run()
    week = NEXT_MONDAY.isocalendar()
    label = f"{week.year}-V{week.week:02d}"
    assert any(f"Förslag för vecka {label}" in s.value for s in page.subheader)
    assert not any("nästa vecka" in str(e.label).lower() for e in page.number_input)
    page.number_input(key="proposal_hours").set_value(3.0)
    page.multiselect(key="proposal_units").set_value(["Patrull 1", "Patrull 2"]).run()
    assert any("180 av 180 minuter placerade" in m.value for m in page.markdown), [
        m.value for m in page.markdown
    ]
    before = len(list_entries(planning_store))
    page.button(key="proposal_add").click().run()
    assert not page.exception, page.exception
    entries = list_entries(planning_store)
    added = entries[entries["created_by"] == "Planerare Pia"]
    assert len(entries) > before and (
        added["planned_end"] - added["planned_start"]
    ).sum() == dt.timedelta(minutes=180)
    assert set(added["unit"]) == {"Patrull 1", "Patrull 2"} and added["shift"].notna().all()
    for _unit, mine in added.groupby("unit"):
        mine = mine.sort_values("planned_start")
        assert (
            mine["planned_start"].iloc[1:].to_numpy() >= mine["planned_end"].iloc[:-1].to_numpy()
        ).all()
    assert any("besök lagda i planen" in s.value for s in page.success)
    assert not page.warning, [w.value for w in page.warning]
    grid = _grid(page)  # drawn after the write: shows the new visits at once
    assert all(f'data-id="{i}"' in grid for i in added["id"])
    load = next(
        d.value for d in page.dataframe if "Andel av passens tid" in d.value.columns
    ).set_index("Enhet")
    assert load.loc[["Patrull 1", "Patrull 2"], "Planerade timmar"].sum() == pytest.approx(3.0)
    # Mark one visit done; the planned length is the default actual length.
    first = int(added.sort_values("planned_start")["id"].iloc[0])
    page.selectbox(key="plan_entry").set_value(first).run()
    assert page.number_input(key=f"m{first}").value == int(
        (
            added.set_index("id").at[first, "planned_end"]
            - added.set_index("id").at[first, "planned_start"]
        ).total_seconds()
        // 60
    )
    stored = list_entries(planning_store).set_index("id").loc[first]
    page.date_input(key=f"d{first}").set_value(dt.date.today() - dt.timedelta(days=1))
    next(
        b for b in page.button if b.label == "Markera genomförd" and b.form_id == f"done_{first}"
    ).click().run()
    assert not page.exception and stored["status"] == "planerad"
    assert list_entries(planning_store).set_index("id").at[first, "status"] == "genomförd", [
        e.value for e in page.error
    ]
    assert f'data-id="{first}" data-status="genomförd"' in _grid(page)  # the week shows it at once
    assert any("markerad som genomförd" in s.value for s in page.success)


def test_the_planner_field_and_koper_labels(page: AppTest) -> None:
    assert page.sidebar.text_input(key="plan_who").label == "Planerare (ditt namn)"
    assert not any(t.label == "Importeras av" for t in page.text_input)


def test_a_planner_adds_a_unit_and_it_is_planned_at_once(page: AppTest) -> None:
    form_inputs = [t for t in page.text_input if t.form_id == "unit_None"]
    form_inputs[0].set_value("Cykel 1")
    page.selectbox(key=next(s.key for s in page.selectbox if s.label == "Typ av enhet")).set_value(
        "cykel"
    )
    next(b for b in page.button if b.label == "Spara enheten").click().run()
    assert not page.exception and any("Sparat" in s.value for s in page.success)
    load = next(d.value for d in page.dataframe if "Andel av passens tid" in d.value.columns)
    assert "Cykel 1" in set(load["Enhet"])
    assert "Cykel 1" in page.selectbox(key="plan_unit").options


def test_need_page_counts_presence_up_to_today(
    planning_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.presence.log import create_entry
    from geo.presence.units import list_shifts, shift_containing
    from geo.store.database import active_layer, now_utc

    now = now_utc().replace(second=0, microsecond=0)
    codes = set(active_layer(planning_store)[1]["area_code"])
    # The latest 15 minutes before now that lie inside one shift (a visit across 07:00, where the
    # night shift ends and the day shift begins, belongs to none and is refused, as it should be).
    shifts = list_shifts(planning_store)
    start = next(
        s for back in range(20, 60, 5)
        if shift_containing(shifts, s := now - dt.timedelta(minutes=back), s + dt.timedelta(minutes=15))
    )  # fmt: skip
    create_entry(planning_store, {"area_code": "1382R012", "planned_start": start, "planned_end": start + dt.timedelta(minutes=15),
                                  "unit": "Patrull 3", "kind": "bilpatrull", "purpose": "Besök i dag", "status": "genomförd",
                                  "actual_start": start, "actual_end": start + dt.timedelta(minutes=15)},
                 who="test", area_codes=codes)  # fmt: skip
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(planning_store.url))
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "pages" / "narvaro.py"), default_timeout=120)
    app.session_state["role"] = "polis"
    app.session_state["_authorised_role"] = "polis"
    app.run()
    assert not app.exception, app.exception
    captions = " ".join(c.value for c in app.caption)
    assert (
        "närvaro räknas" in captions
        and f"{now.astimezone(dt.timezone(dt.timedelta(hours=1))).date()} (i dag)" in captions
    )
    assert "till och med den sista händelsen" in captions and "[10, 15)" in captions
    table = app.dataframe[0].value.set_index("Område")
    weekly = app.dataframe[1].value
    iso = (now + dt.timedelta(hours=1)).isocalendar()
    assert f"{iso.year}-V{iso.week:02d}" in set(weekly["Vecka"])  # this week's inland hours count
    assert table.at["Vessigebro-Årstad", "Levererade timmar"] >= 0.2
