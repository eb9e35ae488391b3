"""Gemensam lägesbild's view: recorded incidents, the survey and partner indicators per area for
one survey wave, with the map of perceived against recorded, the tested changes and the items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from geo import formats
from geo.analysis.joint import CLASS_COLOURS, CLASSES, load_promise, tested_safety_change
from geo.analysis.survey import item_shares, load_comments, unsafe_place_clusters, waves
from geo.outputs.maps import area_outline_map, category_layer, count_cells_layer, swatch_legend
from geo.outputs.slides import Caption
from ui import charts, details, loaders, state, strings
from ui.joint import display_table, interval, pct, points, signed_points, tooltip_columns
from ui.views import CategoryExport, MapView, area_names

if TYPE_CHECKING:
    import altair as alt
    import folium
    import geopandas as gpd

CLUSTER_CELL_M = 500
"""The size (m) of the cells that count the places answers point out as unsafe."""
MIN_CLUSTER = 5
"""A cell is drawn only with at least this many answers (or the survey's own minimum, if larger)."""


@dataclass(frozen=True)
class JointChoices:
    """What the sidebar offers: the waves (newest first; none without a survey), the areas and the
    promise's focus areas (the default choice)."""

    waves: list[str]
    names: dict[str, str]
    focus: list[str]
    promise_file: str


def choices(data: loaders.PageData) -> JointChoices:
    """The sidebar's choices from the store and the promise configuration."""
    responses, _items = loaders.survey_tables(data.settings.database_url, data.version)
    names = area_names(data.layer)
    focus = load_promise(data.settings.promise_path).focus_codes()
    return JointChoices(waves(responses) if not responses.empty else [], names,
                        [c for c in names if c in focus], data.settings.promise_path.name)  # fmt: skip


@dataclass(frozen=True)
class Change:
    """The survey's tested change from the wave before (``table``: ``None`` when none is real)."""

    header: str
    table: pd.DataFrame | None
    fdr_note: str


@dataclass(frozen=True)
class JointPageView:
    """Everything Gemensam lägesbild draws above the item shares, top to bottom."""

    synthetic: bool
    map: MapView
    cluster_note: str | None
    export: CategoryExport
    details: details.Source
    table: pd.DataFrame
    """One row per area as shown: Swedish headers, then one column per partner indicator."""
    column_config: dict[str, Any]
    fdr_note: str
    denominator_notes: tuple[str, ...]
    indicator_labels: tuple[str, ...]
    multiples: alt.ConcatChart
    caption: str
    answers: pd.DataFrame
    change: Change | None
    """``None`` when there is no earlier wave."""


def joint(data: loaders.PageData, wave: str, focus: set[str], *, clusters: bool, polis: bool) -> JointPageView:  # fmt: skip
    """The view for a wave, the focus areas (outlined) and whether to draw the unsafe places."""
    settings, version, info, layer, _span = loaders.astuple_page(data)
    url, min_n = settings.database_url, settings.survey_min_n
    view = loaders.joint(url, version, wave, min_n, polis)
    boundary_note = loaders.boundary_note(info)
    source = loaders.source_text(view.incident_sources)
    overall, table = view.overall, view.table
    caption = strings.JOINT_CAPTION.format(
        start=view.incident_start, end=view.incident_end, n=formats.number(view.incidents), source=source, wave=wave,
        survey_n=formats.number(int(overall["n"])), share=pct(overall["share"]),
        low=points(overall["low"]), high=points(overall["high"]),
        min_n=min_n, polis_note=strings.JOINT_POLIS_NOTE if polis else "",
    )  # fmt: skip
    legend = swatch_legend(strings.JOINT_MAP_TITLE, CLASS_COLOURS, CLASSES, [boundary_note])
    base = area_outline_map(layer, legend=legend, tiles_url=settings.tiles_url,
                            tiles_attribution=settings.tiles_attribution)  # fmt: skip
    shaded = layer[["area_code", "geometry"]].merge(tooltip_columns(table, min_n), on="area_code")
    layers: list[folium.FeatureGroup] = [
        category_layer(
            shaded, "klass", CLASS_COLOURS, outlined=focus, uncertain="osakert",
            tooltip={"name": "Område", "t_class": "Bedömning", "t_share": "Otrygga (enkät)", "t_recorded": "Registrerat"},
        )
    ]  # fmt: skip
    cluster_note = None
    if clusters:
        least = max(min_n, MIN_CLUSTER)
        cells, hidden = _clusters(url, version, wave, least)
        layers.append(count_cells_layer(cells, label="Svar som pekat ut platsen"))
        cluster_note = strings.JOINT_CLUSTER_NOTE.format(
            cell=CLUSTER_CELL_M, min_n=least, hidden=hidden
        )
    export_caption = Caption(strings.JOINT_MAP_TITLE, f"händelser {view.incident_start} – {view.incident_end}, enkät {wave}",
                             f"{source}; medborgarenkäten {wave}", n=view.incidents, synthetic=view.synthetic,
                             approximate=info.approximate, notes=(f"enkät n = {int(overall['n'])}",))  # fmt: skip
    panels = [("harm_index", "Skadeindex (polisen)"), ("share", f"Andel otrygga (enkät {wave})")]
    panels += [(label, label.split(" (")[0]) for label in view.indicator_labels]
    return JointPageView(
        synthetic=view.synthetic,
        map=MapView(base, tuple(layers), f"{caption} · {boundary_note}"),
        cluster_note=cluster_note,
        export=CategoryExport(strings.JOINT_MAP_TITLE, layer, table.set_index("area_code")["klass"],
                              CLASS_COLOURS, CLASSES, export_caption, outlined=frozenset(focus)),
        details=details.Source(layer, url, version, details.wave_filters(wave), min_n, polis, wave=wave),
        table=display_table(table, focus, min_n, view.indicator_labels),
        column_config=COLUMN_HELP,
        fdr_note=strings.JOINT_FDR_NOTE.format(family=table.attrs.get("family", 0)),
        denominator_notes=tuple(strings.DENOMINATOR_NOTE.format(name=name, note=note)
                                for name, note in zip(table["name"], table["denominator_note"], strict=True) if note),
        indicator_labels=view.indicator_labels,
        multiples=charts.small_multiples(table, panels, interval=("share", "low", "high"), highlight=focus),
        caption=caption,
        answers=view.answers.rename(columns=strings.ANSWER_LABELS),
        change=_change(data, wave, polis),
    )  # fmt: skip


COLUMN_HELP = {
    "Skadeindex": st.column_config.Column(help=strings.glossary("Skadeindex")),
    "95 % KI": st.column_config.Column(help=strings.glossary("Konfidensintervall (95 % KI, Wilson)")),
    "Justerat p (registrerat)": st.column_config.Column(help=strings.glossary("Poissontest", "Justerat p-värde (FDR, Benjamini–Hochberg)")),
    "Justerat p (upplevt)": st.column_config.Column(help=strings.glossary("Justerat p-värde (FDR, Benjamini–Hochberg)")),
}  # fmt: skip
"""The per-area table's column tooltips: what the method terms mean."""


@st.cache_data(show_spinner=False, max_entries=16)
def _clusters(database_url: str, version: str, wave: str, min_count: int) -> tuple[gpd.GeoDataFrame, int]:  # fmt: skip
    responses, _items = loaders.survey_tables(database_url, version)
    return unsafe_place_clusters(responses, wave, cell_m=CLUSTER_CELL_M, min_count=min_count)


def _change(data: loaders.PageData, wave: str, polis: bool) -> Change | None:
    responses, _items = loaders.survey_tables(data.settings.database_url, data.version)
    earlier = [w for w in waves(responses) if w < wave]
    if not earlier:
        return None
    min_n, names = data.settings.survey_min_n, area_names(data.layer)
    change = tested_safety_change(
        responses, data.layer, wave, earlier[0], suppress_below=min_n, reveal_small=polis
    )
    real = change[change["significant"]].assign(Område=lambda f: f["area_code"].map(names))
    shown = None
    if not real.empty:
        real["Förändring"] = real["change"].map(lambda d: f"{signed_points(d)} procentenheter")
        real["95 % KI"] = [f"{signed_points(lo)} till {signed_points(hi)}"
                           for lo, hi in zip(real["low"], real["high"], strict=True)]  # fmt: skip
        shown = real[["Område", "Förändring", "95 % KI"]]
    return Change(f"{strings.JOINT_CHANGE_HEADER} ({earlier[0]} → {wave})", shown,
                  strings.JOINT_CHANGE_FDR.format(family=change.attrs["family"]))  # fmt: skip


def items(data: loaders.PageData, wave: str, area_code: str, *, polis: bool) -> pd.DataFrame:
    """How many see each local problem as a big one, in one area (``""``: all), as shown."""
    _responses, answers = loaders.survey_tables(data.settings.database_url, data.version)
    shares = item_shares(answers, wave, area_codes=[area_code] if area_code else None,
                         suppress_below=data.settings.survey_min_n, reveal_small=polis)  # fmt: skip
    shares["Problem"] = shares["item"].map(strings.ITEM_LABELS)
    shares["Andel stort problem"] = shares["share"].map(pct)
    shares["95 % KI"] = [
        interval(lo, hi) for lo, hi in zip(shares["low"], shares["high"], strict=True)
    ]
    shares["Svar (n)"] = shares["n"].astype("Float64").round(0).astype("Int64")
    return shares[["Problem", "Andel stort problem", "95 % KI", "Svar (n)"]]


def comments(data: loaders.PageData, wave: str) -> pd.DataFrame:
    """The wave's screened free-text comments with their area (for the police only), as a table
    (st.dataframe renders text as text, never as markdown or HTML)."""
    found = load_comments(state.engine(data.settings.database_url), wave)
    found["Område"] = found["area_code"].map(area_names(data.layer))
    return found[["Område", "comment"]].rename(columns={"comment": "Kommentar"})
