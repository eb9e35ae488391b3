"""Glue for the presence pages (police only): cached reads, the week window and the week view."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from geo.periods import LOCAL_TZ, Filters
from geo.presence.log import list_entries, need_vs_delivered
from ui import loaders, state

DAY_NAMES = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
STATUS_COLOURS = {"planerad": "#deebf7", "genomförd": "#c7e9c0", "inställd": "#eeeeee"}


def week_bounds(monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds of the local (Swedish) week starting ``monday``."""
    start = dt.datetime.combine(monday, dt.time(), LOCAL_TZ)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=7)).astimezone(dt.UTC)


def entries(start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Presence entries overlapping a window (not cached: edits must show at once)."""
    return list_entries(state.engine(state.settings().database_url), start=start, end=end)


@st.cache_data(show_spinner="Räknar behov …", max_entries=16)
def need_table(
    database_url: str,
    version: str,
    filters: Filters,
    hours: tuple[int, ...],
    presence_key: str,
    presence_end: dt.datetime | None = None,
) -> pd.DataFrame:
    """Need (harm-weighted incidents) against delivered presence per area for the filters.

    Presence has its own time axis: from the period's start to ``presence_end`` (today, when
    the period runs to the last incident), so a visit done today counts although incidents are
    only counted up to the last one imported. ``presence_key`` changes whenever the presence log
    does, so the cache never shows stale hours.
    """
    _info, layer = loaders.area_layer(database_url, version)
    incidents = loaders.selection(database_url, version, filters)
    start = filters.start
    end = presence_end or filters.end
    log = list_entries(state.engine(database_url), start=start, end=end)
    return need_vs_delivered(incidents, log, layer, end=end, hours=hours)


def presence_version() -> str:
    """Changes whenever an entry is created or edited (the newest update time and the count)."""
    from sqlalchemy import func, select

    from geo.store.schema import presence_entries

    with state.engine(state.settings().database_url).connect() as connection:
        latest, count = connection.execute(
            select(func.max(presence_entries.c.updated_at), func.count())
        ).one()
    return f"{latest}-{count}"


def week_grid_html(blocks: pd.DataFrame, units: Sequence[str], monday: dt.date) -> str:
    """Units × days, each visit a block (time, area, purpose, length, status); every text escaped."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    shown_units = list(dict.fromkeys([*units, *blocks["unit"].tolist()]))
    head = "".join(f"<th>{DAY_NAMES[d.weekday()]} {d.day}/{d.month}</th>" for d in days)
    cells: dict[tuple[str, dt.date], list[str]] = {}
    for block in blocks.itertuples():  # in the blocks' order: by unit, then time
        colour = STATUS_COLOURS.get(str(block.status), "#ffffff")
        strike = "text-decoration:line-through;" if block.status == "inställd" else ""
        cells.setdefault((block.unit, block.day), []).append(
            f'<div class="visit" data-id="{int(block.id)}" data-status="{html.escape(str(block.status))}" '
            f'style="background:{colour};{strike}border:1px solid #888;border-radius:3px;margin:2px 0;padding:2px 4px;font-size:0.8em">'
            f"<b>{html.escape(str(block.start))}–{html.escape(str(block.end))}</b> {html.escape(str(block.area))}<br>"
            f"{html.escape(str(block.purpose))[:60]} · {int(block.minutes)} min · {html.escape(str(block.status))}"
            f" · #{int(block.id)}</div>"
        )
    rows = []
    for unit in shown_units:
        row = "".join(
            f"<td style='vertical-align:top;min-width:110px'>{''.join(cells.get((unit, day), []))}</td>"
            for day in days
        )
        rows.append(f"<tr><th style='text-align:left'>{html.escape(unit)}</th>{row}</tr>")
    return (
        "<div style='overflow-x:auto'><table class='week-grid' style='border-collapse:collapse;width:100%'>"
        f"<thead><tr><th>Enhet</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def clickable_map(
    fmap: object, *, key: str, names: dict[str, str], height: int = 380
) -> str | None:
    """The week's map; a click on an area reruns the page once and returns the area's code (panning
    and zooming still never rerun: only what was clicked is returned)."""
    from streamlit_folium import st_folium

    state.serve_leaflet()
    answer = st_folium(
        fmap, key=key, height=height, use_container_width=True,
        returned_objects=["last_active_drawing", "last_object_clicked_tooltip"],
    )  # fmt: skip
    answer = answer or {}
    feature = answer.get("last_active_drawing") or {}
    code = (feature.get("properties") or {}).get("area_code")
    if code:
        return str(code)
    tooltip = str(answer.get("last_object_clicked_tooltip") or "")
    found = [
        c for c, name in names.items() if name and name in tooltip
    ]  # the tooltip names the area
    return max(found, key=lambda c: len(names[c])) if found else None


def stays_table(stays: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """GPS stays as shown: area names, Swedish local times to the minute, Swedish headers."""
    from ui.strings import PLAN_GPS_COLUMNS

    def local(column: str) -> pd.Series:
        times = pd.to_datetime(stays[column], utc=True).dt.tz_convert(LOCAL_TZ)
        return times.dt.strftime("%Y-%m-%d %H:%M")

    shown = stays.assign(area=stays["area_code"].map(names), start=local("start"), end=local("end"))
    return shown[list(PLAN_GPS_COLUMNS)].rename(columns=PLAN_GPS_COLUMNS)
