"""Charts (Altair, rendered by Streamlit's bundled Vega: works offline)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui import strings


def week_heatmap(profile: pd.DataFrame) -> alt.Chart:
    """Hour × weekday heat map from ``geo.indicators.time_of_week`` (viridis: colour-blind safe)."""
    long = profile.stack().rename(strings.COUNT).reset_index()
    long.columns = [strings.HOUR, strings.WEEKDAY, strings.COUNT]
    long[strings.WEEKDAY] = np.array(strings.WEEKDAYS)[long[strings.WEEKDAY].to_numpy()]
    return (
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
