"""Roles, which pages each role may see, login, and the guard every page runs first.

Two modes, decided by the secrets (the same test ``st.login`` makes: an ``[auth]`` section):

- **Login** (``[auth]`` in ``.streamlit/secrets.toml``): one provider per organisation
  (``[auth.polis]``, ``[auth.kommun]``, ``[auth.region]``) through Streamlit's ``st.login``; the
  role comes from :func:`geo.access.users.resolve_access` (the allow-list, else the configured claim).
  There is no role picker. The app may then listen on any address.
- **Local mode** (no ``[auth]``): for one computer. The app refuses to run unless it listens on a
  loopback address and the request came straight from this computer (no proxy); the role is picked
  in the sidebar, starting at the least privileged (``publik``), and the screen says so.

Why every page has a guard: Streamlit finds a ``pages/`` folder next to ``dashboard.py`` and, until
the first session in a fresh server process has called ``st.navigation``, runs a deep link such as
``/oversikt`` straight from that folder without running ``dashboard.py``. The guard refuses to
render unless ``dashboard.py`` set an allowed role in this session.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import streamlit as st

from geo.access.access_log import Actor
from geo.access.users import (
    Access,
    LoginConfig,
    LoginRefused,
    find_user,
    load_login_config,
    login_expired,
    resolve_access,
)
from geo.commands.serve import is_loopback
from geo.errors import ConfigError
from ui import access, presentation, strings

#: The roles of the local picker, least privileged first (the first is the default).
ROLES = ("publik", "samverkan", "polis", "admin")

_POLICE_PAGES = (
    "oversikt",
    "hotspots",
    "lagesbild",
    "uppfoljning",
    "planera",
    "narvaro",
    "importera",
    "publik",
    "om",
)

#: Which pages each role may open (page keys are the ``url_path`` of each page in dashboard.py).
#: ``admin`` is a police role (only the police's provider gives it): the police's pages plus the
#: allow-list and the access log.
PAGE_ACCESS: dict[str, tuple[str, ...]] = {
    "polis": _POLICE_PAGES,
    "samverkan": ("oversikt", "lagesbild", "uppfoljning", "om"),
    "publik": ("publik",),
    "admin": (*_POLICE_PAGES, "admin"),
}

#: Roles that see the police's own data (the presence log, unsuppressed survey results).
POLICE_ROLES = frozenset({"polis", "admin"})

_ROLE_WIDGET = "role_picker"
_CHOSEN_ROLE = "role"
"""The chosen role, kept in a plain session-state key: widget state can be dropped when the
current page leaves the navigation (e.g. on a role change), a plain key is not."""
_AUTHORISED_ROLE = "_authorised_role"
_ACCESS = "_login_access"
"""The logged-in person's :class:`geo.access.users.Access` (login mode only)."""
_LOGGED = "_login_logged"


def _remember_choice() -> None:
    st.session_state[_CHOSEN_ROLE] = st.session_state[_ROLE_WIDGET]


def pages_for(role: str) -> tuple[str, ...]:
    """The page keys a role may open, in navigation order."""
    return PAGE_ACCESS[role]


def _secrets() -> dict[str, Any]:
    """The secrets as a plain dict (empty without a secrets file)."""
    if not st.secrets.load_if_toml_exists():
        return {}
    return st.secrets.to_dict()


def login_config() -> LoginConfig:
    """The login configuration; a broken one stops the app with every problem listed."""
    try:
        return load_login_config(_secrets())
    except ConfigError as error:
        st.error(strings.LOGIN_CONFIG_ERROR)
        st.code(str(error), language=None)
        st.stop()
        raise  # not reached: st.stop() raises


def login_configured() -> bool:
    """Whether login is configured (an ``[auth]`` section in the secrets, as ``st.login`` sees)."""
    return bool(_secrets().get("auth"))


def refuse_unless_local() -> None:
    """Local mode only serves this computer: stop with the Swedish how-to otherwise.

    The listen address must be loopback (``server.address``; empty means every interface), and
    the request must have come straight from this computer: a ``Host`` that is not loopback or
    a proxy's forwarding header means someone reaches the app from elsewhere.
    """
    address = str(st.get_option("server.address") or "")
    if not is_loopback(address):
        message = strings.NOT_LOCAL_ERROR.format(address=address or "alla adresser")
        print(message, file=sys.stderr)
        st.error(message)
        st.stop()
    headers = st.context.headers
    host = str(headers.get("Host") or "")
    forwarded = next((h for h in ("X-Forwarded-For", "Forwarded", "X-Real-Ip") if headers.get(h)), None)  # fmt: skip
    host_name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host.rsplit("]:", 1)[0]
    if forwarded or (host and not is_loopback(host_name)):
        st.error(strings.LOCAL_NOT_REMOTE.format(via=strings.md(forwarded or host)))
        st.stop()


