"""Folium map builders. The only place (besides exports) where geometry leaves EPSG:3006."""

from __future__ import annotations

import html
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from jinja2 import Template

from geo.crs import MAP_CRS, WORK_CRS, require_work_crs

# ColorBrewer YlOrRd, 5 classes: sequential and colour-blind safe.
SEQUENTIAL_5 = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA_COLOUR = "#d9d9d9"
FALKENBERG_CENTRE = (56.99, 12.68)
"""Map centre that shows the whole municipality at zoom 10 (FACTS §1.2)."""


@dataclass(frozen=True)
class MapAssets:
    """Where the browser loads Leaflet from (our own server or the exported site's folder)."""

    base_url: str

    @property
    def js(self) -> list[tuple[str, str]]:
        """Leaflet's script as folium's ``default_js`` entries."""
        return [("leaflet", f"{self.base_url}/leaflet.js")]

    @property
    def css(self) -> list[tuple[str, str]]:
        """Leaflet's style sheet as folium's ``default_css`` entries."""
        return [("leaflet_css", f"{self.base_url}/leaflet.css")]


APP_ASSETS = MapAssets("/app/static/vendor/leaflet")
"""Leaflet as Streamlit serves it from ``static/`` (``server.enableStaticServing``)."""


def _empty_map(
    assets: MapAssets, tiles_url: str | None, tiles_attribution: str | None
) -> folium.Map:
    """Return a Falkenberg map with Leaflet from ``assets``, a metric scale and the reference layer.

    The offline reference layer (land outline, the E6, locality names) and, only when configured, a
    tile layer.
    """
    fmap = folium.Map(location=FALKENBERG_CENTRE, zoom_start=10, tiles=None, control_scale=False)
    fmap.default_js = assets.js
    fmap.default_css = assets.css
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=tiles_attribution or "", name="Bakgrund").add_to(
            fmap
        )
    else:
        reference_layer().add_to(fmap)
    _MetricScale().add_to(fmap)
    _LabelDeclutter().add_to(fmap)
    return fmap


class _MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's also shows miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


REFERENCE_STYLE = {"land": "#f3f0e8", "coast": "#9aa5b1", "road": "#e08a3c", "label": "#555555"}
"""The reference layer is drawn light, under the data, so it never reads as data."""
_ROAD_STYLE = {"color": REFERENCE_STYLE["road"], "weight": 3, "opacity": 0.8}
_LAND_STYLE = {
    "fillColor": REFERENCE_STYLE["land"],
    "fillOpacity": 1.0,
    "color": REFERENCE_STYLE["coast"],
    "weight": 1,
}


