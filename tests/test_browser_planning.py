"""Chromium: a planner plans the week for two units from the proposal, sees no double booking,
marks one visit done and sees the week, the map and the downloads change at once."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from geo.presence.log import list_entries
from geo.store.database import make_engine
from tests.conftest import store_url
from tests.test_browser import (
    Server,
    _server_fixture,
    _wait_for_map,
    browser_page,
    demo_data_dir,
    open_as_police,
)

pytestmark = pytest.mark.browser
__all__ = ["browser_page", "demo_data_dir"]


@pytest.fixture
def server(demo_data_dir: Path, tmp_path: Path) -> Iterator[Server]:
    yield from _server_fixture(demo_data_dir, tmp_path)


def _download(page: Page, label: str, tmp_path: Path) -> bytes:
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=label).click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    return target.read_bytes()


def _open_planning_as(page: Page, server: Server, ready_text: str) -> None:
    """Open *Planera närvaro* as the police, wait for ``ready_text``, sign as Planerare Pia."""
    open_as_police(page, f"{server.url}/")
    page.get_by_role("link", name="Planera närvaro").click()
    page.get_by_text(ready_text, exact=False).wait_for(timeout=60_000)
    page.locator("[data-testid=stSidebar]").get_by_role(
        "textbox", name="Planerare (ditt namn)"
    ).fill("Planerare Pia")
    page.keyboard.press("Enter")


def _coloured_areas(page: Page, more_than: int = -1) -> int:
    """Areas the plan map colours (not the grey of "nothing"); waits while the map is redrawn."""
    deadline = time.monotonic() + 60
    count = -1
    while time.monotonic() < deadline:
        try:
            frame = _wait_for_map(page)
            count = int(frame.evaluate(
                "() => [...document.querySelectorAll('path.leaflet-interactive')]"
                ".filter(p => (p.getAttribute('fill') || '').toLowerCase() !== '#d9d9d9').length"
            ))  # fmt: skip
        except (PlaywrightError, AssertionError):  # the map is being redrawn
            count = -1
        if count > more_than:
            return count
        page.wait_for_timeout(500)
    return count


def test_plan_a_week_for_two_units_mark_one_done_and_everything_follows(
    server: Server,
    browser_page: tuple[Page, list[str], list[str]],
    demo_data_dir: Path,
    tmp_path: Path,
) -> None:
    page, errors, hosts = browser_page
    page.set_default_timeout(
        90_000
    )  # every click waits for the page's rerun, slow on a loaded machine
    _open_planning_as(page, server, "Enheter × dagar")
    # The proposal for the selected (this) week: two hours over the two default car units.
    hours = page.get_by_role("spinbutton", name="Patrulltimmar vecka")
    hours.fill("2")
    hours.press("Enter")
    page.get_by_text("120 av 120 minuter placerade", exact=False).wait_for(timeout=60_000)
    page.get_by_role("button", name="Lägg valda rader i planen").click()
    page.get_by_text("besök lagda i planen", exact=False).wait_for(timeout=60_000)

    engine = make_engine(store_url(demo_data_dir, "lagesbild.db"))
    planned = list_entries(engine)
    mine = planned[planned["created_by"] == "Planerare Pia"]
    assert set(mine["unit"]) == {"Patrull 1", "Patrull 2"}
    assert (mine["planned_end"] - mine["planned_start"]).sum() == pd.Timedelta(minutes=120)
    for _unit, rows in planned[planned["status"] != "inställd"].groupby("unit"):
        rows = rows.sort_values("planned_start")
        assert (
            rows["planned_start"].iloc[1:].to_numpy() >= rows["planned_end"].iloc[:-1].to_numpy()
        ).all()
    grid = page.locator("table.week-grid")
    page.wait_for_function(  # the week shows the new visits at once (after the page's rerun)
        "n => document.querySelectorAll('table.week-grid .visit').length >= n",
        arg=len(mine),
        timeout=60_000,
    )
    assert grid.locator(".visit").count() >= len(mine)
    csv_before = _download(page, "CSV (Excel)", tmp_path).decode("utf-8-sig")
    assert all(f"\n{i};" in csv_before.replace("\r\n", "\n") for i in mine["id"])
    assert page.locator("[data-testid=stWarning]").filter(has_text="lades inte in").count() == 0

    # Add a visit that has already happened (Monday 00:05 of this week), then mark it done.
    page.wait_for_timeout(2000)  # let the map's first report rerun the page before typing
    form = page.locator("[data-testid=stForm]").filter(has_text="Lägg till i planen")
    form.get_by_label("Syfte").fill("Kort stopp vid torget")
    form.get_by_role("button", name="Lägg till i planen").click()
    try:
        page.get_by_text("sparad.", exact=False).first.wait_for(timeout=60_000)
    except PlaywrightError:
        pytest.fail(f"not saved: {page.locator('[data-testid=stAlert]').all_inner_texts()}")
    entries = list_entries(engine)
    manual = entries[entries["purpose"] == "Kort stopp vid torget"].iloc[0]
    page.locator("[data-testid=stRadio]").get_by_text("Genomförda minuter").click()
    page.wait_for_timeout(1500)
    coloured_before = _coloured_areas(page)
    picker = page.locator("[data-testid=stSelectbox]").filter(has_text="Närvaropost")
    page.wait_for_timeout(1000)
    picker.locator("input").first.click()
    picker.locator("input").first.fill(f"#{int(manual['id'])}:")
    page.get_by_role("option").filter(has_text=f"#{int(manual['id'])}:").first.click(timeout=60_000)
    done_form = page.locator("[data-testid=stForm]").filter(has_text="Markera genomförd")
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    day = done_form.locator("[data-testid=stDateInput] input").first
    day.fill(yesterday)
    day.press("Enter")
    done_form.get_by_role("button", name="Markera genomförd").click()
    page.get_by_text(f"Närvaropost {int(manual['id'])} markerad som genomförd").wait_for(
        timeout=60_000
    )
    assert list_entries(engine).set_index("id").at[int(manual["id"]), "status"] == "genomförd"
    block = page.locator(f".visit[data-id='{int(manual['id'])}']")
    if dt.date.fromisoformat(yesterday) >= dt.date.today() - dt.timedelta(
        days=dt.date.today().weekday()
    ):
        assert block.get_attribute("data-status") == "genomförd"  # the week shows it at once
    assert _coloured_areas(page, more_than=coloured_before) > coloured_before  # the map changed
    csv_after = _download(page, "CSV (Excel)", tmp_path).decode("utf-8-sig")
    assert (
        f"{int(manual['id'])};" in csv_after
        and "genomförd" in csv_after
        and "genomförd" not in csv_before
    )
    ics = _download(page, "iCalendar", tmp_path).decode()
    assert ics.count("BEGIN:VEVENT") >= len(mine) + 1 and "Status: genomförd" in ics

    # The map is clickable: an area opens its profile, need and last visit, and is planned there.
    frame = _wait_for_map(page)
    area = frame.locator("path.leaflet-interactive").nth(10)
    area.hover()
    tooltip = frame.locator(".leaflet-tooltip").first
    tooltip.wait_for(timeout=10_000)
    name = tooltip.inner_text().split("\n")[0].replace("Område", "").strip()
    area.click()
    page.get_by_text(f"{name}: ", exact=False).filter(
        has_text="senaste genomförda närvaro"
    ).first.wait_for(timeout=60_000)
    form = page.locator("[data-testid=stForm]").filter(has_text="Lägg till i planen")
    chosen = form.locator("[data-testid=stSelectbox]").first
    inputs = chosen.locator("input")
    shown = (
        chosen.inner_text()
        + " "
        + " ".join(inputs.nth(i).input_value() for i in range(inputs.count()))
    )
    assert name in shown, shown  # the form to plan a visit there has the clicked area
    engine.dispose()
    assert errors == [] and set(hosts) == {"127.0.0.1"}


def test_a_presence_file_is_refused_with_its_lines_then_a_clean_one_imports_once(
    server: Server,
    browser_page: tuple[Page, list[str], list[str]],
    demo_data_dir: Path,
    tmp_path: Path,
) -> None:
    """The presence file on *Planera* goes through the one import report: a broken line is named
    (file, line, column) and nothing is stored; a clean file is checked, then imported on the
    click, and the page says how many."""
    page, errors, _hosts = browser_page
    page.set_default_timeout(90_000)
    _open_planning_as(page, server, "Importera en närvarologg")
    day = dt.date.today() + dt.timedelta(days=15)
    header = "id;unit;area;start;end;kind;status;purpose;version"
    rows = [
        f";Patrull 1;Ullared-Inland;{day} 20:00;{day} 20:20;bilpatrull;planerad;Från fil;",
        f";Patrull 2;1382R012;{day} 21:00;{day} 21:20;bilpatrull;planerad;Från fil;",
    ]
    broken = tmp_path / "närvaro_fel.csv"
    broken.write_text(
        "\n".join([header, rows[0], rows[1].replace(" 21:00", " 25:00")]) + "\n", "utf-8"
    )
    clean = tmp_path / "närvaro.csv"
    clean.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    uploader = page.locator("[data-testid=stFileUploader]").filter(has_text="Närvarologg")
    engine = make_engine(store_url(demo_data_dir, "lagesbild.db"))
    before = len(list_entries(engine))

    uploader.locator("input[type=file]").set_input_files(str(broken))
    page.get_by_text("närvarologgen avvisades", exact=False).wait_for(timeout=60_000)
    report = page.locator("[data-testid=stCode]").filter(has_text="närvaro_fel.csv").inner_text()
    assert "närvaro_fel.csv, rad 3, kolumn 'start'" in report, report
    assert "inget har importerats" in report
    assert page.get_by_role("button", name="Importera närvarologgen").count() == 0
    assert len(list_entries(engine)) == before

    uploader.locator("input[type=file]").set_input_files(str(clean))
    page.get_by_text("2 rader kontrollerade: 2 nya, 0 ändrade", exact=False).wait_for(
        timeout=60_000
    )
    assert len(list_entries(engine)) == before  # checked, not stored
    page.get_by_role("button", name="Importera närvarologgen").click()
    page.get_by_text("Närvarologgen är importerad: 2 rader.", exact=False).wait_for(timeout=60_000)
    stored = list_entries(engine)
    mine = stored[(stored["source"] == "fil") & (stored["created_by"] == "Planerare Pia")]
    assert len(stored) == before + 2 and set(mine["unit"]) == {"Patrull 1", "Patrull 2"}
    assert errors == []
