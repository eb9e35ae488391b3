"""Process-wide resources: settings and the database engine (one per process, cached)."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlalchemy import Engine

from geo.access.access_log import Actor
from geo.assets import copy_leaflet
from geo.config import PROJECT_ROOT, Settings, load_settings
from geo.public.publish import Refusal, SiteInfo
from geo.store.database import make_engine, require_current_schema

STATIC_LEAFLET_DIR = PROJECT_ROOT / "static" / "vendor" / "leaflet"
STATIC_PUBLIC_DIR = PROJECT_ROOT / "static" / "publik"
"""The published public site, served by Streamlit at /app/static/publik/."""
SERVER_ACTOR = Actor("servern (vid start)", None, "server")
"""Who the access log names for what the server does by itself at start (ui/warmup.py)."""


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
def public_site(
    database_url: str, version: str, month: str, _actor: Actor | None = None
) -> SiteInfo | Refusal:
    """Publish the public site into ``static/publik`` (once per data version and month) with the
    same function as ``python -m geo publish``; returns its facts, or the refusal (for staff: cell
    references, never hidden values). A refused publication leaves the previous site in place.

    ``_actor`` (not part of the cache key) is the session whose visit made the publication: the
    access log records it as the change."""
    from geo.access.access_log import record
    from geo.errors import GeoError
    from geo.public.publish import publish, refusal

    try:
        made: SiteInfo | Refusal = publish(engine(database_url), STATIC_PUBLIC_DIR)
    except GeoError as error:
        made = refusal(engine(database_url), error)
    if _actor is not None:
        details = (
            {"vägrad": True, "problem": len(made.problems)}
            if isinstance(made, Refusal)
            else {"första": made.first_month, "sista": made.last_month, "dolda": made.hidden_cells}
        )
        record(engine(database_url), _actor, "ändring", page="publik", target="publik karta", details=details)  # fmt: skip
    return made


def public_month() -> str:
    """The month the public site is published for: part of :func:`public_site`'s key, so the
    first visit of a new month publishes again (the page and the server's warm-up use this)."""
    return f"{dt.date.today():%Y-%m}"


def public_site_exists() -> bool:
    """Whether an earlier publication is in ``static/publik`` (shown while a new one is refused)."""
    return (STATIC_PUBLIC_DIR / "index.html").exists()
