"""The panel beside a map: click an area (or, for polis, a hotspot cell) and see its figures.

``show_map(..., clickable=True)`` gives the clicked point; :func:`area_at` finds the area, the
cached :func:`area_details` computes its figures for the page's period (``geo.analysis.details``), and
:func:`panel` draws them: counts per group, harm, a monthly sparkline, the week profile, the
survey's unsafe share with its interval, and for polis the last performed presence.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import formats
from geo.analysis.details import AreaDetails, point_in_layer, survey_share
from geo.analysis.details import area_details as compute_details
from geo.periods import LOCAL_TZ, Filters, Period
from ui import charts, loaders, state, strings, tables
from ui.filters import local_dates


def area_at(layer: gpd.GeoDataFrame, point: tuple[float, float] | None) -> str | None:
    """The area code under a clicked point (lat, lon), ``None`` outside the areas or no click."""
    return None if point is None else point_in_layer(layer, point[0], point[1], "area_code")


@st.cache_data(show_spinner=False, max_entries=64)
def area_details(
    database_url: str, version: str, filters: Filters, area_code: str, wave: str, min_n: int,
    polis: bool,
) -> AreaDetails | None:  # fmt: skip
    """One area's figures for the filters' period and groups (zones and the area filter do not
    apply: the area is the one clicked). Survey figures from ``wave`` (none with ``""``), small
    n hidden unless ``polis``; the last presence for polis only."""
    from geo.analysis.survey import safety_by_area
    from geo.presence.log import last_performed
    from geo.taxonomy import load_taxonomy

    _info, layer = loaders.area_layer(database_url, version)
    rows = layer[layer["area_code"] == area_code]
    if rows.empty:
        return None
    period = dataclasses.replace(filters, zones=(), area_code="")
    incidents = loaders.selection(database_url, version, period)
    survey = None
    if wave:
        responses, _items = loaders.survey_tables(database_url, version)
        table = safety_by_area(responses, layer, wave, suppress_below=min_n, reveal_small=polis)
        survey = survey_share(table, area_code, wave)
    presence = None
    if polis:
        presence = last_performed(state.engine(database_url), area_code, before=filters.end)
    first, last = local_dates(filters)
    labels = load_taxonomy().group_labels()
    shown = {k: v for k, v in labels.items() if not filters.groups or k in filters.groups}
    return compute_details(incidents, area=rows.iloc[0], first=first, last=last,
                           group_labels=shown, survey=survey, last_presence=presence)  # fmt: skip


@dataclass(frozen=True)
class Source:
    """What the panel computes from besides the click: the page's layer, period and groups, the
    survey wave (``None``: the newest in the store, looked up on a click), who looks."""

    layer: gpd.GeoDataFrame = field(compare=False, repr=False)
    database_url: str
    version: str
    filters: Filters
    min_n: int
    polis: bool
    wave: str | None = None


def beside_map(
    source: Source, clicked: tuple[float, float] | None, *, hint: str | None = None
) -> None:
    """The panel for the last click on the map: the area's figures; a click outside the areas
    says so; without a click ``hint`` (or the default line) says how to get them."""
    code = area_at(source.layer, clicked)
    found = None
    if code:
        wave = (
            latest_wave(source.database_url, source.version) if source.wave is None else source.wave
        )
        found = area_details(source.database_url, source.version, source.filters, code, wave,
                             source.min_n, source.polis)  # fmt: skip
    panel(found, polis=source.polis, min_n=source.min_n,
          hint=strings.DETAILS_OUTSIDE if clicked and not code else hint)  # fmt: skip


def wave_filters(wave: str) -> Filters:
    """The incidents set against a survey wave (``loaders.wave_period``), as page filters."""
    start, end = loaders.wave_period(wave)
    return Filters(Period(start, end))


def latest_wave(database_url: str, version: str) -> str:
    """The newest survey wave in the store, ``""`` without a survey."""
    from geo.analysis.survey import waves

    responses, _items = loaders.survey_tables(database_url, version)
    return waves(responses)[0] if not responses.empty else ""


def _sparkline(details: AreaDetails) -> alt.Chart:
    frame = pd.DataFrame(
        {
            "Månad": [m for m, _ in details.monthly],
            "Händelser": [n for _, n in details.monthly],
        }
    )
    return charts.swedish(
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("Månad:T", title=None, axis=alt.Axis(format="%b", labelAngle=0)),
            y=alt.Y("Händelser:Q", title=None, axis=alt.Axis(format=",d", tickMinStep=1)),
            tooltip=[
                alt.Tooltip("Månad:T", format="%B %Y"),
                alt.Tooltip("Händelser:Q", format=",d"),
            ],
        )
        .properties(height=110)
    )


def _week(details: AreaDetails) -> alt.Chart:
    frame = pd.DataFrame({"Dag": list(formats.WEEKDAYS_SHORT), "Händelser": list(details.weekdays)})
    return charts.swedish(
        alt.Chart(frame)
        .mark_bar(color="#3182bd")
        .encode(
            x=alt.X("Dag:N", sort=list(formats.WEEKDAYS_SHORT), title=None,
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Händelser:Q", title=None, axis=alt.Axis(format=",d", tickMinStep=1)),
            tooltip=["Dag", alt.Tooltip("Händelser:Q", format=",d")],
        )
        .properties(height=110)
    )  # fmt: skip


def survey_text(details: AreaDetails, min_n: int) -> str:
    """The survey line of the panel, in words (no rate dressed up from a handful of answers)."""
    survey = details.survey
    if survey is None:
        return strings.DETAILS_NO_SURVEY
    if survey.share is None or survey.n is None:
        return strings.DETAILS_SURVEY_SMALL.format(wave=strings.md(survey.wave), min_n=min_n)
    return strings.DETAILS_SURVEY.format(
        wave=strings.md(survey.wave),
        share=formats.percent(survey.share),
        low=formats.percent(survey.low),
        high=formats.percent(survey.high),
        n=formats.number(survey.n),
    )


def panel(details: AreaDetails | None, *, polis: bool, min_n: int, hint: str | None = None) -> None:
    """Draw the panel; without details a line saying how to get them."""
    if details is None:
        st.info(hint or strings.DETAILS_HINT)
        return
    with st.container(border=True, key="omradespanel"):
        st.subheader(strings.md(details.name))
        st.caption(
            strings.DETAILS_CAPTION.format(
                zone=strings.ZONE_LABELS.get(details.zone, details.zone),
                first=formats.day(details.first),
                last=formats.day(details.last),
                n=formats.number(details.count),
                source=loaders.source_text(details.sources) if details.sources else "–",
            )
        )  # every part is ours or escaped: the name above, the sources by source_text
        if details.synthetic:
            st.caption(strings.DETAILS_SYNTHETIC)
        count, harm = st.columns(2)
        count.metric(strings.KEY_TOTAL, formats.number(details.count))
        harm.metric(
            strings.KEY_HARM,
            formats.number(details.harm, 1),
            help=strings.glossary("Skadeindex"),
        )
        groups = pd.DataFrame(
            {
                strings.DETAILS_GROUP: [label for label, _ in details.groups],
                strings.COUNT: [formats.number(n) for _, n in details.groups],
            }
        )
        tables.show(groups, width="stretch")
        st.caption(strings.DETAILS_MONTHS)
        st.altair_chart(_sparkline(details), width="stretch")
        st.caption(strings.DETAILS_WEEK)
        st.altair_chart(_week(details), width="stretch")
        st.markdown(
            survey_text(details, min_n),
            help=strings.glossary("Konfidensintervall (95 % KI, Wilson)"),
        )
        if polis:
            when = details.last_presence
            st.markdown(
                strings.DETAILS_PRESENCE.format(
                    when=formats.day(pd.Timestamp(when).tz_convert(LOCAL_TZ))
                )
                if when
                else strings.DETAILS_NO_PRESENCE
            )
