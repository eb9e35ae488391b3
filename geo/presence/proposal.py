"""A week's proposal of Koper visits per area and per unit.

1. **Hours per area** follow the harm-weighted need of the last year, with a minimum share for the
   inland and a cap per area (as before). The total is cut into visits of about ``visit_minutes``
   (10–20 minutes, default 15, ``data/presence.json``) that add up to *exactly* the minutes asked
   for; areas get whole visits by the largest-remainder method, so no hours are lost to rounding.
2. **Times**: each area's visits go to its high-need hours of the week (hour × weekday counts of
   the last year), the busiest first but never the same hour twice, at varied minutes, at least
   ``same_area_gap_minutes`` apart (short stops at unpredictable times, FACTS §5). Only slots in the
   future and inside a chosen shift are used.
3. **Units**: each visit goes to the free unit on duty with the least load, so visits are spread
   over units and shifts; a unit's visits never overlap, neither with each other, nor with what is
   already planned, and leave the estimated travel time between areas (``geo.presence.rounds``).

Whatever cannot be placed is listed with the reason; nothing is silently dropped.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo import formats
from geo.periods import LOCAL_TZ
from geo.presence.units import Shift, Unit, shift_windows

WEEKDAYS = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")


@dataclass(frozen=True)
class Visit:
    """One proposed visit and why."""

    area_code: str
    name: str
    unit: str
    shift: str
    start: dt.datetime  # UTC
    end: dt.datetime
    minutes: int
    reason: str

    @property
    def hours(self) -> float:
        """The visit's length in hours."""
        return self.minutes / 60


@dataclass(frozen=True)
class Unplaced:
    """Minutes of an area's share that found no unit and time, and why."""

    area_code: str
    name: str
    minutes: int
    reason: str


@dataclass(frozen=True)
class WeekProposal:
    """The week's proposed visits, what could not be placed, and the minutes asked for."""

    visits: list[Visit]
    unplaced: list[Unplaced]
    requested_minutes: int
    minutes_per_area: dict[str, int] = field(default_factory=dict)

    @property
    def placed_minutes(self) -> int:
        """The minutes of every proposed visit."""
        return sum(v.minutes for v in self.visits)


def iso_week_monday(text: str) -> dt.date:
    """``"2026-W50"`` → the Monday of that ISO week."""
    from geo.errors import GeoError

    try:
        year, week = text.upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)
    except ValueError as error:
        raise GeoError(f"{text!r} är ingen ISO-vecka; skriv t.ex. 2026-W50.") from error


def visit_lengths(
    total_minutes: int, visit_minutes: int, low: int = 10, high: int = 20
) -> list[int]:
    """Cut ``total_minutes`` into visits of about ``visit_minutes`` that add up exactly.

    Every length lies in ``[low, high]``. Empty when the total is shorter than one visit.
    """
    if total_minutes < low:
        return []
    count = max(1, round(total_minutes / visit_minutes))
    while total_minutes / count > high:
        count += 1
    while count > 1 and total_minutes // count < low:
        count -= 1
    base, extra = divmod(total_minutes, count)
    return [base + 1] * extra + [base] * (count - extra)


def largest_remainder(weights: pd.Series, total: int, caps: pd.Series) -> pd.Series:
    """Return whole numbers in proportion to ``weights`` summing to ``total``, each at most its cap.

    Or to what the caps allow: floors first, then the largest remainders.
    """
    weights = weights.clip(lower=0).astype(float)
    result = pd.Series(0, index=weights.index, dtype=int)
    remaining = total
    open_ = caps > 0
    while remaining > 0 and open_.any():
        share = weights[open_]
        if share.sum() <= 0:
            share = pd.Series(1.0, index=share.index)
        quota = share / share.sum() * remaining
        floors = np.minimum(np.floor(quota + 1e-9).astype(int), caps[open_] - result[open_])
        if floors.sum() == 0:  # hand out one by one by the largest remainder
            order = (quota - np.floor(quota)).sort_values(ascending=False, kind="stable").index
            for code in order:
                if remaining == 0:
                    break
                if result[code] < caps[code]:
                    result[code] += 1
                    remaining -= 1
        else:
            result[floors.index] += floors
            remaining -= int(floors.sum())
        open_ = result < caps
    return result


