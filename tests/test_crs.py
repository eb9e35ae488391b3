import numpy as np
import pytest

from geo.crs import check_declared_crs, guess_crs, normalise_crs, transformer
from geo.errors import CRSError

# Falkenberg town centre in the three systems (RT90 from pyproj, not typed by hand).
LON, LAT = 12.4919, 56.9055
E, N = transformer("EPSG:4326", "EPSG:3006").transform(LON, LAT)
RT90_X, RT90_Y = transformer("EPSG:4326", "EPSG:3021").transform(LON, LAT)


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (LON, LAT, "EPSG:4326"),
        (E, N, "EPSG:3006"),
        (RT90_X, RT90_Y, "EPSG:3021"),
        (LAT, LON, "EPSG:4326-swapped"),
        (2.35, 48.85, None),  # Paris is not in Sweden
    ],
    ids=["wgs84", "sweref99tm", "rt90", "swapped-axes", "elsewhere"],
)
def test_guess_crs_recognises_swedish_systems(x: float, y: float, expected: str | None) -> None:
    assert guess_crs(np.full(5, x), np.full(5, y)) == expected


def test_sweref_in_a_file_declared_wgs84_names_the_likely_crs() -> None:
    with pytest.raises(CRSError, match=r"SWEREF 99 TM \(EPSG:3006\).*--crs EPSG:3006"):
        check_declared_crs("EPSG:4326", [E], [N], where="fil.geojson")


def test_swapped_axes_are_explained() -> None:
    with pytest.raises(CRSError, match=r"omvänd ordning.*byt plats"):
        check_declared_crs("EPSG:4326", [LAT], [LON], where="fil.geojson")


def test_matching_declaration_passes() -> None:
    check_declared_crs("EPSG:3006", [E], [N], where="fil.gpkg")


def test_normalise_accepts_our_three_and_refuses_others() -> None:
    assert normalise_crs(3006) == "EPSG:3006"
    assert normalise_crs("epsg:3021") == "EPSG:3021"
    assert normalise_crs("EPSG:4258") == "EPSG:4326"
    with pytest.raises(CRSError, match="stöds inte"):
        normalise_crs("EPSG:3857")


def test_always_xy_round_trip() -> None:
    back = transformer("EPSG:3006", "EPSG:4326").transform(E, N)
    assert back == pytest.approx((LON, LAT), abs=1e-9)
    assert 340_000 < E < 350_000 and 6_300_000 < N < 6_320_000


def test_one_guard_refuses_geometry_outside_the_work_crs() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.crs import require_work_crs

    require_work_crs(gpd.GeoSeries([Point(370_000, 6_300_000)], crs="EPSG:3006"))
    for crs in ("EPSG:4326", None):
        with pytest.raises(CRSError, match=r"layer has CRS .*to_crs\('EPSG:3006'\)"):
            require_work_crs(gpd.GeoSeries([Point(12.5, 56.9)], crs=crs), "layer")


def test_no_module_writes_its_own_crs_guard() -> None:
    """The work-CRS check lives in geo.crs.require_work_crs only (it was copied eight times)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    copies = [
        str(path.relative_to(root))
        for path in (root / "geo").rglob("*.py")
        if path.name != "crs.py" and "crs.to_string() != WORK_CRS" in path.read_text("utf-8")
    ]
    assert copies == []
