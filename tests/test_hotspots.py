"""Hotspot statistics against known answers."""

from __future__ import annotations

import esda
import numpy as np
import pytest
import shapely
from libpysal.graph import Graph
from scipy import sparse, stats

from geo.analysis.hotspots import (
    EMERGING_LABELS,
    bh_threshold,
    cell_of,
    cell_values,
    emerging_for,
    emerging_hotspots,
    exact_p_values,
    getis_ord,
    gi_star_z,
    hotspots_for,
    land_grid,
    mann_kendall,
    permutation_p_values,
    region_for,
    region_values,
    study_region,
)
from geo.areas.builtin import municipality_outline, read_builtin_layer
from geo.errors import GeoError, InsufficientDataError

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
CLUSTER = (355_000.0, 6_320_000.0)


@pytest.fixture(scope="module")
def grid():  # type: ignore[no-untyped-def]
    return land_grid(250)


GLOMMEN = "1382R005"


@pytest.fixture(scope="module")
def layer():  # type: ignore[no-untyped-def]
    return read_builtin_layer()[0].to_crs("EPSG:3006")


def _points_in(polygon, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """``n`` uniform random points inside ``polygon`` (rejection sampling)."""
    minx, miny, maxx, maxy = polygon.bounds
    xs, ys = np.empty(0), np.empty(0)
    while len(xs) < n:
        x, y = rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(polygon, x, y)
        xs, ys = np.concatenate([xs, x[inside]]), np.concatenate([ys, y[inside]])
    return xs[:n], ys[:n]


def _uniform(grid, n: int, seed: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Counts per cell of ``n`` uniform random points on the municipality's land."""
    x, y = _points_in(municipality_outline(), n, np.random.default_rng(seed))
    return cell_values(grid, x, y)


def test_grid_covers_land_with_queen_neighbours(grid) -> None:  # type: ignore[no-untyped-def]
    assert (
        len(grid.cells) == grid.graph.n
        and (grid.graph.unique_ids == np.arange(len(grid.cells))).all()
    )
    assert grid.graph.cardinalities.max() == 8
    assert grid.cells.geometry.area.max() == pytest.approx(250 * 250)
    assert 1_100e6 < grid.cells.geometry.area.sum() < 1_200e6  # the outline is about 1,171 km²


def test_points_fall_in_their_cell(grid) -> None:  # type: ignore[no-untyped-def]
    cell = cell_of(grid, np.array([CLUSTER[0], 0.0, np.nan]), np.array([CLUSTER[1], 0.0, 1.0]))
    assert cell[0] >= 0 and cell[1] == -1 and cell[2] == -1
    assert (
        grid.cells.geometry.iloc[cell[0]].buffer(1).contains(__import__("shapely").Point(CLUSTER))
    )


def test_cell_size_outside_range_is_refused() -> None:
    with pytest.raises(GeoError, match="100–1000 m"):
        land_grid(50)


def test_analytical_z_equals_esda(grid) -> None:  # type: ignore[no-untyped-def]
    values = _uniform(grid, 20_000, seed=1)
    local = esda.G_Local(values, grid.graph, transform="B", permutations=0, star=True)
    assert np.allclose(gi_star_z(grid.adjacency, values)[:, 0], local.Zs)


def test_a_planted_cluster_is_hot_at_99(grid) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    values = _uniform(grid, 3_000, seed=3) + cell_values(
        grid, rng.normal(CLUSTER[0], 300, 100), rng.normal(CLUSTER[1], 300, 100)
    )
    result = getis_ord(grid, values, n_incidents=3_100)
    assert (
        result.table["hotspot_class"].iloc[
            cell_of(grid, np.array([CLUSTER[0]]), np.array([CLUSTER[1]]))[0]
        ]
        == "hot_99"
    )
    hot = result.table[result.table["hotspot_class"].str.startswith("hot")]
    centres = grid.cells.geometry.iloc[hot["cell_id"]].centroid
    assert (np.hypot(centres.x - CLUSTER[0], centres.y - CLUSTER[1]) < 1_500).all()


@pytest.mark.parametrize(
    ("n", "seed"), [(3_000, 1), (3_000, 2), (200_000, 3)], ids=["sparse-1", "sparse-2", "dense"]
)
def test_a_uniform_field_has_no_hotspots_after_fdr(grid, n: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    result = getis_ord(grid, _uniform(grid, n, seed), n_incidents=n)
    assert set(result.table["hotspot_class"]) == {"none"}


def test_fixed_seed_gives_the_same_classes(grid) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(9)
    values = _uniform(grid, 5_000, seed=9) + cell_values(
        grid, rng.normal(CLUSTER[0], 500, 80), rng.normal(CLUSTER[1], 500, 80)
    )
    first = getis_ord(grid, values, n_incidents=5_080, seed=7)
    again = getis_ord(grid, values, n_incidents=5_080, seed=7)
    assert first.table.equals(again.table)


def test_too_few_incidents_is_a_clear_message(grid) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(
        InsufficientDataError, match=r"29 händelser i hela kommunen räcker inte.*minst 30"
    ):
        getis_ord(grid, np.zeros(len(grid.cells)), n_incidents=29)


def test_exact_p_values_by_hand() -> None:
    # A path of three equal cells 0–1–2 holding 2, 0, 1 incidents (N = 3). Cell 0's neighbourhood
    # (itself and cell 1) is 2/3 of the land, so its sum is Binomial(3, 2/3): observed 2.
    adjacency = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=float))
    upper, lower = exact_p_values(adjacency, np.array([2.0, 0.0, 1.0]))
    # P(S ≥ 2) = 3·(2/3)²·(1/3) + (2/3)³ = 20/27; P(S ≤ 2) = 1 − (2/3)³ = 19/27.
    assert upper[0] == pytest.approx(20 / 27) and lower[0] == pytest.approx(19 / 27)
    # Cell 1's neighbourhood is everything: S = 3 for sure.
    assert upper[1] == pytest.approx(1.0) and lower[1] == pytest.approx(1.0)


def test_exact_p_values_follow_the_exposure() -> None:
    # Two cells, the first with three times the land of the second; 4 incidents, all in cell 1.
    adjacency = sparse.identity(2, format="csr")
    upper, _lower = exact_p_values(adjacency, np.array([0.0, 4.0]), np.array([3.0, 1.0]))
    assert upper[1] == pytest.approx(0.25**4)  # all four in the small cell


def test_weighted_exact_p_values_by_hand() -> None:
    # Two equal cells; incidents of weight 1 and 3 (one each), the 3 in cell 0, the 1 in cell 1.
    adjacency = sparse.identity(2, format="csr")
    values = np.array([3.0, 1.0])
    upper, lower = exact_p_values(adjacency, values, None, (np.array([2, 6]), np.array([1, 1])))
    # Cell 0's sum is 0, 1, 3 or 4 with probability 1/4 each: P(≥ 3) = 1/2, P(≤ 3) = 3/4.
    assert upper[0] == pytest.approx(0.5) and lower[0] == pytest.approx(0.75)


def test_permutation_p_values_count_ties_in_both_tails() -> None:
    adjacency = sparse.csr_matrix(np.ones((4, 4)))
    upper, lower = permutation_p_values(adjacency, np.zeros(4), permutations=99, seed=1)
    assert np.allclose(upper, 1.0) and np.allclose(lower, 1.0)  # all ties: never significant


def test_monte_carlo_p_values_estimate_the_exact_ones(grid) -> None:  # type: ignore[no-untyped-def]
    values = _uniform(grid, 20_000, seed=4)
    exact_upper, _ = exact_p_values(grid.adjacency, values, grid.cells.geometry.area.to_numpy())
    upper, _ = permutation_p_values(
        grid.adjacency, values, grid.cells.geometry.area.to_numpy(), permutations=999, seed=2
    )
    # A Monte Carlo estimate with 999 draws is within a few binomial standard errors of the limit.
    error = np.abs(upper - exact_upper) / np.sqrt(exact_upper * (1 - exact_upper) / 999 + 1e-6)
    assert np.quantile(error, 0.99) < 4 and np.corrcoef(upper, exact_upper)[0, 1] > 0.98


def test_benjamini_hochberg_threshold_by_hand() -> None:
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205])
    # k/m·α for α = 0.05, m = 8: 0.00625, 0.0125, 0.01875, 0.025, … → largest passing is 0.008.
    assert bh_threshold(p, 0.05) == 0.008
    assert bh_threshold(np.array([0.5, 0.9]), 0.05) == 0.0


