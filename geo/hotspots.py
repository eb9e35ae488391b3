"""Hotspots: Getis-Ord Gi* on a square grid over Falkenberg's land, and emerging hotspots over months.

Method (ARCHITECTURE "Hotspots", FACTS §5): counts (or harm-weighted sums) per grid cell; Gi*
(z as ``esda.G_Local(star=True, transform="B")`` computes it, binary queen contiguity built
directly from the grid) with conditional permutation inference (999 permutations, fixed seed);
Benjamini–Hochberg false-discovery-rate control at each confidence level; classes hot/cold at
90/95/99 %. Fewer than :data:`MIN_INCIDENTS` incidents is an :class:`InsufficientDataError`, not a
map of noise.

Significance: with 999 permutations no p-value is below 0.001, while Benjamini–Hochberg over
~19,000 cells needs about 5e-7 for a first discovery at 1 %: sampled permutation p-values alone can
never pass FDR on this grid. The normal approximation (ESRI's choice) is far too optimistic for
sparse counts (a uniform random field gave up to 360 "hotspots" in our tests). So FDR is applied to
the *exact* randomisation p-values (:func:`exact_p_values`, the limit of infinitely many
permutations), and a cell must also pass its seeded 999-permutation test at the same level.

Why not esda's ``p_sim``: it folds the two tails with ties counted as "larger", so a cell whose
neighbourhood is all zeros (every permutation ties at 0) gets p = 0.001 and half of a sparse grid
becomes a 99 % cold spot (measured on a uniform random field). Count data are full of ties, so
:func:`permutation_p_values` draws the same kind of conditional permutations (one table of random
neighbour sets, shared by all cells, as esda's ``crand`` does) and counts ties on both tails.

Emerging hotspots use the exact randomisation p-values per month (a sampled permutation test per
month and cell would take minutes), FDR per month, and a Mann-Kendall trend test on each cell's monthly counts, classed
as in ESRI's Emerging Hot Spot Analysis: new, consecutive, intensifying, persistent, diminishing,
sporadic, oscillating, historical.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import signal, sparse, stats

from geo.builtin_areas import municipality_outline, polygonal
from geo.crs import WORK_CRS
from geo.errors import GeoError, InsufficientDataError

if TYPE_CHECKING:
    from libpysal.graph import Graph

MIN_INCIDENTS = 30
CELL_SIZES = (100, 150, 200, 250, 500, 750, 1000)
LEVELS = ((0.01, 99), (0.05, 95), (0.10, 90))
CLASS_LABELS = {
    "hot_99": "Hotspot 99 %", "hot_95": "Hotspot 95 %", "hot_90": "Hotspot 90 %", "none": "Inte signifikant",
    "cold_90": "Kall 90 %", "cold_95": "Kall 95 %", "cold_99": "Kall 99 %",
}  # fmt: skip
EMERGING_LABELS = {
    "new": "Ny", "consecutive": "Sammanhängande", "intensifying": "Förstärkt", "persistent": "Ihållande",
    "diminishing": "Avtagande", "sporadic": "Sporadisk", "oscillating": "Pendlande", "historical": "Historisk",
    "none": "Inget mönster",
}  # fmt: skip


@dataclass(frozen=True)
class Grid:
    """Square cells over the municipality's land, with their queen-contiguity neighbours."""

    size: int
    origin: tuple[float, float]
    shape: tuple[int, int]
    """(rows, columns) of the full bounding-box grid."""
    index: np.ndarray
    """(rows, columns) → cell id, or -1 where the box does not touch land."""
    cells: gpd.GeoDataFrame
    """cell_id, row, col, geometry (the square clipped to land), EPSG:3006."""
    adjacency: sparse.csr_matrix
    """Binary queen neighbours *including the cell itself* (Gi*'s star). Every statistic here
    works on this matrix; :attr:`graph` is only for comparing with esda/libpysal."""

    @functools.cached_property
    def graph(self) -> Graph:
        """The same neighbours as a ``libpysal.graph.Graph`` (built on first use: importing
        libpysal alone takes ~2 s, too long for every cold page load)."""
        from libpysal.graph import Graph

        off = sparse.coo_matrix(self.adjacency - sparse.diags(self.adjacency.diagonal()))
        focal, neighbour = off.row.astype(np.int64), off.col.astype(np.int64)
        ids = np.arange(self.adjacency.shape[0])
        # Graph orders cells by first appearance and leaves out cells without neighbours: sort by
        # cell id and mark islands with a zero-weight self-link (libpysal's way of keeping them).
        islands = np.setdiff1d(ids, focal)
        all_focal, all_neighbour = (
            np.concatenate([focal, islands]),
            np.concatenate([neighbour, islands]),
        )
        weights = np.concatenate([np.ones(len(focal)), np.zeros(len(islands))])
        order = np.lexsort((all_neighbour, all_focal))
        return Graph.from_arrays(all_focal[order], all_neighbour[order], weights[order])


