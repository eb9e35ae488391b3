"""Publik karta: exactly the static site `python -m geo publish` writes (the only page of publik)."""

import datetime as dt

import streamlit as st
import streamlit.components.v1 as components

from ui import loaders, state, strings
from ui.auth import require_page

require_page("publik")
settings = state.settings()
version = loaders.current_data_version()

st.header(strings.PUBLIC_HEADER)
st.caption(strings.PUBLIC_INTRO)
site = state.public_site(settings.database_url, version, f"{dt.date.today():%Y-%m}")
if isinstance(site, str):
    st.error(strings.PUBLIC_REFUSED)
    st.code(site, language=None)
    st.stop()
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
