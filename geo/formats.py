"""Swedish number, percent, p-value, date and month formats for pages, exports and the site.

One module, so a figure reads the same wherever it is shown.

Swedish typography (Språkrådet): decimal comma; thousands separated by a space — a narrow
no-break space (U+202F) so a number never breaks across lines; a space before the percent sign
("26 %", no-break); month and weekday names in lower case; ISO dates (2025-12-01) where a day is
meant, and no clock time where only days matter.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

THIN = "\u202f"
"""Narrow no-break space: between thousands."""
NBSP = "\u00a0"
"""No-break space: before % and units."""

MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
MONTHS_SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
WEEKDAYS_SHORT = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")


def number(value: float | int | None, decimals: int = 0) -> str:
    """``1234567.891`` → ``1 234 567,9`` (``decimals=1``); ``None`` or NaN → ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", THIN).replace(".", ",").replace("-", "−", 1)


def percent(share: float | None, decimals: int = 0) -> str:
    """Format a share (0–1) as ``26 %``; ``None`` or NaN → ``–``."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    return f"{number(share * 100, decimals)}{NBSP}%"


def p_value(p: float) -> str:
    """``p = 0,012``, ``p = 0,35`` or ``p < 0,001`` (three decimals are enough to read)."""
    if p < 0.001:
        return "p < 0,001"
    return "p = " + (number(p, 3) if p < 0.01 else number(p, 2 if p >= 0.1 else 3))


def hours(value: float) -> str:
    """``5.25`` → ``5,3 h``."""
    return f"{number(value, 1)}{NBSP}h"


def month(stamp: object, *, short: bool = False) -> str:
    """``2025-12`` → ``december 2025`` (``dec 2025`` when ``short``)."""
    moment = pd.Timestamp(str(stamp)) if not isinstance(stamp, pd.Timestamp) else stamp
    names = MONTHS_SHORT if short else MONTHS
    return f"{names[moment.month - 1]} {moment.year}"


def day(value: dt.date | dt.datetime | pd.Timestamp) -> str:
    """Format a day as ``2025-12-01``: never a clock time."""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


VEGA_LOCALE = {
    "number": {
        "decimal": ",",
        "thousands": THIN,
        "grouping": [3],
        "currency": ["", f"{NBSP}kr"],
        "percent": f"{NBSP}%",
        "minus": "−",
    },
    "time": {
        "dateTime": "%A %e %B %Y %X",
        "date": "%Y-%m-%d",
        "time": "%H:%M:%S",
        "periods": ["fm", "em"],
        "days": list(WEEKDAYS[6:] + WEEKDAYS[:6]),
        "shortDays": list(WEEKDAYS_SHORT[6:] + WEEKDAYS_SHORT[:6]),
        "months": list(MONTHS),
        "shortMonths": list(MONTHS_SHORT),
    },
}
"""The d3 locale for Vega-Lite charts (Altair's ``configure(locale=...)``): decimal comma, thin
spaces between thousands, Swedish month and weekday names (d3 counts weeks from Sunday)."""
