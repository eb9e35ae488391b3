"""The admin page's two parts: editing the allow-list, and reading and exporting the access log."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo.access import access_log
from geo.access.users import (
    ORGANISATION_LABELS,
    ORGANISATIONS,
    ROLES,
    list_users,
    normalise_login,
    save_user,
)
from geo.errors import ConflictError, GeoError, ImportRejected
from geo.periods import LOCAL_TZ
from ui import access, auth, state, strings

_FLASH = "_admin_flash"
_LOG_LIMIT = 5000


def users_editor() -> None:
    """The allow-list as a table and a form to add a person or change one."""
    engine = state.engine(state.settings().database_url)
    st.caption(strings.ADMIN_USERS_INTRO)
    if not auth.login_configured():
        st.info(strings.ADMIN_LOCAL_MODE)
    if flash := st.session_state.pop(_FLASH, None):
        st.success(strings.md(flash))
    entries = list_users(engine)
    if entries:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Inloggning": e.login,
                        "Organisation": ORGANISATION_LABELS[e.organisation],
                        "Roll": e.role,
                        "Aktiv": e.active,
                        "Version": e.version,
                        "Senast ändrad av": e.updated_by,
                    }
                    for e in entries
                ]
            ),
            hide_index=True,
        )
    else:
        st.caption(strings.ADMIN_EMPTY)
    by_login = {e.login: e for e in entries}
    chosen = st.selectbox(
        strings.ADMIN_PICK, ["", *by_login], format_func=lambda v: v or strings.ADMIN_NEW,
        key="admin_pick",
    )  # fmt: skip
    entry = by_login.get(chosen)
    with st.form(f"admin_user_{chosen or 'new'}"):
        login = st.text_input(strings.ADMIN_LOGIN, value=entry.login if entry else "",
                              disabled=entry is not None)  # fmt: skip
        organisation = st.selectbox(
            strings.ADMIN_ORGANISATION, ORGANISATIONS,
            index=ORGANISATIONS.index(entry.organisation) if entry else 0,
            format_func=lambda o: ORGANISATION_LABELS[o],
        )  # fmt: skip
        role = st.selectbox(strings.ADMIN_ROLE, ROLES, index=ROLES.index(entry.role) if entry else 1,
                            format_func=lambda r: strings.ROLE_LABELS[r])  # fmt: skip
        active = st.checkbox(strings.ADMIN_ACTIVE, value=entry.active if entry else True)
        submitted = st.form_submit_button(strings.ADMIN_SAVE)
    if not submitted:
        return
    try:
        version = save_user(
            engine, login=entry.login if entry else str(login), organisation=str(organisation),
            role=str(role), active=bool(active), actor=auth.actor(),
            expected_version=entry.version if entry else None,
        )  # fmt: skip
    except (ImportRejected, ConflictError, GeoError) as error:
        st.error(strings.md_lines(error))
        return
    saved = entry.login if entry else normalise_login(str(login))
    st.session_state[_FLASH] = strings.ADMIN_SAVED.format(
        login=saved, role=role, organisation=organisation, version=version
    )
    st.rerun()


def access_log_table() -> None:
    """The access log, newest first, filtered by days, user and action; exported as CSV."""
    engine = state.engine(state.settings().database_url)
    st.caption(strings.ADMIN_LOG_INTRO)
    left, middle, right = st.columns(3)
    days = int(left.number_input(strings.ADMIN_LOG_DAYS, min_value=1, max_value=3650, value=7, key="admin_log_days"))  # fmt: skip
    user = str(middle.text_input(strings.ADMIN_LOG_USER, key="admin_log_user") or "").strip()
    action = str(right.selectbox(strings.ADMIN_LOG_ACTION, ["", *access_log.ACTIONS],
                                 format_func=lambda a: a or strings.ADMIN_LOG_ALL, key="admin_log_action"))  # fmt: skip
    filters = {"dagar": days, "användare": user, "handling": action}
    access.log_filters(filters)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    rows = access_log.read(
        engine, since=since, user=user or None, action=action or None, limit=_LOG_LIMIT
    )
    table = pd.DataFrame(
        [
            {
                "Tid": r["at"].astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S"),
                "Användare": r["user"],
                "Roll": r["role"],
                "Handling": r["action"],
                "Sida": r["page"],
                "Objekt": r["target"],
                "Detaljer": r["details_json"],
            }
            for r in rows
        ]
    )
    st.dataframe(table, hide_index=True)
    st.caption(strings.ADMIN_LOG_COUNT.format(shown=len(rows), limit=_LOG_LIMIT))
    st.download_button(
        strings.ADMIN_LOG_EXPORT, data=access.logged_download("atkomstlogg.csv", lambda: access_log.to_csv(rows), filters),
        file_name="atkomstlogg.csv", mime="text/csv", on_click="ignore",
    )  # fmt: skip
