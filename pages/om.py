"""Om lägesbilden: what the tool is, the areas, what the public will see, and a plain-Swedish
glossary of every method term (the same texts are the tooltips where the terms appear)."""

import streamlit as st

from ui import strings
from ui.auth import require_page

require_page("om")
st.header(strings.PAGE_ABOUT)
st.markdown(strings.ABOUT_MARKDOWN)
st.markdown(strings.glossary_markdown())
