"""Översikt: key figures, the area map by count or harm, trends and the changes that are real."""

import streamlit as st

from geo import formats
from geo.exports import Caption, choropleth_figure
from geo.indicators import load_floors
from geo.maps import area_outline_map, choropleth_layer
from geo.periods import LOCAL_TZ
from ui import charts, details, loaders, presentation, strings, tables
from ui.auth import POLICE_ROLES, require_page
from ui.filters import incident_filters, local_dates
from ui.loaders import astuple_page
from ui.maps import show_map

require_page("oversikt")
settings, version, info, layer, span = astuple_page(loaders.page_data())

st.header(strings.OVERVIEW_HEADER)
if span is None:
    st.warning(strings.NO_DATA)
    st.stop()
filters = incident_filters(*span, key="overview")
measure = st.sidebar.radio(
    strings.MEASURE_LABEL,
    list(strings.MEASURES),
    format_func=strings.MEASURES.get,
    key="overview_measure",
    help=strings.MEASURE_HELP,
)
if filters is None:
    st.stop()

table = loaders.indicators(settings.database_url, version, filters)
counts = loaders.area_counts(settings.database_url, version, filters.start_utc, filters.end_utc)
if counts.synthetic:
    st.warning(strings.SYNTHETIC_WARNING, icon="⚠️")
first, last = local_dates(filters)
n = int(table["count"].sum())
boundary_note = loaders.boundary_note(info)
source = loaders.source_text(counts.sources)
caption = strings.CAPTION.format(start=first, end=last, n=formats.number(n), source=source)


def key_figures(covered: bool) -> None:
    """Incidents, harm and the inland's share, with the change against the previous period
    (only when the previous period is ``covered`` by the data)."""
    key_total, key_harm, key_inland = st.columns(3)
    previous = int(table["previous"].sum())
    key_total.metric(
        strings.KEY_TOTAL,
        formats.number(n),
        # An ASCII sign: Streamlit picks the arrow from a leading "-".
        delta=f"{'-' if n < previous else '+'}{formats.number(abs(n - previous))} {strings.KEY_VS_PREVIOUS}"
        if covered
        else None,
        delta_color="off",
        help=None if covered else strings.KEY_NO_PREVIOUS,
    )
    key_harm.metric(
        strings.KEY_HARM,
        formats.number(table["harm_index"].sum(), 1),
        help=strings.glossary("Skadeindex"),
    )
    key_inland.metric(
        strings.KEY_INLAND, formats.number(int(table.loc[table["zone"] == "inland", "count"].sum()))
    )


# No change figure when the previous period lies (partly) before the first data in the store.
covered = filters.shifted_back().start_utc >= span[0].isoformat()
if not presentation.active():
    key_figures(covered)
map_column, panel_column = presentation.map_and_side()
trend = loaders.monthly_by_zone(settings.database_url, version, filters)
with map_column:
    # A stable base (outlines) and the colours as a layer with its own legend: the map keeps its
    # zoom when filters or the colouring change.
    base = area_outline_map(layer, legend=None, tiles_url=settings.tiles_url,
                            tiles_attribution=settings.tiles_attribution)  # fmt: skip
    colours, breaks = choropleth_layer(
        layer.merge(table[["area_code", measure]], on="area_code"),
        measure,
        value_label=strings.MEASURES[measure],
        decimals=strings.MEASURE_DECIMALS[measure],
        legend=(strings.MEASURES[measure], [f"{first} – {last}, n = {formats.number(n)}", boundary_note]),
        no_data=strings.MEASURE_NO_RATE,
    )  # fmt: skip
    clicked = show_map(base, key="overview_map", layers=[colours], clickable=True)
    st.caption(f"{caption} · {boundary_note}")
    values = table.set_index("area_code")[measure]
    figure_caption = Caption(strings.MEASURES[measure], f"{first} – {last}", source, n=n, synthetic=counts.synthetic,
                             approximate=info.approximate, notes=("Diagrammet: hela tiden i databasen",))  # fmt: skip
    presentation.export_buttons(
        strings.MEASURES[measure],
        lambda: choropleth_figure(layer, values, figure_caption, legend_title=strings.MEASURES[measure],
                                  monthly=trend, no_data=strings.MEASURE_NO_RATE),
        key="overview_export",
    )  # fmt: skip
with panel_column:
    clicked_code = details.area_at(layer, clicked)
    is_polis = st.session_state.get("role") in POLICE_ROLES
    details.panel(
        details.area_details(settings.database_url, version, filters, clicked_code,
                             details.latest_wave(settings.database_url, version),
                             settings.survey_min_n, is_polis) if clicked_code else None,
        polis=is_polis, min_n=settings.survey_min_n,
        hint=strings.DETAILS_OUTSIDE if clicked and not clicked_code else None,
    )  # fmt: skip
if presentation.active():
    key_figures(covered)

shown = table[list(strings.INDICATOR_COLUMNS)].assign(zone=table["zone"].map(strings.ZONE_LABELS))
tables.show(shown.rename(columns=strings.INDICATOR_COLUMNS), width="stretch")
floors = load_floors()
st.caption(
    strings.RATE_NOTE.format(
        min_population=floors.min_population_for_rate, min_count=floors.min_count_for_rate
    )
)
for name, note in zip(table["name"], table["denominator_note"], strict=True):
    if note:
        st.caption(strings.DENOMINATOR_NOTE.format(name=name, note=note))
if counts.outside:
    st.caption(strings.OUTSIDE_AREAS.format(n=counts.outside))

st.subheader(strings.TREND_HEADER)
st.altair_chart(charts.monthly_lines(trend, labels=strings.ZONE_LABELS), width="stretch")
st.caption(f"Källa: {source}. Hela perioden i databasen, per kalendermånad i svensk tid.")

st.subheader(strings.CHANGES_HEADER)
changed = table[table["significant_previous"] | table["significant_last_year"]]
if changed.empty:
    st.info(strings.CHANGES_NONE)
else:
    ranked = changed.assign(best_p=changed[["p_previous", "p_last_year"]].min(axis=1)).sort_values(
        "best_p"
    )
    tables.show(
        ranked[["name", "change_previous", "change_last_year"]].rename(
            columns=strings.INDICATOR_COLUMNS
        ),
        width="stretch",
    )
periods = table.attrs["periods"]
if periods["now"] != f"{first} – {last}":
    st.caption(
        strings.CHANGES_PARTIAL.format(
            data_end=span[1].astimezone(LOCAL_TZ).date(), now=periods["now"]
        )
    )
st.caption(
    strings.CHANGES_EXPLAIN.format(family=table.attrs["family"], **periods),
    help=strings.glossary("Poissontest", "Justerat p-värde (FDR, Benjamini–Hochberg)"),
)
note = layer.attrs.get("population_note")
if note:
    with st.expander(strings.POPULATION_NOTE_LABEL):
        st.text(note)
