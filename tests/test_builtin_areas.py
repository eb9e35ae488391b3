"""The built-in approximate layer: deterministic, valid, faithful to the documented facts."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.areas.builtin import (
    generate_builtin_layer,
    municipality_outline,
    read_builtin_layer,
    seeds_and_targets,
    weighted_voronoi,
)
from geo.areas.falkenberg import LOCALITIES_2020, POPULATION_TOTAL, REGSO_2018
from geo.areas.layers import validate_layer


@pytest.fixture(scope="module")
def generated() -> gpd.GeoDataFrame:
    return generate_builtin_layer()


@pytest.fixture(scope="module")
def committed() -> gpd.GeoDataFrame:
    return read_builtin_layer()[0]


def test_committed_file_is_what_the_generator_makes(
    generated: gpd.GeoDataFrame, committed: gpd.GeoDataFrame
) -> None:
    """If this fails, run `python -m geo areas generate-builtin` and commit the file."""
    assert list(committed["area_code"]) == list(generated["area_code"])
    assert list(committed["zone"]) == list(generated["zone"])
    assert list(committed["population"]) == list(generated["population"])
    for mine, theirs in zip(committed.geometry, generated.geometry, strict=True):
        assert mine.symmetric_difference(theirs).area < 0.0001 * theirs.area


def test_generator_is_deterministic(generated: gpd.GeoDataFrame) -> None:
    again = generate_builtin_layer()
    assert all(a.equals(b) for a, b in zip(again.geometry, generated.geometry, strict=True))


def test_fourteen_areas_with_documented_codes_names_and_zones(committed: gpd.GeoDataFrame) -> None:
    facts = {a.area_code: a for a in REGSO_2018}
    assert sorted(committed["area_code"]) == sorted(facts)
    for row in committed.itertuples():
        assert row.name == facts[row.area_code].name
        assert row.zone == facts[row.area_code].zone


def test_layer_is_valid_and_free_of_overlaps(committed: gpd.GeoDataFrame) -> None:
    assert validate_layer(committed, where="inbyggt") == []
    assert set(committed.geom_type) == {"Polygon"}


def test_layer_covers_the_municipality_without_gaps(committed: gpd.GeoDataFrame) -> None:
    outline = municipality_outline()
    union = shapely.union_all(committed.geometry.to_numpy())
    assert union.symmetric_difference(outline).area < 0.001 * outline.area


def test_every_centroid_lies_in_its_own_area(committed: gpd.GeoDataFrame) -> None:
    seeds, _targets = seeds_and_targets(municipality_outline())
    by_code = committed.set_index("area_code").geometry
    for fact, (x, y) in zip(REGSO_2018, seeds, strict=True):
        assert by_code[fact.area_code].contains(shapely.Point(x, y)), fact.name


def test_areas_match_their_documented_share_within_two_percent(committed: gpd.GeoDataFrame) -> None:
    _seeds, targets = seeds_and_targets(municipality_outline())
    areas = committed.set_index("area_code").geometry.area
    for fact, target in zip(REGSO_2018, targets, strict=True):
        assert areas[fact.area_code] == pytest.approx(target, rel=0.02), fact.name


def test_population_estimate_adds_up_and_places_localities(committed: gpd.GeoDataFrame) -> None:
    assert int(committed["population"].sum()) == POPULATION_TOTAL
    slöinge = next(loc for loc in LOCALITIES_2020 if loc.name == "Slöinge")
    area = committed[committed.contains(shapely.Point(slöinge.e, slöinge.n))]
    assert list(area["name"]) == ["Slöinge"]
    assert int(area["population"].iloc[0]) >= slöinge.population


def test_unweighted_voronoi_is_what_the_weights_improve_on() -> None:
    land = municipality_outline()
    seeds, targets = seeds_and_targets(land)
    plain = weighted_voronoi(seeds, targets, land, fit=False)
    fitted = weighted_voronoi(seeds, targets, land)
    assert fitted.max_relative_error < 0.02 < plain.max_relative_error
    assert np.isclose(sum(c.area for c in fitted.cells), land.area, rtol=1e-3)
