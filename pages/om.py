"""Om lägesbilden: what the tool is, the areas, and what the public will see."""

import streamlit as st

from ui import strings
from ui.auth import require_page

require_page("om")
st.header(strings.PAGE_ABOUT)
st.markdown(strings.ABOUT_MARKDOWN)
