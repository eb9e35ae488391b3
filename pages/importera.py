"""Importera: incidents, survey answers or partner indicators: upload, see the preview and the
report, then confirm (polis only). The flow itself is ui.importing.check_then_import; the options
come from the view (``ui.views.importera``)."""

import streamlit as st

from ui import chrome, importing, render, state, strings
from ui.auth import require_page, who_field
from ui.views import importera as views

require_page("importera")

kind = st.radio(
    strings.IMPORT_KIND,
    list(strings.IMPORT_KINDS),
    format_func=strings.IMPORT_KINDS.get,
    horizontal=True,
    key="import_kind",
)
offered = views.choices(state.settings())
if kind == "survey":
    st.header(strings.IMPORT_KINDS["survey"])
    st.caption(strings.SURVEY_INTRO)
    uploaded_survey = st.file_uploader(strings.SURVEY_FILE, type=list(views.TABLE_TYPES), key="survey_file")  # fmt: skip
    layout_column, codebook_column = st.columns(2)
    layout: str = layout_column.selectbox(strings.SURVEY_LAYOUT, tuple(strings.SURVEY_LAYOUTS),
                                          format_func=lambda key: strings.SURVEY_LAYOUTS[key], help=strings.SURVEY_LAYOUT_HELP, key="survey_layout")  # fmt: skip
    codebook_name = codebook_column.selectbox(strings.SURVEY_CODEBOOK_CHOICE, list(offered.codebooks),
                                              help=strings.SURVEY_CODEBOOK_HELP, key="survey_codebook_name")  # fmt: skip
    codebook_file = st.file_uploader(strings.SURVEY_CODEBOOK, type=["json"], key="survey_codebook")
    st.caption(f"{strings.SURVEY_BLANKS_NOTE} {strings.SURVEY_FLAGGED_NOTE}")
    left, right = st.columns(2)
    wave = left.text_input(strings.SURVEY_WAVE, key="survey_wave").strip()
    survey_crs = right.selectbox(strings.IMPORT_CRS, list(strings.CRS_CHOICES),
                                 format_func=lambda c: strings.CRS_CHOICES[c], key="survey_crs")  # fmt: skip
    survey_by = who_field(strings.IMPORT_BY, key="survey_by", fallback=views.NOBODY, help=strings.IMPORT_BY_HELP)  # fmt: skip
    if uploaded_survey is None:
        st.stop()
    codebook = (
        importing.saved_once(codebook_file, "survey_codebook")
        if codebook_file
        else offered.codebooks[codebook_name]
    )
    with render.errors_shown():
        importing.table_import("survey", uploaded_survey, views.survey_options(
            codebook=codebook, wave=wave, crs=survey_crs or "", layout=str(layout), by=survey_by))  # fmt: skip
    st.stop()
if kind == "indicators":
    st.header(strings.IMPORT_KINDS["indicators"])
    st.caption(strings.INDICATOR_INTRO)
    uploaded_indicators = st.file_uploader(strings.INDICATOR_FILE, type=list(views.TABLE_TYPES), key="indicator_file")  # fmt: skip
    indicator_by = who_field(strings.IMPORT_BY, key="indicator_by", fallback=views.NOBODY, help=strings.IMPORT_BY_HELP)  # fmt: skip
    if uploaded_indicators is None:
        st.stop()
    with render.errors_shown():
        importing.table_import("indicators", uploaded_indicators, views.indicator_options(by=indicator_by))  # fmt: skip
    st.stop()

st.header(strings.IMPORT_HEADER)
st.caption(strings.IMPORT_INTRO)
importing.template_downloads()
limit_mb = chrome.upload_limit_mb()
uploaded = st.file_uploader(strings.IMPORT_FILE, type=list(views.INCIDENT_TYPES), max_upload_size=limit_mb,
                            help=strings.IMPORT_LIMIT.format(mb=limit_mb))  # fmt: skip
left, middle, right = st.columns(3)
source = left.selectbox(strings.IMPORT_SOURCE, ["polis", "kommun", "region"], format_func=lambda s: strings.SOURCE_LABELS[s])  # fmt: skip
profile = middle.selectbox(strings.IMPORT_PROFILE, offered.profiles, index=offered.standard_profile,
                           format_func=strings.profile_label, help=strings.IMPORT_PROFILE_HELP)  # fmt: skip
crs = right.selectbox(strings.IMPORT_CRS, list(strings.CRS_CHOICES), format_func=lambda c: strings.CRS_CHOICES[c])  # fmt: skip
swedish_dates = st.checkbox(strings.IMPORT_SWEDISH_DATES, help=strings.IMPORT_SWEDISH_DATES_HELP)
outside = st.radio(strings.IMPORT_OUTSIDE, list(strings.IMPORT_OUTSIDE_CHOICES),
                   format_func=strings.IMPORT_OUTSIDE_CHOICES.get, horizontal=True)  # fmt: skip
exclude_text = st.text_input(strings.IMPORT_EXCLUDE, help=strings.IMPORT_EXCLUDE_HELP)
by = who_field(strings.IMPORT_BY, key=None, fallback=views.NOBODY, help=strings.IMPORT_BY_HELP)

if uploaded is None:
    st.stop()
with render.errors_shown():
    options = views.incident_options(
        state.settings(), source=str(source), profile=str(profile), crs=crs or "", exclude=exclude_text,
        by=by, swedish_dates=swedish_dates, outside=str(outside),
    )  # fmt: skip
    importing.incident_import(uploaded, options)