def reference_layer() -> folium.FeatureGroup:
    """Return where things are, without tiles: the land, the E6 and the localities' names.

    The municipality's land, the E6 (approximate) and the names of FACTS §1.3, all from the
    project's own facts, so it works offline.
    """
    from geo.areas.builtin import municipality_outline
    from geo.areas.falkenberg import E6_APPROX, LOCALITIES_2020

    group = folium.FeatureGroup(name="Bakgrund (kommunen, E6, orter)", control=False)
    land = gpd.GeoSeries([municipality_outline()], crs=WORK_CRS).to_crs(MAP_CRS)
    folium.GeoJson(
        land.__geo_interface__,
        style_function=lambda _f: _LAND_STYLE,
        interactive=False,
    ).add_to(group)
    road = {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in E6_APPROX]}
    folium.GeoJson(  # GeoJson, not PolyLine: folium drops `interactive` from a PolyLine's options
        road, style_function=lambda _f: _ROAD_STYLE, interactive=False
    ).add_to(group)
    lat, lon = E6_APPROX[len(E6_APPROX) // 2]
    folium.Marker(
        (lat, lon + 0.01),
        icon=folium.DivIcon(
            html='<div class="lagesbild-place lagesbild-road" data-minzoom="10"'
            ' title="E6 (ungefärlig sträckning)">E6</div>',
            icon_size=(0, 0),
            class_name="lagesbild-place-icon",
        ),
        interactive=False,
    ).add_to(group)
    for place in LOCALITIES_2020:
        folium.Marker(
            (place.lat, place.lon),
            icon=folium.DivIcon(
                html=f'<div class="lagesbild-place" data-minzoom="{place_min_zoom(place.population)}">'
                f"{html.escape(place.name)}</div>",
                icon_size=(0, 0),
                class_name="lagesbild-place-icon",
            ),
            interactive=False,
        ).add_to(group)
    return group


def place_min_zoom(population: int) -> int:
    """Return the zoom from which a locality's name shows, by population.

    The town and the large villages at the municipality's zoom (10), smaller ones as the user zooms
    in, so names never pile up.
    """
    return 10 if population >= 700 else 11 if population >= 400 else 12


def class_breaks(values: Sequence[float], classes: int = 5) -> list[float]:
    """Upper bounds of up to ``classes`` classes with (about) equal counts; unique and ascending.

    Whole-number data (counts) get whole-number bounds, so a legend never says "169–327.8".
    """
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    if len(data) == 0:
        return []
    quantiles = np.quantile(data, np.linspace(0, 1, classes + 1)[1:])
    if np.all(np.mod(data, 1) == 0):
        quantiles = np.ceil(quantiles)
    return sorted({float(q) for q in quantiles})


def colour_for(value: float | None, breaks: Sequence[float]) -> str:
    """Return the palette colour of the class ``value`` falls in."""
    if value is None or not np.isfinite(value) or not breaks:
        return NO_DATA_COLOUR
    palette = SEQUENTIAL_5[-len(breaks) :] if len(breaks) < len(SEQUENTIAL_5) else SEQUENTIAL_5
    for bound, colour in zip(breaks, palette, strict=False):
        if value <= bound:
            return colour
    return palette[-1]


class _Legend(MacroElement):
    """A legend as a Leaflet control (works in the app's iframe and in a saved HTML file)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "lagesbild-legend");
                div.style.cssText = "background:#fff;padding:6px 8px;font:12px/1.4 sans-serif;"
                    + "border:1px solid #999;border-radius:4px;max-width:260px;color:#111";
                div.innerHTML = {{ this.html_json }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.html_json = json.dumps(legend_html)


def _legend_body(title: str, rows: Sequence[str], notes: Sequence[str]) -> str:
    """Title, ready-made (escaped) rows and escaped notes in one legend."""
    notes_html = "".join(
        f'<div style="margin-top:4px;font-style:italic">{html.escape(n)}</div>' for n in notes
    )
    return f"<strong>{html.escape(title)}</strong>{''.join(rows)}{notes_html}"


def legend_html(
    title: str,
    breaks: Sequence[float],
    notes: Sequence[str],
    *,
    decimals: int | None = None,
    no_data: str | None = None,
) -> str:
    """Legend markup in Swedish number format; every text is escaped here.

    ``decimals``: digits after the comma in the class bounds (default: none for whole-number
    bounds, one otherwise). ``no_data``: a grey row's label, for areas without a value.
    """
    from geo import formats

    palette = SEQUENTIAL_5[-len(breaks) :] if 0 < len(breaks) < len(SEQUENTIAL_5) else SEQUENTIAL_5
    whole = all(float(b).is_integer() for b in breaks)
    digits = decimals if decimals is not None else (0 if whole else 1)
    rows = []
    lower = 0.0
    for bound, colour in zip(breaks, palette, strict=False):
        low, high = formats.number(lower, digits), formats.number(bound, digits)
        label = f"{low}–{high}" if low != high else high
        rows.append(_swatch_row(colour, label))
        lower = bound + 1 if whole else bound
    if no_data:
        rows.append(_swatch_row(NO_DATA_COLOUR, no_data))
    return _legend_body(title, rows, notes)


def _swatch_row(colour: str, label: str) -> str:
    """One legend row: a colour swatch and its (escaped) label."""
    return (
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{colour};'
        f'border:1px solid #666;vertical-align:middle;margin-right:6px"></span>{html.escape(label)}</div>'
    )


class _LayerLegend(MacroElement):
    """A legend that belongs to a layer: shown on the map while the layer is, removed with it.

    A changing layer (``st_folium(feature_group_to_add=...)``) brings its own legend, so the
    legend sits on the map and always describes the colours drawn, without redrawing the base
    map (which would lose the user's zoom).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var group = {{ this._parent.get_name() }};
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "lagesbild-legend");
                div.style.cssText = "background:#fff;padding:6px 8px;font:12px/1.4 sans-serif;"
                    + "border:1px solid #999;border-radius:4px;max-width:260px;color:#111";
                div.innerHTML = {{ this.html_json }};
                return div;
            };
            group.on("add", function () { if (group._map) { legend.addTo(group._map); } });
            group.on("remove", function () { legend.remove(); });
            if (group._map) { legend.addTo(group._map); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str) -> None:
        super().__init__()
        self._name = "LayerLegend"
        self.html_json = json.dumps(legend_html)


