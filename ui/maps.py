"""Showing folium maps in Streamlit without reruns on pan/zoom."""

from __future__ import annotations

import folium
from streamlit_folium import st_folium

from ui import state


def show_map(fmap: folium.Map, *, key: str, height: int = 560) -> None:
    """Render a map; ``returned_objects=[]`` so panning and zooming never rerun the script."""
    state.serve_leaflet()
    st_folium(fmap, key=key, height=height, use_container_width=True, returned_objects=[])
