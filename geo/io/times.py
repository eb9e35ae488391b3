"""Parsing incident times from files: strict, vectorised, never guessing.

Accepted without configuration: ISO 8601 (``2026-11-27T14:30``, ``2026-11-27 14:30:05``, with or
without an offset or ``Z``). A profile may enable Swedish forms (``svensk``): ``27/11/2026 14:30``,
``27.11.2026 kl. 14.30``, ``2026-11-27 kl. 14.30``; they are day-first by declaration. Times without
an offset are local Swedish time; one that does not exist (spring forward) or occurs twice (autumn
back) is an error, not a guess (FACTS §6, ARCHITECTURE "Time").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.periods import LOCAL_TZ

_ISO = r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
_ISO_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_DATE_ONLY = r"^\d{4}-\d{2}-\d{2}$"
_SWEDISH_DMY = r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})(?:,?\s+(?:kl\.?\s*)?(?P<H>\d{1,2})[.:](?P<M>\d{2}))$"
_SWEDISH_ISO_KL = r"^(?P<date>\d{4}-\d{2}-\d{2})\s+kl\.?\s*(?P<H>\d{1,2})[.:](?P<M>\d{2})$"
_SLASHED = r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}"
_NO_YEAR = r"^\d{1,2}(?:[./]\d{1,2}|\s+[a-zåäö]+)(?:\s|,|$)"


@dataclass(frozen=True)
class TimeProblem:
    """Why one value could not be turned into a time (index label, kind, message, fix)."""

    label: int
    kind: str
    message: str
    fix: str


def parse_local_times(
    values: pd.Series, *, swedish_forms: bool = False
) -> tuple[pd.Series, list[TimeProblem]]:
    """Parse a column of time texts into UTC timestamps.

    Parameters
    ----------
    values
        Text values; empty ones are returned as NaT without a problem (the caller decides whether
        the column is required).
    swedish_forms
        Accept the day-first Swedish forms (declared by an import profile).

    Returns
    -------
    (pandas.Series, list of TimeProblem)
        UTC timestamps (NaT where missing or wrong) and one problem per wrong value.
    """
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    problems: list[TimeProblem] = []
    present = text.notna()
    is_iso = text.str.match(_ISO, na=False)
    other = present & ~is_iso
    if other.any():  # only the few values that are not ISO already go through the slower forms
        converted = _month_names_to_iso(text[other])
        if swedish_forms:
            converted = _swedish_to_iso(converted)
        text = text.copy()
        text[other] = converted
        is_iso[other] = converted.str.match(_ISO, na=False)
    for label in text.index[present & ~is_iso]:
        problems.append(_explain(int(label), str(text.at[label]), swedish_forms))

    with_offset = is_iso & text.str.contains(_ISO_OFFSET, regex=True, na=False)
    if with_offset.any():
        parsed = pd.to_datetime(
            text[with_offset].str.replace(",", ".", regex=False),
            format="ISO8601",
            utc=True,
            errors="coerce",
        )
        result[with_offset] = parsed
        problems += _impossible(text, parsed)

    naive = is_iso & ~with_offset
    if naive.any():
        parsed = pd.to_datetime(
            text[naive].str.replace(",", ".", regex=False), format="ISO8601", errors="coerce"
        )
        problems += _impossible(text, parsed)
        valid = parsed.dropna()
        localised = _localise(valid, text, problems)
        result[localised.index] = localised
    return result, problems


_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH_NAME = (
    r"^(?P<d>\d{1,2})\.?\s+(?P<mon>[a-zåäö]+)\.?\s+(?P<y>\d{4})"
    r"(?:,?\s+(?:kl\.?\s*)?(?P<H>\d{1,2})[.:](?P<M>\d{2}))?$"
)


def _month_names_to_iso(text: pd.Series) -> pd.Series:
    """``11 okt 2025 14:30`` → ``2025-10-11 14:30``: a Swedish month name is never ambiguous."""
    parts = text.str.extract(_MONTH_NAME, flags=re.IGNORECASE)
    month = parts["mon"].str.lower().map(_MONTHS)
    hit = parts["d"].notna() & month.notna()
    if not hit.any():
        return text
    out = text.copy()
    clock = (" " + parts["H"].str.zfill(2) + ":" + parts["M"]).fillna("")
    out[hit] = (
        parts.loc[hit, "y"] + "-" + month[hit].astype(int).map("{:02d}".format) + "-"
        + parts.loc[hit, "d"].str.zfill(2) + clock[hit]
    )  # fmt: skip
    return out


def _swedish_to_iso(text: pd.Series) -> pd.Series:
    out = text.copy()
    dmy = text.str.extract(_SWEDISH_DMY)
    hit = dmy["d"].notna()
    if hit.any():
        out[hit] = (
            dmy.loc[hit, "y"] + "-" + dmy.loc[hit, "m"].str.zfill(2) + "-" + dmy.loc[hit, "d"].str.zfill(2)
            + " " + dmy.loc[hit, "H"].str.zfill(2) + ":" + dmy.loc[hit, "M"]
        )  # fmt: skip
    kl = text.str.extract(_SWEDISH_ISO_KL)
    hit = kl["date"].notna()
    if hit.any():
        out[hit] = (
            kl.loc[hit, "date"] + " " + kl.loc[hit, "H"].str.zfill(2) + ":" + kl.loc[hit, "M"]
        )
    return out


def _explain(label: int, value: str, swedish_forms: bool) -> TimeProblem:
    if re.match(_DATE_ONLY, value):
        return TimeProblem(label, "tid_saknar_klockslag", f"{value!r} har datum men inget klockslag",
                           "ange tid som ÅÅÅÅ-MM-DD TT:MM, eller kolumner för datum och tid i profilen")  # fmt: skip
    if re.match(_SLASHED, value) and not swedish_forms:
        return TimeProblem(label, "tid_tvetydig", f"{value!r}: ordningen på dag och månad är tvetydig (dag/månad eller månad/dag)",
                           "skriv ÅÅÅÅ-MM-DD TT:MM, eller ange att datumen är svenska (dag/månad/år): --svenska-datum, "
                           "rutan \"Svenska datum\" på sidan, eller date_formats: [\"svensk\"] i importprofilen")  # fmt: skip
    if re.match(_DATE_ONLY, value[:10]) and re.search(r"\d{1,2}[:.]\d{2}", value[10:]):
        return TimeProblem(label, "tid_okänt_format", f"{value!r}: klockslaget kan inte tolkas",
                           "skriv ÅÅÅÅ-MM-DD TT:MM, t.ex. 2026-10-10 14:30")  # fmt: skip
    if re.match(_NO_YEAR, value, flags=re.IGNORECASE) and not re.search(r"\b\d{4}\b", value):
        return TimeProblem(label, "tid_saknar_år", f"{value!r} saknar år", "ange året")
    return TimeProblem(label, "tid_okänt_format", f"{value!r} är inte en tid i ISO 8601",
                       "skriv ÅÅÅÅ-MM-DD TT:MM (eller med tidszon, t.ex. +01:00)")  # fmt: skip


def _impossible(text: pd.Series, parsed: pd.Series) -> list[TimeProblem]:
    return [
        TimeProblem(
            int(label),
            "tid_omöjlig",
            f"{text.at[label]!r} är inget giltigt datum eller klockslag",
            "kontrollera dag, månad och klockslag",
        )
        for label in parsed.index[parsed.isna()]
    ]


def _localise(naive: pd.Series, text: pd.Series, problems: list[TimeProblem]) -> pd.Series:
    """Local Swedish wall-clock times → UTC; non-existent and ambiguous times become problems."""
    if naive.empty:
        return naive.dt.tz_localize("UTC")
    stamps = pd.DatetimeIndex(naive)
    as_summer = stamps.tz_localize(
        LOCAL_TZ, ambiguous=np.ones(len(stamps), dtype=bool), nonexistent="NaT"
    )
    as_winter = stamps.tz_localize(
        LOCAL_TZ, ambiguous=np.zeros(len(stamps), dtype=bool), nonexistent="NaT"
    )
    missing = as_summer.isna()
    twice = ~missing & (as_summer != as_winter)
    for label in naive.index[missing]:
        problems.append(
            TimeProblem(
                int(label),
                "tid_finns_inte",
                f"{text.at[label]!r} finns inte i svensk tid (klockan ställs fram)",
                "kontrollera klockslaget eller ange tid med tidszon",
            )
        )
    for label in naive.index[twice]:
        problems.append(
            TimeProblem(
                int(label),
                "tid_tvetydig_sommartid",
                f"{text.at[label]!r} inträffar två gånger (klockan ställs tillbaka)",
                "ange tid med tidszon, t.ex. +02:00 eller +01:00",
            )
        )
    good = ~missing & ~twice
    return pd.Series(as_summer[good].tz_convert("UTC"), index=naive.index[good])
