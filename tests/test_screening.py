"""Personal identity numbers in free text: found, redacted, never reported; look-alikes left alone."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.io.screening import NEAR_MISS_REDACTED, REDACTED, luhn_ok, screen_column, screen_text


def with_check_digit(nine: str) -> str:
    """The 10-digit number with the Luhn check digit that makes it valid."""
    return next(nine + str(d) for d in range(10) if luhn_ok(nine + str(d)))


PNR = with_check_digit("811218987")  # 811218-987x
SAMORDNING = with_check_digit("811278987")  # day 18 + 60


@pytest.mark.parametrize(
    "text",
    [f"{PNR[:6]}-{PNR[6:]}", f"19{PNR}", f"19{PNR[:6]}-{PNR[6:]}", PNR, f"{PNR[:6]} {PNR[6:]}",
     f"{PNR[:6]}+{PNR[6:]}", f"{SAMORDNING[:6]}-{SAMORDNING[6:]}"],
    ids=["10-dash", "12-digits", "12-dash", "10-plain", "10-space", "plus-100-years", "samordningsnummer"],
)  # fmt: skip
def test_valid_numbers_are_redacted(text: str) -> None:
    result = screen_text(f"Anmälaren {text} hördes.")
    assert result.text == f"Anmälaren {REDACTED} hördes."
    assert (result.redacted, result.near_misses) == (1, 0)


def test_wrong_check_digit_is_a_near_miss_and_redacted_too() -> None:
    wrong = PNR[:9] + str((int(PNR[9]) + 1) % 10)
    result = screen_text(f"pnr {wrong[:6]}-{wrong[6:]}")
    assert result.text == f"pnr {NEAR_MISS_REDACTED}"
    assert (result.redacted, result.near_misses) == (0, 1)


@pytest.mark.parametrize(
    "text",
    ["Organisationsnummer 556677-8899", "Ärende 5000-K123456-25", "K123456-25", "belopp 1234567890 kr",
     "reg ABC123", "år 2026, 14 personer", "202100-5489"],
    ids=["org-number", "case-number", "short-case", "amount", "registration", "plain-text", "org-month-21"],
)  # fmt: skip
def test_look_alikes_are_left_alone(text: str) -> None:
    result = screen_text(text)
    assert result.text == text and result.redacted == result.near_misses == 0


def test_column_screening_reports_rows_not_numbers() -> None:
    column = pd.Series(["ingen", f"nr {PNR}", None, "tel 0701234567"], index=[2, 3, 4, 5])
    screened = screen_column(column)
    assert screened.redacted_rows == [3]
    assert screened.near_miss_rows == [5]
    assert PNR not in " ".join(str(v) for v in screened.values.dropna())
    assert screened.values[2] == "ingen" and pd.isna(screened.values[4])


_SCRIPTS = ("0123456789", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९")  # ASCII, Arabic-Indic, Devanagari digits
_FILLER = st.text(alphabet=st.sampled_from([*"0123456789", *"åäöÅÄÖ -+xyzé€\n"]), max_size=15)


@st.composite
def _texts(draw: st.DrawFn) -> str:
    """Text around a date-shaped number (a personnummer or a near miss) in some digit script."""
    day = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2025, 12, 31)))
    number = (
        day.strftime("%y%m%d")
        + draw(st.sampled_from(["-", "", " "]))
        + draw(st.from_regex(r"\A[0-9]{4}\Z"))
    )
    script = draw(st.sampled_from(_SCRIPTS))
    number = number.translate(str.maketrans("0123456789", script))
    return draw(_FILLER) + " " + number + " " + draw(_FILLER)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.none(), _FILLER, _texts()), min_size=1, max_size=20))
def test_column_screening_finds_what_row_by_row_screening_finds(texts: list[str | None]) -> None:
    """The fast column prefilter (RE2) never lets through a value the exact pattern would change."""
    screened = screen_column(pd.Series(texts, dtype=object))
    for label, text in enumerate(texts):
        expected = None if text is None else screen_text(text).text
        got = screened.values.iloc[label]
        assert (None if pd.isna(got) else got) == expected
