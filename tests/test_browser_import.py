"""Importera in Chromium as a new user meets it: a file without an id whose type column has a
name no profile knows, the column chosen by hand, then imported (issue W2 1/7)."""

from __future__ import annotations

import re
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
    _as_police(page)
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
    _as_police(page)
    page.get_by_role("link", name="Importera").click()
    page.get_by_text("Enkätsvar (medborgarenkät)").click()
    page.get_by_text("Enkätfil (CSV eller Excel", exact=False).wait_for(timeout=30_000)
    wave = page.get_by_label("Enkätomgång", exact=False)
    wave.fill("2025")
    wave.press("Enter")
    page.wait_for_timeout(2_000)  # the rerun that takes the wave, before the file arrives
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


def _as_police(page: Page) -> None:
    """Local mode: pick the polis role in the sidebar unless it is already chosen."""
    picker = page.locator("[data-testid=stSelectbox]").filter(has_text="Roll").first
    picker.wait_for(timeout=30_000)
    if not picker.inner_text().split("\n")[-1].startswith("Polis"):
        picker.get_by_role("button", name="Open").click()
        page.get_by_role("option", name=re.compile(r"^Polis")).click()
    page.get_by_role("link", name="Importera").wait_for(timeout=30_000)


def test_a_large_export_imports_from_the_page_with_validation_in_a_second_process(
    fresh_server: Server,  # noqa: F811 - the fixture imported above
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    """A file above PARALLEL_MIN_BYTES is validated in a forked child of the Streamlit server
    (geo.forked) while the server writes: the page must show the progress and the result."""
    import geo.io.ingest

    rows = 240_000
    export = tmp_path / "stor_export.csv"
    with export.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write("id;tidpunkt;typ;x;y;beskrivning\r\n")
        for i in range(rows):
            handle.write(
                f"S{i:07d};2025-{1 + i % 11:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d};"
                f"{('Stöld', 'Skadegörelse', 'Misshandel')[i % 3]};347000,5;6309800;"
                f"Rapport nummer {i} från patrullen i centrum\r\n"
            )
    assert export.stat().st_size >= geo.io.ingest.PARALLEL_MIN_BYTES
    page, errors, hosts = browser_page
    page.goto(f"{fresh_server.url}/")
    _as_police(page)
    page.get_by_role("link", name="Importera").click()
    page.get_by_text("Importera händelser").wait_for(timeout=30_000)
    page.locator("input[type=file]").first.set_input_files(str(export))
    confirm = page.locator("[data-testid=stBaseButton-primary]")
    confirm.wait_for(timeout=180_000)
    report = page.locator("[data-testid=stCode]").first.inner_text()
    assert f"Lästa rader: {rows}; giltiga: {rows}" in report.replace("\u202f", "").replace(
        " ", " "
    ), report
    confirm.click()
    page.get_by_text(f"Importen är klar: {rows} nya", exact=False).wait_for(timeout=180_000)
    page.screenshot(path=str(tmp_path / "stor_import.png"), full_page=True)
    assert "Traceback" not in page.content()
    assert errors == [] and set(hosts) == {"127.0.0.1"}
