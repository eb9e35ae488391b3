"""Charts (Altair, rendered by Streamlit's bundled Vega: works offline)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

import altair as alt
import numpy as np
import pandas as pd

from geo.formats import VEGA_LOCALE
from ui import strings

ChartT = TypeVar("ChartT", alt.Chart, alt.ConcatChart)


def swedish(chart: ChartT) -> ChartT:
    """Swedish numbers and month and weekday names on the chart's axes and tooltips
    (Vega-Lite's d3 locale): decimal comma, thin spaces between thousands, "mars", "måndag"."""
    return chart.configure(locale=VEGA_LOCALE)


def week_heatmap(profile: pd.DataFrame) -> alt.Chart:
    """Hour × weekday heat map from ``geo.analysis.indicators.time_of_week`` (viridis: colour-blind safe)."""
    long = profile.stack().rename(strings.COUNT).reset_index()
    long.columns = [strings.HOUR, strings.WEEKDAY, strings.COUNT]
    long[strings.WEEKDAY] = np.array(strings.WEEKDAYS)[long[strings.WEEKDAY].to_numpy()]
    return swedish(
        alt.Chart(long)
        .mark_rect()
        .encode(
            x=alt.X(f"{strings.WEEKDAY}:O", sort=strings.WEEKDAYS),
            y=alt.Y(f"{strings.HOUR}:O"),
            color=alt.Color(f"{strings.COUNT}:Q", scale=alt.Scale(scheme="viridis")),
            tooltip=[strings.WEEKDAY, strings.HOUR, strings.COUNT],
        )
        .properties(height=420)
    )


def small_multiples(
    table: pd.DataFrame,
    panels: list[tuple[str, str]],
    *,
    interval: tuple[str, str, str] | None = None,
    highlight: Collection[str] = (),
) -> alt.ConcatChart:
    """One small bar chart per measure, the areas in the same order in each, so the eye can
    compare sources. ``panels`` are (column, title); ``interval`` = (column, low, high) draws a
    95 % interval on that panel. Areas in ``highlight`` (focus areas) are drawn dark."""
    order = list(table["name"])
    charts = []
    for column, title in panels:
        data = table[["name", "area_code", column]].rename(columns={column: "värde"}).copy()
        data["fokus"] = data["area_code"].isin(highlight)
        base = alt.Chart(data).encode(y=alt.Y("name:N", sort=order, title=None))
        bars = base.mark_bar().encode(
            x=alt.X("värde:Q", title=title),
            color=alt.condition("datum.fokus", alt.value("#0072B2"), alt.value("#9ecae1")),
            tooltip=[
                alt.Tooltip("name:N", title="Område"),
                alt.Tooltip("värde:Q", title=title, format=".3~f"),
            ],
        )
        layers: list[alt.Chart] = [bars]
        if interval and interval[0] == column:
            whiskers = table[["name", interval[1], interval[2]]].rename(
                columns={interval[1]: "låg", interval[2]: "hög"}
            )
            layers.append(
                alt.Chart(whiskers)
                .mark_rule(color="#222222")
                .encode(y=alt.Y("name:N", sort=order), x="låg:Q", x2="hög:Q")
            )
        charts.append(alt.layer(*layers).properties(width=220, height=300, title=title))
    return swedish(alt.concat(*charts, columns=3))


def monthly_lines(
    wide: pd.DataFrame, *, labels: dict[str, str] | None = None, value_title: str = "Händelser"
) -> alt.Chart:
    """One line per column of ``wide`` (index: the first day of each month), e.g. incidents per
    month and zone from ``geo.analysis.indicators.monthly_counts(by="zone")``; months in Swedish, the
    columns by their labels (``labels``), never their keys."""
    labels = labels or {}
    long = wide.rename(columns=lambda c: labels.get(str(c), str(c))).rename_axis(index="Månad")
    long = long.rename_axis(columns="Serie").stack().rename("Värde").reset_index()
    return swedish(
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("Månad:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("Värde:Q", title=value_title),
            color=alt.Color("Serie:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("Månad:T", title="Månad", format="%B %Y"),
                alt.Tooltip("Serie:N", title="Zon"),
                alt.Tooltip("Värde:Q", title=value_title, format=",d"),
            ],
        )
        .properties(height=320)
    )


def grouped_bars(
    wide: pd.DataFrame, *, category_title: str, value_title: str, percent: bool = False
) -> alt.Chart:
    """Bars side by side: one group per row of ``wide`` (its index, e.g. the area names), one bar
    per column (the series' labels). ``percent``: the values are shares (0–1)."""
    long = wide.rename_axis(index="Kategori", columns="Serie").stack().rename("Värde").reset_index()
    number_format = ".0%" if percent else ",.1~f"
    return swedish(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("Kategori:N", title=category_title, sort=list(wide.index)),
            xOffset="Serie:N",
            y=alt.Y("Värde:Q", title=value_title, axis=alt.Axis(format=number_format)),
            color=alt.Color("Serie:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("Kategori:N", title=category_title),
                alt.Tooltip("Serie:N", title=" "),
                alt.Tooltip("Värde:Q", title=value_title, format=number_format),
            ],
        )
        .properties(height=320)
    )


def bars(counts: pd.Series, *, category_title: str, value_title: str) -> alt.Chart:
    """One bar per entry of ``counts`` (index: the categories, in order)."""
    frame = pd.DataFrame({"Kategori": [str(i) for i in counts.index], "Värde": counts.to_numpy()})
    return swedish(
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("Kategori:N", title=category_title, sort=list(frame["Kategori"])),
            y=alt.Y("Värde:Q", title=value_title, axis=alt.Axis(format=",d")),
            tooltip=[
                alt.Tooltip("Kategori:N", title=category_title),
                alt.Tooltip("Värde:Q", title=value_title, format=",d"),
            ],
        )
        .properties(height=260)
    )