def test_mann_kendall_by_hand() -> None:
    z, p = mann_kendall(
        np.array([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1], [1, 1, 1, 1, 1, 1]], dtype=float)
    )
    # S = 15 for a strictly rising series of 6, Var = 6·5·17/18 = 28.33, z = (15 − 1)/√28.33 = 2.630.
    assert z[0] == pytest.approx(14 / np.sqrt(6 * 5 * 17 / 18)) and p[0] < 0.01
    assert z[1] == pytest.approx(-z[0]) and z[2] == 0.0


def test_emerging_classes(grid) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    steps = 24
    counts = np.zeros((len(grid.cells), steps))
    for step in range(steps):
        xs, ys = _points_in(municipality_outline(), 600, rng)
        if step >= steps - 3:  # appears in the last three months only
            xs = np.concatenate([xs, rng.normal(CLUSTER[0], 200, 40)])
            ys = np.concatenate([ys, rng.normal(CLUSTER[1], 200, 40)])
        counts[:, step] = cell_values(grid, xs, ys)
    result = emerging_hotspots(grid, counts)
    planted = cell_of(grid, np.array([CLUSTER[0]]), np.array([CLUSTER[1]]))[0]
    assert result["emerging_class"].iloc[planted] == "consecutive"
    assert (result["emerging_class"] != "none").sum() < 40


