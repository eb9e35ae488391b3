"""Coordinate reference systems: the work CRS, and recognising what CRS coordinates are really in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from pyproj import CRS, Transformer

from geo.errors import CRSError

if TYPE_CHECKING:
    import geopandas as gpd

WORK_CRS = "EPSG:3006"
"""SWEREF 99 TM, metres: all geometry and statistics happen here."""

MAP_CRS = "EPSG:4326"
"""WGS84 longitude/latitude: only for maps and GeoJSON exports."""

RT90_CRS = "EPSG:3021"
"""RT90 2.5 gon V, the older Swedish grid."""

#: Human names for the systems we accept.
CRS_NAMES = {
    WORK_CRS: "SWEREF 99 TM (EPSG:3006)",
    MAP_CRS: "WGS84 (EPSG:4326)",
    RT90_CRS: "RT90 2.5 gon V (EPSG:3021)",
}

# Plausible ranges for Sweden (FACTS §6), as (x-range, y-range) in the axis order x=east, y=north.
_SWEDEN_RANGES: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    MAP_CRS: ((10.0, 25.0), (55.0, 69.5)),
    WORK_CRS: ((250_000.0, 930_000.0), (6_100_000.0, 7_700_000.0)),
    RT90_CRS: ((1_200_000.0, 1_900_000.0), (6_100_000.0, 7_700_000.0)),
}


def normalise_crs(value: str | int | CRS) -> str:
    """Return ``"EPSG:nnnn"`` for one of the accepted systems.

    Raises
    ------
    CRSError
        For a system we do not accept, naming the ones we do.
    """
    try:
        crs = CRS.from_user_input(value)
    except Exception as exc:
        raise CRSError(f"Okänt koordinatsystem {value!r}: {exc}") from exc
    epsg = crs.to_epsg()
    code = f"EPSG:{epsg}" if epsg else ""
    if code == "EPSG:4258":  # ETRS89 geographic: same as WGS84 at map precision
        code = MAP_CRS
    if code not in CRS_NAMES:
        accepted = ", ".join(CRS_NAMES.values())
        raise CRSError(f"Koordinatsystemet {crs.name} stöds inte; använd ett av: {accepted}.")
    return code


def _share_inside(xs: np.ndarray, ys: np.ndarray, crs: str) -> float:
    (x0, x1), (y0, y1) = _SWEDEN_RANGES[crs]
    inside = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    return float(inside.mean()) if len(xs) else 0.0


def guess_crs(x: ArrayLike, y: ArrayLike) -> str | None:
    """Guess which accepted CRS coordinates are in, from where they fall in Sweden.

    Parameters
    ----------
    x, y
        Coordinates in the file's own x/y order (x east, y north, as GIS files store them).

    Returns
    -------
    str or None
        ``"EPSG:4326"``, ``"EPSG:3006"``, ``"EPSG:3021"``, ``"EPSG:4326-swapped"`` (lat/lon
        given as x/y), or ``None`` when nothing fits at least 90 % of the points.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    if len(xs) == 0:
        return None
    for crs in (MAP_CRS, WORK_CRS, RT90_CRS):
        if _share_inside(xs, ys, crs) >= 0.9:
            return crs
    if _share_inside(ys, xs, MAP_CRS) >= 0.9:
        return "EPSG:4326-swapped"
    return None


def classify_points(x: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Per point, which accepted CRS its values fit (vectorised :func:`guess_crs` for one point).

    Returns an object array of ``"EPSG:4326"``, ``"EPSG:3006"``, ``"EPSG:3021"``, the same with
    ``-swapped`` (x holds the northing, as in the Swedish convention X = north, Y = east, or lat/lon
    given as x/y) or ``"okänt"``.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    kinds = np.full(len(xs), "okänt", dtype=object)
    unset = np.ones(len(xs), dtype=bool)
    tests = [(crs, xs, ys) for crs in (MAP_CRS, WORK_CRS, RT90_CRS)] + [
        (f"{crs}-swapped", ys, xs) for crs in (MAP_CRS, WORK_CRS, RT90_CRS)
    ]
    for name, a, b in tests:
        (x0, x1), (y0, y1) = _SWEDEN_RANGES[name.removesuffix("-swapped")]
        hit = unset & (a >= x0) & (a <= x1) & (b >= y0) & (b <= y1)
        kinds[hit] = name
        unset &= ~hit
    return kinds


def describe_guess(guess: str | None) -> str:
    """Swedish description of a :func:`guess_crs` result, for error messages."""
    if guess is None:
        return "koordinaterna passar inget av de system vi känner till i Sverige"
    if guess == "EPSG:4326-swapped":
        return "koordinaterna ser ut som WGS84 med latitud och longitud i omvänd ordning"
    return f"koordinaterna ser ut att vara {CRS_NAMES[guess]}"


def check_declared_crs(declared: str, x: ArrayLike, y: ArrayLike, *, where: str) -> None:
    """Refuse coordinates whose values do not fit the CRS they were declared in.

    Raises
    ------
    CRSError
        Naming the likely CRS and how to declare it.
    """
    guess = guess_crs(x, y)
    if guess == declared:
        return
    hint = describe_guess(guess)
    if guess in CRS_NAMES:
        fix = f"ange --crs {guess} om filen saknar eller har fel koordinatsystem"
    elif guess == "EPSG:4326-swapped":
        fix = "byt plats på x och y (longitud ska vara x, latitud y)"
    else:
        fix = "kontrollera att filen gäller Sverige och vilket koordinatsystem den har"
    raise CRSError(f"{where}: filen anger {CRS_NAMES.get(declared, declared)}, men {hint}; {fix}.")


def transformer(source: str, target: str = WORK_CRS) -> Transformer:
    """Return a pyproj transformer with x=east, y=north on both sides (``always_xy``)."""
    return Transformer.from_crs(source, target, always_xy=True)


def require_work_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, name: str = "areas") -> None:
    """Refuse geometry that is not in the work CRS (the one guard every geometry function uses).

    Parameters
    ----------
    frame
        The geometry a function was given.
    name
        What the caller calls it, for the message (``areas``, ``layer``, ``shapes``).

    Raises
    ------
    CRSError
        When ``frame`` has no CRS or another one than :data:`WORK_CRS`; the message says how to
        convert it.
    """
    if frame.crs is None or frame.crs.to_string() != WORK_CRS:
        raise CRSError(f"{name} has CRS {frame.crs}; call {name}.to_crs('{WORK_CRS}') first")
