"""Showing folium maps in Streamlit without reruns on pan/zoom, keeping zoom when layers change."""

from __future__ import annotations

from collections.abc import Sequence

import folium
from streamlit_folium import st_folium

from ui import state


def show_map(
    fmap: folium.Map, *, key: str, height: int = 560, layers: Sequence[folium.FeatureGroup] = ()
) -> None:
    """Render a map. ``returned_objects=[]``: panning and zooming never rerun the script.

    ``layers`` go through ``feature_group_to_add``: when only they change, the base map stays and
    so does the user's zoom.
    """
    from ui import presentation

    state.serve_leaflet()
    st_folium(
        fmap,
        # A new component in presentation mode: st_folium keeps a map's first height otherwise.
        key=f"{key}_presentation" if presentation.active() else key,
        height=presentation.map_height(height),
        use_container_width=True,
        returned_objects=[],
        feature_group_to_add=list(layers) or None,
    )