def test_graph_from_arrays_keeps_order_and_islands() -> None:
    graph = Graph.from_arrays(np.array([0, 1, 2]), np.array([1, 0, 2]), np.array([1.0, 1.0, 0.0]))
    assert list(graph.unique_ids) == [0, 1, 2] and graph.cardinalities.iloc[2] == 0


def test_testing_only_candidates_gives_the_same_p_values(grid) -> None:  # type: ignore[no-untyped-def]
    values = _uniform(grid, 20_000, seed=5)
    full_upper, full_lower = permutation_p_values(grid.adjacency, values, seed=3)
    some = np.array([5, 100, 4_000, 19_000])
    upper, lower = permutation_p_values(grid.adjacency, values, seed=3, only=some)
    assert np.allclose(upper[some], full_upper[some]) and np.allclose(lower[some], full_lower[some])
    assert np.isnan(upper[0]) and np.isnan(lower[0])


def test_an_isolated_heavy_cell_is_hot(grid) -> None:  # type: ignore[no-untyped-def]
    # 200 incidents in one cell with empty neighbours, on a sparse uniform background: the cell's
    # Gi* z is about 45 and the test of that same statistic (cell included) must agree.
    values = _uniform(grid, 3_000, seed=11)
    heavy = cell_of(grid, np.array([CLUSTER[0]]), np.array([CLUSTER[1]]))[0]
    neighbours = grid.adjacency[heavy].indices
    values[neighbours] = 0.0
    values[heavy] = 200.0
    result = getis_ord(grid, values, n_incidents=int(values.sum()))
    row = result.cells.iloc[heavy]
    assert row["gi_z"] > 40 and row["hotspot_class"] == "hot_99" and row["p_adjusted"] < 1e-4


def test_study_region_is_the_grid_clipped_to_the_chosen_area(grid, layer) -> None:  # type: ignore[no-untyped-def]
    region = region_for(layer, cell_size=250, area_codes=(GLOMMEN,))
    glommen = layer.set_index("area_code").geometry[GLOMMEN]
    assert region.name == "Glommen" and region.area_codes == (GLOMMEN,)
    assert region.cells["exposure"].sum() == pytest.approx(
        glommen.intersection(municipality_outline()).area, rel=1e-6
    )
    assert region.cells.geometry.area.to_numpy() == pytest.approx(
        region.cells["exposure"].to_numpy()
    )
    assert region.adjacency.shape == (len(region.cells),) * 2 and len(region.cells) < 400
    whole = region_for(layer, cell_size=250)
    assert whole.name == "hela kommunen" and len(whole.cells) == len(grid.cells)
    coast = region_for(layer, cell_size=250, zones=("kust",))
    assert coast.name == "zon kusten" and set(coast.area_codes) == set(
        layer.loc[layer["zone"] == "kust", "area_code"]
    )


def test_unknown_area_or_zone_is_refused(layer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GeoError, match="Okänd områdeskod 1382X999"):
        region_for(layer, area_codes=("1382X999",))
    with pytest.raises(GeoError, match="Okänd zon"):
        region_for(layer, zones=("skog",))