def with_legend(group: folium.FeatureGroup, legend: str) -> folium.FeatureGroup:
    """Attach an (already escaped) legend to a layer; returns the layer."""
    _LayerLegend(legend).add_to(group)
    return group


def _value_text(value: float) -> str:
    """Format a tooltip value in Swedish: whole numbers without decimals, others with one."""
    from geo import formats

    if not np.isfinite(value):
        return "–"
    return formats.number(value, 0 if float(value).is_integer() else 1)


def area_choropleth(
    areas: gpd.GeoDataFrame,
    value_column: str,
    *,
    value_label: str,
    legend_title: str,
    notes: Sequence[str] = (),
    assets: MapAssets = APP_ASSETS,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
) -> folium.Map:
    """Return a map of the areas coloured by ``value_column``, with tooltip and legend.

    Parameters
    ----------
    areas
        Area layer in EPSG:3006 with ``area_code``, ``name`` and the value column.
    value_label
        Tooltip label of the value (Swedish).
    notes
        Lines under the legend, e.g. "Ungefärliga gränser", period, source.
    assets
        Where Leaflet is loaded from; never a CDN.
    tiles_url, tiles_attribution
        Optional base map; without it the map draws the areas on a plain background (offline).

    Raises
    ------
    CRSError
        When ``areas`` is not in EPSG:3006.
    """
    require_work_crs(areas)
    breaks = class_breaks(areas[value_column].to_numpy())
    shown = areas[["area_code", "name", value_column, "geometry"]].to_crs(MAP_CRS)
    shown["name"] = shown["name"].map(lambda s: html.escape(str(s)))
    shown["value_text"] = shown[value_column].map(lambda v: html.escape(_value_text(v)))
    shown["fill"] = [colour_for(v, breaks) for v in shown[value_column]]
    shown = shown.drop(columns=[value_column])

    fmap = _empty_map(assets, tiles_url, tiles_attribution)
    folium.GeoJson(
        shown.__geo_interface__,
        name="Områden",
        style_function=lambda feature: {
            "fillColor": feature["properties"]["fill"],
            "color": "#333333",
            "weight": 1,
            "fillOpacity": 0.75,
        },
        highlight_function=lambda _feature: {"weight": 3},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "value_text"], aliases=["Område", value_label]
        ),
    ).add_to(fmap)
    _Legend(legend_html(legend_title, breaks, notes)).add_to(fmap)
    minx, miny, maxx, maxy = shown.total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


# ColorBrewer RdBu (diverging, colour-blind safe): red = hot, blue = cold.
HOTSPOT_COLOURS = {
    "hot_99": "#b2182b", "hot_95": "#ef8a62", "hot_90": "#fddbc7",
    "cold_90": "#d1e5f0", "cold_95": "#67a9cf", "cold_99": "#2166ac",
}  # fmt: skip


