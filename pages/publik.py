"""Publik karta: exactly the static site `python -m geo publish` writes (the only page of publik).

When the guard refuses a new publication the previous site stays, and the public sees only that
the map is not updated yet and since when; the refusal's detail (cell references and rules, never
a hidden value) is shown to the polis role only. Publishing is ``ui.state.public_site``'s (a
write, once per data version and month); the view (``ui.views.publik``) reads its result.
"""

import streamlit as st
import streamlit.components.v1 as components

from ui import loaders, state, strings
from ui.auth import POLICE_ROLES, actor, require_page
from ui.views.publik import public_view

require_page("publik")
is_polis = st.session_state.get("role") in POLICE_ROLES
settings = state.settings()
version = loaders.current_data_version()

st.header(strings.PUBLIC_HEADER)
st.caption(strings.PUBLIC_INTRO)
site = state.public_site(settings.database_url, version, state.public_month(), actor())
view = public_view(site, version=version, polis=is_polis)
if view.notice:
    st.info(view.notice)
if view.problems is not None:
    st.error(strings.PUBLIC_REFUSED)
    st.caption(strings.PUBLIC_REFUSED_DETAIL)
    st.markdown(view.problems)
    st.caption(view.way_forward)
if view.stop:
    st.stop()
if view.facts:  # the publication's facts are for staff
    st.caption(view.facts)
st.link_button(strings.PUBLIC_OPEN, view.address)
components.iframe(view.address, height=1500, scrolling=True)
