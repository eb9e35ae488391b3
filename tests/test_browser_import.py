"""Importera in Chromium as a new user meets it: a file without an id whose type column has a
name no profile knows, the column chosen by hand, then imported (issue W2 1/7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.test_browser import (  # noqa: F401 - fixtures used by name
    Server,
    _wait_for_map,
    browser_page,
    demo_data_dir,
    fresh_server,
)

pytestmark = pytest.mark.browser


def _choose(page: Page, label: str, option: str) -> None:
    box = page.locator("[data-testid=stSelectbox]").filter(has_text=label).first
    box.scroll_into_view_if_needed()
    box.get_by_role("button", name="Open").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_new_user_maps_a_column_by_hand_and_imports_a_file_without_id(
    fresh_server: Server,  # noqa: F811 - the fixture imported above
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    page, errors, hosts = browser_page
    export = tmp_path / "export_utan_id.csv"
    export.write_bytes(
        "Händelsedatum;Klockslag;Brottsslag;Område\r\n2025-12-10;23:30;Misshandel;Falkenberg centrum\r\n"
        "2025-12-11;03:10;Skadegörelse;Glommen\r\n".encode("cp1252")
    )
    page.goto(f"{fresh_server.url}/")
    _wait_for_map(page)
    page.get_by_role("link", name="Importera").click()
    page.get_by_text("Importera händelser").wait_for(timeout=30_000)
    page.locator("input[type=file]").first.set_input_files(str(export))
    page.get_by_text("Filen kan inte importeras").wait_for(timeout=60_000)
    report = page.locator("[data-testid=stCode]").first.inner_text()
    assert (
        "hittar ingen kolumn för händelsetyp" in report
        and "närmast är kolumnen 'Brottsslag'" in report
    )
    assert "Traceback" not in page.content()

    page.get_by_text("Välj kolumner själv").wait_for(timeout=30_000)
    _choose(page, "händelsetyp", "Brottsslag")
    page.get_by_role("button", name="Kontrollera med detta kolumnval").click()
    confirm = page.locator("[data-testid=stBaseButton-primary]")
    confirm.wait_for(timeout=60_000)
    report = page.locator("[data-testid=stCode]").first.inner_text()
    assert "typ (raw_type) ← 'Brottsslag'" in report and "Lästa rader: 2; giltiga: 2" in report, (
        report
    )
    confirm.click()
    page.get_by_text("Importen är klar: 2 nya").wait_for(timeout=60_000)
    assert page.locator("[data-testid=stBaseButton-primary]").count() == 0  # no second import
    page.screenshot(path=str(tmp_path / "kolumnval.png"), full_page=True)
    assert errors == []
    assert set(hosts) == {"127.0.0.1"}


def test_a_long_format_survey_export_imports_from_the_page(
    fresh_server: Server,  # noqa: F811 - the fixture imported above
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    page, errors, hosts = browser_page
    survey = tmp_path / "enkät_lång.csv"
    survey.write_text(
        "svar_id;omrade;fraga;svar;datum;kommentar\n"
        "a1;Skrea;trygghet;3;2025-09-10;\na1;Skrea;klotter;4;2025-09-10;\n"
        "a2;Glommen;trygghet;Mycket trygg;2025-09-11;Mörkt vid busshållplatsen\n"
        "a3;Västra Gärdet;trygghet;;2025-09-12;\n",
        encoding="utf-8-sig",
    )
    page.goto(f"{fresh_server.url}/")
    _wait_for_map(page)
    page.get_by_role("link", name="Importera").click()
    page.get_by_text("Enkätsvar (medborgarenkät)").click()
    page.get_by_text("Enkätfil (CSV eller Excel", exact=False).wait_for(timeout=30_000)
    page.locator("[data-testid=stTextInput] input").first.fill("2025")
    page.keyboard.press("Enter")
    page.locator("input[type=file]").first.set_input_files(str(survey))
    confirm = page.locator("[data-testid=stBaseButton-primary]")
    try:
        confirm.wait_for(timeout=90_000)
    finally:
        page.screenshot(path=str(tmp_path / "enkat_kontroll.png"), full_page=True)
    report = page.locator("[data-testid=stCode]").first.inner_text()
    assert "Ej svar (tomt svar" in report and "format: långt" in report, report
    confirm.click()
    page.get_by_text("Importen är klar: 3 enkätsvar sparade").wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "enkat_lang.png"), full_page=True)
    assert errors == [] and set(hosts) == {"127.0.0.1"}
