"""Screening free text for Swedish personal identity numbers before anything is stored.

A personnummer is YYMMDD or YYYYMMDD, then ``-`` (``+`` past 100 years), a space or nothing, then
three digits and a Luhn check digit computed over the 10-digit form; a samordningsnummer adds 60 to
the day (FACTS §6). A number that has a valid date but a wrong check digit is a *near miss*: most
likely a mistyped personnummer, so it is redacted too and reported separately. Numbers that fail the
date check (organisation numbers have a "month" of 20 or more) and case numbers with letters are
left alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

REDACTED = "[personnummer borttaget]"
NEAR_MISS_REDACTED = "[möjligt personnummer borttaget]"

_CANDIDATE = re.compile(
    r"(?<![\w-])(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})"
    r"(?P<sep>[-+ ]?)(?P<serial>\d{3})(?P<check>\d)(?![\w])"
)
_PREFILTER = r"[^\x00-/:-\x7f]{6}"
r"""Six characters in a row, each an ASCII digit or not ASCII at all: a superset of the six digits
(Python's ``\d``, any Unicode digit) every personnummer starts with. Run by pyarrow's RE2 over the
whole column (1M rows: 0.05 s instead of 0.5 s for ``\d{6}``, which pandas runs in Python's
``re`` for non-ASCII text); only the rows it finds are read by the exact pattern."""


def luhn_ok(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (the last digit being the check digit)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _date_ok(century: str | None, yy: str, mm: str, dd: str) -> bool:
    day = int(dd)
    if day > 60:  # samordningsnummer
        day -= 60
    month = int(mm)
    if not 1 <= month <= 12 or day < 1:
        return False
    years = [int(century + yy)] if century else [1900 + int(yy), 2000 + int(yy)]
    for year in years:
        try:
            dt.date(year, month, day)
            return True
        except ValueError:
            continue
    return False


@dataclass(frozen=True)
class ScreenResult:
    """Screened text and what was found (never the numbers themselves)."""

    text: str
    redacted: int
    near_misses: int


def screen_text(text: str) -> ScreenResult:
    """Redact personnummer, samordningsnummer and near misses from one text."""
    redacted = near = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal redacted, near
        parts = match.groupdict()
        if not _date_ok(parts["century"], parts["yy"], parts["mm"], parts["dd"]):
            return match.group(0)
        ten = parts["yy"] + parts["mm"] + parts["dd"] + parts["serial"] + parts["check"]
        if luhn_ok(ten):
            redacted += 1
            return REDACTED
        near += 1
        return NEAR_MISS_REDACTED

    screened = _CANDIDATE.sub(replace, text)
    return ScreenResult(screened, redacted, near)


@dataclass(frozen=True)
class ColumnScreen:
    """A screened text column and the positions (row index labels) where something was found."""

    values: pd.Series
    redacted_rows: list[int]
    near_miss_rows: list[int]


def screen_column(values: pd.Series) -> ColumnScreen:
    """Screen a text column; only rows with six digits in a row are looked at in Python."""
    text = values.astype("string")
    candidates = pc.match_substring_regex(pa.array(text), _PREFILTER).fill_null(False)
    out = text.copy()
    redacted_rows: list[int] = []
    near_rows: list[int] = []
    for label in text.index[candidates.to_numpy(zero_copy_only=False)]:
        result = screen_text(str(text.at[label]))
        if result.redacted or result.near_misses:
            out.at[label] = result.text
        if result.redacted:
            redacted_rows.append(int(label))
        if result.near_misses:
            near_rows.append(int(label))
    return ColumnScreen(out, redacted_rows, near_rows)
