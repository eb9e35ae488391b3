"""Process-wide resources: settings and the database engine (one per process, cached)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from geo.assets import copy_leaflet
from geo.config import PROJECT_ROOT, Settings, load_settings
from geo.publish import Refusal, SiteInfo
from geo.store import make_engine, require_current_schema

STATIC_LEAFLET_DIR = PROJECT_ROOT / "static" / "vendor" / "leaflet"
STATIC_PUBLIC_DIR = PROJECT_ROOT / "static" / "publik"
"""The published public site, served by Streamlit at /app/static/publik/."""


@st.cache_resource
def settings() -> Settings:
    """The settings, read once per process."""
    return load_settings()


@st.cache_resource
def engine(database_url: str) -> Engine:
    """The engine for a URL; the schema must be current (``python -m geo init`` makes it so)."""
    engine = make_engine(database_url)
    require_current_schema(engine)
    return engine


@st.cache_resource
def serve_leaflet() -> str:
    """Copy Leaflet into ``static/`` so Streamlit serves it; returns the folder."""
    return str(copy_leaflet(STATIC_LEAFLET_DIR))


@st.cache_resource(
    show_spinner="Bygger den publika kartan och kontrollerar varje cell …", max_entries=1
)
def public_site(database_url: str, version: str, month: str) -> SiteInfo | Refusal:
    """Publish the public site into ``static/publik`` (once per data version and month) with the
    same function as ``python -m geo publish``; returns its facts, or the refusal (for staff: cell
    references, never hidden values). A refused publication leaves the previous site in place."""
    from geo.errors import GeoError
    from geo.publish import publish, refusal

    try:
        return publish(engine(database_url), STATIC_PUBLIC_DIR)
    except GeoError as error:
        return refusal(engine(database_url), error)


def public_site_exists() -> bool:
    """Whether an earlier publication is in ``static/publik`` (shown while a new one is refused)."""
    return (STATIC_PUBLIC_DIR / "index.html").exists()
