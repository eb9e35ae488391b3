"""The week's proposal: exact hours (or listed), visit lengths, future slots, no double booking,
spread over units and shifts, high-need hours first, DST weeks."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.presence.log import local_window
from geo.presence.proposal import (
    area_visits,
    iso_week_monday,
    proposal_table,
    propose_week,
    visit_lengths,
)
from geo.presence.units import Shift, Unit

UTC = dt.UTC
NEED = pd.DataFrame({"area_code": ["T1", "T2", "I1", "I2"], "name": ["Torget", "Hamnen", "Byn", "Skogen"],
                     "zone": ["tätort", "tätort", "inland", "inland"], "need_share": [0.5, 0.3, 0.15, 0.05]})  # fmt: skip
UNITS = [
    Unit(1, "Patrull 1", "bil", "Falkenberg", True, 1),
    Unit(2, "Patrull 2", "bil", "Falkenberg", True, 1),
]
SHIFTS = [Shift(1, "dag", "07:00", "16:00", 1), Shift(2, "kväll", "15:00", "24:00", 1),
          Shift(3, "natt", "22:00", "07:00", 1)]  # fmt: skip
BEFORE = dt.datetime(2026, 1, 1, tzinfo=UTC)


def _profile(cells: dict[tuple[int, int], int]) -> pd.DataFrame:
    profile = pd.DataFrame(0, index=range(24), columns=range(7))
    for (hour, weekday), count in cells.items():
        profile.loc[hour, weekday] = count
    return profile


def _propose(hours: float, *, week: str = "2026-W50", now: dt.datetime = BEFORE, **options: object):  # type: ignore[no-untyped-def]
    args = {
        "inland_min_share": 0.3,
        "max_hours_per_area": 12.0,
        "units": UNITS,
        "shifts": SHIFTS,
        **options,
    }
    return propose_week(NEED, {"T1": _profile({(22, 5): 9, (21, 4): 5, (20, 5): 3})}, week_start=iso_week_monday(week),
                        total_hours=hours, now=now, **args)  # type: ignore[arg-type]  # fmt: skip


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    total=st.integers(min_value=10, max_value=6000), visit=st.integers(min_value=10, max_value=20)
)
def test_visit_lengths_add_up_exactly_and_stay_between_10_and_20(total: int, visit: int) -> None:
    lengths = visit_lengths(total, visit)
    assert sum(lengths) == total and all(10 <= n <= 20 for n in lengths)
    assert max(lengths) - min(lengths) <= 1


@settings(derandomize=True, max_examples=40, deadline=None)
@given(shares=st.lists(st.floats(min_value=0, max_value=1), min_size=4, max_size=4),
       total=st.integers(min_value=0, max_value=200), cap=st.integers(min_value=1, max_value=80))  # fmt: skip
def test_area_visits_place_every_visit_or_hit_every_cap(
    shares: list[float], total: int, cap: int
) -> None:
    need = NEED.assign(need_share=shares)
    counts = area_visits(need, total_visits=total, inland_min_share=0.3, max_visits_per_area=cap)
    assert counts.max() <= cap and counts.min() >= 0
    assert counts.sum() == min(total, 4 * cap)
    inland = counts[["I1", "I2"]].sum()
    assert inland >= min(-(-3 * total // 10), 2 * cap)  # at least 30 %, rounded up, unless capped


@pytest.mark.parametrize("hours", [20, 6, 40, 1.25])
def test_exactly_the_hours_asked_for_are_placed(hours: float) -> None:
    proposal = _propose(hours)
    assert proposal.placed_minutes == round(hours * 60) and not proposal.unplaced
    assert all(10 <= v.minutes <= 20 for v in proposal.visits)
    inland = sum(v.minutes for v in proposal.visits if v.area_code in {"I1", "I2"})
    assert inland >= 0.3 * hours * 60 - 20
    assert max(proposal.minutes_per_area.values()) <= 12 * 60


def test_no_unit_is_double_booked_and_visits_spread_over_units_and_shifts() -> None:
    busy = pd.DataFrame({"unit": ["Patrull 1"], "area_code": ["T1"], "status": ["planerad"],
                         "planned_start": [pd.Timestamp("2026-12-12T21:00Z")], "planned_end": [pd.Timestamp("2026-12-12T23:00Z")]})  # fmt: skip
    proposal = _propose(20, busy=busy, travel=lambda a, b: 10.0)
    by_unit: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = {
        "Patrull 1": [(busy.planned_start[0], busy.planned_end[0], "T1")]
    }
    for visit in proposal.visits:
        by_unit.setdefault(visit.unit, []).append((visit.start, visit.end, visit.area_code))
    for bookings in by_unit.values():
        bookings.sort()
        for (_s, end, a), (start, _e, b) in itertools.pairwise(bookings):
            assert start >= end + dt.timedelta(minutes=10 if a != b else 0), (a, b, end, start)
    units = pd.Series([v.unit for v in proposal.visits]).value_counts()
    assert set(units.index) == {"Patrull 1", "Patrull 2"} and units.min() >= 0.4 * units.sum()
    assert {v.shift for v in proposal.visits} == {"dag", "kväll", "natt"}


def test_visits_follow_high_need_hours_at_varied_times() -> None:
    torget = [v for v in _propose(20).visits if v.area_code == "T1"]
    local = [pd.Timestamp(v.start).tz_convert("Europe/Stockholm") for v in torget]
    assert {(t.weekday(), t.hour) for t in local[:0]} == set()
    hours = {(t.weekday(), t.hour) for t in local}
    assert {(5, 22), (4, 21), (5, 20)} <= hours  # the three busy hours are all used, not one peak
    assert len(hours) == len(local)  # never twice in the same hour of the week
    assert len({t.minute for t in local}) > 3  # varied minutes
    starts = sorted(v.start for v in torget)
    assert all(b - a >= dt.timedelta(minutes=90) for a, b in itertools.pairwise(starts))
    assert all("Torget: 50\u00a0% av behovet" in v.reason for v in torget)


def test_only_future_slots_and_what_cannot_be_placed_is_listed() -> None:
    now = dt.datetime(2026, 12, 13, 12, 0, tzinfo=UTC)  # Sunday afternoon of week 50
    proposal = _propose(20, now=now, units=UNITS[:1], shifts=SHIFTS[1:2])
    assert all(v.start > now for v in proposal.visits)
    assert (
        proposal.unplaced
        and proposal.placed_minutes + sum(u.minutes for u in proposal.unplaced) == 1200
    )
    assert all("ingen tid" in u.reason and u.name for u in proposal.unplaced)
    capped = _propose(40, max_hours_per_area=2.0)
    assert capped.placed_minutes == 4 * 120 and "taket 2 h per område" in capped.unplaced[0].reason


@pytest.mark.parametrize(("week", "first", "hours_in_week"), [("2026-W13", dt.date(2026, 3, 23), 167),
                                                               ("2026-W43", dt.date(2026, 10, 19), 169)])  # fmt: skip
def test_dst_weeks(week: str, first: dt.date, hours_in_week: int) -> None:
    assert iso_week_monday(week) == first
    proposal = _propose(10, week=week, shifts=SHIFTS[2:])  # night shifts: across the change
    assert proposal.placed_minutes == 600 and not proposal.unplaced
    start = dt.datetime.combine(first, dt.time(), dt.timezone(dt.timedelta(hours=1)))
    end = start + dt.timedelta(hours=hours_in_week)
    table = proposal_table(proposal)
    for visit, shown in zip(proposal.visits, table["Start"], strict=True):
        assert start <= visit.start < end
        day, clock = shown.split(" ")
        again, _ = local_window(
            dt.date.fromisoformat(day), dt.time.fromisoformat(clock), visit.minutes
        )
        assert again == visit.start  # the shown Swedish time exists once and means this instant


def test_table_shows_names_and_minutes_without_seconds() -> None:
    table = proposal_table(_propose(3))
    assert set(table["Områdesnamn"]) <= {"Torget", "Hamnen", "Byn", "Skogen"}
    assert table["Start"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d").all()
    assert table["Minuter"].sum() == 180
