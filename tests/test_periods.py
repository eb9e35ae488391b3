"""Filters hold a Period of datetimes: one instant is one cache key, and the period before has as
many whole local days, whatever daylight saving does in between."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.periods import ALL_TIME, LOCAL_TZ, Filters, Period

days = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2035, 12, 31))


@settings(derandomize=True, max_examples=300, deadline=None)
@given(first=days, length=st.integers(1, 400))
def test_the_period_before_has_as_many_whole_local_days(first: dt.date, length: int) -> None:
    last = first + dt.timedelta(days=length - 1)
    filters = Filters(Period.whole_days(first, last), zones=("inland",))
    before = filters.shifted_back()
    assert before.zones == ("inland",) and before.end == filters.start
    assert before.period.last_day == first - dt.timedelta(days=1)
    span = (before.period.last_day - before.period.first_day).days + 1
    assert span == length  # equal spans, also across a daylight-saving change
    assert before.start.astimezone(LOCAL_TZ).time() == dt.time()  # starts at local midnight


@settings(derandomize=True, max_examples=100, deadline=None)
@given(first=days, length=st.integers(1, 60))
def test_one_instant_is_one_key_whatever_zone_it_came_in(first: dt.date, length: int) -> None:
    utc = Period.whole_days(first, first + dt.timedelta(days=length - 1))
    local = Period(utc.start.astimezone(LOCAL_TZ), utc.end.astimezone(LOCAL_TZ))
    a, b = Filters(utc, groups=("vald",)), Filters(local, groups=("vald",))
    assert a == b and hash(a) == hash(b)
    assert a.start.tzinfo == dt.UTC and b.end.tzinfo == dt.UTC
    record = json.loads(json.dumps(a.as_record()))
    assert dt.datetime.fromisoformat(record["start_utc"]) == utc.start
    assert record["groups"] == ["vald"] and record["area_code"] == ""


def test_all_time_keeps_the_pickers_and_covers_every_period() -> None:
    filters = Filters(Period.whole_days(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), area_code="x")
    whole = filters.all_time()
    assert whole.period == ALL_TIME and whole.area_code == "x"
    assert whole.start < filters.start and filters.end < whole.end
