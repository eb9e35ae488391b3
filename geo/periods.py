"""Swedish local time and periods of time: the one owner of the local time zone.

Every module that needs "local time" imports :data:`LOCAL_TZ` (or :data:`LOCAL_TZ_NAME` where a
text is needed: SQL, a message) from here; ``tests/test_architecture.py`` fails when the zone's
name is written anywhere else in ``geo/``, ``ui/``, ``pages/`` or ``dashboard.py``.

Why a module of its own and not :mod:`geo.io.times`: ``geo.io.times`` parses time texts from files and
imports numpy and pandas; this module needs only the standard library, so ``ui.widgets`` and the
light ``geo`` modules can import it without paying for pandas at start, and :mod:`geo.io.times`
imports the zone from here like everyone else. The two may merge once ``geo.io.times`` is split
into a light and a pandas part; until then the dependency runs one way: times → periods.

:class:`Filters` is what a page selects incidents by: a :class:`Period` (datetimes, never ISO
text parsed back) and the pickers.

:class:`Period` is the one period type (a half-open interval of aware datetimes). It replaces
two: ``geo.analysis.indicators.Period`` (the same interval) and ``ui.widgets.Period`` (whole local days
``first``..``last``), which is now :meth:`Period.whole_days`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace
from typing import overload
from zoneinfo import ZoneInfo

LOCAL_TZ_NAME = "Europe/Stockholm"
"""The IANA name of Swedish local time (for SQL and texts; code uses :data:`LOCAL_TZ`)."""

LOCAL_TZ = ZoneInfo(LOCAL_TZ_NAME)
"""Swedish local time. pandas maps the name to this same object, so both are interchangeable."""


@overload
def shift_months(moment: dt.datetime, months: int) -> dt.datetime: ...
@overload
def shift_months(moment: dt.date, months: int) -> dt.date: ...
def shift_months(moment: dt.date | dt.datetime, months: int) -> dt.date | dt.datetime:
    """Return the same day ``months`` calendar months later (earlier when negative).

    The day is clamped to the end of a shorter month: 29 February minus 12 months is
    28 February, 31 March minus one month is 28 (or 29) February. An aware datetime is shifted
    in Swedish local time (so local midnight stays local midnight across daylight saving) and
    returned in its own time zone.

    Parameters
    ----------
    moment
        A date, a naive datetime or an aware datetime.
    months
        Calendar months to move; negative moves back.

    Returns
    -------
    datetime.date or datetime.datetime
        The shifted moment, of the same type (and time zone) as ``moment``.

    Notes
    -----
    The one place for calendar arithmetic: ``date.replace(year=…)`` raises on 29 February.
    """
    if isinstance(moment, dt.datetime):
        zone = moment.tzinfo
        local = moment.astimezone(LOCAL_TZ) if zone is not None else moment
        day = shift_months(local.date(), months)
        shifted = dt.datetime.combine(day, local.time(), tzinfo=LOCAL_TZ if zone else None)
        return shifted.astimezone(zone) if zone is not None else shifted
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(moment.day, last))


def local_midnight(day: dt.date) -> dt.datetime:
    """Return the start of a local day as an aware UTC datetime.

    Parameters
    ----------
    day
        A calendar day in Swedish local time.

    Returns
    -------
    datetime.datetime
        Local midnight of ``day``, in UTC.
    """
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


@dataclass(frozen=True)
class Period:
    """A half-open interval ``[start, end)`` of aware datetimes (UTC unless built otherwise)."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def whole_days(cls, first: dt.date, last: dt.date) -> Period:
        """Return the period of whole local days ``first``..``last``, both included.

        Parameters
        ----------
        first, last
            The first and the last local day of the period.

        Returns
        -------
        Period
            From local midnight of ``first`` to local midnight after ``last``, in UTC.
        """
        return cls(local_midnight(first), local_midnight(last + dt.timedelta(days=1)))

    @property
    def days(self) -> float:
        """The length in days of 24 hours (a daylight-saving day counts 23 or 25 hours)."""
        return (self.end - self.start).total_seconds() / 86_400

    @property
    def first_day(self) -> dt.date:
        """The local day the period starts on."""
        return self.start.astimezone(LOCAL_TZ).date()

    @property
    def last_day(self) -> dt.date:
        """The last local day the period reaches into."""
        return (self.end - dt.timedelta(microseconds=1)).astimezone(LOCAL_TZ).date()

    def in_utc(self) -> Period:
        """Return the same interval with both ends in UTC (one spelling per instant)."""
        return Period(self.start.astimezone(dt.UTC), self.end.astimezone(dt.UTC))

    def previous(self) -> Period:
        """Return the period of the same length just before this one.

        When the period runs from local midnight to local midnight, the previous one has the same
        number of whole local days, so that a daylight-saving change inside it does not move the
        start an hour.

        Returns
        -------
        Period
            A period ending where this one starts.
        """
        start, end = self.start.astimezone(LOCAL_TZ), self.end.astimezone(LOCAL_TZ)
        if start.time() == end.time() == dt.time() and self.start.tzinfo is not None:
            first = start.date() - (end.date() - start.date())
            begin = dt.datetime.combine(first, dt.time(), tzinfo=LOCAL_TZ)
            return Period(begin.astimezone(self.start.tzinfo), self.start)
        return Period(self.start - (self.end - self.start), self.start)

    def months_back(self, months: int) -> Period:
        """Return the same dates ``months`` calendar months earlier (see :func:`shift_months`)."""
        return Period(shift_months(self.start, -months), shift_months(self.end, -months))

    def year_before(self) -> Period:
        """Return the same dates one year earlier (29 February → 28 February)."""
        return self.months_back(12)

    def clipped(self, end: dt.datetime) -> Period:
        """Return this period ending no later than ``end``."""
        return Period(self.start, min(self.end, end))

    @property
    def label(self) -> str:
        """First and last local day, e.g. ``2026-01-01 – 2026-11-30``."""
        return f"{self.first_day} – {self.last_day}"


