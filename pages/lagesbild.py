"""Gemensam lägesbild: recorded incidents, the survey and partner indicators per area (polis, samverkan)."""

import streamlit as st

from geo import formats
from geo.exports import Caption, category_figure
from geo.joint import CLASS_COLOURS, CLASSES, load_promise, tested_safety_change
from geo.maps import area_outline_map, category_layer, count_cells_layer, swatch_legend
from geo.survey import item_shares, load_comments, unsafe_place_clusters, waves
from ui import charts, details, loaders, presentation, state, strings, tables
from ui.auth import POLICE_ROLES, require_page
from ui.joint import display_table, interval, pct, points, signed_points, tooltip_columns
from ui.loaders import astuple_page
from ui.maps import show_map

require_page("lagesbild")
is_polis = st.session_state.get("role") in POLICE_ROLES
settings, version, info, layer, _span = astuple_page(loaders.page_data())
min_n = settings.survey_min_n

st.header(strings.JOINT_HEADER)
st.caption(strings.JOINT_INTRO)
responses, items = loaders.survey_tables(settings.database_url, version)
if responses.empty:
    st.warning(strings.JOINT_NO_SURVEY)
    st.stop()

promise = load_promise(settings.promise_path)
names = dict(zip(layer["area_code"], layer["name"], strict=True))
wave = str(st.sidebar.selectbox(strings.JOINT_WAVE, waves(responses), key="joint_wave"))
focus = set(
    st.sidebar.multiselect(
        strings.JOINT_FOCUS,
        list(names),
        default=[c for c in names if c in promise.focus_codes()],
        format_func=lambda c: names.get(c, c),
        help=strings.JOINT_FOCUS_HELP.format(path=settings.promise_path.name),
        placeholder=strings.CHOOSE,
        key="joint_focus",
    )
)
show_clusters = st.sidebar.toggle(strings.JOINT_CLUSTERS, value=True, key="joint_clusters")

view = loaders.joint(settings.database_url, version, wave, min_n, is_polis)
if view.synthetic:
    st.warning(strings.SYNTHETIC_WARNING, icon="⚠️")
boundary_note = loaders.boundary_note(info)
source = loaders.source_text(view.incident_sources)
overall = view.overall
caption = strings.JOINT_CAPTION.format(
    start=view.incident_start, end=view.incident_end, n=formats.number(view.incidents), source=source, wave=wave,
    survey_n=formats.number(int(overall["n"])), share=pct(overall["share"]),
    low=points(overall["low"]), high=points(overall["high"]),
    min_n=min_n, polis_note=strings.JOINT_POLIS_NOTE if is_polis else "",
)  # fmt: skip
table = view.table

map_column, legend_column = presentation.map_and_side((3, 2))
with map_column:
    base = area_outline_map(layer, legend=swatch_legend(strings.JOINT_MAP_TITLE, CLASS_COLOURS, CLASSES, [boundary_note]),
                            tiles_url=settings.tiles_url, tiles_attribution=settings.tiles_attribution)  # fmt: skip
    shaded = layer[["area_code", "geometry"]].merge(tooltip_columns(table, min_n), on="area_code")
    layers = [
        category_layer(
            shaded, "klass", CLASS_COLOURS, outlined=focus, uncertain="osakert",
            tooltip={"name": "Område", "t_class": "Bedömning", "t_share": "Otrygga (enkät)", "t_recorded": "Registrerat"},
        )
    ]  # fmt: skip
    hidden = 0
    if show_clusters:
        cells, hidden = unsafe_place_clusters(responses, wave, min_count=max(min_n, 5))
        layers.append(count_cells_layer(cells, label="Svar som pekat ut platsen"))
    clicked = show_map(base, key="joint_map", layers=layers, clickable=True)
    st.caption(f"{caption} · {boundary_note}")
    if show_clusters:
        st.caption(strings.JOINT_CLUSTER_NOTE.format(cell=500, min_n=max(min_n, 5), hidden=hidden))
    classes = table.set_index("area_code")["klass"]
    joint_caption = Caption(strings.JOINT_MAP_TITLE, f"händelser {view.incident_start} – {view.incident_end}, enkät {wave}",
                            f"{source}; medborgarenkäten {wave}", n=view.incidents, synthetic=view.synthetic,
                            approximate=info.approximate, notes=(f"enkät n = {int(overall['n'])}",))  # fmt: skip
    focus_codes = set(focus)
    presentation.export_buttons(
        strings.JOINT_MAP_TITLE,
        lambda: category_figure(layer, classes, CLASS_COLOURS, CLASSES, joint_caption,
                                legend_title=strings.JOINT_MAP_TITLE, outlined=focus_codes),
        key="joint_export",
    )  # fmt: skip
