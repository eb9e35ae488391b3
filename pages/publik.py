"""Publik karta: exactly the static site `python -m geo publish` writes (the only page of publik).

When the guard refuses a new publication the previous site stays, and the public sees only that
the map is not updated yet and since when; the refusal's detail (cell references and rules, never
a hidden value) is shown to the polis role only.
"""

import streamlit as st
import streamlit.components.v1 as components

from geo.publish import Refusal
from ui import loaders, state, strings
from ui.auth import POLICE_ROLES, actor, require_page

require_page("publik")
is_polis = st.session_state.get("role") in POLICE_ROLES
settings = state.settings()
version = loaders.current_data_version()

st.header(strings.PUBLIC_HEADER)
st.caption(strings.PUBLIC_INTRO)
site = state.public_site(settings.database_url, version, state.public_month(), actor())
if isinstance(site, Refusal):
    if site.last is not None:
        st.info(strings.PUBLIC_NOT_UPDATED.format(when=site.last.local_date_text))
    else:
        st.info(strings.PUBLIC_NOT_YET)
    if is_polis:
        st.error(strings.PUBLIC_REFUSED)
        st.caption(strings.PUBLIC_REFUSED_DETAIL)
        st.markdown("\n".join(f"- {strings.md(problem)}" for problem in site.problems))
        st.caption(strings.md(site.way_forward))
    if not state.public_site_exists():
        st.stop()
elif is_polis:  # the publication's facts are for staff
    st.caption(
        strings.PUBLIC_FACTS.format(
            first=site.first_month,
            last=site.last_month,
            kb=round(site.bytes / 1000),
            hidden=site.hidden_cells,
        )
    )
address = f"/app/static/publik/index.html?v={version}"
st.link_button(strings.PUBLIC_OPEN, address)
components.iframe(address, height=1500, scrolling=True)
