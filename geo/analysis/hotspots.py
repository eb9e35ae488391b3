"""Hotspots: Getis-Ord Gi* on a square grid over the study region, and emerging hotspots over months.

Method (ARCHITECTURE "Hotspots", FACTS §5):

* **Study region.** The statistic runs on the cells of what the user filtered, not on the whole
  municipality: :func:`study_region` clips the land grid to the chosen areas (a zone is its areas),
  and each cell's *exposure* is its land area inside the region. A filtered area tested against a
  municipality of zeros stands out by construction (uniform random points in Glommen gave 35–163
  "hot" cells that way).
* **Statistic.** Gi* z as ``esda.G_Local(star=True, transform="B")`` computes it, with binary queen
  contiguity (the cell itself included) built directly from the grid.
* **Significance of the same statistic.** Gi*'s numerator is the sum over the cell *and* its
  neighbours, ``S_i``. It is tested under complete spatial randomness of the incidents in the study
  region: every incident lands in a cell with probability proportional to the cell's exposure,
  independently of the others (the incidents are randomised, the cell itself included, so nothing is
  held fixed). Then ``S_i = Σ_w w · Binomial(c_w, q_i)`` where ``q_i`` is the neighbourhood's share
  of the exposure and ``c_w`` the number of incidents of weight ``w`` (all weights are 1 for
  counts): :func:`exact_p_values` computes both tails exactly. A cell with 200 incidents and empty
  neighbours is therefore hot, as its z says; a test that randomises the cell *values* instead can
  never go below (k + 1)/n for an isolated cell (5e-4 on 19,222 cells), which no false-discovery
  correction over the grid lets through.
* **Overdispersion.** Real incidents cluster where people live, so cell counts vary far more than
  random placement allows, and against pure random placement every town cell would be hot and
  every empty forest a "99 % cold spot" (measured on the demo data: 14,000 cold cells). The
  dispersion φ (Pearson χ² / df of the cell values against random placement, at least 1) is
  estimated per analysis, and with φ > 1 the sum is tested as a negative binomial count with the
  same mean and φ times the variance (exact for Poisson–gamma cells: their sums are again
  negative binomial). Uniform random points give φ ≈ 1, so the calibration is that of the exact
  test; an isolated cell of 200 among empty neighbours stays far in the tail.
* **False discoveries.** Benjamini–Hochberg adjusted p-values over the region's cells
  (:func:`geo.analysis.indicators.bh_adjust`); a class at level 90/95/99 % needs the adjusted p below
  0.10/0.05/0.01, and the cell must also pass a seeded Monte Carlo test of the same null (999
  draws of each cell's sum, :func:`permutation_p_values`, run on *all* cells). Fewer than
  :data:`MIN_INCIDENTS` incidents or :data:`MIN_CELLS` cells is an :class:`InsufficientDataError`
  (the page shows plain counts with the reason), not a map of noise.
* **Emerging hotspots** (ESRI's Emerging Hot Spot Analysis): the same test per month (FDR per
  month), Gi* z per month, and a Mann-Kendall trend test on each cell's *z series* with
  Benjamini–Hochberg over the cells; the classes new, consecutive, intensifying, persistent,
  diminishing, sporadic, oscillating and historical, for hot and for cold spots.

References: Getis & Ord (1992), Ord & Getis (1995); Benjamini & Hochberg (1995); Caldas de Castro &
Singer (2006) on FDR for local statistics; ESRI, "How Emerging Hot Spot Analysis works".
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import signal, sparse, stats

from geo.analysis.indicators import bh_adjust
from geo.areas.builtin import municipality_outline, polygonal
from geo.crs import MAP_CRS, WORK_CRS
from geo.errors import GeoError, InsufficientDataError
from geo.periods import LOCAL_TZ

if TYPE_CHECKING:
    import datetime as dt

    from libpysal.graph import Graph
    from sqlalchemy import Engine

MIN_INCIDENTS = 30
MIN_CELLS = 30
"""A study region smaller than this many cells is too small for a local statistic."""
CELL_SIZES = (100, 150, 200, 250, 500, 750, 1000)
LEVELS = ((0.01, 99), (0.05, 95), (0.10, 90))
EMERGING_ALPHA = 0.10
CLASS_LABELS = {
    "hot_99": "Hotspot 99 %", "hot_95": "Hotspot 95 %", "hot_90": "Hotspot 90 %", "none": "Inte signifikant",
    "cold_90": "Kall 90 %", "cold_95": "Kall 95 %", "cold_99": "Kall 99 %",
}  # fmt: skip
_PATTERNS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
             "oscillating", "historical")  # fmt: skip
_PATTERN_LABELS = ("Ny", "Sammanhängande", "Förstärkt", "Ihållande", "Avtagande", "Sporadisk",
                   "Pendlande", "Historisk")  # fmt: skip
EMERGING_LABELS = {
    **{p: f"{label} hotspot" for p, label in zip(_PATTERNS, _PATTERN_LABELS, strict=True)},
    **{
        f"cold_{p}": f"{label} kall fläck"
        for p, label in zip(_PATTERNS, _PATTERN_LABELS, strict=True)
    },
    "none": "Inget mönster",
}
"""ESRI's classes: a hot pattern is keyed by its name, the cold mirror by ``cold_<name>``."""


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
        """The same neighbours as a ``libpysal.graph.Graph``.

        Built on first use: importing libpysal alone takes ~2 s, too long for every cold page load.
        """
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
    """Return the grid of ``size`` metres clipped to land (deterministic; cached per size).

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


@dataclass(frozen=True)
class StudyRegion:
    """The cells a hotspot analysis runs on: the land grid clipped to the chosen areas."""

    grid: Grid
    name: str
    """What the caption calls the region ("hela kommunen", an area's name, "zon kust")."""
    area_codes: tuple[str, ...]
    """The areas it is made of (empty: the whole municipality)."""
    cells: gpd.GeoDataFrame
    """cell_id (of the grid), row, col, exposure (land m² inside the region), geometry clipped
    to the region; in the order every array of the analysis uses."""
    adjacency: sparse.csr_matrix
    """Queen neighbours within the region, the cell itself included."""
    position: np.ndarray
    """Grid cell id → position in :attr:`cells`, -1 for cells outside the region."""


def study_region(
    grid: Grid,
    areas: gpd.GeoDataFrame | None = None,
    area_codes: Sequence[str] = (),
    *,
    name: str = "hela kommunen",
) -> StudyRegion:
    """Return the grid cells inside the chosen areas, clipped to them (all without codes).

    Raises
    ------
    GeoError
        For an area code that is not in ``areas``.
    """
    codes = tuple(sorted(set(area_codes)))
    if not codes:
        cells = grid.cells.assign(exposure=grid.cells.geometry.area)
        return StudyRegion(grid, name, (), cells, grid.adjacency, np.arange(len(grid.cells)))
    if areas is None:
        raise GeoError("Ett studieområde av områden behöver områdeslagret.")
    unknown = sorted(set(codes) - set(areas["area_code"]))
    if unknown:
        raise GeoError(
            f"Okänd områdeskod {', '.join(unknown)}: välj ett område i det aktiva områdeslagret."
        )
    region = shapely.union_all(areas.loc[areas["area_code"].isin(codes)].geometry.to_numpy())
    shapely.prepare(region)
    candidates = grid.cells.sindex.query(region, predicate="intersects")
    clipped = shapely.intersection(grid.cells.geometry.to_numpy()[candidates], region)
    exposure = shapely.area(clipped)
    keep = exposure > 1.0  # cells that only touch the border are not in the region
    ids = np.sort(candidates[keep])
    order = np.argsort(candidates[keep])
    cells = grid.cells.iloc[ids].reset_index(drop=True)
    cells = gpd.GeoDataFrame(
        cells[["cell_id", "row", "col"]].assign(exposure=exposure[keep][order]),
        geometry=[polygonal(g) for g in clipped[keep][order]],
        crs=WORK_CRS,
    )
    adjacency = sparse.csr_matrix(grid.adjacency[ids][:, ids])
    position = np.full(len(grid.cells), -1, dtype=np.int64)
    position[ids] = np.arange(len(ids))
    return StudyRegion(grid, name, codes, cells, adjacency, position)


ZONE_NAMES = {"tätort": "tätorten", "kust": "kusten", "inland": "inlandet"}


def region_for(
    areas: gpd.GeoDataFrame,
    *,
    cell_size: int = 250,
    zones: Sequence[str] = (),
    area_codes: Sequence[str] = (),
) -> StudyRegion:
    """Return the study region for a filter, named for the caption.

    The region is the chosen areas, the areas of the chosen zones, or (with neither) the whole
    municipality.

    Raises
    ------
    GeoError
        For an unknown zone or area code, or a zone and area that do not overlap.
    """
    grid = land_grid(cell_size)
    unknown = sorted(set(zones) - set(ZONE_NAMES))
    if unknown:
        raise GeoError(f"Okänd zon {', '.join(unknown)}: välj bland {', '.join(ZONE_NAMES)}.")
    if not zones and not area_codes:
        return study_region(grid)
    chosen = areas
    if zones:
        chosen = chosen[chosen["zone"].isin(zones)]
    if area_codes:
        missing = sorted(set(area_codes) - set(areas["area_code"]))
        if missing:
            raise GeoError(
                f"Okänd områdeskod {', '.join(missing)}: se `python -m geo areas` för koderna."
            )
        chosen = chosen[chosen["area_code"].isin(area_codes)]
        if chosen.empty:
            raise GeoError("Det valda området ligger inte i den valda zonen: ändra ett av filtren.")
        names = list(chosen["name"])
        name = (
            names[0] if len(names) == 1 else ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
        )
    else:
        name = "zon " + " och ".join(ZONE_NAMES[z] for z in sorted(zones))
    return study_region(grid, areas, tuple(chosen["area_code"]), name=name)


def region_values(
    region: StudyRegion, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sum ``weights`` (1 per point when None) per region cell; also mark the points inside.

    The mask tells the points that fall in a region cell from those outside the study region.
    """
    at = cell_of(region.grid, x, y)
    inside = at >= 0
    inside[inside] = region.position[at[inside]] >= 0
    w = None if weights is None else np.asarray(weights, dtype=float)[inside]
    values = np.bincount(
        region.position[at[inside]], weights=w, minlength=len(region.cells)
    ).astype(float)
    return values, inside


def bh_threshold(p_values: np.ndarray, alpha: float) -> float:
    """Return the largest p-value significant at false-discovery rate ``alpha`` (0.0 when none is).

    Benjamini–Hochberg's step-up rule.
    """
    p = np.sort(np.asarray(p_values, dtype=float))
    m = len(p)
    below = p <= alpha * np.arange(1, m + 1) / m
    return float(p[np.flatnonzero(below)[-1]]) if below.any() else 0.0


def classify(
    z: np.ndarray, p: np.ndarray, *, fdr: bool = True, p_perm: np.ndarray | None = None
) -> np.ndarray:
    """``hot_99``…``cold_99`` or ``none`` per cell.

    A cell is significant at a level when its p passes the Benjamini–Hochberg threshold (or the
    plain level without FDR) *and*, when given, its permutation p is below the level too. The sign
    of ``z`` gives hot or cold.
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
    """Gi* per cell of the study region and what the caption needs."""

    cells: gpd.GeoDataFrame
    """Every cell of the region, with its geometry: cell_id, value, gi_z, p_value, p_adjusted
    (Benjamini–Hochberg), p_permutation, hotspot_class, exposure."""
    region: str
    n_incidents: int
    cell_size: int
    permutations: int
    seed: int
    weighted: bool
    outside: int = 0
    """Incidents with a point that falls in no cell of the region (left out)."""
    dispersion: float = 1.0
    """Overdispersion φ the test allowed for (1: as random placement; see :func:`dispersion`)."""

    @property
    def table(self) -> pd.DataFrame:
        """The cells without geometry (for tables)."""
        return pd.DataFrame(self.cells.drop(columns="geometry"))


def _as_region(where: Grid | StudyRegion) -> StudyRegion:
    return where if isinstance(where, StudyRegion) else study_region(where)


def _weight_classes(
    values: np.ndarray, incident_weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(weights in half-units, incidents per weight) for the null model."""
    if incident_weights is None:
        counts = np.asarray(values, dtype=float)
        if not np.allclose(counts, np.rint(counts)) or (counts < 0).any():
            raise GeoError(
                "Viktade värden behöver händelsernas vikter (incident_weights) för testet."
            )
        return np.array([2], dtype=np.int64), np.array([int(np.rint(counts).sum())])
    half = np.rint(np.asarray(incident_weights, dtype=float) * 2).astype(np.int64)
    if (half < 0).any():
        raise GeoError("Vikter måste vara noll eller större.")
    weights, counts = np.unique(half[half > 0], return_counts=True)
    return weights, counts


def getis_ord(
    where: Grid | StudyRegion,
    values: np.ndarray,
    *,
    n_incidents: int,
    incident_weights: np.ndarray | None = None,
    permutations: int = 999,
    seed: int = 1,
    fdr: bool = True,
    weighted: bool = False,
    outside: int = 0,
    only_candidates: bool = False,
) -> HotspotResult:
    """Gi* hotspots for per-cell values of a study region (a :class:`Grid` means all of it).

    Parameters
    ----------
    values
        Count (or harm-weighted sum) per region cell, in cell order.
    n_incidents
        How many incidents the values come from (checked against :data:`MIN_INCIDENTS`).
    incident_weights
        The weight of each incident (harm), needed for weighted values; None for counts.
    permutations, seed
        The Monte Carlo test of the same null; same seed, same classes.
    fdr
        Benjamini–Hochberg control of the false-discovery rate at each level.
    only_candidates
        Run the Monte Carlo test only on the cells that pass the exact test at 90 % (a shortcut:
        the Monte Carlo test is a second condition, so the classes are the same; tested).

    Raises
    ------
    InsufficientDataError
        With fewer than :data:`MIN_INCIDENTS` incidents or :data:`MIN_CELLS` cells.

    Notes
    -----
    Getis & Ord (1992), Ord & Getis (1995); Caldas de Castro & Singer (2006) on FDR for local
    statistics. z equals ``esda.G_Local(star=True, transform="B").Zs``.
    """
    region = _as_region(where)
    if n_incidents < MIN_INCIDENTS:
        raise InsufficientDataError(
            f"{n_incidents} händelser i {region.name} räcker inte för hotspotanalys (minst "
            f"{MIN_INCIDENTS}); visa antal i stället."
        )
    if len(region.cells) < MIN_CELLS:
        raise InsufficientDataError(
            f"{region.name} har bara {len(region.cells)} rutor à {region.grid.size} m (minst "
            f"{MIN_CELLS} behövs för en lokal statistik); välj mindre rutor eller ett större område."
        )
    values = np.asarray(values, dtype=float)
    if len(values) != len(region.cells):
        raise GeoError(f"values has {len(values)} entries, the region {len(region.cells)} cells")
    if permutations < 99:
        raise GeoError("Använd minst 99 permutationer.")
    exposure = region.cells["exposure"].to_numpy(dtype=float)
    weight_classes = _weight_classes(values, incident_weights)
    z = gi_star_z(region.adjacency, values)[:, 0]
    phi = dispersion(values, exposure, weight_classes)
    upper, lower = exact_p_values(region.adjacency, values, exposure, weight_classes, phi=phi)
    p_exact = np.minimum(1.0, 2 * np.minimum(upper, lower))
    direction = np.where(upper < lower, 1.0, np.where(lower < upper, -1.0, 0.0))
    adjusted = bh_adjust(p_exact) if fdr else p_exact
    only = None
    if only_candidates:
        only = np.flatnonzero(adjusted <= LEVELS[-1][0])
    p_hot, p_cold = permutation_p_values(
        region.adjacency, values, exposure, weight_classes,
        permutations=permutations, seed=seed, only=only, phi=phi,
    )  # fmt: skip
    p_perm = np.where(direction >= 0, p_hot, p_cold)
    classes = classify(direction, p_exact, fdr=fdr, p_perm=np.nan_to_num(p_perm, nan=1.0))
    cells = region.cells[["cell_id", "exposure", "geometry"]].assign(
        value=values, gi_z=z, p_value=p_exact, p_adjusted=adjusted, p_permutation=p_perm,
        hotspot_class=classes,
    )  # fmt: skip
    return HotspotResult(
        cells=cells, region=region.name, n_incidents=n_incidents, cell_size=region.grid.size,
        permutations=permutations, seed=seed, weighted=weighted, outside=outside, dispersion=phi,
    )  # fmt: skip


def _neighbourhood_share(adjacency: sparse.csr_matrix, exposure: np.ndarray) -> np.ndarray:
    total = float(exposure.sum())
    return np.clip(np.asarray(adjacency @ exposure).ravel() / total, 0.0, 1.0)


def _kappa(weight_classes: tuple[np.ndarray, np.ndarray]) -> float:
    """Return the variance-to-mean ratio of one incident's weight (Σw²/Σw; 1 for counts).

    It is the scale of the "effective counts" a weighted sum is tested as when it is overdispersed.
    """
    weights, counts = weight_classes
    total = float((counts * weights / 2).sum())
    return float((counts * (weights / 2) ** 2).sum()) / total if total > 0 else 1.0


def dispersion(
    values: np.ndarray,
    exposure: np.ndarray,
    weight_classes: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """Return the overdispersion of the cell values against random placement.

    Pearson's χ² over its degrees of freedom, at least 1 (1 is what random placement gives).

    Real incidents cluster where people are, so cell counts vary far more than random placement
    allows; tested against pure random placement, every town cell would be hot and every empty
    forest a "99 % cold spot". With ``φ > 1`` the Gi* sum is tested as an overdispersed
    (negative binomial, variance φ·mean) count instead: the quasi-Poisson correction.
    """
    y = np.asarray(values, dtype=float)
    kappa = _kappa(weight_classes or _weight_classes(y, None))
    expected = y.sum() * exposure / exposure.sum()
    used = expected > 0
    if used.sum() < 2 or y.sum() == 0:
        return 1.0
    chi2 = float((((y - expected) ** 2)[used] / (kappa * expected[used])).sum())
    return max(1.0, chi2 / (int(used.sum()) - 1))


def _negative_binomial(
    adjacency: sparse.csr_matrix, y: np.ndarray, exposure: np.ndarray, kappa: float, phi: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(observed effective sums, NB size r, NB p) of the Gi* sums under overdispersion φ."""
    mean = y.sum() / kappa * _neighbourhood_share(adjacency, exposure)
    size = np.maximum(mean / (phi - 1), 1e-12)
    observed = np.asarray(adjacency @ y).ravel() / kappa
    return observed, size, np.full(len(y), 1 / phi)


def permutation_p_values(
    adjacency: sparse.csr_matrix,
    values: np.ndarray,
    exposure: np.ndarray | None = None,
    weight_classes: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    permutations: int = 999,
    seed: int = 1,
    block: int = 100,
    only: np.ndarray | None = None,
    phi: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return Monte Carlo p-values of each cell's Gi* sum (upper tail, lower tail).

    The null is that of :func:`exact_p_values`: ``permutations`` independent draws of the sum (the
    cell included).

    Counts: each draw is Binomial(N, q) for the cell's neighbourhood share ``q`` (the sum of a
    random placement of all incidents); with overdispersion ``phi`` > 1 the negative binomial of
    the same mean and φ times the variance. Weighted values without overdispersion: every
    incident is placed afresh (one multinomial per weight class) and the neighbourhood sums come
    from one sparse product. Ties count in both tails: ``p_upper = (#{sim ≥ obs} + 1) /
    (permutations + 1)`` and ``p_lower = (#{sim ≤ obs} + 1) / (permutations + 1)``. With ``only``
    (positions) just those cells are compared and the others get NaN; the draws are the same, so
    their p-values are what a full run gives.
    """
    y = np.asarray(values, dtype=float)
    n = len(y)
    exposure = np.ones(n) if exposure is None else np.asarray(exposure, dtype=float)
    weight_classes = weight_classes or _weight_classes(y, None)
    weights, counts = weight_classes
    targets = np.arange(n) if only is None else np.asarray(only, dtype=np.int64)
    upper = np.zeros(len(targets))
    lower = np.zeros(len(targets))
    rng = np.random.default_rng(seed)
    mode = "nb" if phi > 1 else "binomial" if len(weights) == 1 else "placement"
    if mode == "nb":
        observed, size, _p_nb = _negative_binomial(
            adjacency, y, exposure, _kappa(weight_classes), phi
        )
    elif mode == "binomial":
        q = _neighbourhood_share(adjacency, exposure)
        total = int(counts[0])
        observed = np.asarray(adjacency @ y).ravel() / (weights[0] / 2)
    else:
        share = exposure / exposure.sum()
        observed = np.asarray(adjacency @ y).ravel()
    if mode != "placement":
        # Cells whose sums have the same null distribution (same neighbourhood share) share one
        # set of draws, as esda's shared permutation table does: 19,222 cells have ~2,000.
        parameter = size if mode == "nb" else q
        unique, group = np.unique(parameter, return_inverse=True)
        group = group[targets]
    for start in range(0, permutations, block):
        draws = min(block, permutations - start)
        if mode == "nb":
            drawn = rng.negative_binomial(unique, 1 / phi, size=(draws, len(unique)))
            chosen = drawn.astype(float)[:, group]
        elif mode == "binomial":
            chosen = rng.binomial(total, unique, size=(draws, len(unique))).astype(float)[:, group]
        else:
            simulated = np.zeros((draws, n))
            for weight, count in zip(weights, counts, strict=True):
                simulated += rng.multinomial(int(count), share, size=draws) * (weight / 2)
            chosen = np.asarray(adjacency @ simulated.T).T[:, targets]
        upper += (chosen >= observed[targets] - 1e-9).sum(axis=0)
        lower += (chosen <= observed[targets] + 1e-9).sum(axis=0)
    p_upper = np.full(n, np.nan)
    p_lower = np.full(n, np.nan)
    p_upper[targets] = (upper + 1) / (permutations + 1)
    p_lower[targets] = (lower + 1) / (permutations + 1)
    return p_upper, p_lower


def exact_p_values(
    adjacency: sparse.csr_matrix,
    values: np.ndarray,
    exposure: np.ndarray | None = None,
    weight_classes: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    phi: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact tails of each cell's Gi* sum (the cell and its neighbours) under random placement.

    Every incident lands in the neighbourhood with probability ``q`` (its share of the exposure),
    independently, so with counts the sum is Binomial(N, q) and with weights it is
    ``Σ_w w · Binomial(c_w, q)``, computed by convolution (``q`` rounded to 0.01 of a cell's area
    for weights, so neighbourhoods of the same size share one distribution). With overdispersion
    ``phi`` > 1 (:func:`dispersion`) the sum, in effective counts (weighted sum / κ), is negative
    binomial with the same mean and φ times its variance: the sum of independent
    Poisson–gamma cells with a common φ is again negative binomial, so this too is exact for
    counts.

    Returns
    -------
    (p_upper, p_lower)
        P(sum ≥ observed) and P(sum ≤ observed) per cell.
    """
    y = np.asarray(values, dtype=float)
    n = len(y)
    exposure = np.ones(n) if exposure is None else np.asarray(exposure, dtype=float)
    weight_classes = weight_classes or _weight_classes(y, None)
    weights, counts = weight_classes
    if phi > 1:
        observed_eff, size, p_nb = _negative_binomial(
            adjacency, y, exposure, _kappa(weight_classes), phi
        )
        at_least = np.ceil(observed_eff - 1e-9)
        at_most = np.floor(observed_eff + 1e-9)
        return stats.nbinom.sf(at_least - 1, size, p_nb), stats.nbinom.cdf(at_most, size, p_nb)
    q = _neighbourhood_share(adjacency, exposure)
    observed = np.rint(np.asarray(adjacency @ (y * 2)).ravel()).astype(np.int64)  # half-units
    if len(weights) == 1:  # one weight: a plain binomial
        k = observed // int(weights[0])
        total = int(counts[0])
        return stats.binom.sf(k - 1, total, q), stats.binom.cdf(k, total, q)
    unit = float(exposure.max()) / 100
    rounded = np.rint(np.asarray(adjacency @ exposure).ravel() / unit)
    upper, lower = np.ones(n), np.ones(n)
    for key in np.unique(rounded):
        cells = np.flatnonzero(rounded == key)
        share = min(1.0, key * unit / float(exposure.sum()))
        pmf = np.ones(1)
        for weight, count in zip(weights, counts, strict=True):
            spread = np.sqrt(count * share * (1 - share))
            top = int(min(count, np.ceil(count * share + 40 * spread + 40)))
            part = np.zeros(top * int(weight) + 1)
            part[:: int(weight)] = stats.binom.pmf(np.arange(top + 1), int(count), share)
            pmf = (
                np.convolve(pmf, part)
                if len(pmf) * len(part) < 2_000_000
                else np.clip(signal.fftconvolve(pmf, part), 0.0, None)
            )
        survival = np.concatenate([np.cumsum(pmf[::-1])[::-1], [0.0]])
        cumulative = np.cumsum(pmf)
        at = np.clip(observed[cells], 0, len(pmf))
        upper[cells] = np.clip(survival[at], 0.0, 1.0)
        lower[cells] = np.clip(cumulative[np.minimum(at, len(pmf) - 1)], 0.0, 1.0)
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
    spread = np.sqrt(np.clip((x**2).mean(axis=0, keepdims=True) - mean**2, 0.0, None))
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


def _patterns(
    hot: np.ndarray, cold: np.ndarray, rising: np.ndarray, falling: np.ndarray
) -> np.ndarray:
    """Return ESRI's pattern names for ``hot`` (cells × steps).

    ``cold`` is the opposite state and ``rising``/``falling`` the significant trends of intensity
    (in the direction of ``hot``).
    """
    steps = hot.shape[1]
    share_hot = hot.mean(axis=1)
    final = hot[:, -1]
    ever_cold = cold.any(axis=1)
    earlier_hot = hot[:, :-1].any(axis=1)
    run = np.zeros(len(hot), dtype=int)  # length of the uninterrupted run ending at the last step
    still = np.ones(len(hot), dtype=bool)
    for step in range(steps - 1, -1, -1):
        still &= hot[:, step]
        run += still
    mostly = share_hot >= 0.9
    classes = np.full(len(hot), "none", dtype=object)
    classes[~final & mostly] = "historical"
    classes[final & ~mostly & ever_cold] = "oscillating"
    classes[final & ~mostly & ~ever_cold & earlier_hot] = "sporadic"
    classes[final & ~mostly & ~ever_cold & (run >= 2) & (run == hot.sum(axis=1))] = "consecutive"
    classes[final & ~earlier_hot] = "new"
    classes[final & mostly & falling] = "diminishing"
    classes[final & mostly & ~rising & ~falling] = "persistent"
    classes[final & mostly & rising] = "intensifying"
    return classes


def emerging_hotspots(
    where: Grid | StudyRegion, counts_by_step: np.ndarray, *, alpha: float = EMERGING_ALPHA
) -> pd.DataFrame:
    """Classify each cell's emerging hot or cold spot from counts per time step.

    Counts are cells × steps, oldest first, as in ESRI's Emerging Hot Spot Analysis.

    Per step, each cell is hot or cold when the exact test of its Gi* sum passes
    Benjamini–Hochberg at ``alpha`` over the region's cells. The trend is a Mann-Kendall test of
    the cell's Gi* z series, with Benjamini–Hochberg over the cells (``trend_p_adjusted``).

    Returns
    -------
    pandas.DataFrame
        cell_id, hot_steps, cold_steps, trend_z, trend_p, trend_p_adjusted, emerging_class.
    """
    region = _as_region(where)
    x = np.asarray(counts_by_step, dtype=float)
    steps = x.shape[1]
    if steps < 4:
        raise InsufficientDataError("Trendklasser kräver minst fyra tidssteg (månader).")
    if len(region.cells) < MIN_CELLS:
        raise InsufficientDataError(
            f"{region.name} har bara {len(region.cells)} rutor (minst {MIN_CELLS} behövs)."
        )
    exposure = region.cells["exposure"].to_numpy(dtype=float)
    hot = np.zeros(x.shape, dtype=bool)
    cold = np.zeros(x.shape, dtype=bool)
    for step in range(steps):
        if x[:, step].sum() == 0:
            continue
        phi = dispersion(x[:, step], exposure)
        upper, lower = exact_p_values(region.adjacency, x[:, step], exposure, phi=phi)
        p = np.minimum(1.0, 2 * np.minimum(upper, lower))
        significant = bh_adjust(p) <= alpha
        hot[:, step] = significant & (upper < lower)
        cold[:, step] = significant & (lower < upper)
    z_series = gi_star_z(region.adjacency, x)
    trend_z, trend_p = mann_kendall(z_series)
    trend_adjusted = bh_adjust(trend_p)
    rising = (trend_adjusted <= alpha) & (trend_z > 0)
    falling = (trend_adjusted <= alpha) & (trend_z < 0)
    hot_classes = _patterns(hot, cold, rising, falling)
    cold_classes = _patterns(cold, hot, falling, rising)
    classes = np.where(
        hot_classes != "none",
        hot_classes,
        np.where(cold_classes != "none", "cold_" + cold_classes.astype(str), "none"),
    ).astype(object)
    return pd.DataFrame(
        {"cell_id": region.cells["cell_id"].to_numpy(), "hot_steps": hot.sum(axis=1),
         "cold_steps": cold.sum(axis=1), "trend_z": trend_z, "trend_p": trend_p,
         "trend_p_adjusted": trend_adjusted, "emerging_class": classes}
    )  # fmt: skip


def hotspots_for(
    incidents: pd.DataFrame,
    region: StudyRegion | None = None,
    *,
    cell_size: int = 250,
    weighted: bool = False,
    permutations: int = 999,
    seed: int = 1,
) -> tuple[HotspotResult, int]:
    """Run Gi* for a selection of incidents in a study region (the whole grid when None).

    Returns the result and how many incidents had no point (left out).

    ``incidents`` needs ``x``, ``y`` (EPSG:3006, NaN when only the area is known) and, when
    ``weighted``, ``harm``. This is the one function the page, the report and ``geo hotspots``
    call.
    """
    region = region or study_region(land_grid(cell_size))
    located = incidents.dropna(subset=["x", "y"])
    harm = located["harm"].to_numpy(dtype=float) if weighted else None
    values, inside = region_values(region, located["x"].to_numpy(), located["y"].to_numpy(), harm)
    result = getis_ord(
        region, values, n_incidents=int(inside.sum()),
        incident_weights=None if harm is None else harm[inside],
        permutations=permutations, seed=seed, weighted=weighted, outside=int((~inside).sum()),
    )  # fmt: skip
    return result, len(incidents) - len(located)


def emerging_for(
    incidents: pd.DataFrame,
    region: StudyRegion | None = None,
    *,
    months: pd.PeriodIndex,
    cell_size: int = 250,
) -> pd.DataFrame:
    """Return the emerging classes over calendar months (Swedish time) for a selection of incidents.

    The classes are computed on the cells of the study region (the same cells every month).
    """
    region = region or study_region(land_grid(cell_size))
    located = incidents.dropna(subset=["x", "y"])
    _values, inside = region_values(region, located["x"].to_numpy(), located["y"].to_numpy())
    located = located[inside]
    if len(located) < MIN_INCIDENTS:
        raise InsufficientDataError(
            f"{len(located)} händelser i {region.name} räcker inte för trendklasser (minst "
            f"{MIN_INCIDENTS})."
        )
    local = located["occurred_at"].dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).dt.to_period("M")
    counts = np.zeros((len(region.cells), len(months)))
    at = region.position[cell_of(region.grid, located["x"].to_numpy(), located["y"].to_numpy())]
    for step, month in enumerate(months):
        in_month = (local == month).to_numpy()
        counts[:, step] = np.bincount(at[in_month], minlength=len(region.cells))
    return emerging_hotspots(region, counts)


def emerging_by_area(classes: pd.DataFrame, grid: Grid, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cells with an emerging class, counted per area (by the cell's centre) and class."""
    from geo.areas.join import area_codes_for_points

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


def hotspots_from_store(
    engine: Engine,
    *,
    start: dt.datetime,
    end: dt.datetime,
    zones: Sequence[str] = (),
    area_codes: Sequence[str] = (),
    cell_size: int = 250,
    weighted: bool = False,
) -> tuple[HotspotResult, int]:
    """Run Gi* for the stored incidents in ``[start, end)`` in a study region.

    The region is that of ``zones``/``area_codes`` and the incidents are selected exactly as the
    Hotspots page selects them (all categories; harm without police-initiated offences): what
    ``python -m geo hotspots`` writes.

    Raises
    ------
    InsufficientDataError
        When the region has too few incidents or cells (the message says which).
    """
    from geo.analysis.indicators import with_harm
    from geo.store.database import active_layer, load_incidents
    from geo.taxonomy import load_taxonomy

    _info, layer = active_layer(engine)
    region = region_for(layer, cell_size=cell_size, zones=zones, area_codes=area_codes)
    columns = ("occurred_at", "area_code", "category", "raw_type", "harm_weight", "x", "y")
    frame = load_incidents(engine, start=start, end=end, columns=columns)
    frame = with_harm(frame, load_taxonomy(), exclude_police_initiated=True)
    if region.area_codes:
        frame = frame[frame["area_code"].isin(region.area_codes)]
    return hotspots_for(frame, region, weighted=weighted)


def write_cells(result: HotspotResult, path: str) -> None:
    """Write every cell of the result as GeoJSON or CSV, chosen by the suffix.

    Each cell has its count, z, p, adjusted p, class and region; GeoJSON in WGS84 (as RFC 7946
    wants), CSV with EPSG:3006 centre coordinates and WKT.

    Raises
    ------
    GeoError
        For a suffix other than .geojson or .csv.
    """
    cells = result.cells.assign(
        region=result.region, cell_size=result.cell_size,
        class_label=result.cells["hotspot_class"].map(CLASS_LABELS),
    )  # fmt: skip
    columns = ["cell_id", "region", "cell_size", "value", "gi_z", "p_value", "p_adjusted",
               "p_permutation", "hotspot_class", "class_label", "exposure"]  # fmt: skip
    lower = path.lower()
    if lower.endswith(".geojson"):
        cells[[*columns, "geometry"]].to_crs(MAP_CRS).to_file(path, driver="GeoJSON")
    elif lower.endswith(".csv"):
        centres = cells.geometry.centroid
        table = pd.DataFrame(cells[columns]).assign(
            x_sweref99tm=centres.x.round(1), y_sweref99tm=centres.y.round(1),
            wkt_sweref99tm=cells.geometry.to_wkt(),
        )  # fmt: skip
        from geo.io.spreadsheet import csv_bytes

        with open(path, "wb") as handle:  # text cells neutralised against formulas
            handle.write(csv_bytes(table, sep=",", bom=False))
    else:
        raise GeoError(f"Okänt filformat för {path}: använd .geojson eller .csv.")


def focus_cells(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the cells a hotspot map should open on: the largest cluster of the strongest class.

    Cells of the strongest hot class present (99 %, else 95 %, else 90 %) that touch or lie
    within one cell of each other form a cluster; the cluster with the most cells is returned
    (empty when no cell is hot). Hot cells spread over the municipality would otherwise fit the
    whole municipality, where a 250 m cell is a few pixels.
    """
    for hot in ("hot_99", "hot_95", "hot_90"):
        chosen = cells[cells["hotspot_class"] == hot]
        if not chosen.empty:
            break
    else:
        return cells.iloc[0:0]
    size = float(np.sqrt(chosen.geometry.area.max()))
    grown = chosen.geometry.buffer(size / 2)
    clusters = gpd.GeoDataFrame(geometry=[grown.union_all()], crs=cells.crs).explode(
        index_parts=False
    )
    members = shapely.STRtree(clusters.geometry.to_numpy()).query(
        chosen.geometry.centroid.to_numpy(), predicate="within"
    )
    largest = np.bincount(members[1], minlength=len(clusters)).argmax()
    return chosen.iloc[np.sort(members[0][members[1] == largest])]
