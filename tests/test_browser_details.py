"""In Chromium: click an area for its figures, the legend on the map, the hotspot map's view.

Skipped without Chromium, failed under LAGESBILD_REQUIRE_BROWSER=1 (tests/test_browser.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page
from pyproj import Transformer

from geo.crs import WORK_CRS
from geo.store.database import active_layer, make_engine
from tests.conftest import store_url
from tests.test_browser import (  # noqa: F401 - fixtures used by name
    Server,
    _wait_for_map,
    browser_page,
    demo_data_dir,
    fresh_server,
    open_as_police,
)

pytestmark = pytest.mark.browser
MAP = "iframe[title='streamlit_folium.st_folium']"


def _inside(folder: Path, name_part: str) -> tuple[str, float, float]:
    """An area's name and a point inside it (lat, lon), from the app's own store."""
    engine = make_engine(store_url(folder, "lagesbild.db"))
    layer = active_layer(engine)[1]
    engine.dispose()
    row = layer[layer["name"].str.contains(name_part)].iloc[0]
    point = row.geometry.representative_point()
    lon, lat = Transformer.from_crs(WORK_CRS, "EPSG:4326", always_xy=True).transform(
        point.x, point.y
    )
    return str(row["name"]), lat, lon


def _click(page: Page, frame: Frame, lat: float, lon: float) -> None:
    """Click the map where (lat, lon) is drawn now."""
    x, y = frame.evaluate(
        f"(() => {{ const p = map_div.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }})()"
    )
    box = page.locator(MAP).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)


def _panel_text(page: Page) -> str:
    panel = page.locator(".st-key-omradespanel")
    panel.wait_for(timeout=60_000)
    # The panel appears with its first elements: read it when the run that draws it is done.
    page.wait_for_selector(
        "[data-testid=stApp][data-test-script-state=notRunning]", timeout=120_000
    )
    return panel.inner_text()


def test_click_an_area_on_the_overview_for_its_figures_and_read_the_legend_on_the_map(
    fresh_server: Server,  # noqa: F811 - the fixture imported above
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
    demo_data_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    page, errors, hosts = browser_page
    frame = open_as_police(page, f"{fresh_server.url}/")
    page.get_by_text("Klicka på ett område på kartan").wait_for(timeout=30_000)
    legend = frame.locator(".lagesbild-legend")
    legend.first.wait_for(timeout=30_000)
    assert legend.count() == 1 and "Antal händelser" in legend.inner_text()

    name, lat, lon = _inside(demo_data_dir, "Ullared")
    _click(page, frame, lat, lon)
    text = _panel_text(page)
    assert name in text
    for words in ("Händelser i perioden", "Skadeindex", "Händelser per månad", "per veckodag",
                  "Trygghetsenkäten", "Senaste genomförda närvaro"):  # fmt: skip
        assert words in text, words
    page.screenshot(path=str(tmp_path / "oversikt-panel.png"), full_page=True)

    # Another colouring: the legend on the map follows, the zoom stays, the panel stays.
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(800)
    zoom = frame.evaluate("map_div.getZoom()")
    page.locator("[data-testid=stSidebar]").get_by_text("Händelser per km²").click()
    page.wait_for_function(
        """() => { const f = document.querySelector("iframe[title='streamlit_folium.st_folium']");
                   const l = f && f.contentDocument.querySelector('.lagesbild-legend');
                   return l && l.innerText.includes('per km²'); }""",
        timeout=60_000,
    )
    frame = _wait_for_map(page)
    assert frame.locator(".lagesbild-legend").count() == 1  # the old legend left with its layer
    assert frame.evaluate("map_div.getZoom()") == zoom
    assert name in _panel_text(page)

    # A click at sea says so instead of showing a stale or a wrong area.
    frame.evaluate("map_div.setView([56.9, 12.3], 10)")
    page.wait_for_timeout(500)
    _click(page, frame, 56.9, 12.2)
    page.get_by_text("utanför kommunens områden").wait_for(timeout=60_000)
    assert errors == [] and set(hosts) == {"127.0.0.1"}


def test_the_hotspot_map_opens_on_the_cells_and_shows_the_whole_municipality_on_request(
    fresh_server: Server,  # noqa: F811 - the fixture imported above
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
) -> None:
    page, errors, hosts = browser_page
    open_as_police(page, f"{fresh_server.url}/")
    page.get_by_role("link", name="Hotspots").click()
    page.get_by_text("Var och när: hotspots").wait_for(timeout=60_000)
    frame = _wait_for_map(page)
    page.wait_for_function(
        """() => { const f = document.querySelector("iframe[title='streamlit_folium.st_folium']");
                   return f && f.contentWindow.map_div && f.contentWindow.map_div.getZoom() > 10; }""",
        timeout=60_000,
    )
    zoomed = frame.evaluate("map_div.getZoom()")
    assert zoomed > 10, "the map opens on the cells found, not on the whole municipality"
    # The middle of the view is among the cells found: a click there gives the cell and its area.
    box = page.locator(MAP).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    text = _panel_text(page)
    assert "Händelser i perioden" in text and "Senaste genomförda närvaro" in text
    page.locator("[data-testid=stSidebar]").get_by_text("Visa hela kommunen på kartan").click()
    page.wait_for_function(
        """() => { const f = document.querySelector("iframe[title='streamlit_folium.st_folium']");
                   return f && f.contentWindow.map_div.getZoom() === 10; }""",
        timeout=60_000,
    )
    assert errors == [] and set(hosts) == {"127.0.0.1"}


def test_presentation_mode_shows_the_map_first_at_full_width(
    fresh_server: Server,  # noqa: F811 - the fixture imported above
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
) -> None:
    page, errors, hosts = browser_page
    open_as_police(page, f"{fresh_server.url}/")
    page.locator("[data-testid=stSidebar]").get_by_text("Presentationsläge").click()
    page.get_by_role("button", name="Avsluta presentationsläge").wait_for(timeout=30_000)
    _wait_for_map(page)
    page.locator("[data-testid=stMetric]").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1_000)
    map_box = page.locator(MAP).bounding_box()
    main = page.locator("[data-testid=stMainBlockContainer]").bounding_box()
    metric = page.locator("[data-testid=stMetric]").first.bounding_box()
    assert map_box is not None and main is not None and metric is not None
    assert map_box["y"] + map_box["height"] <= metric["y"], "the map comes before the key figures"
    assert map_box["width"] >= 0.9 * (main["width"] - 64), (
        map_box,
        main,
    )  # full width, less padding
    assert map_box["y"] < 400  # on the first screen of a 1000 px tall window
    assert errors == [] and set(hosts) == {"127.0.0.1"}