ALL_TIME = Period(dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(2999, 1, 1, tzinfo=dt.UTC))
"""Every incident the store can hold (for change tests and trends, which need the whole series)."""


@dataclass(frozen=True)
class Filters:
    """What a page selects incidents by: a period and the pickers.

    Frozen and made of hashable parts, so that it is a cache key; the period is kept in UTC so
    that one instant is one key.
    """

    period: Period
    """The half-open interval of occurrence times."""
    groups: tuple[str, ...] = ()
    """Category groups to keep (empty: all)."""
    zones: tuple[str, ...] = ()
    """Zones to keep (empty: all)."""
    exclude_police_initiated: bool = True
    """Leave police-initiated offences out of the harm index."""
    area_code: str = ""
    """One area's code, or empty for every area."""

    def __post_init__(self) -> None:
        """Keep the period in UTC."""
        object.__setattr__(self, "period", self.period.in_utc())

    @property
    def start(self) -> dt.datetime:
        """The period's start (UTC)."""
        return self.period.start

    @property
    def end(self) -> dt.datetime:
        """The period's end (UTC, excluded)."""
        return self.period.end

    def all_time(self) -> Filters:
        """Return the same filters over every incident in the store (for change tests, trends)."""
        return replace(self, period=ALL_TIME)

    def shifted_back(self) -> Filters:
        """Return the same filters for the period of equal length just before this one.

        Returns
        -------
        Filters
            The same pickers over :meth:`Period.previous` (whole local days stay whole days
            across a daylight-saving change).
        """
        return replace(self, period=self.period.previous())

    def with_period(self, period: Period) -> Filters:
        """Return the same pickers over another period."""
        return replace(self, period=period)

    def as_record(self) -> dict[str, object]:
        """Return the filters as JSON-ready values (for the access log)."""
        return {
            "start_utc": self.start.isoformat(),
            "end_utc": self.end.isoformat(),
            "groups": list(self.groups),
            "zones": list(self.zones),
            "exclude_police_initiated": self.exclude_police_initiated,
            "area_code": self.area_code,
        }
