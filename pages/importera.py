"""Importera: upload an incident file, see the preview and the report, then confirm (polis only)."""

import streamlit as st

from geo.errors import GeoError
from geo.ingest import ImportOptions, parse_line_list
from geo.profiles import available_profiles
from ui import importing, state, strings
from ui.auth import require_page

require_page("importera")

st.header(strings.IMPORT_HEADER)
st.caption(strings.IMPORT_INTRO)
uploaded = st.file_uploader(
    strings.IMPORT_FILE, type=["csv", "txt", "tsv", "xlsx", "geojson", "json", "gpkg"]
)
left, middle, right = st.columns(3)
source = left.selectbox(
    strings.IMPORT_SOURCE,
    ["polis", "kommun", "region"],
    format_func=lambda s: strings.SOURCE_LABELS[s],
)
profile = middle.selectbox(
    strings.IMPORT_PROFILE, available_profiles(), index=available_profiles().index("standard")
)
crs = right.selectbox(
    strings.IMPORT_CRS, list(strings.CRS_CHOICES), format_func=lambda c: strings.CRS_CHOICES[c]
)
exclude_text = st.text_input(strings.IMPORT_EXCLUDE, help=strings.IMPORT_EXCLUDE_HELP)
by = st.text_input(strings.IMPORT_BY, help=strings.IMPORT_BY_HELP)

if uploaded is None:
    st.stop()
try:
    exclude = parse_line_list(exclude_text)
except GeoError as error:
    st.error(str(error))
    st.stop()
options = ImportOptions(
    source=str(source),
    profile=profile,
    crs=crs or None,
    exclude=exclude,
    imported_by=by.strip() or "okänd (importsidan)",
    max_bytes=state.settings().max_import_bytes,
)
data = uploaded.getvalue()
key = importing.upload_key(data, options)
if st.session_state.get("import_checked_key") != key:
    importing.discard_upload(st.session_state.get("import_path"))  # the previous upload, if any
    path = importing.save_upload(uploaded.name, data)
    st.session_state["import_checked_key"] = key
    st.session_state["import_path"] = str(path)
    st.session_state["import_check"] = importing.run(path, options, dry_run=True)
    st.session_state.pop("import_result", None)
check = st.session_state["import_check"]

st.subheader(strings.IMPORT_PREVIEW)
if not check.preview.empty:
    st.dataframe(importing.preview_table(check.preview), width="stretch")
st.subheader(strings.IMPORT_REPORT)
st.code(check.text(), language=None)

if not check.accepted:
    st.error(strings.IMPORT_REJECTED)
    st.stop()
result = st.session_state.get("import_result")
if result is None and st.button(strings.IMPORT_CONFIRM, type="primary"):
    from pathlib import Path

    result = importing.run(Path(st.session_state["import_path"]), options, dry_run=False)
    st.session_state["import_result"] = result
    if result.imported:
        importing.discard_upload(st.session_state["import_path"])
if result is not None:
    if result.imported:
        st.success(
            strings.IMPORT_DONE.format(
                new=result.rows_new, updated=result.rows_updated, unchanged=result.rows_unchanged
            )
        )
    else:
        st.error(strings.IMPORT_REJECTED)
    st.code(result.text(), language=None)
