"""Tables in Swedish: st.dataframe with every number shown through geo.formats.

Streamlit's grid formats numbers itself: without a format with a decimal point ("18.3"), with
``"percent"`` or ``"localized"`` in the browser's language (English on most machines). Its
printf formats cannot write a decimal comma either. A pandas ``Styler`` carries display texts
next to the values, so the grid shows "18,3", "12 %" and "1 568" while it still sorts by the
numbers and ``AppTest`` still reads the numbers (the display texts are in the proto's
``styler.display_values``; tests/test_words.py reads them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from typing import Any

import pandas as pd
import streamlit as st
from pandas.api.types import is_bool_dtype, is_float_dtype, is_integer_dtype
from pandas.io.formats.style import Styler

from geo import formats


def _blank_or(render: Callable[[Any], str], blank: str = "–") -> Callable[[Any], str]:
    def shown(value: Any) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return blank
        return render(value)

    return shown


def _number(value: Any, decimals: int) -> str:
    return formats.number(float(value), decimals)


def _percent(share: Any) -> str:
    """A share as "12 %"; one decimal below 10 % ("5,1 %"), where a whole number says little."""
    value = float(share)
    return formats.percent(value, 1 if 0 < abs(value) < 0.1 else 0)


def _whole(series: pd.Series) -> bool:
    values = series.dropna()
    return bool(((values % 1) == 0).all())


def swedish(
    table: pd.DataFrame,
    *,
    percent: Collection[str] = (),
    decimals: Mapping[str, int] | None = None,
) -> Styler:
    """The table with Swedish display texts for its number columns.

    Parameters
    ----------
    table
        The table as it should be sorted (numbers stay numbers).
    percent
        Columns holding shares (0–1), shown as "12 %" (one decimal below 10 %).
    decimals
        Decimals per column; other float columns get none when every value is whole, else one.
    """
    decimals = dict(decimals or {})
    formatters: dict[Any, Callable[[Any], str]] = {}
    for column in table.columns:
        series = table[column]
        if is_bool_dtype(series):
            continue  # a checkbox in the grid
        if column in percent:
            formatters[column] = _blank_or(_percent)
        elif is_float_dtype(series) or is_integer_dtype(series):
            places = decimals.get(column, 0 if _whole(series) else 1)
            formatters[column] = _blank_or(functools.partial(_number, decimals=places))
        else:  # text: a missing value is an empty cell (the Styler would write "None" or "nan")
            formatters[column] = _blank_or(str, blank="")
    return table.style.format(formatters)


def show(
    table: pd.DataFrame,
    *,
    percent: Collection[str] = (),
    decimals: Mapping[str, int] | None = None,
    **options: Any,
) -> Any:
    """``st.dataframe`` with Swedish numbers (see :func:`swedish`); options go to st.dataframe."""
    options.setdefault("hide_index", True)
    return st.dataframe(swedish(table, percent=percent, decimals=decimals), **options)
