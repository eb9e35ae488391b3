"""Glue for the Uppföljning page: the activity editor and its save (the page's writes), the
indicator table and the evaluation form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import formats
from geo.config import Settings
from geo.periods import Period
from ui import loaders, state, strings, tables


def start_year(settings: Settings, year: int) -> None:
    """Start ``year`` with the promise's activities if it has none (a write): once per session
    and year, not on every rerun."""
    from geo.analysis.followup import ensure_year
    from geo.analysis.joint import load_promise

    seeded = f"followup_seeded_{year}"
    if seeded not in st.session_state:
        ensure_year(state.engine(settings.database_url), load_promise(settings.promise_path), year)
        st.session_state[seeded] = True


def seeded(settings: Settings, year: int, build: Callable[[], bytes]) -> Callable[[], bytes]:
    """The meeting report's PDF on the download click: ``year`` is started first if nobody has
    (a write, this module's), then the report is drawn (a read). Runs outside the script, so it
    holds the engine, not the session."""
    from geo.analysis.followup import ensure_year
    from geo.analysis.joint import load_promise

    engine, promise_path = state.engine(settings.database_url), settings.promise_path

    def pdf() -> bytes:
        ensure_year(engine, load_promise(promise_path), year)
        return build()

    return pdf


def activity_editor(
    settings: Settings, year: int, activities: pd.DataFrame, focus: dict[str, str]
) -> None:
    """The police's editor of the year's activities, who saves, and the save button.

    A save is checked against the versions as this user opened them (kept in the session until
    the save), not against a fresh read: someone else's save in between is a conflict, shown.
    """
    from geo.analysis.followup import INDICATORS, PARTIES, STATUSES, save_activities
    from geo.errors import ConflictError, ImportRejected
    from ui.auth import who_field

    opened_key = f"followup_opened_{year}"
    if opened_key not in st.session_state:
        st.session_state[opened_key] = activities
    opened: pd.DataFrame = st.session_state[opened_key]
    columns = list(strings.FOLLOWUP_COLUMNS)
    edited = st.data_editor(
        for_editor(opened, focus, INDICATORS)[["id", "version", *columns]],
        column_config=editor_columns(focus, PARTIES, STATUSES, INDICATORS),
        column_order=columns,
        num_rows="dynamic",
        hide_index=True,
        key=f"followup_editor_{year}",
        width="stretch",
    )
    who = who_field(strings.FOLLOWUP_BY, key="followup_by", fallback="okänd (Uppföljning)")
    if not st.button(strings.FOLLOWUP_SAVE, type="primary"):
        return
    try:
        counts = save_activities(
            state.engine(settings.database_url), year,
            rows_for_save(edited, year, focus=focus, indicators=INDICATORS), who=who,
            focus_keys=set(focus),
        )  # fmt: skip
    except (ImportRejected, ConflictError) as error:
        st.error(strings.md_lines(error))
        return
    st.session_state.pop(opened_key, None)
    if counts["ändrade"] or counts["nya"]:
        st.success(strings.FOLLOWUP_SAVED.format(changed=counts["ändrade"], new=counts["nya"]))
    else:
        st.info(strings.FOLLOWUP_NOTHING)


def editor_columns(
    focus: dict[str, str],
    parties: tuple[str, ...],
    statuses: tuple[str, ...],
    indicators: dict[str, str],
) -> dict[str, Any]:
    """Column settings for st.data_editor: choices from the lists (focus areas and indicators by
    their labels, see :func:`for_editor`), dates as dates, ids hidden."""
    labels = strings.FOLLOWUP_COLUMNS
    return {
        "focus": st.column_config.SelectboxColumn(labels["focus"], options=list(focus.values()), required=True),
        "activity": st.column_config.TextColumn(labels["activity"], required=True, width="large"),
        "party": st.column_config.SelectboxColumn(labels["party"], options=list(parties), required=True),
        "period_start": st.column_config.DateColumn(labels["period_start"], required=True, format="YYYY-MM-DD"),
        "period_end": st.column_config.DateColumn(labels["period_end"], required=True, format="YYYY-MM-DD"),
        "status": st.column_config.SelectboxColumn(labels["status"], options=list(statuses), required=True),
        "indicator": st.column_config.SelectboxColumn(labels["indicator"], options=list(indicators.values()),
                                                      required=True, help=strings.FOLLOWUP_INDICATOR_HELP),
        "comment": st.column_config.TextColumn(labels["comment"], help="Personnummer tas bort när du sparar."),
        "updated_by": st.column_config.TextColumn(labels["updated_by"], disabled=True),
        "id": None,
        "version": None,
    }  # fmt: skip


def for_editor(
    activities: pd.DataFrame, focus: dict[str, str], indicators: dict[str, str]
) -> pd.DataFrame:
    """The activities with focus areas and indicators by their labels (the editor shows values,
    so keys like ``utsatta_omraden`` would be what people read); :func:`rows_for_save` maps back."""
    return activities.assign(
        focus=activities["focus"].map(focus).fillna(activities["focus"]),
        indicator=activities["indicator"].map(indicators).fillna(activities["indicator"]),
    )


def rows_for_save(
    edited: pd.DataFrame,
    year: int,
    *,
    focus: dict[str, str] | None = None,
    indicators: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The editor's rows as plain dicts: dates as dates, new rows without id or version, focus
    areas and indicators back from their labels to their keys."""
    keys = {
        "focus": {label: key for key, label in (focus or {}).items()},
        "indicator": {label: key for key, label in (indicators or {}).items()},
    }
    rows = []
    for record in edited.to_dict("records"):
        row = {k: (None if _missing(v) else v) for k, v in record.items()}
        for column, by_label in keys.items():
            label = row.get(column)
            if isinstance(label, str) and label in by_label:
                row[column] = by_label[label]
        for column in ("period_start", "period_end"):
            value = row.get(column)
            if isinstance(value, pd.Timestamp | dt.datetime):
                row[column] = value.date()
            elif value is None and row.get("id") is None:
                row[column] = dt.date(
                    year,
                    1 if column == "period_start" else 12,
                    1 if column == "period_start" else 31,
                )
        rows.append(row)
    return rows


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def display(activities: pd.DataFrame, focus: dict[str, str]) -> pd.DataFrame:
    """The activities as partners read them: labels, never keys."""
    from geo.analysis.followup import INDICATORS

    shown = for_editor(activities, focus, INDICATORS)
    return shown[list(strings.FOLLOWUP_COLUMNS)].rename(columns=strings.FOLLOWUP_COLUMNS)


@st.cache_data(show_spinner="Räknar fram måtten …", max_entries=8)
def indicator_table(database_url: str, version: str, year: int, promise_path: str) -> pd.DataFrame:
    """The three computed indicators with period and source."""
    from pathlib import Path

    from geo.analysis.joint import load_promise

    promise = load_promise(Path(promise_path))
    from geo.analysis.followup import INDICATORS, focus_incidents, inland_presence, survey_unsafe
    from geo.analysis.survey import load_responses
    from geo.presence.log import list_entries, presence_settings

    engine = state.engine(database_url)
    _info, layer = loaders.area_layer(database_url, version)
    today = dt.date.today()
    entries = list_entries(
        engine,
        start=dt.datetime(year, 1, 1, tzinfo=dt.UTC),
        end=dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC),
    )
    incidents = loaders.incident_table(database_url, version).rename(
        columns={"harm_reactive": "harm"}
    )
    values = [
        inland_presence(entries, layer, year=year, target_per_week=float(presence_settings()["inland_target_hours_per_week"]), until=today),
        focus_incidents(incidents, promise.focus_codes(), year=year, until=today),
        survey_unsafe(load_responses(engine), promise.focus_codes()),
    ]  # fmt: skip
    return pd.DataFrame(
        {"Mått": [INDICATORS[v.key] for v in values], "Värde": [v.text for v in values],
         "Period": [v.period for v in values], "Källa": [v.source for v in values]}
    )  # fmt: skip