def area_visits(need: pd.DataFrame, *, total_visits: int, inland_min_share: float,
                max_visits_per_area: int) -> pd.Series:  # fmt: skip
    """Visits per area: by need, at least ``inland_min_share`` of them in the inland, at most the cap."""
    table = need.set_index("area_code")
    shares = table["need_share"].astype(float).clip(lower=0)
    inland = table["zone"] == "inland"
    caps = pd.Series(max_visits_per_area, index=shares.index)
    want_inland = math.ceil(inland_min_share * total_visits - 1e-9) if inland.any() else 0
    by_need = shares[inland].sum() / shares.sum() * total_visits if shares.sum() else 0
    n_inland = min(
        max(want_inland, math.floor(by_need + 0.5)), int(caps[inland].sum()), total_visits
    )
    result = pd.Series(0, index=shares.index, dtype=int)
    result[inland] = largest_remainder(shares[inland], n_inland, caps[inland])
    result[~inland] = largest_remainder(
        shares[~inland], total_visits - int(result[inland].sum()), caps[~inland]
    )
    left = total_visits - int(result.sum())
    if left > 0:  # the town is capped: the inland takes what it can
        result[inland] += largest_remainder(shares[inland], left, caps[inland] - result[inland])
    return result


def propose_week(need: pd.DataFrame, profiles: Mapping[str, pd.DataFrame], *, week_start: dt.date, total_hours: float,
                 inland_min_share: float, max_hours_per_area: float, units: Sequence[Unit], shifts: Sequence[Shift],
                 now: dt.datetime, visit_minutes: int = 15, busy: pd.DataFrame | None = None,
                 travel: Callable[[str, str], float] | None = None, same_area_gap_minutes: int = 90,
                 seed: int = 0) -> WeekProposal:  # fmt: skip
    """Propose the week's visits per area and unit (see the module docstring).

    Parameters
    ----------
    need
        ``area_code``, ``name``, ``zone``, ``need_share`` (``geo.presence.log.need_vs_delivered``).
    profiles
        Per area, hour (rows 0–23) × weekday (columns 0–6) counts of the last year.
    busy
        What is already planned (``unit``, ``planned_start``, ``planned_end``, status not
        ``inställd``): never double-booked.
    travel
        Minutes between two area codes; a unit's consecutive visits leave at least that much.
    """
    rng = np.random.default_rng(seed)
    requested = round(total_hours * 60)
    lengths = visit_lengths(requested, visit_minutes)
    names = need.set_index("area_code")["name"].astype(str).to_dict()
    shares = need.set_index("area_code")["need_share"].astype(float)
    unplaced: list[Unplaced] = []
    if not lengths:
        if requested > 0:
            unplaced.append(
                Unplaced(
                    "", "", requested, f"{requested} min är kortare än ett besök (minst 10 min)"
                )
            )
        return WeekProposal([], unplaced, requested)
    cap = int(max_hours_per_area * 60 // max(lengths))
    counts = area_visits(
        need, total_visits=len(lengths), inland_min_share=inland_min_share, max_visits_per_area=cap
    )
    left = len(lengths) - int(counts.sum())
    if left:
        minutes = sum(sorted(lengths)[:left])
        unplaced.append(Unplaced("", "", minutes, f"taket {max_hours_per_area:g} h per område nås i alla områden; "
                                                  "höj taket eller sänk timmarna"))  # fmt: skip
    # Lengths go to areas in turn, so each area's minutes differ by at most one minute per visit.
    order = rng.permutation(len(lengths))
    per_area: dict[str, list[int]] = {str(code): [] for code in counts.index}
    queue = [str(code) for code in counts.index for _ in range(int(counts[code]))]
    for position, code in zip(order[: len(queue)], queue, strict=True):
        per_area[code].append(lengths[position])

    duty = [
        (s, day, start, end)
        for s, day, start, end in shift_windows(shifts, week_start)
        if end > now
    ]
    booked: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = {u.name: [] for u in units}
    if busy is not None and not busy.empty:
        live = busy[busy["status"] != "inställd"] if "status" in busy else busy
        for row in live.itertuples():
            if row.unit in booked:
                booked[row.unit].append((pd.Timestamp(row.planned_start).to_pydatetime(),
                                         pd.Timestamp(row.planned_end).to_pydatetime(), str(row.area_code)))  # fmt: skip
    load = {u.name: sum((e - s).total_seconds() for s, e, _a in booked[u.name]) for u in units}

    visits: list[Visit] = []
    placed_at: dict[str, list[dt.datetime]] = {code: [] for code in per_area}
    candidates = {
        code: _candidate_hours(profiles.get(code), week_start, rng)
        for code in per_area
        if per_area[code]
    }
    cursor = dict.fromkeys(candidates, 0)
    pending = {code: sorted(per_area[code], reverse=True) for code in candidates}
    while any(pending.values()):
        # The area furthest behind its share of visits goes next: all areas get their good hours.
        code = max((c for c in pending if pending[c]),
                   key=lambda c: (len(pending[c]) / max(len(per_area[c]), 1), shares.get(c, 0.0)))  # fmt: skip
        minutes = pending[code][0]
        placed = None
        while placed is None and cursor[code] < len(candidates[code]):
            day, hour, count = candidates[code][cursor[code]]
            cursor[code] += 1
            placed = _place(code, day, hour, minutes, duty=duty, booked=booked, load=load, now=now, rng=rng,
                            placed_at=placed_at[code], gap=same_area_gap_minutes, travel=travel)  # fmt: skip
            if placed is not None:
                unit, shift, start = placed
                end = start + dt.timedelta(minutes=minutes)
                booked[unit].append((start, end, code))
                load[unit] += minutes * 60
                placed_at[code].append(start)
                area_total = sum(per_area[code])
                hour_text = f"{WEEKDAYS[day.weekday()]} kl {hour:02d}–{(hour + 1) % 24:02d}"
                reason = (f"{names.get(code, code)}: {formats.percent(shares.get(code, 0.0))} av behovet → {area_total} min denna vecka "
                          f"i {len(per_area[code])} korta besök; {count} händelser {hour_text} senaste året")  # fmt: skip
                visits.append(
                    Visit(code, names.get(code, code), unit, shift, start, end, minutes, reason)
                )
                pending[code].pop(0)
        if placed is None:
            minutes_left = sum(pending[code])
            unplaced.append(Unplaced(code, names.get(code, code), minutes_left,
                                     f"{len(pending[code])} besök fick ingen tid: inga lediga framtida tider i valda pass "
                                     "(enheterna upptagna eller veckan passerad); välj fler enheter eller pass"))  # fmt: skip
            pending[code] = []
    minutes_per_area = {c: sum(v.minutes for v in visits if v.area_code == c) for c in per_area}
    return WeekProposal(
        sorted(visits, key=lambda v: (v.start, v.unit)), unplaced, requested, minutes_per_area
    )


def _candidate_hours(profile: pd.DataFrame | None, week_start: dt.date,
                     rng: np.random.Generator) -> list[tuple[dt.date, int, int]]:  # fmt: skip
    """Return every local (day, hour) of the week, busiest first.

    Ties (and empty profiles) come in a seeded random order, so visits are not all at the same
    hours.
    """
    cells = []
    for offset in range(7):
        day = week_start + dt.timedelta(days=offset)
        for hour in range(24):
            count = (
                int(profile.at[hour, day.weekday()])
                if profile is not None and hour in profile.index
                else 0
            )
            cells.append((day, hour, count))
    jitter = rng.random(len(cells))
    order = sorted(range(len(cells)), key=lambda i: (-cells[i][2], jitter[i]))
    return [cells[i] for i in order]


def _place(code: str, day: dt.date, hour: int, minutes: int, *, duty: list[tuple[Shift, dt.date, dt.datetime, dt.datetime]],
           booked: dict[str, list[tuple[dt.datetime, dt.datetime, str]]], load: dict[str, float], now: dt.datetime,
           rng: np.random.Generator, placed_at: list[dt.datetime], gap: int,
           travel: Callable[[str, str], float] | None) -> tuple[str, str, dt.datetime] | None:  # fmt: skip
    """Return a (unit, shift, start) for a visit starting in local ``hour`` of ``day``, or None."""
    offsets = rng.permutation(np.arange(0, 60, 5))
    for offset in offsets:
        local = pd.Timestamp(dt.datetime.combine(day, dt.time(hour, int(offset))))
        try:  # a time that does not exist or occurs twice at the DST change is never proposed
            start = (
                local.tz_localize(LOCAL_TZ, nonexistent="raise", ambiguous="raise")
                .tz_convert("UTC")
                .to_pydatetime()
            )
        except (ValueError, OverflowError):
            continue
        end = start + dt.timedelta(minutes=minutes)
        if start <= now:
            continue
        if any(abs((start - other).total_seconds()) < gap * 60 for other in placed_at):
            continue
        on_duty = [(s, ws, we) for s, _d, ws, we in duty if ws <= start and end <= we]
        if not on_duty:
            continue
        for unit in sorted(booked, key=lambda u: (load[u], u)):
            if _free(booked[unit], code, start, end, travel):
                return unit, on_duty[0][0].name, start
    return None


def _free(bookings: list[tuple[dt.datetime, dt.datetime, str]], code: str, start: dt.datetime, end: dt.datetime,
          travel: Callable[[str, str], float] | None) -> bool:  # fmt: skip
    for other_start, other_end, other_code in bookings:
        buffer = dt.timedelta(
            minutes=travel(other_code, code) if travel and other_code != code else 0
        )
        if start < other_end + buffer and other_start < end + buffer:
            return False
    return True


def proposal_table(proposal: WeekProposal) -> pd.DataFrame:
    """Return the proposal as the page's editable table: Swedish local times without seconds."""
    rows = [{"Lägg in": True, "Område": v.area_code, "Områdesnamn": v.name, "Enhet": v.unit, "Pass": v.shift,
             "Start": pd.Timestamp(v.start).tz_convert(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"), "Minuter": v.minutes,
             "Varför": v.reason} for v in proposal.visits]  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=["Lägg in", "Område", "Områdesnamn", "Enhet", "Pass", "Start", "Minuter", "Varför"],
    )