def current_role() -> str:
    """The role for this session: from the login if configured, else picked in the sidebar."""
    config = login_config()
    if config.configured:
        return _logged_in_role(config)
    refuse_unless_local()
    banner = st.empty()  # the page's top, filled once the role is known
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
    if not presentation.active():  # no banner on the projector
        # The public's page shows the public site and nothing meant for staff: the banner
        # goes to the sidebar, under the role picker it explains.
        (st.sidebar if role == "publik" else banner).info(strings.LOCAL_MODE_BANNER, icon="🔒")
    st.session_state[_CHOSEN_ROLE] = role
    st.session_state[_AUTHORISED_ROLE] = role
    st.session_state.pop(_ACCESS, None)
    return role


def _login_page(config: LoginConfig) -> None:
    st.title(strings.LOGIN_TITLE)
    st.write(strings.LOGIN_INTRO)
    for name, provider in config.providers.items():
        if st.button(strings.LOGIN_BUTTON.format(label=provider.label), key=f"login_{name}"):
            st.login(name)
    st.caption(strings.LOGIN_PUBLIC_NOTE)


def _logged_in_role(config: LoginConfig) -> str:
    # Nothing from an earlier identity survives a page run that is not (or no longer) logged in.
    for key in (_AUTHORISED_ROLE, _CHOSEN_ROLE):
        st.session_state.pop(key, None)
    if not st.user.is_logged_in:
        st.session_state.pop(_ACCESS, None)
        st.session_state.pop(_LOGGED, None)
        _login_page(config)
        st.stop()
    claims = st.user.to_dict()
    if login_expired(claims, config, time.time()):  # the cookie lives 30 days; a login does not
        provider = config.providers.get(str(claims.get("provider") or ""))
        st.title(strings.LOGIN_TITLE)
        st.info(strings.LOGIN_EXPIRED.format(hours=f"{config.max_age_hours:g}"))
        if provider is not None and st.button(strings.LOGIN_AGAIN.format(label=provider.label)):
            st.login(provider.name)
        st.button(strings.LOGOUT, key="logout_expired", on_click=st.logout)
        st.stop()
    from ui import state

    engine = state.engine(state.settings().database_url)
    try:
        granted = resolve_access(
            claims, config=config, lookup=lambda login: find_user(engine, login)
        )
    except LoginRefused as refusal:
        st.session_state.pop(_ACCESS, None)
        provider = config.providers.get(str(claims.get("provider") or ""))
        organisation = provider.organisation if provider else None
        marker = f"nekad:{refusal}"
        if st.session_state.get(_LOGGED) != marker:  # once per session and reason
            who = str(claims.get("email") or claims.get("sub") or "okänd")
            access.record_as(Actor(f"{who} ({organisation})" if organisation else who, organisation, "ingen"),
                             "nekad", target="inloggning", details={"skäl": str(refusal)})  # fmt: skip
            st.session_state[_LOGGED] = marker
        st.title(strings.NO_ROLE_TITLE)
        st.warning(strings.md(str(refusal)))
        st.button(strings.LOGOUT, key="logout_refused", on_click=st.logout)
        st.stop()
    st.session_state[_ACCESS] = granted
    st.session_state[_CHOSEN_ROLE] = granted.role
    st.session_state[_AUTHORISED_ROLE] = granted.role
    if st.session_state.get(_LOGGED) != granted.who:
        access.record_as(granted.actor(), "inloggning", details={"källa": granted.source})
        st.session_state[_LOGGED] = granted.who
    st.sidebar.markdown(
        strings.LOGGED_IN_AS.format(
            who=strings.md(granted.who), role=strings.ROLE_LABELS[granted.role]
        )
    )
    # As a callback: it runs before the script, so nothing of this run is drawn for a logged-out
    # session (and AppTest sees the logout, which it does not behind st.navigation otherwise).
    st.sidebar.button(strings.LOGOUT, key="logout", on_click=st.logout)
    return granted.role


def logged_in() -> Access | None:
    """The logged-in person's access, or ``None`` in local mode."""
    found = st.session_state.get(_ACCESS)
    return found if isinstance(found, Access) else None


def actor() -> Actor:
    """Who acts in this session, for the access log."""
    granted = logged_in()
    if granted is not None:
        return granted.actor()
    return Actor("lokalt läge", None, str(st.session_state.get(_AUTHORISED_ROLE) or "okänd"))


def who_field(
    label: str, *, key: str | None, fallback: str, help: str | None = None, sidebar: bool = False
) -> str:
    """The who-value of a write: the logged-in person (shown, not editable), or in local mode a name
    typed in a text field (``fallback`` when left empty)."""
    place = st.sidebar if sidebar else st
    granted = logged_in()
    if granted is not None:
        place.caption(strings.WHO_SAVED_AS.format(who=strings.md(granted.who)))
        return granted.who
    typed = str(place.text_input(label, value="", help=help, key=key) or "")
    return typed.strip() or fallback


def require_page(page: str) -> str:
    """First line of every page: stop unless this session's role may see ``page``; log the view.

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
    access.log_view(page)
    return str(role)
