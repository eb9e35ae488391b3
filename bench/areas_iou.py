"""How close the built-in approximate areas come to SCB's official RegSO polygons.

Run from the project root: `.venv/bin/python bench/areas_iou.py`. Reads the official polygons from
../shared/geo (development material, never shipped). Prints the intersection-over-union (IoU) per
area and overall (area-weighted: total intersection / total union), against the official polygons
as published (they reach into the sea) and clipped to our land outline. Baseline, measured in the
same run: the plain, unweighted Voronoi diagram of the same centroids. There is no agreed target
yet; the figure to beat is the baseline.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import geopandas as gpd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.areas.builtin import (  # noqa: E402
    municipality_outline,
    read_builtin_layer,
    seeds_and_targets,
    weighted_voronoi,
)
from geo.areas.falkenberg import REGSO_2018  # noqa: E402

OFFICIAL = ROOT.parent / "shared" / "geo" / "scb_regso_2018_falkenberg.geojson"


def overall_iou(mine: gpd.GeoSeries, official: gpd.GeoSeries) -> tuple[float, dict[str, float]]:
    """Area-weighted IoU over all areas, and IoU per area code."""
    per_area, intersection, union = {}, 0.0, 0.0
    for code in official.index:
        inter = mine[code].intersection(official[code]).area
        uni = mine[code].union(official[code]).area
        per_area[code] = inter / uni
        intersection += inter
        union += uni
    return intersection / union, per_area


def main() -> None:
    if not OFFICIAL.exists():
        sys.exit(f"{OFFICIAL} saknas: benchmarken behöver ../shared/geo.")
    official = gpd.read_file(OFFICIAL).to_crs("EPSG:3006").set_index("id").geometry
    land = municipality_outline()
    official_on_land = official.intersection(land)

    started = time.perf_counter()
    layer, _metadata = read_builtin_layer()
    builtin = layer.set_index("area_code").geometry
    seconds = time.perf_counter() - started

    seeds, targets = seeds_and_targets(land)
    plain = weighted_voronoi(seeds, targets, land, fit=False)
    baseline = gpd.GeoSeries(plain.cells, index=[a.area_code for a in REGSO_2018], crs="EPSG:3006")

    value, per_area = overall_iou(builtin, official)
    value_land, per_area_land = overall_iou(builtin, official_on_land)
    base, _ = overall_iou(baseline, official)
    base_land, _ = overall_iou(baseline, official_on_land)

    names = {a.area_code: a.name for a in REGSO_2018}
    print(f"{'kod':<9} {'område':<30} {'IoU':>6} {'IoU land':>9}")
    for code in sorted(per_area):
        print(f"{code:<9} {names[code]:<30} {per_area[code]:6.3f} {per_area_land[code]:9.3f}")
    print(f"totalt (ytviktat)                        {value:6.3f} {value_land:9.3f}")
    print(f"baslinje: oviktat Voronoi                {base:6.3f} {base_land:9.3f}")
    print(f"läsning av lagret: {seconds:.2f} s")
    result = {
        "bench": "areas_iou",
        "metric": "area-weighted IoU of the built-in layer vs SCB RegSO 2018 (as published)",
        "value": round(value, 4),
        "unit": "ratio",
        "target": round(base, 4),
        "baseline": round(base, 4),
        "meets_target": value > base,
        "value_on_land": round(value_land, 4),
        "baseline_on_land": round(base_land, 4),
        "target_note": "no agreed target yet; must beat the unweighted Voronoi baseline",
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
