"""Lägesbild Falkenberg: the entry point. Login or local role → the pages that role may see →
navigation.

Run with the README's command; the database must be initialised (`python -m geo init`). Without
login configured (no ``[auth]`` in ``.streamlit/secrets.toml``) the app refuses to run unless it
listens on 127.0.0.1 (ui/auth.py); with login, each organisation logs in through its own provider.
"""

from pathlib import Path

import streamlit as st

from ui import presentation, strings
from ui.auth import current_role, pages_for
from ui.boundary import run_page

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title=strings.APP_TITLE, page_icon="🗺️", layout="wide")

#: Every page, by key. Which of them a role sees is decided in ui/auth.py (PAGE_ACCESS); a page
#: missing from a role's navigation cannot be opened by URL, and each page checks again itself.
ALL_PAGES = {
    "oversikt": st.Page(
        PAGES / "oversikt.py", title=strings.PAGE_OVERVIEW, icon="🗺️", url_path="oversikt"
    ),
    "hotspots": st.Page(
        PAGES / "hotspots.py", title=strings.PAGE_HOTSPOTS, icon="🔥", url_path="hotspots"
    ),
    "lagesbild": st.Page(
        PAGES / "lagesbild.py", title=strings.PAGE_JOINT, icon="🤝", url_path="lagesbild"
    ),
    "uppfoljning": st.Page(
        PAGES / "uppfoljning.py", title=strings.PAGE_FOLLOWUP, icon="✅", url_path="uppfoljning"
    ),
    "planera": st.Page(PAGES / "planera.py", title=strings.PAGE_PLAN, icon="🗓️", url_path="planera"),
    "narvaro": st.Page(PAGES / "narvaro.py", title=strings.PAGE_NEED, icon="⚖️", url_path="narvaro"),
    "importera": st.Page(
        PAGES / "importera.py", title=strings.PAGE_IMPORT, icon="📥", url_path="importera"
    ),
    "publik": st.Page(PAGES / "publik.py", title=strings.PAGE_PUBLIC, icon="🌍", url_path="publik"),
    "om": st.Page(PAGES / "om.py", title=strings.PAGE_ABOUT, icon="ℹ️", url_path="om"),
    "admin": st.Page(PAGES / "admin.py", title=strings.PAGE_ADMIN, icon="🛡️", url_path="admin"),
}

st.sidebar.title(strings.APP_TITLE)
st.sidebar.caption(strings.APP_SUBTITLE)
role = current_role()
presentation.controls()
navigation = st.navigation([ALL_PAGES[key] for key in pages_for(role)])
# A failing page says what happened in Swedish (full or read-only disk, or "nothing changed")
# and the traceback goes to the server log only (ui/boundary.py).
run_page(navigation.run)
