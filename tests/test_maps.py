"""Folium maps tested as objects: layers, legend, escaping, and no CDN."""

import re

import geopandas as gpd
import pytest
from sqlalchemy import Engine

from geo.errors import CRSError
from geo.outputs.maps import (
    APP_ASSETS,
    MapAssets,
    area_choropleth,
    class_breaks,
    colour_for,
    legend_html,
)
from geo.store.database import active_layer


@pytest.fixture
def areas(store: Engine) -> gpd.GeoDataFrame:
    _info, layer = active_layer(store)
    return layer.assign(count=range(len(layer)))


def test_map_has_one_area_layer_and_a_legend(areas: gpd.GeoDataFrame) -> None:
    fmap = area_choropleth(
        areas, "count", value_label="Antal", legend_title="Händelser", notes=["Ungefärliga gränser"]
    )
    html = fmap.get_root().render()
    assert html.count('"area_code"') == 14
    assert "lagesbild-legend" in html and "Ungef\\u00e4rliga gr\\u00e4nser" in html
    assert "L.control.scale" in html


def test_map_loads_leaflet_only_from_our_own_server(areas: gpd.GeoDataFrame) -> None:
    html = (
        area_choropleth(areas, "count", value_label="Antal", legend_title="x").get_root().render()
    )
    assert set(re.findall(r"https?://[^\s\"')]+", html)) == set()
    assert f'src="{APP_ASSETS.base_url}/leaflet.js"' in html


def test_relative_assets_for_an_exported_site(areas: gpd.GeoDataFrame) -> None:
    html = (
        area_choropleth(
            areas, "count", value_label="Antal", legend_title="x", assets=MapAssets("vendor")
        )
        .get_root()
        .render()
    )
    assert 'src="vendor/leaflet.js"' in html


def test_tiles_only_when_configured(areas: gpd.GeoDataFrame) -> None:
    plain = (
        area_choropleth(areas, "count", value_label="Antal", legend_title="x").get_root().render()
    )
    tiled = area_choropleth(
        areas, "count", value_label="Antal", legend_title="x",
        tiles_url="https://tiles.example/{z}/{x}/{y}.png", tiles_attribution="© Exempel",
    ).get_root().render()  # fmt: skip
    assert "L.tileLayer" not in plain
    assert "tiles.example" in tiled and "L.tileLayer" in tiled


def test_area_names_and_legend_notes_are_escaped(areas: gpd.GeoDataFrame) -> None:
    areas.loc[0, "name"] = '<img src=x onerror="alert(1)">'
    html = (
        area_choropleth(
            areas,
            "count",
            value_label="Antal",
            legend_title="<b>t</b>",
            notes=["<script>alert(2)</script>"],
        )
        .get_root()
        .render()
    )
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "\\u0026lt;img src=x" in html  # HTML-escaped, then JSON-encoded by folium


def test_map_refuses_geographic_input(areas: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="to_crs"):
        area_choropleth(areas.to_crs("EPSG:4326"), "count", value_label="Antal", legend_title="x")


def test_count_breaks_are_whole_numbers_and_colours_follow_them() -> None:
    breaks = class_breaks([0, 1, 2, 3, 10, 50, 51, 400])
    assert all(float(b).is_integer() for b in breaks) and breaks == sorted(breaks)
    assert colour_for(0, breaks) != colour_for(400, breaks)
    assert colour_for(None, breaks) == "#d9d9d9"
    assert "0–" in legend_html("Antal", breaks, [])


def test_a_constant_field_gets_one_class() -> None:
    assert class_breaks([5, 5, 5]) == [5.0]


def test_every_map_has_offline_context_and_a_metric_scale(areas: gpd.GeoDataFrame) -> None:
    """Without tiles a map still says where things are: land, the E6, villages (issue 15)."""
    from geo.areas.falkenberg import LOCALITIES_2020
    from geo.outputs.maps import area_outline_map

    rendered = area_outline_map(areas, legend="<b>x</b>").get_root().render()
    # Marker HTML sits in JavaScript strings: undo the JSON escapes to read it.
    html = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), rendered)
    html = html.replace('\\"', '"')
    assert "imperial: false" in html and "metric: true" in html
    assert "E6 (ungefärlig sträckning)" in html
    labels = {
        name: int(zoom) for zoom, name in re.findall(r'data-minzoom="(\d+)">([^<]+)</div>', html)
    }
    assert {p.name for p in LOCALITIES_2020} | set(areas["name"]) == set(labels)
    # The town and the large villages show at the municipality's zoom; small villages and the
    # town's small districts wait until there is room for them.
    assert labels["Falkenberg"] == 10 and labels["Ullared"] == 10 and labels["Morup"] == 12
    assert labels["Ullared-Inland"] <= 10 < labels["Falkenberg centrum"]
    assert "[data-minzoom]" in html and "zoomend" in html


def test_the_reference_layer_gives_way_to_configured_tiles(areas: gpd.GeoDataFrame) -> None:
    tiled = area_choropleth(
        areas, "count", value_label="Antal", legend_title="x",
        tiles_url="https://tiles.example/{z}/{x}/{y}.png", tiles_attribution="© Exempel",
    ).get_root().render()  # fmt: skip
    assert "E6 (ungef" not in tiled and "imperial: false" in tiled
