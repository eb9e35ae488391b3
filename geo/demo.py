"""Deterministic synthetic demo data: incidents and survey waves with Falkenberg-like structure.

Everything made here is fiction, marked ``synthetic`` in the store and labelled as such in the UI.
The patterns follow the issue's description of the municipality (FACTS §1): most incidents in the
town, weekend-night violence and disorder in the centre, summer peaks at Skrea strand, daytime
shoplifting around Gekås in Ullared, burglary and fuel/machinery theft spread over the inland,
traffic along the E6. Place coordinates below are approximate and only seed the fiction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, delete, insert, select

from geo.areas.falkenberg import E6_APPROX, LOCALITIES_2020
from geo.areas.join import area_codes_for_points
from geo.crs import MAP_CRS, WORK_CRS, transformer
from geo.errors import GeoError
from geo.io.surveys import PROBLEM_ITEMS, PROBLEM_SCALE, SAFETY_SCALE, insert_responses
from geo.periods import LOCAL_TZ
from geo.store.database import (
    ImportRecord,
    active_layer,
    insert_incidents,
    record_import,
    unit_of_work,
)
from geo.store.schema import (
    imports,
    incidents,
    partner_indicators,
    presence_audit,
    presence_entries,
    survey_items,
    survey_responses,
)
from geo.taxonomy import load_taxonomy

DEMO_SOURCE = "demo"

_TO_WORK = transformer(MAP_CRS, WORK_CRS)


def _point(lat: float, lon: float) -> tuple[float, float]:
    x, y = _TO_WORK.transform(lon, lat)
    return float(x), float(y)


CENTRUM = _point(56.9050, 12.4900)
SKREA_STRAND = _point(56.8790, 12.5250)
GEKAS_ULLARED = _point(57.1408, 12.7227)
# The E6 through the municipality (approximate, geo.areas.falkenberg.E6_APPROX).
E6_LINE = shapely.LineString([_point(lat, lon) for lat, lon in E6_APPROX])

# Time profiles: weights per hour 0–23, weekday Mon–Sun, month Jan–Dec.
# fmt: off
_NIGHTLIFE_HOURS = [6, 5, 4, 2, 1, .5, .3, .3, .3, .3, .3, .4, .5, .5, .5, .6, .7, .8, 1, 1.5, 2, 3, 4, 5]
_DAY_HOURS = [.3, .2, .2, .1, .1, .2, .5, 1, 1.5, 2, 2.5, 3, 3, 3, 3, 3, 2.8, 2.5, 2, 1.5, 1, .8, .6, .4]
_SHOP_HOURS = [0, 0, 0, 0, 0, 0, 0, .2, .5, 2, 3, 3.5, 4, 4, 4, 4, 3.5, 3, 2.5, 2, 1, .2, 0, 0]
_NIGHT_HOURS = [4, 4, 4, 3.5, 3, 2, 1, .5, .3, .3, .3, .3, .3, .3, .3, .3, .3, .4, .5, .8, 1.5, 2.5, 3, 3.5]
_TRAFFIC_HOURS = [.5, .3, .3, .3, .4, .8, 2, 3.5, 3, 2, 1.8, 2, 2, 2, 2.2, 3, 3.8, 3.5, 2.5, 2, 1.5, 1.2, 1, .7]
_BEACH_HOURS = [1.5, 1, .5, .2, .1, .1, .1, .2, .3, .5, 1, 1.5, 2, 2.5, 3, 3, 3, 2.8, 2.5, 2.5, 2.5, 2.5, 2.2, 2]
_EVERY_DAY = [1, 1, 1, 1, 1, 1, 1]
_WEEKEND_NIGHTS = [.4, .3, .4, .6, 1.5, 3, 2]
_FLAT_YEAR = [1] * 12
_SUMMER = [.05, .05, .05, .1, .4, 2.5, 4, 3.5, .6, .1, .05, .05]
_SHOPPING_YEAR = [.7, .6, .7, .8, .9, 1.2, 1.5, 1.3, .9, .9, 1.3, 1.8]
_DARK_YEAR = [1.3, 1.2, 1.1, .9, .8, .7, .7, .8, .9, 1.1, 1.3, 1.4]
# fmt: on


@dataclass(frozen=True)
class Scenario:
    """One pattern of synthetic incidents: where, which types, and when."""

    name: str
    share: float
    types: dict[str, float]
    hours: Sequence[float]
    weekdays: Sequence[float]
    months: Sequence[float]
    place: Callable[[np.random.Generator, int, gpd.GeoDataFrame], np.ndarray]
    yearly_growth: float = 0.0
    """Relative change per year, so trends have something to show."""
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _around(centre: tuple[float, float], sd: float) -> Callable[..., np.ndarray]:
    def place(rng: np.random.Generator, n: int, _areas: gpd.GeoDataFrame) -> np.ndarray:
        return rng.normal(loc=centre, scale=sd, size=(n, 2))

    return place


def _within_zones(zones: tuple[str, ...], *, by_population: bool) -> Callable[..., np.ndarray]:
    def place(rng: np.random.Generator, n: int, areas: gpd.GeoDataFrame) -> np.ndarray:
        chosen = areas[areas["zone"].isin(zones)]
        weights = (
            chosen["population"].astype(float).to_numpy()
            if by_population
            else chosen.geometry.area.to_numpy()
        )
        which = rng.choice(len(chosen), size=n, p=weights / weights.sum())
        points = np.empty((n, 2))
        for k, polygon in enumerate(chosen.geometry):
            idx = np.flatnonzero(which == k)
            points[idx] = _uniform_in(rng, polygon, len(idx))
        return points

    return place


def _near_inland_villages(rng: np.random.Generator, n: int, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Half near inland villages (2 km), half anywhere in the inland."""
    inland = shapely.union_all(areas[areas["zone"] == "inland"].geometry.to_numpy())
    villages = np.array(
        [(loc.e, loc.n) for loc in LOCALITIES_2020 if inland.contains(shapely.Point(loc.e, loc.n))]
    )
    near = rng.random(n) < 0.5
    points = _uniform_in(rng, inland, n)
    picks = villages[rng.integers(0, len(villages), near.sum())]
    points[near] = rng.normal(loc=picks, scale=2000.0)
    return points


