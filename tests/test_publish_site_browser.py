"""The published site in Chromium on a phone (390×844) and a desktop (1440×900), from disk.

On a phone the map must take at least 60 % of the screen's height, nothing may scroll sideways,
"mitt område" (a search by area name) must find an area, and the month picker must change the
figures. No request may leave the site's folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from geo.demo import load_demo
from geo.public.publish import publish
from tests.conftest import DEMO_END, new_store
from tests.test_browser import browser_page  # noqa: F401  (the shared Chromium fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("site")
    engine = new_store(folder, "site.db")
    load_demo(engine, years=1, seed=1, end=DEMO_END)
    publish(engine, folder / "publik", months=12, today=DEMO_END)
    engine.dispose()
    yield folder / "publik"


def _open(page: Page, site: Path, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto((site / "index.html").as_uri())
    page.wait_for_selector("body[data-klar=ja]", timeout=30_000)


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1440, 900)], ids=["telefon", "dator"])
def test_the_map_fills_the_screen_without_sideways_scrolling(
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
    site: Path,
    width: int,
    height: int,
    tmp_path: Path,
) -> None:
    page, errors, hosts = browser_page
    _open(page, site, width, height)
    box = page.locator("#karta").bounding_box()
    assert box is not None
    assert box["height"] >= 0.6 * height, box  # the issue: 2 px tall at 390 px wide
    assert box["y"] <= 0.45 * height, box  # and it starts in the first screen, without scrolling
    assert box["width"] >= 0.6 * width if width < 800 else box["width"] >= 0.5 * width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert len(page.query_selector_all("#karta path.leaflet-interactive")) == 14
    page.screenshot(path=str(tmp_path / f"publik-{width}.png"), full_page=True)
    assert errors == []
    assert hosts and all(h.startswith(site.as_uri() + "/") for h in hosts), hosts


def test_search_by_area_name_and_month_picker(
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
    site: Path,
) -> None:
    page, errors, hosts = browser_page
    _open(page, site, 390, 844)
    # "Mitt område": typing part of a name (without the accent) and Enter picks the area.
    page.fill("#sok", "ullared")
    page.press("#sok", "Enter")
    assert page.inner_text("#sokresultat").startswith("Ullared-Inland: ")
    assert page.inner_text("#tabell tr.vald th") == "Ullared-Inland"
    page.fill("#sok", "Atlantis")
    page.press("#sok", "Enter")
    assert "Inget område heter så" in page.inner_text("#sokresultat")
    assert page.query_selector_all("#tabell tr.vald") == []
    # The month picker lists the published months and changes the table's figures.
    months = page.eval_on_selector_all("#manad option", "os => os.map(o => o.value)")
    assert (
        months[0] == "" and len(months) == 13 and months[1] == "2025-11"
    )  # latest first (settle_days)
    whole = page.eval_on_selector_all("#tabell tbody td.tal", "cs => cs.map(c => c.textContent)")
    page.select_option("#manad", "2025-03")
    assert "mars 2025" in page.inner_text("#tabelltext")
    march = page.eval_on_selector_all("#tabell tbody td.tal", "cs => cs.map(c => c.textContent)")
    assert march != whole and len(march) == 14
    # Keyboard: the controls are reachable in order after the skip link.
    page.focus("#matt")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "manad"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "sok"
    # Survey shares are for the whole wave: the month picker is off for them.
    page.select_option("#matt", "otrygg")
    assert page.is_disabled("#manad")
    assert errors == []
    assert all(h.startswith(site.as_uri() + "/") for h in hosts), hosts


def test_a_tap_on_an_area_opens_its_public_figures(
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
    site: Path,
) -> None:
    page, errors, hosts = browser_page
    _open(page, site, 390, 844)
    page.select_option("#manad", "2025-03")
    measures = page.eval_on_selector_all("#matt option", "os => os.length")
    # Tap the middle of the largest area as drawn (Ullared-Inland), wherever the map put it.
    page.fill("#sok", "ullared")
    page.press("#sok", "Enter")
    page.locator("#karta").scroll_into_view_if_needed()
    box = page.locator("#karta").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + min(box["height"], 844 - box["y"]) / 2)
    popup = page.locator(".leaflet-popup-content .popup")
    popup.wait_for(timeout=10_000)
    assert popup.locator("strong").inner_text() == "Ullared-Inland"
    terms = popup.locator("dt").all_inner_texts()
    values = popup.locator("dd").all_inner_texts()
    assert len(terms) == len(values) == measures
    assert any("mars 2025" in t for t in terms)  # the monthly counts, for the chosen month
    assert any("mars 2025" not in t for t in terms)  # the survey share: its own wave, said so
    assert all(v.strip() for v in values)
    # The popup fits the phone's screen.
    popup_box = page.locator(".leaflet-popup").bounding_box()
    assert popup_box is not None and popup_box["width"] <= 390
    assert errors == []
    assert all(h.startswith(site.as_uri() + "/") for h in hosts), hosts