def choropleth_layer(
    areas: gpd.GeoDataFrame,
    value_column: str,
    *,
    value_label: str,
    name: str = "Värden",
    decimals: int = 0,
    legend: tuple[str, Sequence[str]] | None = None,
    no_data: str | None = None,
) -> tuple[folium.FeatureGroup, list[float]]:
    """Return the areas coloured by ``value_column`` as a layer for a stable base map, and breaks.

    Use with :func:`area_outline_map` and ``st_folium(feature_group_to_add=...)`` so that the map
    keeps its zoom when the values change. ``legend`` = (title, notes) puts the legend on the map
    with the layer; areas without a value (NaN) are grey, ``no_data`` says why in the legend.
    """
    from geo import formats

    require_work_crs(areas)
    breaks = class_breaks(areas[value_column].to_numpy())
    shown = areas[["area_code", "name", value_column, "geometry"]].to_crs(MAP_CRS)
    shown["name"] = shown["name"].map(lambda s: html.escape(str(s)))
    shown["value_text"] = shown[value_column].map(
        lambda v: html.escape(
            formats.number(float(v), decimals) if np.isfinite(v) else (no_data or "–")
        )
    )
    shown["fill"] = [colour_for(v, breaks) for v in shown[value_column]]
    group = folium.FeatureGroup(name=name)
    folium.GeoJson(
        shown.drop(columns=[value_column]).__geo_interface__,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#333333",
            "weight": 1,
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "value_text"], aliases=["Område", value_label]
        ),
    ).add_to(group)
    if legend is not None:
        has_missing = bool(no_data) and not np.isfinite(areas[value_column].to_numpy(float)).all()
        with_legend(group, legend_html(legend[0], breaks, legend[1], decimals=decimals,
                                       no_data=no_data if has_missing else None))  # fmt: skip
    return group, breaks


def area_outline_map(
    areas: gpd.GeoDataFrame,
    *,
    legend: str | None,
    assets: MapAssets = APP_ASSETS,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
) -> folium.Map:
    """Return a stable base map: area outlines with names, and a legend.

    The legend is already-escaped HTML; ``None`` when the layers bring their own (see
    :func:`with_legend`).

    Changing layers are added with ``st_folium(..., feature_group_to_add=...)`` so that the map
    keeps its zoom when filters change.
    """
    require_work_crs(areas)
    shown = areas[["area_code", "name", "geometry"]].to_crs(MAP_CRS)
    shown["name"] = shown["name"].map(lambda s: html.escape(str(s)))
    fmap = _empty_map(assets, tiles_url, tiles_attribution)
    folium.GeoJson(
        shown.__geo_interface__,
        name="Områden",
        style_function=lambda _f: {"fillOpacity": 0.0, "color": "#444444", "weight": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["Område"]),
    ).add_to(fmap)
    area_labels(areas).add_to(fmap)
    if legend is not None:
        _Legend(legend).add_to(fmap)
    minx, miny, maxx, maxy = shown.total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


_METRES_PER_PIXEL_AT_ZOOM_0 = 156_543.03 * float(np.cos(np.radians(57.0)))
"""Web Mercator at Falkenberg's latitude: metres per screen pixel at zoom 0 (halves per zoom)."""


def label_min_zoom(name: str, width_m: float) -> int:
    """Return the first zoom at which an area ``width_m`` wide has room for its name.

    About 7 px per character at 12 px: labels appear as the user zooms in, never piled on top of
    each other.
    """
    label_px = 7 * len(name) + 8
    zoom = np.log2(label_px * _METRES_PER_PIXEL_AT_ZOOM_0 / max(width_m, 1.0))
    return int(np.clip(np.ceil(zoom), 8, 16))


