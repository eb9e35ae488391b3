"""Närvaro mot behov (polis): did presence follow need, where are the gaps, is the inland promise kept?"""

import datetime as dt

import pandas as pd
import streamlit as st

from geo import formats
from geo.periods import LOCAL_TZ
from geo.presence import (
    coverage_gaps,
    inland_commitment,
    list_entries,
    presence_settings,
    visit_lengths,
)
from geo.store import now_utc
from ui import charts, loaders, presence, state, strings, tables
from ui.auth import require_page
from ui.filters import incident_filters, local_dates
from ui.loaders import astuple_page

require_page("narvaro")
settings, version, info, layer, span = astuple_page(loaders.page_data())

st.header(strings.PAGE_NEED)
st.caption(strings.POLICE_ONLY)
if span is None:
    st.warning(strings.NO_DATA)
    st.stop()
filters = incident_filters(*span, key="need")
hours = st.sidebar.multiselect(
    strings.NEED_HOURS,
    list(range(24)),
    default=[],
    format_func=lambda h: f"{h:02d}–{(h + 1) % 24:02d}",
    placeholder=strings.ALL_HOURS,
    key="need_hours",
)
if filters is None:
    st.stop()
first, last = local_dates(filters)
# Presence has its own time axis: when the period runs to the last incident, presence is counted up
# to now (a visit done today shows), while incidents are counted up to the last one imported.
now = now_utc()
to_today = last >= span[1].astimezone(LOCAL_TZ).date()
chosen_end = dt.datetime.fromisoformat(filters.end_utc)
presence_end = max(now, chosen_end) if to_today else chosen_end
presence_last = (presence_end - dt.timedelta(seconds=1)).astimezone(LOCAL_TZ).date()

table = presence.need_table(
    settings.database_url,
    version,
    filters,
    tuple(sorted(hours)),
    presence.presence_version(),
    presence_end.isoformat(),
)
st.subheader(strings.NEED_TABLE)
shown = table[list(strings.NEED_COLUMNS)].assign(zone=table["zone"].map(strings.ZONE_LABELS))
tables.show(shown.rename(columns=strings.NEED_COLUMNS), width="stretch",
            percent=("Andel av behovet", "Andel av närvaron", "Skillnad"))  # fmt: skip
st.altair_chart(
    charts.grouped_bars(
        table.set_index("name")[["need_share", "delivered_share"]].rename(
            columns={"need_share": "Behov", "delivered_share": "Närvaro"}
        ),
        category_title="Område",
        value_title="Andel",
        percent=True,
    ),
    width="stretch",
)
st.caption(
    f"{first} – {last} · behov = skadeviktade händelser{' kl ' + ', '.join(f'{h:02d}' for h in sorted(hours)) if hours else ''} · närvaro = genomförda timmar"
)
st.caption(
    strings.NEED_PERIOD.format(
        first=first, last=last, presence_last=presence_last, today=" (i dag)" if to_today else ""
    )
)

st.subheader(strings.NEED_GAPS)
gaps = coverage_gaps(table)
if gaps.empty:
    st.info(strings.NEED_NO_GAPS)
else:
    for row in gaps.itertuples():
        days = (
            "aldrig i perioden"
            if pd.isna(row.days_since_presence)
            else f"{int(row.days_since_presence)} dagar"
        )
        st.write(
            f"- **{strings.md(row.name)}**: {formats.percent(row.need_share)} av behovet, ingen närvaro på {days}"
        )

st.subheader(strings.NEED_INLAND)
target = st.number_input(
    strings.NEED_TARGET,
    min_value=0,
    max_value=200,
    value=round(float(presence_settings()["inland_target_hours_per_week"])),
    step=1,
)
log = list_entries(
    state.engine(settings.database_url),
    start=dt.datetime.fromisoformat(filters.start_utc),
    end=presence_end,
)
weekly = inland_commitment(log, layer, target_hours_per_week=target, freq="W")
monthly = inland_commitment(log, layer, target_hours_per_week=target, freq="M")
week_column, month_column = st.columns(2)
with week_column:
    tables.show(
        weekly.rename(
            columns={
                "period": "Vecka",
                "delivered_hours": "Levererat (h)",
                "target_hours": "Mål (h)",
                "met": "Uppnått",
            }
        ),
        hide_index=True,
    )
with month_column:
    tables.show(
        monthly.assign(period=monthly["period"].map(formats.month)).rename(
            columns={
                "period": "Månad",
                "delivered_hours": "Levererat (h)",
                "target_hours": "Mål (h)",
                "met": "Uppnått",
            }
        ),
        hide_index=True,
    )

st.subheader(strings.NEED_KOPER)
lengths = visit_lengths(log)
if lengths is not None:
    st.altair_chart(
        charts.bars(
            lengths.counts,
            category_title=strings.NEED_VISIT_MINUTES,
            value_title=strings.NEED_VISIT_COUNT,
        ),
        width="stretch",
    )
    st.caption(strings.NEED_KOPER_BINS)
    st.caption(
        strings.NEED_VISITS.format(
            n=formats.number(lengths.n),
            median=formats.number(lengths.median_minutes),
            share=formats.percent(lengths.delivered_share),
        )
    )
st.info(presence_settings()["koper"])
