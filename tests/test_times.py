"""Times: ISO with or without offset, DST errors, Swedish forms only when declared."""

import pandas as pd
import pytest

from geo.io.times import parse_local_times


def _one(value: str, swedish: bool = False) -> tuple[pd.Timestamp, list[str]]:
    parsed, problems = parse_local_times(pd.Series([value], index=[7]), swedish_forms=swedish)
    return parsed[7], [p.kind for p in problems]


@pytest.mark.parametrize(
    ("value", "utc"),
    [("2026-11-27T14:30", "2026-11-27 13:30"), ("2026-11-27 14:30:05", "2026-11-27 13:30:05"),
     ("2026-06-27 14:30", "2026-06-27 12:30"), ("2026-11-27T14:30+01:00", "2026-11-27 13:30"),
     ("2026-11-27T13:30Z", "2026-11-27 13:30"), ("2026-10-25T02:30+02:00", "2026-10-25 00:30"),
     ("2026-10-25T02:30+01:00", "2026-10-25 01:30")],
)  # fmt: skip
def test_iso_times_become_utc(value: str, utc: str) -> None:
    parsed, kinds = _one(value)
    assert kinds == [] and parsed == pd.Timestamp(utc, tz="UTC")


@pytest.mark.parametrize(
    ("value", "kind"),
    [("2026-03-29 02:30", "tid_finns_inte"), ("2026-10-25 02:30", "tid_tvetydig_sommartid"),
     ("03/04/2026 12:00", "tid_tvetydig"), ("2026-02-30 10:00", "tid_omöjlig"), ("27/11 14:30", "tid_saknar_år"),
     ("27 nov 14:30", "tid_saknar_år"), ("2026-11-27", "tid_saknar_klockslag"), ("i går kväll", "tid_okänt_format")],
)  # fmt: skip
def test_never_a_guess(value: str, kind: str) -> None:
    parsed, kinds = _one(value)
    assert pd.isna(parsed) and kinds == [kind]


def test_swedish_forms_only_when_declared() -> None:
    for value in ("27/11/2026 14:30", "27.11.2026 kl. 14.30", "2026-11-27 kl. 14.30"):
        assert _one(value)[1] != []
        parsed, kinds = _one(value, swedish=True)
        assert kinds == [] and parsed == pd.Timestamp("2026-11-27 13:30", tz="UTC")


def test_blanks_are_missing_without_a_problem() -> None:
    parsed, problems = parse_local_times(pd.Series(["", None, "  "]))
    assert parsed.isna().all() and problems == []
