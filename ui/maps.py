"""Showing folium maps in Streamlit without reruns on pan/zoom, keeping zoom when layers change."""

from __future__ import annotations

from collections.abc import Sequence

import folium
from streamlit_folium import st_folium

from ui import state


def show_map(
    fmap: folium.Map,
    *,
    key: str,
    height: int = 560,
    layers: Sequence[folium.FeatureGroup] = (),
    clickable: bool = False,
    view: tuple[tuple[float, float], int] | None = None,
) -> tuple[float, float] | None:
    """Render a map; with ``clickable``, return the last point clicked (lat, lon) or ``None``.

    Panning and zooming never rerun the script (only ``last_clicked`` is returned, and only when
    ``clickable``). ``layers`` go through ``feature_group_to_add``: when only they change, the
    base map stays and so does the user's zoom. ``view`` = (centre, zoom) moves the map only when
    it differs from the last view passed (st_folium compares), so a user's own zoom survives
    reruns that pass the same view.
    """
    from ui import presentation

    state.serve_leaflet()
    centre, zoom = view if view is not None else (None, None)
    answer = st_folium(
        fmap,
        # A new component in presentation mode: st_folium keeps a map's first height otherwise.
        key=f"{key}_presentation" if presentation.active() else key,
        height=presentation.map_height(height),
        use_container_width=True,
        returned_objects=["last_clicked"] if clickable else [],
        feature_group_to_add=list(layers) or None,
        center=centre,
        zoom=zoom,
    )
    clicked = (answer or {}).get("last_clicked") if clickable else None
    if not clicked:
        return None
    return float(clicked["lat"]), float(clicked["lng"])
