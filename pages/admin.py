"""Administration: the allow-list of users and the access log (admin only)."""

import streamlit as st

from ui import admin, strings
from ui.auth import require_page

require_page("admin")
st.header(strings.PAGE_ADMIN)
users_tab, log_tab = st.tabs([strings.ADMIN_USERS, strings.ADMIN_LOG])
with users_tab:
    admin.users_editor()
with log_tab:
    admin.access_log_table()