def test_too_small_a_region_gives_the_reason(layer) -> None:  # type: ignore[no-untyped-def]
    region = region_for(layer, cell_size=1000, area_codes=(layer["area_code"].iloc[0],))
    if len(region.cells) >= 30:
        region = study_region(
            land_grid(1000),
            layer,
            (layer.sort_values("population")["area_code"].iloc[0],),
            name="litet",
        )
    with pytest.raises(InsufficientDataError, match=r"rutor à 1000 m .*minst 30"):
        getis_ord(region, np.ones(len(region.cells)) * 40, n_incidents=40 * len(region.cells))


def test_uniform_points_inside_one_area_are_not_hot(layer) -> None:  # type: ignore[no-untyped-def]
    # Calibration: with Glommen as the study region, uniform random points inside Glommen are the
    # null itself. Benjamini–Hochberg at 10 % (the 90 % class) means that under the null at most
    # about one map in ten shows any significant cell. Before the study region was the filter,
    # these points gave 35–163 hot cells of Glommen's ~200.
    region = region_for(layer, cell_size=250, area_codes=(GLOMMEN,))
    glommen = layer.set_index("area_code").geometry[GLOMMEN]
    seeds, maps_with_hot, hot_cells = 120, 0, 0
    for seed in range(seeds):
        n = (60, 400, 2_000)[seed % 3]
        x, y = _points_in(glommen, n, np.random.default_rng(seed))
        values, inside = region_values(region, x, y)
        assert inside.all()
        result = getis_ord(region, values, n_incidents=n, permutations=99, seed=seed)
        hot = int(result.cells["hotspot_class"].str.startswith("hot").sum())
        maps_with_hot += hot > 0
        hot_cells += hot
    assert maps_with_hot / seeds <= 0.10
    assert hot_cells / seeds < 0.10 * len(region.cells) / 10  # far below one cell in ten per map


def test_uniform_points_in_time_and_area_show_no_emerging_pattern(layer) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    region = region_for(layer, cell_size=250, area_codes=(GLOMMEN,))
    glommen = layer.set_index("area_code").geometry[GLOMMEN]
    months = pd.period_range("2025-01", "2025-12", freq="M")
    seeds, with_pattern = 40, 0
    for seed in range(seeds):
        rng = np.random.default_rng(100 + seed)
        x, y = _points_in(glommen, 600, rng)
        start = pd.Timestamp("2025-01-01", tz="Europe/Stockholm").value
        end = pd.Timestamp("2026-01-01", tz="Europe/Stockholm").value
        times = pd.to_datetime(rng.integers(start, end, len(x)), utc=True)
        frame = pd.DataFrame({"x": x, "y": y, "occurred_at": times})
        classes = emerging_for(frame, region, months=months)
        assert len(classes) == len(region.cells)
        with_pattern += bool((classes["emerging_class"] != "none").any())
    assert with_pattern / seeds <= 0.15


def test_emerging_cold_classes_mirror_the_hot_ones(layer) -> None:  # type: ignore[no-untyped-def]
    # A busy block of cells that goes quiet in the last month becomes a new cold spot, against a
    # steady dense uniform background: it must get ESRI's cold class, not a hot one or none.
    region = region_for(layer, cell_size=250, area_codes=(GLOMMEN,))
    glommen = layer.set_index("area_code").geometry[GLOMMEN]
    rng = np.random.default_rng(2)
    steps = 12
    counts = np.zeros((len(region.cells), steps))
    for step in range(steps):
        counts[:, step] = region_values(region, *_points_in(glommen, 4_000, rng))[0]
    full = np.flatnonzero(region.cells["exposure"] > 0.99 * 250 * 250)
    interior = [
        c
        for c in full
        if (
            region.cells["exposure"].to_numpy()[region.adjacency[c].indices] > 0.99 * 250 * 250
        ).all()
    ]
    centre = interior[len(interior) // 2]
    counts[region.adjacency[centre].indices, -1] = 0.0
    result = emerging_hotspots(region, counts)
    assert result["emerging_class"].iloc[centre] == "cold_new"
    assert EMERGING_LABELS["cold_new"] == "Ny kall fläck"


def test_hotspots_for_returns_every_region_cell_with_its_geometry(layer) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    region = region_for(layer, cell_size=250, area_codes=(GLOMMEN,))
    glommen = layer.set_index("area_code").geometry[GLOMMEN]
    x, y = _points_in(glommen, 300, np.random.default_rng(5))
    frame = pd.DataFrame(
        {"x": np.append(x, [np.nan, 330_000.0]), "y": np.append(y, [np.nan, 6_350_000.0])}
    )
    result, without = hotspots_for(frame, region, permutations=99)
    assert without == 1 and result.outside == 1 and result.n_incidents == 300
    assert len(result.cells) == len(region.cells) and result.cells.crs == "EPSG:3006"
    assert result.cells.geometry.equals(region.cells.geometry)
    assert {"value", "gi_z", "p_value", "p_adjusted", "hotspot_class"} <= set(result.cells.columns)
    assert (result.cells["p_adjusted"] >= result.cells["p_value"] - 1e-15).all()


def test_the_candidate_shortcut_gives_the_classes_of_the_full_run(grid) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(6)
    values = _uniform(grid, 20_000, seed=6) + cell_values(
        grid, rng.normal(CLUSTER[0], 400, 150), rng.normal(CLUSTER[1], 400, 150)
    )
    full = getis_ord(grid, values, n_incidents=20_150, seed=4)
    fast = getis_ord(grid, values, n_incidents=20_150, seed=4, only_candidates=True)
    assert (full.cells["hotspot_class"] != "none").sum() > 5
    assert full.cells["hotspot_class"].equals(fast.cells["hotspot_class"])


def test_weighted_values_need_the_incident_weights(grid) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GeoError, match="incident_weights"):
        getis_ord(grid, np.full(len(grid.cells), 0.5), n_incidents=len(grid.cells))


