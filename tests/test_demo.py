"""Synthetic demo data: deterministic, synthetic-marked, and shaped like the issue describes."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from geo.demo import GEKAS_ULLARED, SKREA_STRAND, generate_incidents, generate_survey, load_demo
from geo.errors import GeoError
from geo.store.database import active_layer, count_rows, load_incidents
from geo.store.schema import survey_responses
from tests.conftest import DEMO_END


@pytest.fixture(scope="module")
def demo(demo_store: Engine) -> pd.DataFrame:
    frame = load_incidents(
        demo_store,
        columns=(
            "category",
            "raw_type",
            "occurred_at",
            "area_code",
            "x",
            "y",
            "synthetic",
            "source",
        ),
    )
    frame["local"] = frame["occurred_at"].dt.tz_convert("Europe/Stockholm")
    return frame


def test_same_seed_same_data_other_seed_other_data(store: Engine) -> None:
    _info, areas = active_layer(store)
    first = generate_incidents(areas, years=1, seed=7, end=DEMO_END, per_year=500)
    again = generate_incidents(areas, years=1, seed=7, end=DEMO_END, per_year=500)
    other = generate_incidents(areas, years=1, seed=8, end=DEMO_END, per_year=500)
    pd.testing.assert_frame_equal(first, again)
    assert not first[["x", "y"]].equals(other[["x", "y"]])


def test_about_six_thousand_a_year_all_synthetic_all_in_an_area(demo: pd.DataFrame) -> None:
    assert 5_400 < len(demo) < 6_600
    assert demo["synthetic"].all() and (demo["source"] == "demo").all()
    assert demo["area_code"].notna().all()
    assert demo["local"].min() >= pd.Timestamp("2025-01-01", tz="Europe/Stockholm")
    assert demo["local"].max() < pd.Timestamp("2026-01-01", tz="Europe/Stockholm")


def test_most_incidents_are_in_the_town(demo_store: Engine, demo: pd.DataFrame) -> None:
    _info, areas = active_layer(demo_store)
    zone = demo["area_code"].map(areas.set_index("area_code")["zone"])
    assert (zone == "tätort").mean() > 0.4
    assert (zone == "tätort").mean() > (zone == "inland").mean() > (zone == "kust").mean() * 0.5


def test_centre_violence_peaks_on_weekend_nights(demo: pd.DataFrame) -> None:
    violence = demo[(demo["area_code"] == "1382R001") & (demo["category"] == "vald")]
    night = violence["local"].dt.hour.isin([22, 23, 0, 1, 2, 3])
    weekend = violence["local"].dt.day_of_week.isin([4, 5, 6])
    assert (night & weekend).mean() > 0.4


def _near(frame: pd.DataFrame, point: tuple[float, float], metres: float) -> pd.DataFrame:
    return frame[np.hypot(frame["x"] - point[0], frame["y"] - point[1]) < metres]


def test_skrea_strand_peaks_in_summer(demo: pd.DataFrame) -> None:
    skrea = _near(demo, SKREA_STRAND, 500)
    summer = skrea["local"].dt.month.isin([6, 7, 8])
    winter = skrea["local"].dt.month.isin([12, 1, 2])
    assert summer.sum() > 1.5 * winter.sum()


def test_shoplifting_in_ullared_happens_in_opening_hours(demo: pd.DataFrame) -> None:
    shoplifting = _near(demo[demo["raw_type"] == "Stöld ringa"], GEKAS_ULLARED, 1000)
    assert len(shoplifting) > 300
    assert shoplifting["local"].dt.hour.between(7, 21).all()
    assert (shoplifting["area_code"] == "1382R011").all()


def test_inland_burglary_happens_at_night(demo: pd.DataFrame, demo_store: Engine) -> None:
    _info, areas = active_layer(demo_store)
    inland = set(areas.loc[areas["zone"] == "inland", "area_code"])
    burglary = demo[demo["raw_type"].str.startswith("Inbrott") & demo["area_code"].isin(inland)]
    night = burglary["local"].dt.hour.isin([21, 22, 23, 0, 1, 2, 3, 4, 5])
    assert night.mean() > 0.5


def test_survey_waves_are_in_september(demo_store: Engine) -> None:
    with demo_store.connect() as connection:
        rows = connection.execute(
            select(survey_responses.c.wave, survey_responses.c.answered_on)
        ).all()
    assert {wave for wave, _day in rows} == {"2025"}
    assert all(day.month == 9 for _wave, day in rows)
    assert 700 < len(rows) < 1_050


def test_survey_is_deterministic(store: Engine) -> None:
    _info, areas = active_layer(store)
    a = generate_survey(areas, years=2, seed=3, end=DEMO_END, per_wave=50)
    b = generate_survey(areas, years=2, seed=3, end=DEMO_END, per_wave=50)
    pd.testing.assert_frame_equal(a[0], b[0])
    assert set(a[0]["wave"]) == {"2024", "2025"}


def test_loading_twice_needs_replace(demo_store: Engine, store: Engine) -> None:
    load_demo(store, years=1, seed=2, end=dt.date(2025, 1, 1))
    with pytest.raises(GeoError, match="--replace"):
        load_demo(store, years=1, seed=2, end=dt.date(2025, 1, 1))
    before = count_rows(store, "incidents")
    load_demo(store, years=1, seed=3, end=dt.date(2025, 1, 1), replace=True)
    after = count_rows(store, "incidents")
    assert abs(after - before) < 600 and count_rows(store, "survey_items") > 0
    assert np.isfinite(after)
