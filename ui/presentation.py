"""Presentation mode (no sidebar or controls, larger map and text for a projector) and the
PNG/PDF export buttons that every map page shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import streamlit as st

from ui import access, strings

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_MODE = "presentation_mode"
_TOGGLE = "presentation_toggle"
_STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stExpander"], [data-testid="stSelectbox"], [data-testid="stMultiSelect"],
[data-testid="stRadio"], [data-testid="stToggle"], [data-testid="stDownloadButton"] { display: none !important; }
html { font-size: 22px; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 1rem 2rem !important; }
</style>
"""


def active() -> bool:
    """Whether this session is in presentation mode."""
    return bool(st.session_state.get(_MODE, False))


def _sync() -> None:
    st.session_state[_MODE] = st.session_state[_TOGGLE]


def _leave() -> None:
    st.session_state[_MODE] = False
    st.session_state[_TOGGLE] = False


def controls() -> None:
    """The sidebar toggle, and in presentation mode the style and a way out (call before the page)."""
    st.sidebar.toggle(
        strings.PRESENTATION_TOGGLE, value=active(), key=_TOGGLE, on_change=_sync,
        help=strings.PRESENTATION_HELP,
    )  # fmt: skip
    if active():
        st.html(_STYLE)
        st.button(strings.PRESENTATION_EXIT, on_click=_leave, key="presentation_exit")


def map_height(normal: int = 560) -> int:
    """Taller maps on a projector."""
    return int(normal * 1.45) if active() else normal


def map_and_side(ratio: tuple[int, int] = (3, 2)) -> tuple[Any, Any]:
    """Where a page puts its map and what goes beside it (the details panel, a legend note).

    Normally two columns; in presentation mode the map comes first at full width and the side
    follows below it, so a projector shows the map without scrolling.
    """
    if active():
        return st.container(), st.container()
    left, right = st.columns(list(ratio))
    return left, right


def _file_name(title: str) -> str:
    return re.sub(r"[^a-z0-9åäö]+", "_", title.casefold()).strip("_") or "karta"


def export_buttons(title: str, make_figure: Callable[[], Figure], *, key: str) -> None:
    """PNG and PDF download buttons; the figure is drawn only when a button is clicked.

    ``make_figure`` runs outside the script (no Streamlit calls inside): give it plain data.
    """
    if active():
        return  # no controls on the projector
    label, png, pdf = st.columns([2, 1, 1])
    label.caption(strings.EXPORT_LABEL)
    from geo.outputs.slides import figure_bytes  # matplotlib loads on the first click, not at start

    name = _file_name(title)
    png.download_button(strings.EXPORT_PNG, data=access.logged_download(f"{name}.png", lambda: figure_bytes(make_figure(), "png")),
                        file_name=f"{name}.png", mime="image/png", key=f"{key}_png", on_click="ignore")  # fmt: skip
    pdf.download_button(strings.EXPORT_PDF, data=access.logged_download(f"{name}.pdf", lambda: figure_bytes(make_figure(), "pdf")),
                        file_name=f"{name}.pdf", mime="application/pdf", key=f"{key}_pdf", on_click="ignore")  # fmt: skip