def _along_e6(rng: np.random.Generator, n: int, _areas: gpd.GeoDataFrame) -> np.ndarray:
    distances = rng.random(n) * E6_LINE.length
    on_road = shapely.line_interpolate_point(E6_LINE, distances)
    xy = shapely.get_coordinates(on_road)
    return xy + rng.normal(scale=60.0, size=(n, 2))


def _uniform_in(rng: np.random.Generator, polygon: shapely.Geometry, n: int) -> np.ndarray:
    """Draw ``n`` points uniformly inside a polygon (rejection sampling in its bounding box)."""
    out = np.empty((0, 2))
    minx, miny, maxx, maxy = polygon.bounds
    while len(out) < n:
        candidates = rng.uniform((minx, miny), (maxx, maxy), size=(max(n, 64) * 2, 2))
        keep = shapely.contains_xy(polygon, candidates[:, 0], candidates[:, 1])
        out = np.vstack([out, candidates[keep]])
    return out[:n]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "centrum_natt", 0.14,
        {"Misshandel": .33, "Bråk": .2, "Fylleri/LOB": .15, "Ordningslagen": .1, "Olaga hot": .1,
         "Ofredande/förargelse": .06, "Misshandel grov": .04, "Narkotikabrott": .02},
        _NIGHTLIFE_HOURS, _WEEKEND_NIGHTS, _FLAT_YEAR, _around(CENTRUM, 350.0),
        description="helgnatt i centrum",
    ),
    Scenario(
        "tatort_vardag", 0.29,
        {"Stöld": .22, "Stöld ringa": .14, "Inbrott": .09, "Skadegörelse": .15, "Narkotikabrott": .08,
         "Olaga hot": .05, "Misshandel": .07, "Bedrägeri": .06, "Trafikolycka": .05, "Brand": .04,
         "Ofredande/förargelse": .05},
        _DAY_HOURS, _EVERY_DAY, _DARK_YEAR, _within_zones(("tätort",), by_population=True),
        description="vardag i tätorten",
    ),
    Scenario(
        "skrea_sommar", 0.06,
        {"Stöld": .35, "Bråk": .15, "Fylleri/LOB": .15, "Ordningslagen": .1, "Misshandel": .1,
         "Skadegörelse": .15},
        _BEACH_HOURS, _EVERY_DAY, _SUMMER, _around(SKREA_STRAND, 300.0),
        description="sommar vid Skrea strand",
    ),
    Scenario(
        "gekas_dag", 0.12,
        {"Stöld ringa": .6, "Stöld": .2, "Bedrägeri": .05, "Trafikolycka": .05,
         "Ofredande/förargelse": .05, "Olaga hot": .05},
        _SHOP_HOURS, [1, 1, 1, 1.1, 1.3, 1.5, 1.2], _SHOPPING_YEAR, _around(GEKAS_ULLARED, 200.0),
        description="dagtid vid varuhuset i Ullared",
    ),
    Scenario(
        "inland_natt", 0.12,
        {"Inbrott": .35, "Stöld": .45, "Skadegörelse": .1, "Inbrott, försök": .1},
        _NIGHT_HOURS, _EVERY_DAY, _DARK_YEAR, _near_inland_villages,
        yearly_growth=0.15,
        description="inbrott och stöld av drivmedel och maskiner i inlandet",
    ),
    Scenario(
        "e6_trafik", 0.14,
        {"Trafikolycka": .3, "Trafikolycka, vilt": .1, "Rattfylleri": .2, "Trafikbrott": .25,
         "Olovlig körning": .15},
        _TRAFFIC_HOURS, [1.1, 1, 1, 1.1, 1.4, 1.2, 1], [1.2, 1.1, 1, 1, 1, 1.2, 1.4, 1.3, 1, 1, 1.1, 1.3],
        _along_e6,
        description="trafik längs E6",
    ),
    Scenario(
        "landsbygd", 0.13,
        {"Stöld": .25, "Skadegörelse": .15, "Trafikolycka": .15, "Misshandel": .08, "Olaga hot": .07,
         "Bedrägeri": .1, "Brand": .08, "Narkotikabrott": .05, "Trafikolycka, vilt": .07},
        _DAY_HOURS, _EVERY_DAY, _FLAT_YEAR, _within_zones(("kust", "inland"), by_population=True),
        description="landsbygd vid kusten och i inlandet",
    ),
)  # fmt: skip