def test_weighted_exact_p_values_match_a_binomial_when_all_weights_are_equal(grid) -> None:  # type: ignore[no-untyped-def]
    values = _uniform(grid, 5_000, seed=8)
    exposure = grid.cells.geometry.area.to_numpy()
    counted = exact_p_values(grid.adjacency, values, exposure)
    doubled = exact_p_values(
        grid.adjacency, values * 3, exposure, (np.array([6, 8]), np.array([5_000, 0]))
    )
    assert np.allclose(counted[0], doubled[0], atol=2e-3) and np.allclose(
        counted[1], doubled[1], atol=2e-3
    )
    assert stats.binom.sf(-1, 5, 0.5) == 1.0  # the tail convention used: sf(k − 1) = P(S ≥ k)


def test_dispersion_is_one_for_random_placement_and_large_for_clustered_data(grid) -> None:  # type: ignore[no-untyped-def]
    from geo.analysis.hotspots import dispersion

    exposure = grid.cells.geometry.area.to_numpy()
    assert dispersion(_uniform(grid, 20_000, seed=12), exposure) < 1.1
    rng = np.random.default_rng(12)
    clustered = _uniform(grid, 5_000, seed=12) + cell_values(
        grid, rng.normal(CLUSTER[0], 800, 5_000), rng.normal(CLUSTER[1], 800, 5_000)
    )
    assert dispersion(clustered, exposure) > 5


def test_overdispersed_sums_are_negative_binomial_by_hand() -> None:
    # One cell alone (its own neighbourhood) with all the exposure of 2 equal cells halved:
    # mean 5, φ = 3 → NB(r = 5/2, p = 1/3); P(S ≥ 12) from scipy's negative binomial.
    adjacency = sparse.identity(2, format="csr")
    upper, lower = exact_p_values(adjacency, np.array([12.0, 8.0]), np.ones(2), phi=3.0)
    mean = 10.0
    assert upper[0] == pytest.approx(stats.nbinom.sf(11, mean / 2, 1 / 3))
    assert lower[1] == pytest.approx(stats.nbinom.cdf(8, mean / 2, 1 / 3))


def test_clustered_demo_incidents_do_not_paint_the_countryside_cold(grid, layer) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from geo.demo import generate_incidents

    incidents = generate_incidents(
        read_builtin_layer()[0], years=1, seed=1, end=dt.date(2026, 1, 1)
    )
    result, _without = hotspots_for(incidents, cell_size=250, permutations=199)
    classes = result.cells["hotspot_class"]
    # Against pure random placement 14,000 of 19,222 cells were "cold"; allowing for the
    # clustering (φ ≫ 1) keeps the map to the real concentrations.
    assert result.dispersion > 2
    assert classes.str.startswith("cold").sum() < 0.01 * len(classes)
    assert 5 <= classes.str.startswith("hot").sum() < 0.05 * len(classes)
