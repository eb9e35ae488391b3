"""Lägesbild Falkenberg: the entry point. Login or local role → the pages that role may see →
navigation.

Run with the README's command; the database must be initialised (`python -m geo init`). Without
login configured (no ``[auth]`` in ``.streamlit/secrets.toml``) the app refuses to run unless it
listens on 127.0.0.1 (ui/auth.py); with login, each organisation logs in through its own provider.
"""

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from ui import chrome, presentation, strings
from ui.auth import current_role, pages_for
from ui.boundary import run_page

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title=strings.APP_TITLE, page_icon=strings.APP_FAVICON, layout="wide")
chrome.apply()  # Streamlit's own English widget texts in Swedish; the upload limit


def _page(key: str, title: str) -> StreamlitPage:
    """A page from pages/<key>.py at /<key>, with its Material icon (ui/strings.PAGE_ICONS)."""
    return st.Page(PAGES / f"{key}.py", title=title, icon=strings.PAGE_ICONS[key], url_path=key)


#: Every page, by key. Which of them a role sees is decided in ui/auth.py (PAGE_ACCESS); a page
#: missing from a role's navigation cannot be opened by URL, and each page checks again itself.
ALL_PAGES = {
    "oversikt": _page("oversikt", strings.PAGE_OVERVIEW),
    "hotspots": _page("hotspots", strings.PAGE_HOTSPOTS),
    "lagesbild": _page("lagesbild", strings.PAGE_JOINT),
    "uppfoljning": _page("uppfoljning", strings.PAGE_FOLLOWUP),
    "planera": _page("planera", strings.PAGE_PLAN),
    "narvaro": _page("narvaro", strings.PAGE_NEED),
    "importera": _page("importera", strings.PAGE_IMPORT),
    "publik": _page("publik", strings.PAGE_PUBLIC),
    "om": _page("om", strings.PAGE_ABOUT),
    "admin": _page("admin", strings.PAGE_ADMIN),
}

st.sidebar.title(strings.APP_TITLE)
st.sidebar.caption(strings.APP_SUBTITLE)
role = current_role()
presentation.controls()
navigation = st.navigation([ALL_PAGES[key] for key in pages_for(role)])
# A failing page says what happened in Swedish (full or read-only disk, or "nothing changed")
# and the traceback goes to the server log only (ui/boundary.py).
run_page(navigation.run)
