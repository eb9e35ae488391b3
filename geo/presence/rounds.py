"""Travel between places and a shift's round through the inland.

Travel times come from a table ``from, to, minutes, source`` over places (localities of FACTS
§1.3, area centres, unit bases). The shipped table is an estimate from the facts: straight-line
distance × a road factor ÷ the unit's speed (``data/presence.json``), labelled "uppskattad
restid". An imported CSV (e.g. computed once from a road network) replaces the pairs it names.

A round is chosen with OR-Tools' routing solver as an orienteering problem with time windows: from
the unit's base and back within the shift, stops of the chosen length, travel included, as much
need as the shift allows (a stop left out costs its need).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from geo.errors import ImportRejected, Problem
from geo.periods import LOCAL_TZ
from geo.presence.units import Shift, Unit

ESTIMATE = "uppskattad restid"


@dataclass(frozen=True)
class Place:
    """A place a round can visit: an area or a locality, with its point in EPSG:3006."""

    key: str  # area code or locality name
    name: str
    e: float
    n: float


@dataclass
class TravelTable:
    """Minutes between place keys; symmetric unless a pair is imported in one direction only."""

    minutes: dict[tuple[str, str], float]
    source: dict[tuple[str, str], str]

    def keys(self) -> set[str]:
        """Every place the table knows."""
        return {key for pair in self.minutes for key in pair}

    def __call__(self, origin: str, destination: str) -> float:
        """Return the minutes from ``origin`` to ``destination`` (infinite when unknown)."""
        if origin == destination:
            return 0.0
        return self.minutes.get(
            (origin, destination), self.minutes.get((destination, origin), math.inf)
        )


def places(areas: gpd.GeoDataFrame) -> list[Place]:
    """Area centres (a point inside each area) and the localities (unit bases), EPSG:3006."""
    from geo.areas.falkenberg import LOCALITIES_2020

    points = areas.geometry.representative_point()
    out = [
        Place(str(c), str(n), float(p.x), float(p.y))
        for c, n, p in zip(areas["area_code"], areas["name"], points, strict=True)
    ]
    out += [Place(loc.name, loc.name, loc.e, loc.n) for loc in LOCALITIES_2020]
    return out


def estimated_table(
    points: Sequence[Place], *, speed_kmh: float, road_factor: float
) -> TravelTable:
    """Straight line × ``road_factor`` ÷ ``speed_kmh``, rounded up to whole minutes."""
    minutes: dict[tuple[str, str], float] = {}
    for a in points:
        for b in points:
            if a.key < b.key:
                km = math.hypot(a.e - b.e, a.n - b.n) / 1000 * road_factor
                minutes[(a.key, b.key)] = float(math.ceil(km / speed_kmh * 60))
    return TravelTable(minutes, dict.fromkeys(minutes, ESTIMATE))


def read_travel_csv(path: Path, known: set[str], base: TravelTable | None = None) -> TravelTable:
    """Read a travel table (``from,to,minutes,source``; ``;`` or ``,``) over ``base``.

    All or nothing, every bad line named.
    """
    text = path.read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    rows = list(csv.DictReader(text.splitlines(), dialect=dialect))
    problems = []
    minutes = dict(base.minutes) if base else {}
    source = dict(base.source) if base else {}
    header = [c.strip().lower() for c in (rows[0].keys() if rows else [])]
    if header[:4] != ["from", "to", "minutes", "source"]:
        raise ImportRejected(f"{path.name}: fel kolumner.", [Problem(path.name, f"kolumner: {header}",
                                                                     "använd from,to,minutes,source")])  # fmt: skip
    for line, row in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
        where = f"{path.name}, rad {line}"
        for column in ("from", "to"):
            if row[column] not in known:
                problems.append(
                    Problem(
                        where,
                        f"okänd plats {row[column]!r} i kolumn {column!r}",
                        "använd en områdeskod eller ort",
                    )
                )
        try:
            value = float(row["minutes"].replace(",", "."))
            if not 0 <= value < 24 * 60:
                raise ValueError
        except ValueError:
            problems.append(
                Problem(where, f"{row['minutes']!r} är inga minuter", "skriv minuter, t.ex. 12")
            )
            continue
        if not row["source"]:
            problems.append(Problem(where, "saknar källa", "ange varifrån restiden kommer"))
        minutes[(row["from"], row["to"])] = value
        source[(row["from"], row["to"])] = row["source"]
    if problems:
        raise ImportRejected(f"{path.name}: restidstabellen avvisades.", problems)
    return TravelTable(minutes, source)


@dataclass(frozen=True)
class Stop:
    """A stop a round may make: its need, length and the window its start must lie in."""

    key: str
    need: float
    minutes: int
    earliest: int = 0  # minutes after the shift's start
    latest: int | None = None  # latest start of the stop


@dataclass(frozen=True)
class RoundStop:
    """A stop of a planned round: arrival and departure in minutes after the start."""

    key: str
    arrive: int  # minutes after the shift's start
    leave: int
    travel_before: float


@dataclass(frozen=True)
class Round:
    """A planned round: its stops in order, the return, what was skipped and the need served."""

    base: str
    stops: list[RoundStop]
    return_at: int
    skipped: list[str]
    need_served: float


def plan_round(base: str, stops: Sequence[Stop], travel: TravelTable, *, shift_minutes: int,
               time_limit_s: float = 1.0, improve: bool = True) -> Round:  # fmt: skip
    """Plan the round from ``base`` and back within ``shift_minutes`` that serves the most need.

    Solved with OR-Tools (vehicle routing with time windows; each stop optional at a penalty of its
    need), first solution by path-cheapest-arc, improved by guided local search up to the limit
    (``improve``) or by plain local search to a local optimum (fast, for many rounds at once).
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    keys = [base, *[s.key for s in stops]]
    size = len(keys)
    manager = pywrapcp.RoutingIndexManager(size, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    service = [0, *[s.minutes for s in stops]]
    matrix = [[0 if i == j else math.ceil(min(travel(keys[i], keys[j]), 10 * shift_minutes)) for j in range(size)]
              for i in range(size)]  # fmt: skip

    def transit(from_index: int, to_index: int) -> int:
        i, j = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
        return matrix[i][j] + service[i]

    callback = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    routing.AddDimension(callback, shift_minutes, shift_minutes, True, "time")
    time = routing.GetDimensionOrDie("time")
    for node, stop in enumerate(stops, start=1):
        index = manager.NodeToIndex(node)
        latest = min(
            stop.latest if stop.latest is not None else shift_minutes, shift_minutes - stop.minutes
        )
        if latest < stop.earliest:
            latest = stop.earliest
        time.CumulVar(index).SetRange(stop.earliest, latest)
        routing.AddDisjunction([index], round(stop.need * 1000) + 1)
    time.CumulVar(routing.End(0)).SetRange(0, shift_minutes)
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    if improve:  # guided local search runs until the time limit; without it, to a local optimum
        parameters.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
    parameters.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(parameters)
    if solution is None:
        return Round(base, [], 0, [s.key for s in stops], 0.0)
    visited: list[RoundStop] = []
    index = routing.Start(0)
    previous = 0
    while not routing.IsEnd(index):
        index = solution.Value(routing.NextVar(index))
        node = manager.IndexToNode(index)
        if routing.IsEnd(index):
            break
        arrive = solution.Value(time.CumulVar(index))
        visited.append(
            RoundStop(keys[node], arrive, arrive + service[node], float(matrix[previous][node]))
        )
        previous = node
    return_at = solution.Value(time.CumulVar(routing.End(0)))
    served = {s.key for s in visited}
    return Round(
        base,
        visited,
        return_at,
        [s.key for s in stops if s.key not in served],
        sum(s.need for s in stops if s.key in served),
    )


def naive_round(
    base: str, stops: Sequence[Stop], travel: TravelTable, *, shift_minutes: int
) -> Round:
    """Baseline: nearest neighbour from the base, skipping a stop that would not leave time to return."""
    clock, here, visited, left = 0, base, [], list(stops)
    while left:
        nxt = min(left, key=lambda s: travel(here, s.key))
        left.remove(nxt)
        arrive = clock + math.ceil(travel(here, nxt.key))
        arrive = max(arrive, nxt.earliest)
        if arrive + nxt.minutes + travel(nxt.key, base) > shift_minutes or (
            nxt.latest is not None and arrive > nxt.latest
        ):
            continue
        visited.append(RoundStop(nxt.key, arrive, arrive + nxt.minutes, travel(here, nxt.key)))
        clock, here = arrive + nxt.minutes, nxt.key
    served = {s.key for s in visited}
    return Round(
        base,
        visited,
        int(clock + math.ceil(travel(here, base))),
        [s.key for s in stops if s.key not in served],
        sum(s.need for s in stops if s.key in served),
    )


def travel_for(
    areas: gpd.GeoDataFrame, settings: Mapping[str, object], kind: str = "bil"
) -> TravelTable:
    """Return the shipped travel estimate for a unit kind (speed from ``data/presence.json``)."""
    rules = settings["travel"]
    assert isinstance(rules, dict)
    return estimated_table(
        places(areas),
        speed_kmh=float(rules["speed_kmh"][kind]),
        road_factor=float(rules["road_factor"]),
    )


@dataclass(frozen=True)
class RoundRow:
    """One line of a round as the page shows it: local arrival, place and travel minutes."""

    clock: str  # Swedish local HH:MM of arrival
    name: str
    travel_minutes: float


@dataclass(frozen=True)
class RoundView:
    """A round as the page shows it: its lines, what was skipped and the map."""

    rows: list[RoundRow]
    skipped: list[str]
    map: folium.Map


def round_for_duty(week: pd.DataFrame, areas: gpd.GeoDataFrame, units: Sequence[Unit], shifts: Sequence[Shift],
                   travel: TravelTable, *, duty: tuple[str, dt.date, str], need: pd.DataFrame,
                   time_limit_s: float = 0.5) -> RoundView | None:  # fmt: skip
    """Order one unit's planned visits of a shift on a day into a round, shown on a map.

    The round starts at the unit's home base (solver), each stop within 30 minutes of its planned
    start.
    """
    from geo.crs import transformer
    from geo.outputs.maps import area_choropleth

    unit_name, day, shift_name = duty
    unit = next((u for u in units if u.name == unit_name), None)
    shift = next((s for s in shifts if s.name == shift_name), None)
    if unit is None or shift is None:
        return None
    begin, end = shift.window(day)
    mine = week[(week["unit"] == unit_name) & (week["status"] == "planerad") & (week["planned_start"] >= pd.Timestamp(begin))
                & (week["planned_end"] <= pd.Timestamp(end))]  # fmt: skip
    if mine.empty:
        return None
    shares = need.set_index("area_code")["need_share"].to_dict()
    shift_minutes = int((end - begin).total_seconds() // 60)
    stops = []
    for row in mine.itertuples():
        offset = int((pd.Timestamp(row.planned_start) - pd.Timestamp(begin)).total_seconds() // 60)
        length = int(
            (pd.Timestamp(row.planned_end) - pd.Timestamp(row.planned_start)).total_seconds() // 60
        )
        stops.append(Stop(str(row.area_code), float(shares.get(row.area_code, 0.0)) + 0.01, length,
                          max(0, offset - 30), offset + 30))  # fmt: skip
    found = plan_round(
        unit.home_base, stops, travel, shift_minutes=shift_minutes, time_limit_s=time_limit_s
    )
    names = dict(zip(areas["area_code"], areas["name"], strict=True))
    local = pd.Timestamp(begin).tz_convert(LOCAL_TZ)
    rows = [RoundRow(f"{local:%H:%M}", f"{unit.home_base} (start)", 0.0)]
    rows += [RoundRow(f"{local + pd.Timedelta(minutes=s.arrive):%H:%M}", names.get(s.key, s.key), s.travel_before)
             for s in found.stops]  # fmt: skip
    back = travel(found.stops[-1].key, unit.home_base) if found.stops else 0.0
    rows.append(
        RoundRow(
            f"{local + pd.Timedelta(minutes=found.return_at):%H:%M}",
            f"{unit.home_base} (tillbaka)",
            back,
        )
    )
    order = {s.key: i for i, s in enumerate(found.stops, start=1)}
    fmap = area_choropleth(areas.assign(order=areas["area_code"].map(order)), "order", value_label="Stopp i rundan",
                           legend_title="Stopp i rundan", notes=[f"Restid: {ESTIMATE} om inget annat importerats"])  # fmt: skip
    point = {p.key: (p.e, p.n) for p in places(areas)}
    path = [point[unit.home_base], *[point[s.key] for s in found.stops], point[unit.home_base]]
    lon, lat = transformer("EPSG:3006", "EPSG:4326").transform(
        [p[0] for p in path], [p[1] for p in path]
    )
    folium.PolyLine(list(zip(lat, lon, strict=True)), color="#b2182b", weight=3).add_to(fmap)
    return RoundView(rows, [names.get(k, k) for k in found.skipped], fmap)
