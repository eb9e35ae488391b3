"""Hotspot statistics against known answers."""

from __future__ import annotations

import esda
import numpy as np
import pytest
from libpysal.graph import Graph
from scipy import sparse

from geo.errors import GeoError, InsufficientDataError
from geo.hotspots import (
    bh_threshold,
    cell_of,
    cell_values,
    emerging_hotspots,
    exact_p_values,
    getis_ord,
    gi_star_z,
    land_grid,
    mann_kendall,
    permutation_p_values,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
CLUSTER = (355_000.0, 6_320_000.0)


@pytest.fixture(scope="module")
def grid():  # type: ignore[no-untyped-def]
    return land_grid(250)


def _uniform(grid, n: int, seed: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = grid.cells.total_bounds
    return cell_values(grid, rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n))


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
    with pytest.raises(InsufficientDataError, match=r"29 händelser räcker inte.*minst 30"):
        getis_ord(grid, np.zeros(len(grid.cells)), n_incidents=29)


def test_exact_p_values_by_hand() -> None:
    # A path of three cells 0–1–2 with values 2, 0, 1: cell 1 has neighbours 0 and 2 (sum 3).
    # Draws come from the distribution {0: 1/3, 1: 1/3, 2: 1/3} (on the 0.5 grid: 0, 2, 4).
    adjacency = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=float))
    upper, lower = exact_p_values(adjacency, np.array([2.0, 0.0, 1.0]))
    # Sum of two draws ≥ 3: (1,2), (2,1), (2,2) → 3/9. ≤ 3: all but (2,2) → 8/9.
    assert upper[1] == pytest.approx(3 / 9) and lower[1] == pytest.approx(8 / 9)
    # Cell 0 has one neighbour with value 0: P(draw ≥ 0) = 1, P(draw ≤ 0) = 1/3.
    assert upper[0] == pytest.approx(1.0) and lower[0] == pytest.approx(1 / 3)


def test_permutation_p_values_count_ties_in_both_tails() -> None:
    adjacency = sparse.csr_matrix(np.ones((4, 4)))
    upper, lower = permutation_p_values(adjacency, np.zeros(4), permutations=99, seed=1)
    assert np.allclose(upper, 1.0) and np.allclose(lower, 1.0)  # all ties: never significant


def test_permutation_p_values_agree_with_esda_without_ties(grid) -> None:  # type: ignore[no-untyped-def]
    values = np.random.default_rng(4).gamma(2.0, 1.0, len(grid.cells))
    local = esda.G_Local(
        values,
        grid.graph,
        transform="B",
        permutations=999,
        star=True,
        seed=1,
        n_jobs=1,
        keep_simulations=False,
    )
    upper, lower = permutation_p_values(grid.adjacency, values)
    # Two independent 999-permutation estimates: measured correlation 0.967–0.994 across esda seeds.
    assert np.corrcoef(np.minimum(upper, lower), local.p_sim)[0, 1] > 0.95


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
    minx, miny, maxx, maxy = grid.cells.total_bounds
    steps = 24
    counts = np.zeros((len(grid.cells), steps))
    for step in range(steps):
        xs, ys = rng.uniform(minx, maxx, 600), rng.uniform(miny, maxy, 600)
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