@functools.lru_cache(maxsize=8)
def land_grid(size: int = 250) -> Grid:
    """The grid of ``size`` metres clipped to land (deterministic; cached per size).

    Raises
    ------
    GeoError
        For a cell size outside 100–1000 m.
    """
    if not 100 <= size <= 1000:
        raise GeoError(f"Rutstorleken måste vara 100–1000 m, inte {size} m.")
    land = municipality_outline()
    minx, miny, maxx, maxy = land.bounds
    minx, miny = np.floor(minx / size) * size, np.floor(miny / size) * size
    nx, ny = int(np.ceil((maxx - minx) / size)), int(np.ceil((maxy - miny) / size))
    cols, rows = (a.ravel() for a in np.meshgrid(np.arange(nx), np.arange(ny)))
    boxes = shapely.box(
        minx + cols * size, miny + rows * size, minx + (cols + 1) * size, miny + (rows + 1) * size
    )
    shapely.prepare(land)
    clipped = shapely.intersection(boxes, land)
    keep = shapely.area(clipped) > 0  # boxes that only touch the outline are not land
    rows, cols = rows[keep], cols[keep]
    clipped = np.array([polygonal(c) for c in clipped[keep]])
    index = np.full((ny, nx), -1, dtype=np.int64)
    ids = np.arange(len(rows))
    index[rows, cols] = ids
    focal, neighbour = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == dc == 0:
                continue
            r, c = rows + dr, cols + dc
            inside = (r >= 0) & (r < ny) & (c >= 0) & (c < nx)
            other = np.full(len(rows), -1)
            other[inside] = index[r[inside], c[inside]]
            found = other >= 0
            focal.append(ids[found])
            neighbour.append(other[found])
    focal_ids, neighbour_ids = np.concatenate(focal), np.concatenate(neighbour)
    n = len(ids)
    adjacency = sparse.csr_matrix(
        (
            np.ones(len(focal_ids) + n),
            (np.concatenate([focal_ids, ids]), np.concatenate([neighbour_ids, ids])),
        ),
        shape=(n, n),
    )
    cells = gpd.GeoDataFrame(
        {"cell_id": ids, "row": rows, "col": cols},
        geometry=clipped,
        crs=WORK_CRS,
    )
    return Grid(
        size=size,
        origin=(float(minx), float(miny)),
        shape=(ny, nx),
        index=index,
        cells=cells,
        adjacency=adjacency,
    )