def demo_period(years: int, end: dt.date) -> tuple[dt.date, dt.date]:
    """``years`` whole years of days ending the day before ``end``."""
    return dt.date(end.year - years, end.month, 1), end


def generate_incidents(
    areas: gpd.GeoDataFrame,
    *,
    years: int = 3,
    seed: int = 1,
    end: dt.date,
    per_year: int = 6000,
) -> pd.DataFrame:
    """Synthetic incidents in the canonical frame (see ``geo.store.database.INCIDENT_COLUMNS``).

    Parameters
    ----------
    areas
        The active area layer (EPSG:3006); used to place points and join area codes.
    years, seed, end
        ``years`` years up to (not including) the first day of ``end``'s month; same inputs,
        same output.
    per_year
        Mean number of incidents per year.
    """
    if years < 1:
        raise GeoError("Antal år måste vara minst 1.")
    rng = np.random.default_rng(seed)
    taxonomy = load_taxonomy()
    land = shapely.union_all(areas.geometry.to_numpy())
    first, stop = demo_period(years, dt.date(end.year, end.month, 1))
    days = pd.date_range(first, stop - dt.timedelta(days=1), freq="D")
    years_since_start = (days - days[0]).days.to_numpy() / 365.25
    frames = []
    for scenario in SCENARIOS:
        day_weights = (
            np.asarray(scenario.months)[days.month - 1]
            * np.asarray(scenario.weekdays)[days.day_of_week]
            * (1 + scenario.yearly_growth) ** years_since_start
        )
        expected = scenario.share * per_year * years
        n = int(rng.poisson(expected))
        day_index = rng.choice(len(days), size=n, p=day_weights / day_weights.sum())
        hours = np.asarray(scenario.hours, dtype=float)
        hour = rng.choice(24, size=n, p=hours / hours.sum())
        minute = rng.integers(0, 60, size=n)
        local = pd.DatetimeIndex(days[day_index]) + pd.to_timedelta(hour * 60 + minute, unit="min")
        occurred = local.tz_localize(LOCAL_TZ, ambiguous="NaT", nonexistent="shift_forward")
        xy = _points_on_land(rng, scenario, n, areas, land)
        names = list(scenario.types)
        type_p = np.asarray([scenario.types[t] for t in names])
        raw_type = np.asarray(names, dtype=object)[
            rng.choice(len(names), size=n, p=type_p / type_p.sum())
        ]
        frames.append(
            pd.DataFrame(
                {
                    "occurred_at": occurred.tz_convert("UTC"),
                    "x": xy[:, 0].round(1),
                    "y": xy[:, 1].round(1),
                    "raw_type": raw_type,
                    "scenario": scenario.description,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.dropna(subset=["occurred_at"])  # the repeated hour at the autumn DST change
    frame = frame.sort_values(["occurred_at", "x", "y"], kind="stable").reset_index(drop=True)
    types = {t.name: t for t in taxonomy.types}
    frame["category"] = [types[t].group for t in frame["raw_type"]]
    frame["harm_weight"] = [float(types[t].harm_weight) for t in frame["raw_type"]]
    frame["area_code"] = area_codes_for_points(frame["x"].to_numpy(), frame["y"].to_numpy(), areas)
    frame["source"] = DEMO_SOURCE
    frame["source_id"] = [f"demo-{seed}-{i:07d}" for i in range(len(frame))]
    frame["ended_at"] = pd.NaT
    frame["location_precision"] = "punkt"
    frame["description"] = (
        "Syntetisk händelse (demodata): " + frame["raw_type"] + ", " + frame["scenario"]
    )
    frame["synthetic"] = True
    return frame.drop(columns=["scenario"])


def _points_on_land(
    rng: np.random.Generator,
    scenario: Scenario,
    n: int,
    areas: gpd.GeoDataFrame,
    land: shapely.Geometry,
) -> np.ndarray:
    """Draw n points from the scenario's place, redrawing those that fall in the sea or abroad."""
    points = scenario.place(rng, n, areas)
    for _ in range(50):
        outside = ~shapely.contains_xy(land, points[:, 0], points[:, 1])
        if not outside.any():
            return points
        points[outside] = scenario.place(rng, int(outside.sum()), areas)
    raise GeoError(f"Demodata: kunde inte placera punkter för {scenario.name} på land.")


def generate_survey(
    areas: gpd.GeoDataFrame, *, years: int = 3, seed: int = 1, end: dt.date, per_wave: int = 870
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic September survey waves: responses (one row per respondent) and item answers.

    Unsafe shares differ by area in a made-up but plausible way: higher in the town centre, where
    the demo's nightlife incidents are, lower in the countryside.
    """
    rng = np.random.default_rng(seed + 1_000)
    first, _stop = demo_period(years, end)
    waves = [
        year
        for year in range(first.year, end.year + 1)
        if first <= dt.date(year, 9, 1) and dt.date(year, 10, 1) <= end
    ]
    population = areas["population"].astype(float).to_numpy()
    # A made-up "unsafe tendency" per area: the centre highest, the rural areas lowest.
    tendency = np.where(areas["zone"].to_numpy() == "tätort", 0.22, 0.12)
    tendency = tendency + np.where(areas["area_code"].to_numpy() == "1382R001", 0.15, 0.0)
    tendency = tendency + rng.normal(0, 0.03, len(areas))
    # Places marked as unsafe and comments use their own generator, so adding them left the
    # answers above unchanged.
    places_rng = np.random.default_rng(seed + 3_000)
    responses, items = [], []
    for wave in waves:
        drift = rng.normal(0, 0.02)
        n = int(rng.poisson(per_wave))
        which = rng.choice(len(areas), size=n, p=population / population.sum())
        for k in range(n):
            unsafe = float(np.clip(tendency[which[k]] + drift, 0.02, 0.8))
            p = np.array(
                [(1 - unsafe) * 0.45, (1 - unsafe) * 0.5, unsafe * 0.7, unsafe * 0.3, 0.03, 0.02]
            )
            answer = SAFETY_SCALE[rng.choice(len(SAFETY_SCALE), p=p / p.sum())]
            respondent = f"demo-{seed}-{wave}-{k:04d}"
            day = int(rng.integers(1, 31))
            responses.append(
                {
                    "source": DEMO_SOURCE, "wave": str(wave), "respondent_id": respondent,
                    "answered_on": dt.date(wave, 9, day), "area_code": areas["area_code"].iloc[which[k]],
                    "safety_answer": answer, "synthetic": True,
                    **_demo_place_and_comment(places_rng, answer, areas.geometry.iloc[which[k]]),
                }
            )  # fmt: skip
            for item in PROBLEM_ITEMS:
                q = np.array([unsafe * 0.4, unsafe * 0.8, 0.35, 0.35, 0.05])
                items.append(
                    {"respondent_id": respondent, "wave": str(wave), "item": item,
                     "answer": PROBLEM_SCALE[rng.choice(len(PROBLEM_SCALE), p=q / q.sum())]}
                )  # fmt: skip
    return pd.DataFrame(responses), pd.DataFrame(items)


_UNSAFE_SPOTS = (CENTRUM, SKREA_STRAND, _point(56.9020, 12.5020), _point(56.9125, 12.5160))
"""Made-up places that demo respondents mark as unsafe: the square, the beach, the station area
and a park path (approximate points, synthetic)."""
_DEMO_COMMENTS = (
    "Dålig belysning på gång- och cykelvägen.",
    "Mopeder kör fort på kvällarna.",
    "Känns otryggt vid busshållplatsen sent.",
    "Bra med synlig polis på torget.",
    "Nedskräpning i parken efter helger.",
)


def _demo_place_and_comment(
    rng: np.random.Generator, answer: str, home: shapely.Geometry
) -> dict[str, object]:
    """Give some respondents an "otrygg plats" and a few a synthetic comment.

    The place is more often given to those who feel unsafe, near a made-up spot or in their own
    area.
    """
    x = y = None
    if rng.random() < (0.35 if answer in ("ganska_otrygg", "mycket_otrygg") else 0.06):
        if rng.random() < 0.7:
            spot = _UNSAFE_SPOTS[int(rng.integers(len(_UNSAFE_SPOTS)))]
            x, y = (float(v) for v in rng.normal(spot, 120.0))
        else:
            point = home.representative_point()
            x, y = float(point.x + rng.normal(0, 300)), float(point.y + rng.normal(0, 300))
    comment = (
        _DEMO_COMMENTS[int(rng.integers(len(_DEMO_COMMENTS)))] if rng.random() < 0.05 else None
    )
    return {"unsafe_x": x, "unsafe_y": y, "comment": comment}


PARTNER_INDICATORS = (
    ("Anmälningar om skadegörelse och klotter", "antal", "Falkenbergs kommun, felanmälan (syntetiskt)"),
    ("Våldsrelaterade akutbesök", "antal", "Region Halland, akutmottagningen (syntetiskt)"),
    ("Elever som känner sig trygga i skolan", "procent", "Falkenbergs kommun, elevenkät (syntetiskt)"),
)  # fmt: skip


def generate_partner_indicators(
    areas: gpd.GeoDataFrame, *, years: int = 3, seed: int = 1, end: dt.date
) -> pd.DataFrame:
    """Synthetic yearly indicators from the kommun and the region per area (complete years only).

    Counts scale with population and are higher in the town centre; the school share is lower
    there. Made up, for the demo only.
    """
    rng = np.random.default_rng(seed + 4_000)
    first, _stop = demo_period(years, end)
    rows = []
    population = areas["population"].astype(float).to_numpy()
    centre = (areas["area_code"] == "1382R001").to_numpy()
    town = (areas["zone"] == "tätort").to_numpy()
    for year in range(first.year, end.year):
        for i, code in enumerate(areas["area_code"]):
            vandalism = rng.poisson(
                population[i] / 1000 * (6 if centre[i] else 3 if town[i] else 1.5)
            )
            emergency = rng.poisson(population[i] / 1000 * (1.2 if centre[i] else 0.5))
            school = float(np.clip(rng.normal(78 if centre[i] else 86, 3), 50, 99))
            for (indicator, unit, source), value in zip(
                PARTNER_INDICATORS, (vandalism, emergency, round(school, 1)), strict=True
            ):
                rows.append({"area_code": code, "period": str(year), "indicator": indicator,
                             "value": float(value), "unit": unit, "source": source})  # fmt: skip
    return pd.DataFrame(rows)


UNITS = ("Patrull 1", "Patrull 2", "Patrull 3", "Patrull 4")


def generate_presence(
    areas: gpd.GeoDataFrame, *, end: dt.date, weeks: int = 16, seed: int = 1
) -> pd.DataFrame:
    """Generate synthetic presence entries for the ``weeks`` weeks before ``end``.

    Mostly in the town, a quarter in the inland; most performed, but delivering less time than
    planned (FACTS §5).
    """
    rng = np.random.default_rng(seed + 2_000)
    town = areas.loc[areas["zone"] == "tätort", "area_code"].to_numpy()
    inland = areas.loc[areas["zone"] == "inland", "area_code"].to_numpy()
    coast = areas.loc[areas["zone"] == "kust", "area_code"].to_numpy()
    first_monday = end - dt.timedelta(days=end.weekday()) - dt.timedelta(weeks=weeks)
    rows = []
    for week in range(weeks):
        monday = first_monday + dt.timedelta(weeks=week)
        for unit_index, unit in enumerate(UNITS):
            for day in range(7):
                if rng.random() < 0.45:
                    continue
                hour = int(rng.choice([10, 14, 18, 21, 22]))
                local = pd.Timestamp(
                    dt.datetime.combine(
                        monday + dt.timedelta(days=day), dt.time(hour, 15 * unit_index)
                    )
                )
                start = local.tz_localize(
                    LOCAL_TZ, nonexistent="shift_forward", ambiguous=True
                ).tz_convert("UTC")
                length = pd.Timedelta(minutes=int(rng.choice([45, 60, 90, 120])))
                zone_pick = rng.random()
                pool = inland if zone_pick < 0.25 else coast if zone_pick < 0.35 else town
                area = str(rng.choice(pool))
                done = (start + length).date() < end and rng.random() < 0.8
                cancelled = not done and (start + length).date() < end
                delivered = length * float(rng.uniform(0.35, 0.9))
                rows.append({
                    "area_code": area, "planned_start": start, "planned_end": start + length, "unit": unit,
                    "kind": str(rng.choice(["fotpatrull", "bilpatrull", "bilpatrull", "medborgardialog"])),
                    "purpose": "Syntetisk närvaro (demodata)", "promise_activity": "Riktad närvaro i inlandet" if area in inland else None,
                    "status": "genomförd" if done else "inställd" if cancelled else "planerad",
                    "actual_start": start if done else pd.NaT, "actual_end": start + delivered if done else pd.NaT,
                    "tactics": "Synlig närvaro" if done else None, "notes": None,
                })  # fmt: skip
    return pd.DataFrame(rows)


def has_demo_data(engine: Engine) -> bool:
    """Whether synthetic demo incidents are in the store."""
    with engine.connect() as connection:
        return (
            connection.execute(
                select(incidents.c.id).where(incidents.c.source == DEMO_SOURCE).limit(1)
            ).first()
            is not None
        )


def load_demo(
    engine: Engine,
    *,
    years: int = 3,
    seed: int = 1,
    end: dt.date | None = None,
    replace: bool = False,
    progress: Callable[[str], None] = lambda _message: None,
) -> dict[str, int]:
    """Generate demo data and write it to the store in one transaction.

    Parameters
    ----------
    replace
        Delete earlier demo data first; without it, existing demo data is an error.
    progress
        Called with a Swedish status line at each step (the CLI prints them).

    Returns
    -------
    dict
        Counts written: ``incidents``, ``survey_responses``.
    """
    end = end or dt.date.today().replace(day=1)
    if has_demo_data(engine) and not replace:
        raise GeoError("Demodata finns redan; använd --replace för att ersätta dem.")
    _info, areas = active_layer(engine)
    progress(f"Skapar syntetiska händelser för {years} år (frö {seed}) …")
    frame = generate_incidents(areas, years=years, seed=seed, end=end)
    progress(f"Skapar syntetiska enkätsvar ({frame['occurred_at'].min():%Y}–{end:%Y}) …")
    responses, items = generate_survey(areas, years=years, seed=seed, end=end)
    progress(f"Sparar {len(frame)} händelser och {len(responses)} enkätsvar i databasen …")
    with unit_of_work(engine) as work:
        connection = work.connection
        if replace:
            _delete_demo(connection)
        import_id = record_import(
            connection,
            ImportRecord(
                kind="demo",
                source=DEMO_SOURCE,
                imported_by="geo.demo",
                rows_read=len(frame),
                rows_imported=len(frame),
                synthetic=True,
                note=f"Syntetiska demodata: {years} år, frö {seed}, till {end.isoformat()}",
            ),
        )
        insert_incidents(connection, frame, import_id)
        insert_responses(
            connection,
            responses.assign(import_id=import_id).to_dict("records"),
            items.to_dict("records"),
            import_id,
        )
        indicators = generate_partner_indicators(areas, years=years, seed=seed, end=end)
        if not indicators.empty:
            connection.execute(
                insert(partner_indicators),
                indicators.assign(import_id=import_id, synthetic=True).to_dict("records"),
            )
        presence = generate_presence(areas, end=end, seed=seed)
        already = connection.execute(
            select(presence_entries.c.id).where(presence_entries.c.source == "demo").limit(1)
        ).first()
        if already is None:  # demo presence cannot be replaced: its audit rows are append-only
            _insert_presence(connection, presence)
    from geo.presence.units import ensure_defaults

    ensure_defaults(engine)  # the demo's units (Patrull 1–4) and the default shifts
    progress("Demodata klara.")
    return {"incidents": len(frame), "survey_responses": len(responses), "presence": len(presence)}


def _insert_presence(connection: Connection, presence: pd.DataFrame) -> None:
    """Write demo presence entries (version 1) and their 'skapad' audit rows."""
    moment = dt.datetime.now(dt.UTC)
    for row in presence.to_dict("records"):
        values = {key: (None if pd.isna(value) else (value.to_pydatetime() if isinstance(value, pd.Timestamp) else value))
                  for key, value in row.items()}  # fmt: skip
        values.update(source="demo", synthetic=True, version=1, created_by="geo.demo", created_at=moment,
                      updated_by="geo.demo", updated_at=moment)  # fmt: skip
        key = connection.execute(insert(presence_entries).values(**values)).inserted_primary_key
        assert key is not None
        connection.execute(insert(presence_audit).values(entry_id=int(key[0]), action="skapad", changed_by="geo.demo",
                                                          changed_at=moment, after_json=None))  # fmt: skip


def _delete_demo(connection: Connection) -> None:
    """Delete every row that demo imports wrote (inside the caller's transaction)."""
    demo_imports = select(imports.c.id).where(imports.c.kind == "demo")
    demo_responses = select(survey_responses.c.id).where(
        survey_responses.c.import_id.in_(demo_imports)
    )
    connection.execute(delete(survey_items).where(survey_items.c.response_id.in_(demo_responses)))
    connection.execute(
        delete(survey_responses).where(survey_responses.c.import_id.in_(demo_imports))
    )
    connection.execute(delete(incidents).where(incidents.c.import_id.in_(demo_imports)))
    connection.execute(
        delete(partner_indicators).where(partner_indicators.c.import_id.in_(demo_imports))
    )
    # Demo presence stays: the audit table is append-only, so its entries cannot be removed.
