"""The built-in area layer: Falkenberg's 14 RegSO with approximate polygons generated from facts.

How the polygons are made (deterministic, no randomness):

1. Seeds are the documented area centroids (FACTS §1.1), projected to SWEREF 99 TM.
2. Each area's target land area is its documented km² scaled so that all targets add up to the
   area of the generalised municipality outline (FACTS §1.2).
3. A *multiplicatively weighted* Voronoi diagram on a 100 m raster (a point belongs to the seed
   with the smallest distance ÷ weight) divides the outline; the weights are fitted until every
   cell has its target area within 1 %, then the raster edges are smoothed without opening gaps.
   Small town districts thereby stay small and compact around their centroids. (A power diagram
   fits areas exactly but lets small cells drift away from their seeds; we measured it worse.)
4. Populations are estimates: each locality of FACTS §1.3 is placed in the area that holds its
   representative point, except the town of Falkenberg, whose population is spread over the town
   districts in proportion to land area; the rest of the municipal total (people outside
   localities) is spread over the coast and inland areas in proportion to land area.

The result is *approximate*: boundaries are not SCB's. Import an official layer to replace it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.areas.falkenberg import (
    LOCALITIES_2020,
    MAIN_TOWN,
    OUTLINE_3006,
    POPULATION_DATE,
    POPULATION_TOTAL,
    REGSO_2018,
)
from geo.crs import MAP_CRS, WORK_CRS, transformer

BUILTIN_PATH = Path(__file__).resolve().parents[2] / "data" / "areas" / "builtin_regso.geojson"
"""Where the generated layer is kept in git (GeoJSON, WGS84, RFC 7946)."""

PROVENANCE = (
    "Ungefärliga gränser genererade av Lägesbild Falkenberg ur dokumenterade fakta "
    "(SCB:s RegSO-centroider och ytor, en förenklad kommungräns). Inte SCB:s officiella gränser: "
    "importera ett officiellt lager med `python -m geo areas import`."
)
POPULATION_NOTE = (
    f"Uppskattning: tätorters folkmängd (SCB 2020) per område, Falkenbergs tätort fördelad på "
    f"stadsdelarna efter landyta, resten av kommunens {POPULATION_TOTAL} invånare "
    f"({POPULATION_DATE}) fördelad på kust och inland efter landyta."
)


def municipality_outline() -> Polygon:
    """Return the generalised land outline of Falkenberg municipality in EPSG:3006."""
    return Polygon(OUTLINE_3006)


def polygonal(geometry: shapely.Geometry) -> Polygon | MultiPolygon:
    """Return the polygon parts of a geometry (an intersection can also yield lines and points)."""
    parts = [p for p in shapely.get_parts(geometry) if isinstance(p, Polygon) and not p.is_empty]
    merged = shapely.union_all(parts)
    assert isinstance(merged, Polygon | MultiPolygon)
    return merged


@dataclass(frozen=True)
class Tessellation:
    """Cells (EPSG:3006) and how well their land areas match the targets."""

    cells: list[Polygon | MultiPolygon]
    iterations: int
    max_relative_error: float


def weighted_voronoi(
    seeds: np.ndarray,
    targets: np.ndarray,
    land: Polygon,
    *,
    resolution: float = 100.0,
    fit: bool = True,
    tolerance: float = 0.01,
    max_iterations: int = 200,
) -> Tessellation:
    """Divide ``land`` into one cell per seed, sized to the targets, on a raster.

    Parameters
    ----------
    seeds
        N×2 seed coordinates in metres (EPSG:3006).
    targets
        N target land areas in m².
    land
        The polygon to fill; cell edges on its boundary follow it exactly.
    resolution
        Raster cell size in metres; inner boundaries are smoothed at this scale.
    fit
        Fit weights to the targets; ``False`` gives the plain (unweighted) Voronoi diagram.
    tolerance, max_iterations
        Stop when every cell is within ``tolerance`` of its target (relative).

    Notes
    -----
    A *multiplicatively weighted* Voronoi diagram: a raster cell belongs to the seed with the
    smallest ``distance / weight``. Unlike a power diagram, every seed stays inside its own cell,
    so a small district stays a compact region around its documented centroid. Weights start at
    the square root of the target and are scaled by ``(target / area) ** 0.3`` until they fit.
    """
    minx, miny, maxx, maxy = land.bounds
    xs = np.arange(minx, maxx, resolution) + resolution / 2
    ys = np.arange(miny, maxy, resolution) + resolution / 2
    grid_x, grid_y = (a.ravel() for a in np.meshgrid(xs, ys))
    on_land = shapely.contains_xy(land, grid_x, grid_y)
    distance = np.hypot(grid_x[:, None] - seeds[None, :, 0], grid_y[:, None] - seeds[None, :, 1])
    weights = np.sqrt(targets) if fit else np.ones(len(seeds))
    cell_area = resolution * resolution
    shape = (len(ys), len(xs))
    seed_cells = [
        (int((sy - miny) // resolution), int((sx - minx) // resolution)) for sx, sy in seeds
    ]
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - reported below
        label = _connected_labels(distance / weights, on_land.reshape(shape), seed_cells)
        areas = np.bincount(label[on_land], minlength=len(seeds)) * cell_area
        error = float((np.abs(areas - targets) / targets).max())
        if not fit or error < tolerance:
            break
        weights = weights * (targets / np.maximum(areas, cell_area)) ** 0.3
    half = resolution / 2
    boxes = shapely.box(grid_x - half, grid_y - half, grid_x + half, grid_y + half)
    cells = [
        polygonal(shapely.coverage_union_all(boxes[label == i]).intersection(land))
        for i in range(len(seeds))
    ]
    # Smooth the raster staircase; coverage-aware, so neighbours stay gap- and overlap-free.
    smoothed = shapely.coverage_simplify(np.array(cells), resolution * 0.8, simplify_boundary=False)
    cells = _merge_fragments([polygonal(c) for c in smoothed])
    final = np.array([c.area for c in cells])
    return Tessellation(
        cells=cells,
        iterations=iterations,
        max_relative_error=float((np.abs(final - targets) / targets).max()),
    )


def _connected_labels(
    score: np.ndarray, on_land: np.ndarray, seed_cells: list[tuple[int, int]]
) -> np.ndarray:
    """Label each raster cell with its best-scoring seed, keeping every label one connected piece.

    A land cell whose best seed's region is not connected to that seed (a detached fragment) falls
    to its next-best seed, until every region touches its seed (8-neighbourhood, over land). Cells
    off land take the label of the nearest land cell, so clipping to the coast leaves no gaps.
    """
    from scipy import ndimage  # only when the layer is generated: scipy costs ~1 s to import

    shape = on_land.shape
    order = np.argsort(score, axis=1)
    rank = np.zeros(len(score), dtype=int)
    rows = np.arange(len(score))
    land_flat = on_land.ravel()
    eight = np.ones((3, 3))
    for _ in range(score.shape[1]):
        label = order[rows, rank]
        detached = np.zeros(len(score), dtype=bool)
        for seed, cell in enumerate(seed_cells):
            components, _count = ndimage.label(((label == seed) & land_flat).reshape(shape), eight)
            own = components[cell]
            mine = components.ravel()
            detached |= (mine > 0) & (mine != own)
        if not detached.any():
            break
        rank[detached] = np.minimum(rank[detached] + 1, score.shape[1] - 1)
    grid = label.reshape(shape)
    _distance, (near_row, near_col) = ndimage.distance_transform_edt(~on_land, return_indices=True)
    return np.asarray(grid[near_row, near_col]).ravel()


def _merge_fragments(cells: list[Polygon | MultiPolygon]) -> list[Polygon | MultiPolygon]:
    """Give stray fragments of a cell to the neighbour they share most border with.

    Islands (fragments touching no other cell) stay with their own cell.
    """
    cells = list(cells)
    for i, cell in enumerate(cells):
        if not isinstance(cell, MultiPolygon):
            continue
        parts = sorted(cell.geoms, key=lambda p: p.area, reverse=True)
        cells[i] = parts[0]
        for fragment in parts[1:]:
            # Within 1 cm: neighbours share edges only to floating-point precision.
            shared = [
                (fragment.boundary.intersection(other.buffer(0.01)).length, j)
                for j, other in enumerate(cells)
                if j != i
            ]
            length, j = max(shared)
            target = j if length > 0 else i
            cells[target] = polygonal(shapely.union(cells[target], fragment))
    return cells


def seeds_and_targets(land: Polygon) -> tuple[np.ndarray, np.ndarray]:
    """Seed points (EPSG:3006) and target land areas (m²) of the 14 RegSO, from FACTS §1.1.

    The documented km² include water, so they are scaled to add up to the outline's area.
    """
    to_work = transformer(MAP_CRS, WORK_CRS)
    seeds = np.array([to_work.transform(a.lon, a.lat) for a in REGSO_2018])
    km2 = np.array([a.km2 for a in REGSO_2018])
    return seeds, km2 / km2.sum() * land.area


def _estimate_population(layer: gpd.GeoDataFrame) -> list[int]:
    """Estimate the population per area (see the module docstring for the method)."""
    land_km2 = layer.geometry.area.to_numpy() / 1e6
    population = np.zeros(len(layer))
    is_town = (layer["zone"] == "tätort").to_numpy()
    placed = 0
    for locality in LOCALITIES_2020:
        placed += locality.population
        if locality.name == MAIN_TOWN:
            population[is_town] += locality.population * land_km2[is_town] / land_km2[is_town].sum()
            continue
        hit = layer.geometry.contains(shapely.Point(locality.e, locality.n)).to_numpy()
        if not hit.any():  # a point on the generalised coast: nearest area
            hit = np.zeros(len(layer), dtype=bool)
            hit[int(layer.geometry.distance(shapely.Point(locality.e, locality.n)).argmin())] = True
        population[hit] += locality.population
    rural = POPULATION_TOTAL - placed
    population[~is_town] += rural * land_km2[~is_town] / land_km2[~is_town].sum()
    # Round so that the total is exact (largest remainder).
    floors = np.floor(population).astype(int)
    order = np.argsort(-(population - floors))
    floors[order[: POPULATION_TOTAL - floors.sum()]] += 1
    return [int(v) for v in floors]


def generate_builtin_layer() -> gpd.GeoDataFrame:
    """Generate the built-in layer (EPSG:3006): area_code, name, zone, population, geometry."""
    land = municipality_outline()
    seeds, targets = seeds_and_targets(land)
    cells = weighted_voronoi(seeds, targets, land).cells
    layer = gpd.GeoDataFrame(
        {
            "area_code": [a.area_code for a in REGSO_2018],
            "name": [a.name for a in REGSO_2018],
            "zone": [a.zone for a in REGSO_2018],
        },
        geometry=cells,
        crs=WORK_CRS,
    )
    layer["population"] = _estimate_population(layer)
    return layer.sort_values("area_code").reset_index(drop=True)


def write_builtin_layer(path: Path = BUILTIN_PATH) -> Path:
    """Generate the layer and write it as RFC 7946 GeoJSON with its provenance note."""
    layer = generate_builtin_layer().to_crs(MAP_CRS)
    collection = json.loads(layer.to_json(drop_id=True, to_wgs84=True))
    collection["metadata"] = {
        "approximate": True,
        "provenance": PROVENANCE,
        "population_note": POPULATION_NOTE,
        "generator": "geo.areas.builtin.generate_builtin_layer",
    }
    for feature in collection["features"]:
        feature["geometry"]["coordinates"] = _round_coords(feature["geometry"]["coordinates"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collection, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _round_coords(coords: object) -> object:
    """Round nested coordinate lists to 6 decimals (about 0.1 m)."""
    if isinstance(coords, list | tuple):
        if coords and isinstance(coords[0], float | int):
            return [round(float(c), 6) for c in coords]
        return [_round_coords(c) for c in coords]
    return coords


def read_builtin_layer(path: Path = BUILTIN_PATH) -> tuple[gpd.GeoDataFrame, dict[str, object]]:
    """Read the committed built-in layer (in EPSG:3006) and its metadata."""
    metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    layer = gpd.read_file(path).to_crs(WORK_CRS)
    layer["population"] = layer["population"].astype("Int64")
    return layer[["area_code", "name", "zone", "population", "geometry"]], metadata