def cell_of(grid: Grid, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cell id of each point (EPSG:3006), -1 for points off the grid or missing."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    col = np.floor((x - grid.origin[0]) / grid.size)
    row = np.floor((y - grid.origin[1]) / grid.size)
    ok = (
        np.isfinite(col)
        & np.isfinite(row)
        & (col >= 0)
        & (row >= 0)
        & (col < grid.shape[1])
        & (row < grid.shape[0])
    )
    out = np.full(len(x), -1, dtype=np.int64)
    out[ok] = grid.index[row[ok].astype(int), col[ok].astype(int)]
    return out


def cell_values(
    grid: Grid, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Sum per cell of ``weights`` (1 per point when None) for the points that fall on the grid."""
    cells = cell_of(grid, x, y)
    on_grid = cells >= 0
    w = None if weights is None else np.asarray(weights, dtype=float)[on_grid]
    return np.bincount(cells[on_grid], weights=w, minlength=len(grid.cells)).astype(float)


def bh_threshold(p_values: np.ndarray, alpha: float) -> float:
    """Benjamini–Hochberg: the largest p-value still significant at false-discovery rate ``alpha``
    (0.0 when none is)."""
    p = np.sort(np.asarray(p_values, dtype=float))
    m = len(p)
    below = p <= alpha * np.arange(1, m + 1) / m
    return float(p[np.flatnonzero(below)[-1]]) if below.any() else 0.0


def classify(
    z: np.ndarray, p: np.ndarray, *, fdr: bool = True, p_perm: np.ndarray | None = None
) -> np.ndarray:
    """``hot_99``…``cold_99`` or ``none`` per cell.

    A cell is significant at a level when its analytical p passes the Benjamini–Hochberg threshold
    (or the plain level without FDR) *and*, when given, its permutation p is below the level too.
    """
    classes = np.full(len(z), "none", dtype=object)
    for alpha, level in reversed(LEVELS):  # 90, then 95, then 99 overwrite
        threshold = bh_threshold(p, alpha) if fdr else alpha
        significant = p <= threshold
        if p_perm is not None:
            significant &= p_perm <= alpha
        classes[significant & (z > 0)] = f"hot_{level}"
        classes[significant & (z < 0)] = f"cold_{level}"
    return classes


@dataclass(frozen=True)
class HotspotResult:
    """Gi* per cell and what the caption needs."""

    table: pd.DataFrame
    """cell_id, value, gi_z, p_value, hotspot_class (only the cells of the grid, in order)."""
    n_incidents: int
    cell_size: int
    permutations: int
    seed: int
    weighted: bool


def getis_ord(
    grid: Grid,
    values: np.ndarray,
    *,
    n_incidents: int,
    permutations: int = 999,
    seed: int = 1,
    fdr: bool = True,
    weighted: bool = False,
) -> HotspotResult:
    """Gi* hotspots for per-cell values.

    Parameters
    ----------
    values
        Count (or harm-weighted sum) per grid cell, in cell order.
    n_incidents
        How many incidents the values come from (checked against :data:`MIN_INCIDENTS`).
    permutations, seed
        Conditional permutation inference; same seed, same classes.
    fdr
        Benjamini–Hochberg control of the false-discovery rate at each level.

    Raises
    ------
    InsufficientDataError
        With fewer than :data:`MIN_INCIDENTS` incidents.

    Notes
    -----
    Getis & Ord (1992), Ord & Getis (1995); Caldas de Castro & Singer (2006) on FDR for local
    statistics. ``esda.G_Local(star=True, transform="B")``.
    """
    if n_incidents < MIN_INCIDENTS:
        raise InsufficientDataError(
            f"{n_incidents} händelser räcker inte för hotspotanalys (minst {MIN_INCIDENTS}); visa antal i stället."
        )
    values = np.asarray(values, dtype=float)
    if len(values) != len(grid.cells):
        raise GeoError(f"values has {len(values)} entries, the grid {len(grid.cells)} cells")
    if permutations < 99:
        raise GeoError("Använd minst 99 permutationer.")
    z = gi_star_z(grid.adjacency, values)[:, 0]
    exact_upper, exact_lower = exact_p_values(grid.adjacency, values)
    p_exact = np.minimum(1.0, 2 * np.minimum(exact_upper, exact_lower))
    direction = np.where(
        exact_upper < exact_lower, 1.0, np.where(exact_lower < exact_upper, -1.0, 0.0)
    )
    # The permutation test is a second condition, so only cells that pass the exact test at the
    # loosest level (90 %) can change class: testing just those gives the same classes, faster.
    loosest = LEVELS[-1][0]
    candidates = np.flatnonzero(p_exact <= (bh_threshold(p_exact, loosest) if fdr else loosest))
    p_hot, p_cold = permutation_p_values(
        grid.adjacency, values, permutations=permutations, seed=seed, only=candidates
    )
    p_perm = np.where(direction >= 0, p_hot, p_cold)
    classes = classify(direction, p_exact, fdr=fdr, p_perm=np.nan_to_num(p_perm, nan=1.0))
    table = pd.DataFrame(
        {
            "cell_id": grid.cells["cell_id"].to_numpy(),
            "value": values,
            "gi_z": z,
            "p_value": p_exact,
            "p_permutation": p_perm,
            "hotspot_class": classes,
        }
    )
    return HotspotResult(
        table=table,
        n_incidents=n_incidents,
        cell_size=grid.size,
        permutations=permutations,
        seed=seed,
        weighted=weighted,
    )


def permutation_p_values(
    adjacency: sparse.csr_matrix,
    values: np.ndarray,
    *,
    permutations: int = 999,
    seed: int = 1,
    block: int = 256,
    only: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided permutation p-values of each cell's Gi* sum (upper tail, lower tail).

    Conditional randomisation: each cell keeps its own value and gets ``k`` neighbours drawn
    without replacement from the other ``n - 1`` cells. As in esda's ``crand``, one table of
    ``permutations × k_max`` random positions is drawn with ``seed`` and shared by all cells (a
    position at or after the cell's own index is shifted by one, so the cell never draws itself).
    Ties count in both tails: ``p_upper = (#{sim ≥ obs} + 1) / (permutations + 1)`` and
    ``p_lower = (#{sim ≤ obs} + 1) / (permutations + 1)``. With ``only`` (cell ids), just those
    cells are tested and the others get NaN; the random table is the same, so their p-values are
    what a full run gives.
    """
    y = np.asarray(values, dtype=float)
    n = len(y)
    off_diagonal = adjacency - sparse.diags(adjacency.diagonal())
    k = np.asarray(off_diagonal.sum(axis=1)).ravel().astype(int)
    observed = np.asarray(off_diagonal @ y).ravel()
    k_max = int(k.max()) if n else 0
    rng = np.random.default_rng(seed)
    table = np.stack(
        [rng.choice(n - 1, size=k_max, replace=False) for _ in range(permutations)]
    ).astype(np.int32)
    upper = np.full(n, np.nan)
    lower = np.full(n, np.nan)
    targets = np.arange(n) if only is None else np.asarray(only, dtype=np.int64)
    # Cells with the same number of neighbours share one slice of the table; small int32 blocks
    # keep the working set in cache (int64 blocks of 2,000 cells were ~128 MB and 3x slower).
    for size in np.unique(k[targets]) if len(targets) else []:
        group = targets[k[targets] == size]
        draws = table[:, :size]
        for start in range(0, len(group), block):
            cells = group[start : start + block].astype(np.int32)
            positions = draws[None, :, :] + (
                draws[None, :, :] >= cells[:, None, None]
            )  # skip own index
            simulated = y[positions].sum(axis=2)
            upper[cells] = (simulated >= observed[cells][:, None] - 1e-12).sum(axis=1)
            lower[cells] = (simulated <= observed[cells][:, None] + 1e-12).sum(axis=1)
    return (upper + 1) / (permutations + 1), (lower + 1) / (permutations + 1)


def exact_p_values(
    adjacency: sparse.csr_matrix, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact tail probabilities of each cell's neighbour sum under conditional randomisation.

    A cell's ``k`` neighbours are ``k`` draws from the distribution of all cell values, so their
    sum has the ``k``-fold convolution of that distribution: computed once per ``k``, this is the
    limit of infinitely many permutations (with replacement; with n ≈ 19,000 and k ≤ 8 the
    difference from drawing without replacement is negligible). Values are put on a grid of 0.5
    (harm weights are multiples of 0.5; counts are whole numbers).

    Returns
    -------
    (p_upper, p_lower)
        P(sum ≥ observed) and P(sum ≤ observed) per cell.
    """
    y = np.rint(np.asarray(values, dtype=float) * 2).astype(np.int64)
    off_diagonal = adjacency - sparse.diags(adjacency.diagonal())
    k = np.asarray(off_diagonal.sum(axis=1)).ravel().astype(int)
    observed = np.asarray(off_diagonal @ y).ravel().astype(np.int64)
    pmf = np.bincount(y - y.min()).astype(float) if len(y) else np.ones(1)
    pmf /= pmf.sum()
    shift = int(y.min()) if len(y) else 0
    upper = np.ones(len(y))
    lower = np.ones(len(y))
    total = np.ones(1)
    for size in range(1, int(k.max(initial=0)) + 1):
        total = (
            np.convolve(total, pmf)
            if len(total) * len(pmf) < 5_000_000
            else np.clip(signal.fftconvolve(total, pmf), 0, None)
        )
        cells = np.flatnonzero(k == size)
        if len(cells) == 0:
            continue
        at = np.clip(observed[cells] - shift * size, 0, len(total) - 1)
        survival = np.concatenate([np.cumsum(total[::-1])[::-1], [0.0]])
        cumulative = np.cumsum(total)
        upper[cells] = np.clip(survival[at], 0.0, 1.0)
        lower[cells] = np.clip(cumulative[at], 0.0, 1.0)
    return upper, lower


def gi_star_z(adjacency: sparse.csr_matrix, values: np.ndarray) -> np.ndarray:
    """Analytical Gi* z-scores (binary weights including self) for one or more value columns.

    ``values`` is cells × steps; the result has the same shape. Equals ``esda.G_Local(...).Zs``.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    n = x.shape[0]
    weight_sum = np.asarray(adjacency.sum(axis=1)).ravel()[:, None]
    mean = x.mean(axis=0, keepdims=True)
    spread = np.sqrt((x**2).mean(axis=0, keepdims=True) - mean**2)
    local = adjacency @ x
    denominator = spread * np.sqrt((n * weight_sum - weight_sum**2) / (n - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (local - mean * weight_sum) / denominator
    return np.nan_to_num(z)


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mann-Kendall trend test per row of ``series`` (cells × steps): (z, two-sided p).

    Uses the tie-corrected variance (Kendall 1975) and the continuity correction.
    """
    x = np.asarray(series, dtype=float)
    steps = x.shape[1]
    diffs = np.sign(x[:, None, :] - x[:, :, None])
    upper = np.triu(np.ones((steps, steps), dtype=bool), k=1)
    s = diffs[:, upper].sum(axis=1)
    variance = np.full(len(x), steps * (steps - 1) * (2 * steps + 5) / 18.0)
    for row in range(len(x)):
        _values, counts = np.unique(x[row], return_counts=True)
        ties = counts[counts > 1]
        variance[row] -= (ties * (ties - 1) * (2 * ties + 5)).sum() / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(
            s > 0, (s - 1) / np.sqrt(variance), np.where(s < 0, (s + 1) / np.sqrt(variance), 0.0)
        )
    z = np.nan_to_num(z)
    return z, 2 * stats.norm.sf(np.abs(z))


def emerging_hotspots(
    grid: Grid, counts_by_step: np.ndarray, *, alpha: float = 0.10
) -> pd.DataFrame:
    """Emerging-hotspot class per cell from counts per time step (cells × steps, oldest first).

    Returns
    -------
    pandas.DataFrame
        cell_id, hot_steps, cold_steps, trend_z, trend_p, emerging_class.
    """
    x = np.asarray(counts_by_step, dtype=float)
    steps = x.shape[1]
    if steps < 4:
        raise InsufficientDataError("Trendklasser kräver minst fyra tidssteg (månader).")
    hot = np.zeros(x.shape, dtype=bool)
    cold = np.zeros(x.shape, dtype=bool)
    for step in range(steps):
        upper, lower = exact_p_values(grid.adjacency, x[:, step])
        p = np.minimum(1.0, 2 * np.minimum(upper, lower))
        threshold = bh_threshold(p, alpha)
        hot[:, step] = (p <= threshold) & (upper < lower)
        cold[:, step] = (p <= threshold) & (lower < upper)
    trend_z, trend_p = mann_kendall(x)
    rising, falling = (trend_p < alpha) & (trend_z > 0), (trend_p < alpha) & (trend_z < 0)
    share_hot = hot.mean(axis=1)
    final = hot[:, -1]
    ever_cold = cold.any(axis=1)
    earlier_hot = hot[:, :-1].any(axis=1)
    run = np.zeros(len(x), dtype=int)  # length of the uninterrupted hot run ending at the last step
    still = np.ones(len(x), dtype=bool)
    for step in range(steps - 1, -1, -1):
        still &= hot[:, step]
        run += still
    mostly = share_hot >= 0.9
    classes = np.full(len(x), "none", dtype=object)
    classes[~final & mostly] = "historical"
    classes[final & ~mostly & ever_cold] = "oscillating"
    classes[final & ~mostly & ~ever_cold & earlier_hot] = "sporadic"
    classes[final & ~mostly & ~ever_cold & (run >= 2) & (run == hot.sum(axis=1))] = "consecutive"
    classes[final & ~earlier_hot] = "new"
    classes[final & mostly & falling] = "diminishing"
    classes[final & mostly & ~rising & ~falling] = "persistent"
    classes[final & mostly & rising] = "intensifying"
    return pd.DataFrame(
        {"cell_id": grid.cells["cell_id"].to_numpy(), "hot_steps": hot.sum(axis=1), "cold_steps": cold.sum(axis=1),
         "trend_z": trend_z, "trend_p": trend_p, "emerging_class": classes}
    )  # fmt: skip


def hotspots_for(
    incidents: pd.DataFrame,
    *,
    cell_size: int = 250,
    weighted: bool = False,
    permutations: int = 999,
    seed: int = 1,
) -> tuple[HotspotResult, int]:
    """Gi* for a selection of incidents; returns the result and how many had no point (left out).

    ``incidents`` needs ``x``, ``y`` (EPSG:3006, NaN when only the area is known) and, when
    ``weighted``, ``harm``.
    """
    grid = land_grid(cell_size)
    located = incidents.dropna(subset=["x", "y"])
    weights = located["harm"].to_numpy() if weighted else None
    values = cell_values(grid, located["x"].to_numpy(), located["y"].to_numpy(), weights)
    result = getis_ord(
        grid,
        values,
        n_incidents=len(located),
        permutations=permutations,
        seed=seed,
        weighted=weighted,
    )
    return result, len(incidents) - len(located)


def emerging_for(
    incidents: pd.DataFrame, *, months: pd.PeriodIndex, cell_size: int = 250
) -> pd.DataFrame:
    """Emerging-hotspot classes over calendar months (Swedish time) for a selection of incidents."""
    grid = land_grid(cell_size)
    located = incidents.dropna(subset=["x", "y"])
    if len(located) < MIN_INCIDENTS:
        raise InsufficientDataError(
            f"{len(located)} händelser räcker inte för trendklasser (minst {MIN_INCIDENTS})."
        )
    local = (
        located["occurred_at"]
        .dt.tz_convert("Europe/Stockholm")
        .dt.tz_localize(None)
        .dt.to_period("M")
    )
    counts = np.zeros((len(grid.cells), len(months)))
    cells = cell_of(grid, located["x"].to_numpy(), located["y"].to_numpy())
    for step, month in enumerate(months):
        in_month = (local == month).to_numpy() & (cells >= 0)
        counts[:, step] = np.bincount(cells[in_month], minlength=len(grid.cells))
    return emerging_hotspots(grid, counts)


def emerging_by_area(classes: pd.DataFrame, grid: Grid, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cells with an emerging class, counted per area (by the cell's centre) and class."""
    from geo.join import area_codes_for_points

    found = classes[classes["emerging_class"] != "none"]
    if found.empty:
        return pd.DataFrame(columns=["area_code", "name", "emerging_class", "cells"])
    centres = grid.cells.geometry.iloc[found["cell_id"].to_numpy()].centroid
    codes = area_codes_for_points(centres.x.to_numpy(), centres.y.to_numpy(), areas)
    names = areas.set_index("area_code")["name"]
    table = pd.DataFrame({"area_code": codes, "emerging_class": found["emerging_class"].to_numpy()})
    table["name"] = table["area_code"].map(names).fillna("–")
    return (
        table.value_counts(["area_code", "name", "emerging_class"], dropna=False)
        .rename("cells")
        .reset_index()
    )
