"""Spatial joins: which area each point falls in (vectorised, EPSG:3006)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import require_work_crs


def area_codes_for_points(x: np.ndarray, y: np.ndarray, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Return the ``area_code`` of the area containing each point, ``None`` where none does.

    Parameters
    ----------
    x, y
        Easting and northing in EPSG:3006.
    areas
        Area layer in EPSG:3006 with an ``area_code`` column (areas do not overlap).

    Returns
    -------
    numpy.ndarray
        Object array of codes (or ``None``), one per point.

    Notes
    -----
    ``shapely.contains_xy`` per polygon after a bounding-box prefilter: about 4× faster than
    ``geopandas.sjoin`` for many points in few polygons (STACK-NOTES). Points exactly on a shared
    border go to the first area in layer order.
    """
    require_work_crs(areas)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    codes = np.full(len(x), None, dtype=object)
    unassigned = np.isfinite(x) & np.isfinite(y)
    for code, polygon in zip(areas["area_code"], areas.geometry, strict=True):
        minx, miny, maxx, maxy = polygon.bounds
        candidates = np.flatnonzero(
            unassigned & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
        )
        if len(candidates) == 0:
            continue
        shapely.prepare(polygon)
        inside = candidates[shapely.contains_xy(polygon, x[candidates], y[candidates])]
        codes[inside] = code
        unassigned[inside] = False
    return codes