def area_labels(areas: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Each area's name on the map at a point inside it, shown from the zoom where it fits."""
    group = folium.FeatureGroup(name="Områdesnamn", control=False)
    points = areas.geometry.representative_point().to_crs(MAP_CRS)
    widths = areas.geometry.bounds["maxx"] - areas.geometry.bounds["minx"]
    for name, point, width in zip(areas["name"], points, widths, strict=True):
        text = html.escape(str(name))
        folium.Marker(
            (point.y, point.x),
            icon=folium.DivIcon(
                html=f'<div class="lagesbild-area-name" data-minzoom="{label_min_zoom(str(name), float(width))}">{text}</div>',
                icon_size=(0, 0),
                class_name="lagesbild-place-icon",
            ),
            interactive=False,
        ).add_to(group)
    return group


class _LabelDeclutter(MacroElement):
    """Map labels (area and locality names, ``data-minzoom``) shown only from their zoom on."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .lagesbild-area-name, .lagesbild-place {white-space: nowrap; pointer-events: none;
            transform: translate(-50%, -50%);
            text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff;}
        .lagesbild-area-name {font: 600 12px/1.2 sans-serif; color: #222;}
        .lagesbild-place {font: 11px/1.2 sans-serif; color: #555;}
        .lagesbild-road {font-weight: 700; color: #b0601f;}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            function declutter() {
                var zoom = map.getZoom();
                document.querySelectorAll("[data-minzoom]").forEach(function (label) {
                    label.style.display = zoom >= Number(label.dataset.minzoom) ? "" : "none";
                });
            }
            map.on("zoomend layeradd", declutter);
            map.whenReady(function () { setTimeout(declutter, 0); });
        })();
        {% endmacro %}
        """
    )


def hotspot_legend(title: str, labels: dict[str, str], notes: Sequence[str]) -> str:
    """Legend markup for the hotspot classes; every text is escaped here."""
    return swatch_legend(title, HOTSPOT_COLOURS, labels, notes)


def hotspot_layer(
    cells: gpd.GeoDataFrame, labels: dict[str, str], *, name: str = "Hotspots"
) -> folium.FeatureGroup:
    """Significant cells, merged into one (multi)polygon per class, as one GeoJSON layer.

    Merging touching cells of a class keeps the payload small with many significant cells
    (a million incidents: ~4,800 cells → a few hundred polygons).
    """
    significant = cells[cells["hotspot_class"] != "none"]
    group = folium.FeatureGroup(name=name)
    if significant.empty:
        return group
    merged = significant.dissolve(by="hotspot_class", method="coverage", as_index=False)
    shown = merged[["hotspot_class", "geometry"]].to_crs(MAP_CRS)
    shown["geometry"] = shown.geometry.set_precision(1e-5)
    shown["label"] = shown["hotspot_class"].map(lambda c: html.escape(labels[c]))
    folium.GeoJson(
        shown.__geo_interface__,
        style_function=lambda f: {
            "fillColor": HOTSPOT_COLOURS[f["properties"]["hotspot_class"]],
            "fillOpacity": 0.75,
            "weight": 0,
        },
        tooltip=folium.GeoJsonTooltip(fields=["label"], aliases=["Klass"]),
    ).add_to(group)
    return group


def points_layer(
    x: np.ndarray, y: np.ndarray, types: Sequence[str], *, name: str = "Händelser"
) -> folium.FeatureGroup:
    """Incident points as ONE GeoJSON layer of small circles (never a marker per incident)."""
    from geo.crs import transformer

    group = folium.FeatureGroup(name=name)
    if len(x) == 0:
        return group
    lon, lat = transformer(WORK_CRS, MAP_CRS).transform(np.asarray(x), np.asarray(y))
    features = [
        {
            "type": "Feature",
            "properties": {"typ": html.escape(str(t))},
            "geometry": {"type": "Point", "coordinates": [round(a, 5), round(b, 5)]},
        }
        for a, b, t in zip(lon.tolist(), lat.tolist(), types, strict=True)
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        marker=folium.CircleMarker(
            radius=3, fill=True, fill_opacity=0.8, weight=0, fill_color="#222222"
        ),
        tooltip=folium.GeoJsonTooltip(fields=["typ"], aliases=["Typ"]),
    ).add_to(group)
    return group


def swatch_legend(
    title: str, colours: dict[str, str], labels: dict[str, str], notes: Sequence[str]
) -> str:
    """Legend markup for categories (class → colour and label); every text is escaped here."""
    rows = [
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{colours[key]};'
        f'border:1px solid #666;vertical-align:middle;margin-right:6px"></span>{html.escape(labels[key])}</div>'
        for key in colours
    ]
    return _legend_body(title, rows, notes)


