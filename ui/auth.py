"""Roles, which pages each role may see, and the guard every page runs first.

Local mode (no authentication configured): the app listens on 127.0.0.1 only, the role is picked in
the sidebar, and the screen says so.

Why every page has a guard: Streamlit finds a ``pages/`` folder next to ``dashboard.py`` and, until
the first session in a fresh server process has called ``st.navigation``, runs a deep link such as
``/oversikt`` straight from that folder without running ``dashboard.py``. The guard refuses to
render unless ``dashboard.py`` set an allowed role in this session.
"""

from __future__ import annotations

import ipaddress

import streamlit as st

from ui import presentation, strings

ROLES = ("polis", "samverkan", "publik")

#: Which pages each role may open (page keys are the ``url_path`` of each page in dashboard.py).
PAGE_ACCESS: dict[str, tuple[str, ...]] = {
    "polis": (
        "oversikt",
        "hotspots",
        "lagesbild",
        "uppfoljning",
        "planera",
        "narvaro",
        "importera",
        "publik",
        "om",
    ),
    "samverkan": ("oversikt", "lagesbild", "uppfoljning", "om"),
    "publik": ("publik",),
}

_ROLE_WIDGET = "role_picker"
_CHOSEN_ROLE = "role"
"""The chosen role, kept in a plain session-state key: widget state can be dropped when the
current page leaves the navigation (e.g. on a role change), a plain key is not."""
_AUTHORISED_ROLE = "_authorised_role"


def _remember_choice() -> None:
    st.session_state[_CHOSEN_ROLE] = st.session_state[_ROLE_WIDGET]


def pages_for(role: str) -> tuple[str, ...]:
    """The page keys a role may open, in navigation order."""
    return PAGE_ACCESS[role]


def is_loopback(address: str) -> bool:
    """Whether a listen address only accepts connections from this computer."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def current_role() -> str:
    """The role for this session: local mode asks in the sidebar, and says so on screen.

    Stops the script when the server is reachable from other computers, since there is no login.
    """
    address = str(st.get_option("server.address") or "")
    if not is_loopback(address):
        st.error(strings.NOT_LOCAL_ERROR.format(address=address or "alla adresser"))
        st.stop()
    if not presentation.active():  # no banner on the projector
        st.info(strings.LOCAL_MODE_BANNER, icon="🔒")
    chosen = st.session_state.get(_CHOSEN_ROLE, ROLES[0])
    role = str(
        st.sidebar.selectbox(
            strings.ROLE_PICKER,
            ROLES,
            index=ROLES.index(chosen) if chosen in ROLES else 0,
            format_func=lambda r: strings.ROLE_LABELS[r],
            key=_ROLE_WIDGET,
            on_change=_remember_choice,
        )
    )
    st.session_state[_CHOSEN_ROLE] = role
    st.session_state[_AUTHORISED_ROLE] = role
    return role


def require_page(page: str) -> str:
    """First line of every page: stop unless this session's role may see ``page``.

    Returns
    -------
    str
        The role.
    """
    role = st.session_state.get(_AUTHORISED_ROLE)
    # The picker's current value must be the role dashboard.py authorised: if they differ, the
    # role was changed and this page is running without dashboard.py having checked it.
    picked = st.session_state.get(_CHOSEN_ROLE)
    if role not in PAGE_ACCESS or page not in PAGE_ACCESS[role] or picked != role:
        st.error(strings.PAGE_REFUSED)
        st.stop()
    return str(role)
