"""The panel beside a map (geo/analysis/details.py): which area a click meant, and that area's figures."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from sqlalchemy import Engine

from geo.analysis.details import area_details, month_starts, point_in_layer, survey_share
from geo.analysis.survey import safety_by_area
from geo.crs import WORK_CRS
from geo.errors import CRSError
from geo.outputs.maps import WHOLE_MUNICIPALITY, view_for
from geo.presence.log import create_entry, last_performed, mark_done
from geo.store.database import active_layer

TO_WGS84 = Transformer.from_crs(WORK_CRS, "EPSG:4326", always_xy=True)
GROUPS = {"vald": "Våld", "stold": "Stöld", "skadegorelse": "Skadegörelse"}


@pytest.fixture(scope="module")
def layer(demo_store: Engine) -> gpd.GeoDataFrame:
    return active_layer(demo_store)[1]


def _lat_lon(point: shapely.Point) -> tuple[float, float]:
    lon, lat = TO_WGS84.transform(point.x, point.y)
    return lat, lon


def test_a_click_inside_each_area_finds_that_area(layer: gpd.GeoDataFrame) -> None:
    for code, polygon in zip(layer["area_code"], layer.geometry, strict=True):
        lat, lon = _lat_lon(polygon.representative_point())
        assert point_in_layer(layer, lat, lon, "area_code") == code


def test_a_click_at_sea_or_far_away_finds_nothing(layer: gpd.GeoDataFrame) -> None:
    assert point_in_layer(layer, 56.9, 12.2, "area_code") is None  # Kattegat, west of the coast
    assert point_in_layer(layer, 59.33, 18.07, "area_code") is None  # Stockholm
    assert point_in_layer(layer, float("nan"), 12.5, "area_code") is None


def test_a_layer_in_degrees_is_refused(layer: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError):
        point_in_layer(layer.to_crs("EPSG:4326"), 56.9, 12.5, "area_code")


def _incidents(layer: gpd.GeoDataFrame, seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "occurred_at": start + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, n), unit="min"),
            "area_code": rng.choice(layer["area_code"].to_numpy(), n),
            "category": rng.choice(list(GROUPS), n),
            "harm": rng.uniform(0, 5, n).round(2),
            "source": rng.choice(["demo", "polis"], n),
            "synthetic": rng.random(n) < 0.5,
        }
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 400), pick=st.integers(0, 13))
def test_the_panel_figures_add_up_to_the_areas_own_incidents(
    layer: gpd.GeoDataFrame, seed: int, n: int, pick: int
) -> None:
    incidents = _incidents(layer, seed, n)
    area = layer.iloc[pick % len(layer)]
    result = area_details(incidents, area=area, first=dt.date(2025, 1, 1), last=dt.date(2025, 12, 31),
                          group_labels=GROUPS)  # fmt: skip
    own = incidents[incidents["area_code"] == area["area_code"]]
    assert result.count == len(own)
    assert sum(count for _label, count in result.groups) == len(own)  # every group shown
    assert [label for label, _ in result.groups] == list(GROUPS.values())
    assert len(result.monthly) == 12 and sum(c for _m, c in result.monthly) == len(own)
    assert len(result.weekdays) == 7 and sum(result.weekdays) == len(own)
    assert result.harm == pytest.approx(own["harm"].sum(), abs=0.05 + 1e-9)  # rounded to 0,1
    assert result.synthetic == bool(own["synthetic"].any())


def test_weekdays_and_months_are_counted_in_swedish_time() -> None:
    """23:30 UTC on Sunday 30 March 2025 is 01:30 on Monday 31 March in Sweden (summer time)."""
    frame = pd.DataFrame({
        "occurred_at": pd.to_datetime(["2025-03-30T23:30:00Z", "2025-01-31T23:30:00Z"]),
        "area_code": ["A", "A"], "category": ["vald", "vald"], "harm": [1.0, 1.0],
        "source": ["demo", "demo"], "synthetic": [True, True],
    })  # fmt: skip
    area = pd.Series({"area_code": "A", "name": "Ett område", "zone": "inland"})
    result = area_details(frame, area=area, first=dt.date(2025, 1, 1), last=dt.date(2025, 3, 31),
                          group_labels=GROUPS)  # fmt: skip
    assert result.weekdays[0] == 1  # Monday (not Sunday, as in UTC)
    assert result.weekdays[5] == 1  # 2025-02-01 was a Saturday in Sweden
    assert dict(result.monthly) == {
        pd.Timestamp("2025-01-01"): 0, pd.Timestamp("2025-02-01"): 1, pd.Timestamp("2025-03-01"): 1,
    }  # fmt: skip


def test_months_span_every_calendar_month_the_period_touches() -> None:
    assert month_starts(dt.date(2024, 11, 15), dt.date(2025, 2, 1)) == [
        pd.Timestamp(d) for d in ("2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01")
    ]


def test_a_small_survey_n_stays_hidden_in_the_panel(
    demo_store: Engine, layer: gpd.GeoDataFrame
) -> None:
    from geo.analysis.survey import load_responses, waves

    responses = load_responses(demo_store)
    wave = waves(responses)[0]
    # A floor above every area's n: every area is suppressed for partners, revealed for polis.
    table = safety_by_area(responses, layer, wave, suppress_below=10**6, reveal_small=False)
    code = str(layer["area_code"].iloc[0])
    hidden = survey_share(table, code, wave)
    assert hidden is not None and hidden.suppressed
    assert hidden.n is None and hidden.share is None and hidden.low is None and hidden.high is None
    shown = survey_share(
        safety_by_area(responses, layer, wave, suppress_below=10**6, reveal_small=True), code, wave
    )
    assert shown is not None and shown.n is not None and shown.n > 0
    assert shown.low is not None and shown.high is not None and shown.share is not None
    assert shown.low <= shown.share <= shown.high
    assert survey_share(table, "finns-inte", wave) is None


def test_last_performed_presence_counts_only_done_visits_before_the_end(store: Engine) -> None:
    layer = active_layer(store)[1]
    code = str(layer["area_code"].iloc[0])
    codes = set(layer["area_code"])
    assert last_performed(store, code, before=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)) is None
    start = dt.datetime(2025, 5, 1, 8, tzinfo=dt.UTC)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    fields = {"area_code": code, "planned_start": start, "planned_end": start + dt.timedelta(hours=2),
              "kind": "bilpatrull", "unit": "Patrull 1", "purpose": "Riktad närvaro"}  # fmt: skip
    planned = create_entry(store, fields, who="test", area_codes=codes, now=now)
    later = {**fields, "planned_start": start + dt.timedelta(days=10),
             "planned_end": start + dt.timedelta(days=10, hours=2)}  # fmt: skip
    create_entry(store, later, who="test", area_codes=codes, now=now)  # planned only: never counts
    assert last_performed(store, code, before=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)) is None
    mark_done(store, planned, expected_version=1, actual_start=start + dt.timedelta(minutes=15),
              actual_end=start + dt.timedelta(hours=2), tactics=None, notes=None, who="test",
              area_codes=codes, now=now)  # fmt: skip
    when = last_performed(store, code, before=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert when == start + dt.timedelta(minutes=15)
    assert last_performed(store, code, before=start) is None  # a panel for an earlier period


def test_the_hotspot_view_shows_the_cells_and_falls_back_to_the_whole_municipality() -> None:
    cells = gpd.GeoDataFrame(
        geometry=[shapely.box(370_000, 6_315_000, 370_250, 6_315_250),
                  shapely.box(372_000, 6_316_000, 372_250, 6_316_250)],
        crs=WORK_CRS,
    )  # fmt: skip
    (lat, lon), zoom = view_for(cells)
    assert zoom > WHOLE_MUNICIPALITY[1]
    # The view at that zoom (800 × 520 px, 5,217 m per px at zoom 14 here) holds both cells.
    metres_per_px = 156_543.03 * np.cos(np.radians(lat)) / 2**zoom
    x, y = Transformer.from_crs("EPSG:4326", WORK_CRS, always_xy=True).transform(lon, lat)
    assert abs(x - 370_000) < 400 * metres_per_px and abs(x - 372_250) < 400 * metres_per_px
    assert abs(y - 6_315_000) < 260 * metres_per_px and abs(y - 6_316_250) < 260 * metres_per_px
    assert view_for(cells.iloc[0:0]) == WHOLE_MUNICIPALITY


def test_the_hotspot_map_opens_on_the_largest_cluster_of_the_strongest_class() -> None:
    from geo.analysis.hotspots import focus_cells

    def cell(col: int, row: int) -> shapely.Polygon:
        x, y = 340_000 + col * 250, 6_300_000 + row * 250
        return shapely.box(x, y, x + 250, y + 250)

    shapes = [
        cell(0, 0),
        cell(1, 0),
        cell(1, 1),
        cell(40, 40),
        cell(80, 0),
        cell(81, 0),
        cell(82, 0),
        cell(83, 0),
    ]
    classes = ["hot_99", "hot_99", "hot_99", "hot_99", "hot_95", "hot_95", "hot_95", "none"]
    cells = gpd.GeoDataFrame(
        {"cell_id": range(8), "hotspot_class": classes}, geometry=shapes, crs=WORK_CRS
    )
    assert focus_cells(cells)["cell_id"].tolist() == [0, 1, 2]  # not the lone one, not the 95 %
    only_95 = cells.assign(hotspot_class=["none"] * 4 + classes[4:])
    assert focus_cells(only_95)["cell_id"].tolist() == [4, 5, 6]
    assert focus_cells(cells.assign(hotspot_class="cold_99")).empty