def category_layer(
    areas: gpd.GeoDataFrame,
    class_column: str,
    colours: dict[str, str],
    *,
    tooltip: dict[str, str],
    outlined: Collection[str] = (),
    uncertain: str | None = None,
    name: str = "Klasser",
) -> folium.FeatureGroup:
    """Areas filled by a category, with a tooltip of ready-made text columns (escaped here).

    ``outlined`` area codes get a thick dark outline (e.g. the promise's focus areas); areas of the
    ``uncertain`` class are drawn hatched-looking (dashed outline, pale fill) so uncertainty shows.
    """
    require_work_crs(areas)
    shown = areas[["area_code", class_column, *tooltip, "geometry"]].to_crs(MAP_CRS)
    for column in tooltip:
        shown[column] = shown[column].map(lambda s: html.escape(str(s)))
    shown["fill"] = shown[class_column].map(colours)
    shown["focus"] = shown["area_code"].isin(outlined)
    shown["uncertain"] = shown[class_column] == uncertain
    group = folium.FeatureGroup(name=name)
    folium.GeoJson(
        shown.__geo_interface__,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.35 if f["properties"]["uncertain"] else 0.8,
            "color": "#000000" if f["properties"]["focus"] else "#555555",
            "weight": 4 if f["properties"]["focus"] else 1,
            "dashArray": "6 4" if f["properties"]["uncertain"] else None,
        },
        tooltip=folium.GeoJsonTooltip(fields=list(tooltip), aliases=list(tooltip.values())),
    ).add_to(group)
    return group


def count_cells_layer(
    cells: gpd.GeoDataFrame, *, label: str, name: str = "Kluster"
) -> folium.FeatureGroup:
    """Return aggregated cells (``count`` per polygon) as a purple overlay, counts as tooltips."""
    group = folium.FeatureGroup(name=name)
    if cells.empty:
        return group
    shown = cells[["count", "geometry"]].to_crs(MAP_CRS)
    shown["text"] = shown["count"].map(lambda v: html.escape(f"{int(v)}"))
    folium.GeoJson(
        shown.drop(columns=["count"]).__geo_interface__,
        style_function=lambda _f: {
            "fillColor": "#CC79A7",
            "fillOpacity": 0.7,
            "color": "#6a3d5a",
            "weight": 1,
        },
        tooltip=folium.GeoJsonTooltip(fields=["text"], aliases=[label]),
    ).add_to(group)
    return group


WHOLE_MUNICIPALITY = (FALKENBERG_CENTRE, 10)
"""The view (centre, zoom) that shows all of Falkenberg."""


def view_for(
    shapes: gpd.GeoDataFrame, *, width_px: int = 800, height_px: int = 520, max_zoom: int = 15
) -> tuple[tuple[float, float], int]:
    """Return the (centre, zoom) that shows every shape of ``shapes`` (EPSG:3006).

    On a map of about ``width_px`` × ``height_px``; the whole municipality when there are none.

    Used to open a hotspot map on the cells found rather than on the whole municipality, where
    250 m cells are a few pixels each.
    """
    if shapes.empty:
        return WHOLE_MUNICIPALITY
    require_work_crs(shapes, "shapes")
    minx, miny, maxx, maxy = shapes.total_bounds
    span = max((maxx - minx) / width_px, (maxy - miny) / height_px, 1e-9)
    # Leave a margin of a fifth on each side; zoom z shows _METRES_PER_PIXEL_AT_ZOOM_0 / 2**z.
    zoom = int(np.floor(np.log2(_METRES_PER_PIXEL_AT_ZOOM_0 / (span * 1.4))))
    from geo.crs import transformer

    lon, lat = transformer(WORK_CRS, MAP_CRS).transform((minx + maxx) / 2, (miny + maxy) / 2)
    return (round(float(lat), 5), round(float(lon), 5)), max(
        WHOLE_MUNICIPALITY[1], min(zoom, max_zoom)
    )
