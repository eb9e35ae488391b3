"""Importera: incidents, survey answers or partner indicators: upload, see the preview and the
report, then confirm (polis only). The flow itself is ui.importing.check_then_import."""

import streamlit as st

from geo.errors import GeoError
from geo.ingest import ImportOptions, parse_line_list
from geo.partners import IndicatorOptions
from geo.profiles import available_profiles
from geo.survey import SurveyOptions, available_codebooks
from ui import chrome, importing, state, strings
from ui.auth import require_page, who_field

require_page("importera")

kind = st.radio(
    strings.IMPORT_KIND,
    list(strings.IMPORT_KINDS),
    format_func=strings.IMPORT_KINDS.get,
    horizontal=True,
    key="import_kind",
)
if kind == "survey":
    st.header(strings.IMPORT_KINDS["survey"])
    st.caption(strings.SURVEY_INTRO)
    uploaded_survey = st.file_uploader(
        strings.SURVEY_FILE, type=["csv", "txt", "xlsx"], key="survey_file"
    )
    codebooks = available_codebooks()
    layout_column, codebook_column = st.columns(2)
    layout: str = layout_column.selectbox(strings.SURVEY_LAYOUT, tuple(strings.SURVEY_LAYOUTS),
                                          format_func=lambda key: strings.SURVEY_LAYOUTS[key], help=strings.SURVEY_LAYOUT_HELP, key="survey_layout")  # fmt: skip
    codebook_name = codebook_column.selectbox(strings.SURVEY_CODEBOOK_CHOICE, list(codebooks),
                                              help=strings.SURVEY_CODEBOOK_HELP, key="survey_codebook_name")  # fmt: skip
    codebook_file = st.file_uploader(strings.SURVEY_CODEBOOK, type=["json"], key="survey_codebook")
    st.caption(f"{strings.SURVEY_BLANKS_NOTE} {strings.SURVEY_FLAGGED_NOTE}")
    left, right = st.columns(2)
    wave = left.text_input(strings.SURVEY_WAVE, key="survey_wave").strip()
    survey_crs = right.selectbox(strings.IMPORT_CRS, list(strings.CRS_CHOICES),
                                 format_func=lambda c: strings.CRS_CHOICES[c], key="survey_crs")  # fmt: skip
    survey_by = who_field(
        strings.IMPORT_BY,
        key="survey_by",
        fallback="okänd (importsidan)",
        help=strings.IMPORT_BY_HELP,
    )
    if uploaded_survey is None:
        st.stop()
    codebook = (
        importing.saved_once(codebook_file, "survey_codebook")
        if codebook_file
        else codebooks[codebook_name]
    )
    try:
        survey_options = SurveyOptions(codebook=codebook, wave=wave or None, crs=survey_crs or None, layout=str(layout),
                                       imported_by=survey_by)  # fmt: skip
        importing.table_import("survey", uploaded_survey, survey_options)
    except GeoError as error:
        st.error(strings.md_lines(error))
    st.stop()
if kind == "indicators":
    st.header(strings.IMPORT_KINDS["indicators"])
    st.caption(strings.INDICATOR_INTRO)
    uploaded_indicators = st.file_uploader(
        strings.INDICATOR_FILE, type=["csv", "txt", "xlsx"], key="indicator_file"
    )
    indicator_by = who_field(
        strings.IMPORT_BY,
        key="indicator_by",
        fallback="okänd (importsidan)",
        help=strings.IMPORT_BY_HELP,
    )
    if uploaded_indicators is None:
        st.stop()
    try:
        importing.table_import("indicators", uploaded_indicators,
                               IndicatorOptions(imported_by=indicator_by))  # fmt: skip
    except GeoError as error:
        st.error(strings.md_lines(error))
    st.stop()

st.header(strings.IMPORT_HEADER)
st.caption(strings.IMPORT_INTRO)
importing.template_downloads()
limit_mb = chrome.upload_limit_mb()
uploaded = st.file_uploader(
    strings.IMPORT_FILE,
    type=["csv", "txt", "tsv", "xlsx", "geojson", "json", "gpkg"],
    max_upload_size=limit_mb,
    help=strings.IMPORT_LIMIT.format(mb=limit_mb),
)
settings = state.settings()
profiles = available_profiles(settings.data_dir)
left, middle, right = st.columns(3)
source = left.selectbox(
    strings.IMPORT_SOURCE,
    ["polis", "kommun", "region"],
    format_func=lambda s: strings.SOURCE_LABELS[s],
)
profile = middle.selectbox(
    strings.IMPORT_PROFILE,
    profiles,
    index=profiles.index("standard"),
    format_func=strings.profile_label,
    help=strings.IMPORT_PROFILE_HELP,
)
crs = right.selectbox(
    strings.IMPORT_CRS, list(strings.CRS_CHOICES), format_func=lambda c: strings.CRS_CHOICES[c]
)
swedish_dates = st.checkbox(strings.IMPORT_SWEDISH_DATES, help=strings.IMPORT_SWEDISH_DATES_HELP)
outside = st.radio(
    strings.IMPORT_OUTSIDE,
    list(strings.IMPORT_OUTSIDE_CHOICES),
    format_func=strings.IMPORT_OUTSIDE_CHOICES.get,
    horizontal=True,
)
exclude_text = st.text_input(strings.IMPORT_EXCLUDE, help=strings.IMPORT_EXCLUDE_HELP)
by = who_field(
    strings.IMPORT_BY, key=None, fallback="okänd (importsidan)", help=strings.IMPORT_BY_HELP
)

if uploaded is None:
    st.stop()
try:
    exclude = parse_line_list(exclude_text)
    options = ImportOptions(
        source=str(source),
        profile=profile,
        crs=crs or None,
        exclude=exclude,
        imported_by=by,
        max_bytes=settings.max_import_bytes,
        outside=str(outside),
        user_dir=settings.data_dir,
        swedish_dates=swedish_dates,
    )
    importing.incident_import(uploaded, options)
except GeoError as error:
    st.error(strings.md_lines(error))
