"""Importing area layers: formats, CRSs, SCB field names, validation, all-or-nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine

from geo.areas.builtin import read_builtin_layer
from geo.areas.layers import import_area_layer, read_area_file, read_zone_table
from geo.commands.cli import main
from geo.errors import CRSError, ImportRejected
from geo.store.database import active_layer, import_log

pytestmark = pytest.mark.filterwarnings("ignore:.*initial implementation of Parquet.*")


@pytest.fixture
def ours() -> gpd.GeoDataFrame:
    """The built-in layer, renamed the way SCB names RegSO fields (2018 vintage)."""
    layer = read_builtin_layer()[0]
    return gpd.GeoDataFrame(
        {"regsokod": layer["area_code"], "regsonamn": layer["name"]},
        geometry=layer.geometry,
        crs=layer.crs,
    )


def _layer_unchanged(store: Engine, before: gpd.GeoDataFrame) -> None:
    _info, after = active_layer(store)
    assert list(after["area_code"]) == list(before["area_code"])
    assert all(a.equals(b) for a, b in zip(after.geometry, before.geometry, strict=True))


@pytest.mark.official
def test_official_regso_replaces_the_layer_keeping_codes_and_zones(
    store: Engine, official_regso: Path
) -> None:
    _info, before = active_layer(store)
    result = import_area_layer(store, official_regso, imported_by="test")
    info, after = active_layer(store)
    assert result.areas == 14 and result.zones_kept == 14
    assert list(after["area_code"]) == [f"1382R{i:03d}" for i in range(1, 15)]
    assert dict(zip(after["area_code"], after["zone"], strict=True)) == dict(
        zip(before["area_code"], before["zone"], strict=True)
    )
    assert not info.approximate
    assert after.loc[after["area_code"] == "1382R001", "name"].item() == "Falkenberg centrum"
    log = import_log(store)
    assert log.iloc[0]["kind"] == "areas" and len(log.iloc[0]["file_sha256"]) == 64


@pytest.mark.official
def test_cli_imports_official_layer_and_rejects_a_broken_one(
    store: Engine, official_regso: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(store.url))
    assert main(["areas", "import", str(official_regso), "--by", "test"]) == 0
    _info, good = active_layer(store)
    collection = json.loads(official_regso.read_text(encoding="utf-8"))
    collection["features"][2]["geometry"] = {
        "type": "Polygon",
        "coordinates": [
            [[12.40, 56.90], [12.50, 57.00], [12.50, 56.90], [12.40, 57.00], [12.40, 56.90]]
        ],
    }
    broken = tmp_path / "trasig.geojson"
    broken.write_text(json.dumps(collection), encoding="utf-8")
    assert main(["areas", "import", str(broken)]) == 2
    _layer_unchanged(store, good)


def test_geopackage_in_sweref(store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = tmp_path / "RegSO_2018_v1.gpkg"
    ours.to_file(path, driver="GPKG")
    assert import_area_layer(store, path).areas == 14


def test_zipped_shapefile_in_rt90(store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    ours.to_crs("EPSG:3021").to_file(folder / "regso.shp")
    archive = tmp_path / "regso.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in folder.iterdir():
            zipped.write(part, part.name)
    area_file = read_area_file(archive)
    assert area_file.source_crs == "EPSG:3021"
    assert import_area_layer(store, archive).areas == 14


def test_geojson_with_legacy_crs_member(
    store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    collection = json.loads(ours.to_json(drop_id=True))
    collection["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}}
    path = tmp_path / "legacy.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    assert read_area_file(path).source_crs == "EPSG:3006"
    assert import_area_layer(store, path).areas == 14


def test_sweref_coordinates_without_crs_member_are_refused_with_a_hint(
    store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    collection = json.loads(ours.to_json(drop_id=True))
    collection.pop("crs", None)  # RFC 7946: no crs member means WGS84, but these are metres
    path = tmp_path / "utan_crs.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(CRSError, match=r"SWEREF 99 TM.*--crs EPSG:3006"):
        import_area_layer(store, path)
    assert import_area_layer(store, path, crs="EPSG:3006").areas == 14


def test_shapefile_without_prj_asks_for_crs(ours: gpd.GeoDataFrame, tmp_path: Path) -> None:
    ours.to_file(tmp_path / "regso.shp")
    (tmp_path / "regso.prj").unlink()
    with pytest.raises(CRSError, match=r"anger inget koordinatsystem.*SWEREF 99 TM"):
        read_area_file(tmp_path / "regso.shp")


def test_2025_codes_are_recognised_and_matched(
    store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    layer = ours.copy()
    layer["regsokod"] = layer["regsokod"] + "_RegSO2025"
    path = tmp_path / "RegSO_2025.gpkg"
    layer.to_file(path, driver="GPKG")
    result = import_area_layer(store, path)
    assert result.vintage == "RegSO2025" and result.zones_kept == 14
    _info, active = active_layer(store)
    assert active["area_code"].iloc[0] == "1382R001"


def test_national_file_is_filtered_to_falkenberg(
    store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    elsewhere = ours.iloc[[0]].copy()
    elsewhere["regsokod"] = "1380R001"
    elsewhere.geometry = elsewhere.geometry.translate(0, 200_000)
    path = tmp_path / "hela_landet.gpkg"
    gpd.GeoDataFrame(gpd.pd.concat([ours, elsewhere], ignore_index=True), crs=ours.crs).to_file(
        path, driver="GPKG"
    )
    assert import_area_layer(store, path).areas == 14


def test_invalid_polygon_duplicate_code_and_overlap_are_all_reported(
    store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    _info, before = active_layer(store)
    broken = ours.copy()
    bow_tie = [
        (340000, 6310000),
        (341000, 6311000),
        (341000, 6310000),
        (340000, 6311000),
        (340000, 6310000),
    ]
    broken.loc[2, "geometry"] = shapely.Polygon(bow_tie)
    broken.loc[5, "regsokod"] = broken.loc[4, "regsokod"]
    broken.loc[7, "geometry"] = broken.loc[7, "geometry"].union(
        broken.loc[8, "geometry"].buffer(-50)
    )
    path = tmp_path / "trasig.gpkg"
    broken.to_file(path, driver="GPKG")
    with pytest.raises(ImportRejected) as raised:
        import_area_layer(store, path)
    text = str(raised.value)
    assert "objekt 3 (1382R003): ogiltig polygon: Self-intersection" in text
    assert "objekt 5, 6: områdeskoden 1382R005 förekommer flera gånger" in text
    assert "objekt 8 (1382R008) och 9 (1382R009)" in text and "räknas dubbelt" in text
    assert "oförändrat" in raised.value.summary
    _layer_unchanged(store, before)


def test_points_are_not_areas(store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path) -> None:
    points = ours.copy()
    points.geometry = points.geometry.representative_point()
    path = tmp_path / "punkter.gpkg"
    points.to_file(path, driver="GPKG")
    with pytest.raises(ImportRejected, match="geometrin är Point, inte en yta"):
        import_area_layer(store, path)


def test_new_codes_need_zones_then_import_with_a_zone_table(
    store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    kommun = ours.rename(columns={"regsokod": "distrikt_id", "regsonamn": "distriktsnamn"}).copy()
    kommun["distrikt_id"] = [f"D{i:02d}" for i in range(len(kommun))]
    path = tmp_path / "kommunens_distrikt.gpkg"
    kommun.to_file(path, driver="GPKG")
    with pytest.raises(ImportRejected, match="hittar ingen kolumn med områdeskod"):
        import_area_layer(store, path)
    with pytest.raises(
        ImportRejected, match=r"14 områden har koder som inte finns.*--zones"
    ) as raised:
        import_area_layer(store, path, code_field="distrikt_id", name_field="distriktsnamn")
    assert "D00" in str(raised.value)
    table = tmp_path / "zoner.csv"
    table.write_text(
        "area_code;zone;population\n"
        + "".join(f"D{i:02d};inland;1 000\n" for i in range(len(kommun))),
        encoding="utf-8-sig",
    )
    result = import_area_layer(
        store,
        path,
        code_field="distrikt_id",
        name_field="distriktsnamn",
        zones=read_zone_table(table),
    )
    assert result.zones_given == 14
    _info, active = active_layer(store)
    assert set(active["zone"]) == {"inland"} and set(active["population"]) == {1000}


def test_zone_table_errors_name_line_and_column(tmp_path: Path) -> None:
    table = tmp_path / "zoner.csv"
    table.write_text("area_code;zone\nA;tätort\nB;stan\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match=r"zoner.csv, rad 3, kolumn zone: okänd zon 'stan'"):
        read_zone_table(table)


def test_interactive_zone_answers_are_used(
    store: Engine, ours: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    layer = ours.copy()
    layer["regsokod"] = [f"1382R{i:03d}" for i in range(101, 115)]
    path = tmp_path / "nya_koder.gpkg"
    layer.to_file(path, driver="GPKG")
    asked: list[str] = []
    result = import_area_layer(
        store, path, ask_zone=lambda code, _name: asked.append(code) or "kust"
    )
    assert result.zones_given == 14 and len(asked) == 14


def test_missing_file_and_garbage_are_rejected(store: Engine, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="finns inte"):
        import_area_layer(store, tmp_path / "nej.gpkg")
    garbage = tmp_path / "skräp.geojson"
    garbage.write_text("{ inte json", encoding="utf-8")
    with pytest.raises(ImportRejected, match="kunde inte läsas"):
        import_area_layer(store, garbage)
