"""Swedish formats: one module for pages, exports and the site (issue 15, point 4)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geo import formats
from ui.charts import small_multiples, week_heatmap


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(1234567.891, 1, "1\u202f234\u202f567,9"), (1000, 0, "1\u202f000"), (0.5, 2, "0,50"),
     (-12.25, 1, "−12,2"), (None, 0, "–"), (float("nan"), 1, "–"), (999, 0, "999")],
)  # fmt: skip
def test_numbers_have_a_decimal_comma_and_thin_spaces(
    value: float | None, decimals: int, expected: str
) -> None:
    assert formats.number(value, decimals) == expected


def test_percent_p_values_hours_months_and_days() -> None:
    assert formats.percent(0.26) == "26\u00a0%"
    assert formats.percent(0.0512, 1) == "5,1\u00a0%"
    assert formats.p_value(0.0004) == "p < 0,001"
    assert formats.p_value(0.0123) == "p = 0,012"
    assert formats.p_value(0.35) == "p = 0,35"
    assert formats.hours(5.26) == "5,3\u00a0h"
    assert formats.month("2025-12") == "december 2025"
    assert formats.month(pd.Timestamp("2024-03-01"), short=True) == "mar 2024"
    assert formats.day(dt.datetime(2025, 12, 1, 23, 59)) == "2025-12-01"


def test_every_chart_speaks_swedish() -> None:
    """Vega-Lite gets the Swedish d3 locale: decimal comma, thin spaces, Swedish months."""
    profile = pd.DataFrame([[1] * 7] * 24)
    table = pd.DataFrame({"name": ["Skrea", "Glommen"], "area_code": ["a", "b"], "v": [1.5, 2.0]})
    for chart in (week_heatmap(profile), small_multiples(table, [("v", "Värde")])):
        locale = chart.to_dict()["config"]["locale"]
        assert locale["number"]["decimal"] == "," and locale["number"]["thousands"] == "\u202f"
        assert locale["time"]["months"][2] == "mars" and locale["time"]["days"][1] == "måndag"
