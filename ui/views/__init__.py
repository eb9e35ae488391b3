"""Views: one function per page (or section) returning a frozen, ready-to-render view; views never write.

Pages compose views, ``geo`` computes. A page reads top to bottom: its widgets, then one call
into its module here (``ui/views/<page>.py``, named like the page), then drawing. The call takes
the page's :class:`ui.loaders.PageData` and the widget values (filters, choices) and returns a
frozen dataclass: tables with their Swedish column names (ready for :func:`ui.tables.show`),
the map's base, layers and caption, charts, every caption and note as text, and the figure an
export draws (a method, run only when a download button is clicked).

Rules the views keep (tests/test_architecture.py checks the first):

- Views read and never write. Saving activities, importing a file, publishing the public site
  are done by ``ui.followup``, ``ui.importing`` and ``ui.state``; a view may take what such a
  write returned (``ui.views.publik`` takes the publication's result).
- The heavy work is cached: views call the cached loaders of ``ui.loaders`` (the same keys the
  server's warm-up fills, ``ui/warmup.py``) or cache their own frames with ``st.cache_data`` on
  primitive keys. Folium objects are built on every run, outside any cache.
- Views never import ``ui.maps`` or ``streamlit_folium`` (the page shows the map): imported
  outside a session, as the warm-up imports the pages' modules, the map component would never
  be registered with the server and every map would stay blank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd
    from matplotlib.figure import Figure

    from geo.outputs.slides import Caption


@dataclass(frozen=True)
class Metric:
    """One key figure: ``st.metric(label, value, delta, help=...)``, the delta uncoloured."""

    label: str
    value: str
    delta: str | None = None
    help: str | None = None


@dataclass(frozen=True)
class MapView:
    """A map as ``ui.maps.show_map`` takes it: a stable base, the layers that change, and where it
    opens (``None``: where the base fits); ``caption`` (if any) goes under it."""

    base: folium.Map
    layers: tuple[folium.FeatureGroup, ...]
    caption: str = ""
    view: tuple[tuple[float, float], int] | None = None


@dataclass(frozen=True)
class ChoroplethExport:
    """A map page's slide (PNG/PDF): the areas coloured by ``values`` as on the page's map, with
    an optional monthly chart beside it. ``figure`` runs only when a download button is clicked
    (outside the script: no Streamlit calls), so matplotlib is loaded then, not at start."""

    title: str
    layer: gpd.GeoDataFrame = field(repr=False)
    values: pd.Series = field(repr=False)
    caption: Caption
    monthly: pd.DataFrame | None = field(default=None, repr=False)
    no_data: str = "Inget värde"

    def figure(self) -> Figure:
        """Draw the slide."""
        from geo.outputs.slides import choropleth_figure

        return choropleth_figure(self.layer, self.values, self.caption, legend_title=self.title,
                                 monthly=self.monthly, no_data=self.no_data)  # fmt: skip


@dataclass(frozen=True)
class CategoryExport:
    """A slide of areas by category (``classes`` by area code), focus areas outlined; with
    ``cells``, the outlines with coloured grid cells instead (hotspot classes). ``title`` names
    the buttons' files; the legend's title is ``legend_title`` (default: the same)."""

    title: str
    layer: gpd.GeoDataFrame = field(repr=False)
    classes: pd.Series = field(repr=False)
    colours: dict[str, str]
    labels: dict[str, str]
    caption: Caption
    outlined: frozenset[str] = frozenset()
    cells: gpd.GeoDataFrame | None = field(default=None, repr=False)
    cell_colours: dict[str, str] | None = None
    cell_labels: dict[str, str] | None = None
    legend_title: str | None = None

    def figure(self) -> Figure:
        """Draw the slide."""
        from geo.outputs.slides import category_figure

        return category_figure(self.layer, self.classes, self.colours, self.labels, self.caption,
                               legend_title=self.legend_title or self.title, outlined=self.outlined, cells=self.cells,
                               cell_colours=self.cell_colours, cell_labels=self.cell_labels)  # fmt: skip


def area_names(layer: gpd.GeoDataFrame) -> dict[str, str]:
    """The layer's area names by code, in the layer's order (for selects and tables)."""
    return dict(zip(layer["area_code"], layer["name"], strict=True))
