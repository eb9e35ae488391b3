"""The promise's follow-up: seeded activities, versioned edits, and indicators from the data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine

from geo.analysis.followup import (
    ensure_year,
    focus_incidents,
    inland_presence,
    load_activities,
    save_activities,
    survey_unsafe,
)
from geo.analysis.joint import load_promise
from geo.analysis.survey import load_responses
from geo.errors import ConflictError, ImportRejected
from geo.presence.log import list_entries
from geo.store.database import active_layer, load_incidents

FOCUS = {"utsatta_omraden", "unga"}


def test_the_year_starts_with_the_four_activities_once(store: Engine) -> None:
    promise = load_promise()
    assert ensure_year(store, promise, 2026) == 4
    assert ensure_year(store, promise, 2026) == 0
    table = load_activities(store, 2026)
    assert set(table["party"]) <= {"polis", "kommun", "region"}
    assert table.loc[table["activity"].str.contains("inland"), "focus"].item() == "utsatta_omraden"
    assert table.loc[table["activity"].str.contains("SSPF"), "party"].item() == "kommun"
    assert (table["status"] == "planerad").all() and (table["version"] == 1).all()


def _rows(table: pd.DataFrame) -> list[dict[str, object]]:
    return table.to_dict("records")


def test_edit_add_and_conflict(store: Engine) -> None:
    ensure_year(store, load_promise(), 2026)
    rows = _rows(load_activities(store, 2026))
    stale = [dict(r) for r in rows]
    rows[0]["status"] = "pågår"
    rows[0]["comment"] = "Kontakt: 811228-9874"
    rows.append({"id": None, "version": None, "focus": "unga", "activity": "Nattvandring med föreningar",
                 "party": "kommun", "period_start": dt.date(2026, 5, 1), "period_end": dt.date(2026, 9, 30),
                 "status": "planerad", "indicator": "none", "comment": None})  # fmt: skip
    assert save_activities(store, 2026, rows, who="kommunpolisen", focus_keys=FOCUS) == {
        "ändrade": 1,
        "nya": 1,
    }
    after = load_activities(store, 2026)
    first = after.iloc[0]
    assert (
        first["status"] == "pågår"
        and first["version"] == 2
        and first["updated_by"] == "kommunpolisen"
    )
    assert "811228" not in first["comment"]
    assert len(after) == 5
    # Someone else saves from the old copy: a conflict, and nothing changes.
    stale[0]["status"] = "inställd"
    with pytest.raises(ConflictError, match="har ändrats av kommunpolisen"):
        save_activities(store, 2026, stale, who="annan", focus_keys=FOCUS)
    assert load_activities(store, 2026).iloc[0]["status"] == "pågår"


def test_invalid_rows_are_named_and_nothing_is_saved(store: Engine) -> None:
    ensure_year(store, load_promise(), 2026)
    rows = _rows(load_activities(store, 2026))
    rows[1]["party"] = "skolan"
    rows[2]["period_end"] = dt.date(2025, 1, 1)
    rows[3]["status"] = "klar"
    with pytest.raises(ImportRejected) as refused:
        save_activities(store, 2026, rows, who="x", focus_keys=FOCUS)
    text = str(refused.value)
    assert "rad 2" in text and "ansvarig part 'skolan' är okänd" in text
    assert "rad 3" in text and "slutar (2025-01-01) före start (2026-01-01)" in text
    assert "rad 4" in text and "status 'klar' är okänd" in text
    assert (load_activities(store, 2026)["version"] == 1).all()


def test_indicators_on_demo_data(demo_store: Engine) -> None:
    _info, layer = active_layer(demo_store)
    entries = list_entries(demo_store)
    presence = inland_presence(
        entries, layer, year=2025, target_per_week=10, until=dt.date(2026, 1, 1)
    )
    assert (
        presence.period == "2025-01 – 2025-12" and "av målet 520" in presence.text
    )  # 10 h a week × 52 weeks / 12 months × 12 months
    incidents = load_incidents(
        demo_store, columns=("occurred_at", "area_code", "harm_weight")
    ).rename(columns={"harm_weight": "harm"})
    focus = focus_incidents(
        incidents, {"1382R001", "1382R002"}, year=2025, until=dt.date(2026, 1, 1)
    )
    assert "händelser (skadeindex" in focus.text and "samma period i fjol 0" in focus.text
    survey = survey_unsafe(load_responses(demo_store), {"1382R001"})
    assert survey.text.startswith("2025: hela kommunen") and "n = " in survey.text


@pytest.mark.parametrize(
    "until",
    [dt.date(2028, 2, 29), dt.date(2028, 3, 1), dt.date(2024, 2, 29)],
    ids=["leap-day", "day-after", "earlier-leap-day"],
)
def test_focus_incidents_on_a_leap_day(until: dt.date) -> None:
    # focus_incidents raised ValueError on 29 February (date.replace(year=...)); the year before
    # ends on 28 February instead, and the comparison counts rates over the two lengths.
    times = [f"{until.year - 1}-02-27T12:00:00+01:00", f"{until.year - 1}-02-28T12:00:00+01:00",
             f"{until.year}-02-27T12:00:00+01:00", f"{until.year}-02-28T12:00:00+01:00"]  # fmt: skip
    incidents = pd.DataFrame(
        {"occurred_at": pd.to_datetime(times, utc=True), "area_code": "A", "harm": 1.0}
    )
    value = focus_incidents(incidents, {"A"}, year=until.year, until=until)
    # Up to (not including) the day `until`: both days of each year are inside when until ≥ 29 Feb.
    assert value.text.startswith("2 händelser") and "samma period i fjol 2" in value.text
    assert f"({until.year - 1}-01-01 – {until.year - 1}-02-2" in value.text