def evaluation_section(
    database_url: str, version: str, layer: gpd.GeoDataFrame, span: tuple[dt.datetime, dt.datetime]
) -> None:
    """Pick treated and control areas and periods; show the WDD with its parts and warnings."""
    from geo.errors import GeoError

    st.caption(strings.EVAL_INTRO, help=strings.glossary("WDD (viktad förskjutningsskillnad)"))
    names = dict(zip(layer["area_code"], layer["name"], strict=True))
    inland = [c for c, z in zip(layer["area_code"], layer["zone"], strict=True) if z == "inland"]
    left, right = st.columns(2)
    treated = left.multiselect(
        strings.EVAL_TREATED,
        list(names),
        default=inland[:2],
        format_func=lambda c: names[c],
        placeholder=strings.CHOOSE,
        key="eval_treated",
    )
    control = right.multiselect(strings.EVAL_CONTROL, list(names), default=inland[2:], format_func=lambda c: names[c], placeholder=strings.CHOOSE, key="eval_control")  # fmt: skip
    last = span[1].date()
    after_default = (last - dt.timedelta(days=90), last)
    before_default = (
        after_default[0] - dt.timedelta(days=91),
        after_default[0] - dt.timedelta(days=1),
    )
    before = left.date_input(
        strings.EVAL_BEFORE, value=before_default, format="YYYY-MM-DD", key="eval_before"
    )
    after = right.date_input(
        strings.EVAL_AFTER, value=after_default, format="YYYY-MM-DD", key="eval_after"
    )
    buffer_m = left.slider(strings.EVAL_BUFFER, 0, 2000, 0, step=100, key="eval_buffer")
    harm = right.toggle(strings.EVAL_HARM, value=False, key="eval_harm")
    if not (
        isinstance(before, tuple)
        and len(before) == 2
        and isinstance(after, tuple)
        and len(after) == 2
    ):
        return

    # Whole Swedish local days, as everywhere else.
    before_days, after_days = Period.whole_days(*before), Period.whole_days(*after)
    try:
        result = loaders.evaluation(
            database_url, version, tuple(treated), tuple(control),
            before_days, after_days,
            float(buffer_m), bool(harm),
        )  # fmt: skip
    except GeoError as error:
        st.warning(strings.md_lines(error))
        return
    parts = [
        p
        for p in (result.treated, result.control, result.displacement, result.control_displacement)
        if p
    ]
    table = pd.DataFrame(
        [
            {
                "name": p.name,
                "before": round(p.before, 1),
                "after": round(p.after, 1),
                "change": round(p.change, 1),
            }
            for p in parts
        ]
    )
    tables.show(table.rename(columns=strings.EVAL_COMPONENTS))
    st.markdown(
        strings.EVAL_RESULT.format(wdd=_signed(result.wdd, 1), se=formats.number(result.standard_error, 1),
                                   z=_signed(result.z, 2), p=formats.p_value(result.p_value), verdict=result.verdict())
    )  # fmt: skip
    for warning in result.warnings:
        st.warning(warning)


def _signed(value: float, decimals: int) -> str:
    """'+1,5', '−12,0' (a Swedish minus), '0,0'."""
    text = formats.number(value, decimals)
    return text if text.startswith("−") or float(value) == 0 else f"+{text}"