with legend_column:
    clicked_code = details.area_at(layer, clicked)
    details.panel(
        details.area_details(settings.database_url, version, details.wave_filters(wave), clicked_code, wave,
                             min_n, is_polis) if clicked_code else None,
        polis=is_polis, min_n=min_n, hint=strings.DETAILS_OUTSIDE if clicked and not clicked_code else None,
    )  # fmt: skip
    for note in strings.JOINT_MAP_NOTES:
        st.caption(
            note, help=strings.glossary("Konfidensintervall (95 % KI, Wilson)", "Poissontest")
        )

st.subheader(strings.JOINT_TABLE_HEADER)
tables.show(
    display_table(table, focus, min_n, view.indicator_labels),
    width="stretch",
    column_config={
        "Skadeindex": st.column_config.Column(help=strings.glossary("Skadeindex")),
        "95 % KI": st.column_config.Column(help=strings.glossary("Konfidensintervall (95 % KI, Wilson)")),
        "Justerat p (registrerat)": st.column_config.Column(help=strings.glossary("Poissontest", "Justerat p-värde (FDR, Benjamini–Hochberg)")),
        "Justerat p (upplevt)": st.column_config.Column(help=strings.glossary("Justerat p-värde (FDR, Benjamini–Hochberg)")),
    },
)  # fmt: skip
st.caption(
    strings.JOINT_FDR_NOTE.format(family=table.attrs.get("family", 0)),
    help=strings.glossary("Poissontest", "Justerat p-värde (FDR, Benjamini–Hochberg)"),
)
notes = [strings.DENOMINATOR_NOTE.format(name=name, note=note)
         for name, note in zip(table["name"], table["denominator_note"], strict=True) if note]  # fmt: skip
if notes:
    with st.expander(strings.JOINT_DENOMINATOR_HEADER, expanded=True):
        for note in notes:
            st.caption(note)
if not view.indicator_labels:
    st.caption(strings.JOINT_INDICATOR_NONE)

st.subheader(strings.JOINT_MULTIPLES_HEADER, help=strings.glossary("Små multiplar"))
panels = [("harm_index", "Skadeindex (polisen)"), ("share", f"Andel otrygga (enkät {wave})")]
panels += [(label, label.split(" (")[0]) for label in view.indicator_labels]
st.altair_chart(
    charts.small_multiples(table, panels, interval=("share", "low", "high"), highlight=focus),
    width="content",
)
st.caption(caption)
for label in view.indicator_labels:
    st.caption(f"• {strings.md(label)}")

with st.expander(strings.JOINT_ANSWERS):
    tables.show(view.answers.rename(columns=strings.ANSWER_LABELS), width="stretch")

st.subheader(strings.JOINT_ITEMS_HEADER)
item_area = st.selectbox(
    strings.JOINT_ITEMS_AREA, ["", *names], format_func=lambda c: names.get(c, strings.ALL_AREAS),
    key="joint_item_area",
)  # fmt: skip
shares = item_shares(
    items, wave, area_codes=[item_area] if item_area else None,
    suppress_below=min_n, reveal_small=is_polis,
)  # fmt: skip
shares["Problem"] = shares["item"].map(strings.ITEM_LABELS)
shares["Andel stort problem"] = shares["share"].map(pct)
shares["95 % KI"] = [interval(lo, hi) for lo, hi in zip(shares["low"], shares["high"], strict=True)]
shares["Svar (n)"] = shares["n"].astype("Float64").round(0).astype("Int64")
tables.show(shares[["Problem", "Andel stort problem", "95 % KI", "Svar (n)"]])
st.caption(strings.JOINT_ITEMS_NOTE)

earlier = [w for w in waves(responses) if w < wave]
if earlier:
    st.subheader(f"{strings.JOINT_CHANGE_HEADER} ({earlier[0]} → {wave})")
    change = tested_safety_change(
        responses, layer, wave, earlier[0], suppress_below=min_n, reveal_small=is_polis
    )
    real = change[change["significant"]].assign(Område=lambda f: f["area_code"].map(names))
    if real.empty:
        st.info(strings.JOINT_CHANGE_NONE)
    else:
        real["Förändring"] = real["change"].map(lambda d: f"{signed_points(d)} procentenheter")
        real["95 % KI"] = [
            f"{signed_points(lo)} till {signed_points(hi)}"
            for lo, hi in zip(real["low"], real["high"], strict=True)
        ]
        tables.show(real[["Område", "Förändring", "95 % KI"]])
    st.caption(
        strings.JOINT_CHANGE_NOTE,
        help=strings.glossary("Newcombes intervall", "Justerat p-värde (FDR, Benjamini–Hochberg)"),
    )
    st.caption(strings.JOINT_CHANGE_FDR.format(family=change.attrs["family"]))

if is_polis:
    with st.expander(strings.JOINT_COMMENTS):
        comments = load_comments(state.engine(settings.database_url), wave)
        comments["Område"] = comments["area_code"].map(names)
        # st.dataframe renders text as text (never as markdown or HTML).
        tables.show(comments[["Område", "comment"]].rename(columns={"comment": "Kommentar"}))
