"""The Uppföljning page: polis edits the activities, samverkan reads them; indicators shown."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from geo.analysis.followup import load_activities
from geo.config import load_settings
from tests.conftest import new_store
from tests.test_pages import _page, app_env  # noqa: F401 - app_env is a fixture
from ui import followup


@pytest.mark.usefixtures("app_env")
def test_police_edit_and_save_an_activity() -> None:
    page = _page("uppfoljning", "polis")
    assert page.header[0].value == "Uppföljning av medborgarlöftet"
    editor = page.dataframe[0].value
    assert {"id", "version", "activity", "status"} <= set(editor.columns)  # the editable table
    indicators = page.dataframe[1].value
    assert list(indicators.columns) == ["Mått", "Värde", "Period", "Källa"]
    assert any("timmar levererade av målet" in v for v in indicators["Värde"])
    page.text_input(key="followup_by").set_value("Kommunpolis Test")
    # Edit through the data editor's state (what the browser sends), then save.
    page.session_state["followup_editor_" + str(page.selectbox(key="followup_year").value)] = {
        "edited_rows": {0: {"status": "pågår", "comment": "Start i mars"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    page.button[0].click().run()
    assert not page.exception, page.exception
    assert any("Sparat: 1 ändrade" in s.value for s in page.success), [e.value for e in page.error]


@pytest.mark.usefixtures("app_env")
def test_partners_read_the_follow_up_without_editing() -> None:
    page = _page("uppfoljning", "samverkan")
    table = page.dataframe[0].value
    assert {"Fokusområde", "Aktivitet", "Ansvarig", "Status", "Mått"} <= set(table.columns)
    assert "Unga och unga vuxna i riskzon" in set(table["Fokusområde"])
    assert len(page.button) == 0  # nothing to save
    assert all("Utvärdering" not in e.label for e in page.expander)  # police only
    assert not any("WDD" in m.value for m in page.markdown)


@pytest.mark.usefixtures("app_env")
def test_police_evaluate_presence_with_wdd() -> None:
    page = _page("uppfoljning", "polis")
    text = " ".join(m.value for m in page.markdown)
    assert "WDD = " in text and "z = " in text


@pytest.mark.usefixtures("app_env")
def test_evaluation_states_the_baseline_rule_and_refuses_incomparable_areas() -> None:
    page = _page("uppfoljning", "polis")
    captions = " ".join(c.value for c in page.caption)
    assert "mellan hälften och dubbelt så många" in captions  # the rule is in the method text
    page.multiselect(key="eval_treated").set_value(["1382R013"])  # a small rural area
    page.multiselect(key="eval_control").set_value(["1382R001", "1382R002"])  # the town centre
    page.run()
    assert not page.exception, page.exception
    result = " ".join(m.value for m in page.markdown)
    assert "Ingen slutsats: utgångslägena går inte att jämföra" in result
    assert "Välj jämförelseområden med" in result and "säkerställt" not in result


@pytest.mark.usefixtures("app_env")
def test_typing_a_report_period_writes_nothing(demo_store: Engine) -> None:
    """The report's year is started on the download click, never by drawing the page."""
    page = _page("uppfoljning", "polis")
    page.text_input(key="report_period").set_value("2031").run()
    assert not page.exception, page.exception
    assert load_activities(demo_store, 2031).empty


def test_the_download_starts_the_reports_year_once(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    settings = replace(load_settings({}), database_url=str(store.url))
    pdf = followup.seeded(settings, 2031, lambda: b"%PDF-1.7")
    assert load_activities(store, 2031).empty  # nothing until the click
    assert pdf() == b"%PDF-1.7"
    started = load_activities(store, 2031)
    assert len(started) >= 4 and set(started["status"]) == {"planerad"}
    assert pdf() == b"%PDF-1.7" and len(load_activities(store, 2031)) == len(started)  # once
