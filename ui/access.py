"""The access log from the pages: views, filters, exports and changes, with who did them.

Streamlit reruns a page on every click, so a view is logged when a session enters a page, and
filters when they change; an export when its button is clicked (the download button's callback).
The rows go to :mod:`geo.access.access_log` (append-only in the database).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from geo.access.access_log import Actor, record
from geo.periods import Filters

_LAST_VIEW = "_access_last_view"
_LAST_FILTERS = "_access_last_filters"
_PAGE = "_access_page"


def _engine() -> Any:
    from ui import state

    return state.engine(state.settings().database_url)


def _actor() -> Actor:
    from ui.auth import actor

    return actor()


def current_page() -> str | None:
    """The page key the guard let through in this run."""
    return st.session_state.get(_PAGE)


def record_as(actor: Actor, action: str, *, target: str | None = None,
              details: Mapping[str, Any] | None = None, page: str | None = None) -> None:  # fmt: skip
    """One row for an explicit actor (the login itself, a refusal)."""
    record(_engine(), actor, action, page=page or current_page(), target=target, details=details)


def log_view(page: str) -> None:
    """A view of ``page``: logged when the session enters it, not on every rerun."""
    st.session_state[_PAGE] = page
    if st.session_state.get(_LAST_VIEW) == page:
        return
    record(_engine(), _actor(), "visning", page=page)
    st.session_state[_LAST_VIEW] = page
    st.session_state.pop(_LAST_FILTERS, None)


def log_filters(filters: Filters | Mapping[str, object]) -> None:
    """The filters a page shows data with (page filters or a mapping), when they change."""
    values = filters.as_record() if isinstance(filters, Filters) else dict(filters)
    page = current_page()
    key = json.dumps([page, values], sort_keys=True, default=str)
    if st.session_state.get(_LAST_FILTERS) == key:
        return
    record(_engine(), _actor(), "filter", page=page, details=values)
    st.session_state[_LAST_FILTERS] = key


def logged_download(target: str, data: bytes | str | Callable[[], bytes | str],
                    details: Mapping[str, Any] | None = None) -> Callable[[], bytes | str]:  # fmt: skip
    """A download button's ``data`` that logs the export when the file is made (on the click).

    Who, the page and the engine are taken now, in the script: the returned function runs outside
    it, in the server's download request, where there is no session to ask. Pair it with
    ``on_click="ignore"`` (no rerun is needed).
    """
    engine, actor, page = _engine(), _actor(), current_page()

    def make() -> bytes | str:
        content = data() if callable(data) else data
        record(engine, actor, "export", page=page, target=target, details=details)
        return content

    return make
