"""Importing incident files: every kind of bad input is refused with file, line, column and fix,
and leaves the database byte-for-byte as it was; clean files of every format import."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from geo.commands.cli import main
from geo.crs import transformer
from geo.errors import GeoError
from geo.io import readers
from geo.io.ingest import (
    ImportOptions,
    id_key,
    id_keys,
    import_incidents,
    parse_line_list,
)
from geo.io.report import ImportReport
from geo.store.database import import_log, load_incidents
from tests.conftest import store_fingerprint
from tests.test_screening import PNR

TODAY = dt.date(2026, 11, 27)
HEADER = "id;tidpunkt;typ;x;y;beskrivning"
CENTRUM = "347000,5;6309800"  # SWEREF 99 TM, decimal comma, in Falkenberg centrum
LON, LAT = transformer("EPSG:3006", "EPSG:4326").transform(347000.5, 6309800)
RT90 = transformer("EPSG:3006", "EPSG:3021").transform(347000.5, 6309800)


def fingerprint(engine: Engine) -> str:
    """SQLite: the file's SHA-256 after a WAL checkpoint; PostgreSQL: every table's rows."""
    return store_fingerprint(engine)


def write(
    tmp_path: Path,
    body: str,
    *,
    name: str = "händelser.csv",
    encoding: str = "utf-8-sig",
    newline: str = "\r\n",
) -> Path:
    path = tmp_path / name
    path.write_bytes(body.replace("\n", newline).encode(encoding))
    return path


def run(store: Engine, path: Path, **options: object) -> ImportReport:
    dry_run = bool(options.pop("dry_run", False))
    return import_incidents(
        store, path, ImportOptions(today=TODAY, imported_by="test", **options), dry_run=dry_run
    )  # type: ignore[arg-type]


def rejected(store: Engine, path: Path, *expected: str, **options: object) -> ImportReport:
    """Import must fail, name every expected text, and leave the database untouched."""
    before = fingerprint(store)
    report = run(store, path, **options)
    text = report.text()
    assert not report.accepted and not report.imported, text
    for fragment in expected:
        assert fragment in text, f"{fragment!r} saknas i rapporten:\n{text}"
    assert "databasen är oförändrad" in text
    assert fingerprint(store) == before
    return report


# --- Clean files of each format -----------------------------------------------------------------


CLEAN = f"""{HEADER}
A1;2026-01-10 22:15;Misshandel;{CENTRUM};Bråk utanför krogen
A2;2026-01-11T03:10:00+01:00;Skadegörelse;349100;6310500;Krossad ruta
A3;2026-07-01 14:00;Stöld  ringa;362198;6335363;Snatteri i varuhuset
"""


@pytest.mark.parametrize(
    ("encoding", "separator", "decimal"),
    [("utf-8-sig", ";", ","), ("utf-8", ";", ","), ("cp1252", ";", ","), ("utf-16", "\t", ","), ("utf-8", ",", ".")],
    ids=["utf8-bom", "utf8", "windows-1252", "utf16-tab", "comma-separated"],
)  # fmt: skip
def test_clean_csv_imports_in_every_swedish_excel_flavour(
    store: Engine, tmp_path: Path, encoding: str, separator: str, decimal: str
) -> None:
    body = CLEAN.replace("347000,5", "347000" + decimal + "5").replace(";", separator)
    report = run(store, write(tmp_path, body, encoding=encoding))
    assert report.accepted and report.imported, report.text()
    assert report.rows_new == 3
    frame = load_incidents(
        store, columns=("source_id", "occurred_at", "raw_type", "area_code", "x")
    )
    frame = frame.set_index("source_id")
    assert frame.at["A1", "occurred_at"] == pd.Timestamp("2026-01-10 21:15", tz="UTC")
    assert frame.at["A2", "occurred_at"] == pd.Timestamp("2026-01-11 02:10", tz="UTC")
    assert frame.at["A3", "raw_type"] == "Stöld ringa"
    assert frame.at["A1", "area_code"] == "1382R001" and frame.at["A3", "area_code"] == "1382R011"
    assert frame.at["A1", "x"] == pytest.approx(347000.5)


def test_reimporting_the_same_file_adds_nothing(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, CLEAN)
    assert run(store, path).rows_new == 3
    again = run(store, path)
    assert again.imported and again.rows_new == 0 and again.rows_unchanged == 3
    assert len(load_incidents(store)) == 3


def test_xlsx_with_datetime_cells_and_excel_serial_dates(store: Engine, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Id", "Tidpunkt", "Typ", "X", "Y"])
    sheet.append(["X1", dt.datetime(2026, 1, 10, 22, 15), "Misshandel", 347000.5, 6309800])
    sheet.append(["X2", 46032.9375, "Stöld", 349100, 6310500])  # serial for 2026-01-10 22:30
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    report = run(store, path)
    assert report.imported, report.text()
    frame = load_incidents(store, columns=("occurred_at",))
    assert sorted(frame["occurred_at"]) == [
        pd.Timestamp("2026-01-10 21:15", tz="UTC"),
        pd.Timestamp("2026-01-10 21:30", tz="UTC"),
    ]


def test_a_csv_that_is_really_a_workbook_is_recognised(store: Engine, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "tidpunkt", "typ", "x", "y"])
    workbook.active.append(["W1", "2026-01-10 22:15", "Misshandel", 347000.5, 6309800])
    path = tmp_path / "export.csv"
    workbook.save(path)
    report = run(store, path)
    assert report.imported and report.format == "xlsx"
    assert "egentligen en Excel-arbetsbok" in report.text()


def test_geojson_points_in_wgs84_and_geopackage_in_sweref(store: Engine, tmp_path: Path) -> None:
    points = gpd.GeoDataFrame(
        {"id": ["G1", "G2"], "tidpunkt": ["2026-01-10 22:15", "2026-01-11 10:00"], "typ": ["Misshandel", "Stöld"]},
        geometry=[shapely.Point(347000.5, 6309800), shapely.Point(349100, 6310500)], crs="EPSG:3006",
    )  # fmt: skip
    geojson = tmp_path / "punkter.geojson"
    points.to_crs("EPSG:4326").to_file(geojson, driver="GeoJSON")
    assert run(store, geojson).rows_new == 2
    gpkg = tmp_path / "punkter.gpkg"
    points.assign(id=["G3", "G4"]).to_file(gpkg, driver="GPKG")
    report = run(store, gpkg)
    assert report.rows_new == 2, report.text()
    frame = load_incidents(store, columns=("source_id", "x", "area_code")).set_index("source_id")
    assert frame.at["G1", "x"] == pytest.approx(347000.5, abs=0.2)
    assert frame.at["G3", "area_code"] == "1382R001"


def test_geojson_with_legacy_crs_member(store: Engine, tmp_path: Path) -> None:
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        "features": [{"type": "Feature", "properties": {"id": "L1", "tidpunkt": "2026-01-10 22:15", "typ": "Rån"},
                      "geometry": {"type": "Point", "coordinates": [347000.5, 6309800]}}],
    }  # fmt: skip
    path = tmp_path / "legacy.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    assert run(store, path).rows_new == 1


def test_geojson_lines_are_not_incidents(store: Engine, tmp_path: Path) -> None:
    line = gpd.GeoDataFrame({"id": ["G1"], "tidpunkt": ["2026-01-10 22:15"], "typ": ["Stöld"]},
                            geometry=[shapely.LineString([(12.49, 56.90), (12.50, 56.91)])], crs="EPSG:4326")  # fmt: skip
    path = tmp_path / "linje.geojson"
    line.to_file(path, driver="GeoJSON")
    rejected(store, path, "linje.geojson, objekt 1: geometrin är inte en punkt")


def test_lat_lon_columns_and_area_only_rows(store: Engine, tmp_path: Path) -> None:
    body = f"id;tid;typ;lat;lon;område\nB1;2026-01-10 22:15;Stöld;{LAT:.6f};{LON:.6f};\nB2;2026-01-10 23:00;Stöld;;;Västra Gärdet\n"
    report = run(store, write(tmp_path, body))
    assert report.imported, report.text()
    frame = load_incidents(store, columns=("source_id", "area_code", "x")).set_index("source_id")
    assert frame.at["B1", "area_code"] == "1382R001"
    assert frame.at["B2", "area_code"] == "1382R014" and pd.isna(frame.at["B2", "x"])


def test_date_and_time_in_separate_columns(store: Engine, tmp_path: Path) -> None:
    body = "id;datum;klockslag;typ;område_kod\nD1;2026-01-10;22:15;Stöld;1382R011\n"
    report = run(store, write(tmp_path, body))
    assert report.imported, report.text()
    assert load_incidents(store)["occurred_at"].iloc[0] == pd.Timestamp(
        "2026-01-10 21:15", tz="UTC"
    )


def test_profile_with_swedish_dates_and_thousands(store: Engine, tmp_path: Path) -> None:
    body = (
        "Ärendenr;Inträffade;Ärendetyp;X;Y\nK1;10/01/2026 kl. 22.15;Klotter;347 000,5;6 309 800\n"
    )
    path = write(tmp_path, body)
    # The standard profile knows the headers now, but not day-first dates or space thousands:
    rejected(store, path, "ordningen på dag och månad är tvetydig", 'date_formats: ["svensk"]',
             "'347 000,5' är inget tal", "thousands")  # fmt: skip
    report = run(store, path, profile="kommun_excel", source="kommun")
    assert report.imported, report.text()
    frame = load_incidents(store, columns=("raw_type", "occurred_at", "x", "source"))
    assert frame["raw_type"].iloc[0] == "Skadegörelse" and frame["source"].iloc[0] == "kommun"
    assert frame["occurred_at"].iloc[0] == pd.Timestamp("2026-01-10 21:15", tz="UTC")


def test_large_file_streams_in_chunks(
    store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "CHUNK_ROWS", 7)
    rows = [f"C{i};2026-01-{1 + i % 28:02d} 12:00;Stöld;{CENTRUM};" for i in range(50)]
    path = write(tmp_path, "\n".join([HEADER, *rows, rows[3].replace(";Stöld;", ";Rån;")]) + "\n")
    report = rejected(store, path, "rad 52, kolumn 'id': samma id 'C3' som rad 5")
    assert report.rows_read == 51
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    progress: list[float] = []
    report = import_incidents(
        store, path, ImportOptions(today=TODAY), progress=lambda f, _m: progress.append(f)
    )
    assert report.rows_new == 50 and len(progress) >= 7 and progress[-1] == 1.0


# --- Every kind of bad input --------------------------------------------------------------------


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


BAD_INPUT = {
    "lon-out-of-range": (
        _csv(f"1;2026-01-10 22:15;Stöld;{LAT:.5f};190.5", header="id;tidpunkt;typ;lat;lon"),
        ["rad 2, kolumn 'lon': (190.5, ", "utanför ±180/±90"], {},
    ),
    "sweref-declared-as-wgs84": (_csv(f"1;2026-01-10 22:15;Stöld;{CENTRUM};"), ["rad 2, kolumn 'x'", "ser ut som SWEREF 99 TM", "--crs EPSG:3006"], {"crs": "EPSG:4326"}),
    "rt90-undeclared": (_csv(f"1;2026-01-10 22:15;Stöld;{RT90[0]:.0f};{RT90[1]:.0f};"), ["rad 2, kolumn 'x'", "ser ut som RT90", "--crs EPSG:3021"], {}),
    "swapped-axes": (
        _csv(f"1;2026-01-10 22:15;Stöld;{LON:.5f};{LAT:.5f}", header="id;tidpunkt;typ;lat;lon"),
        ["rad 2, kolumn 'lon'", "latitud och longitud i omvänd ordning"], {},
    ),
    "zero-zero-is-missing": (_csv("1;2026-01-10 22:15;Stöld;0;0;"), ["rad 2: saknar plats"], {}),
    "blank-is-missing": (_csv("1;2026-01-10 22:15;Stöld;;;"), ["rad 2: saknar plats"], {}),
    "outside-municipality": (_csv("1;2026-01-10 22:15;Stöld;320000;6300000;"), ["rad 2, kolumn 'x'", "utanför Falkenbergs kommun"], {}),
    "mixed-crs": (
        _csv(f"1;2026-01-10 22:15;Stöld;{CENTRUM};", f"2;2026-01-10 22:15;Stöld;{RT90[0]:.0f};{RT90[1]:.0f};"),
        ["blandade koordinatsystem", "SWEREF 99 TM (EPSG:3006): 1 st (t.ex. rad 2)", "RT90 2.5 gon V (EPSG:3021): 1 st (t.ex. rad 3)"], {},
    ),
    "not-a-number": (_csv("1;2026-01-10 22:15;Stöld;347 000;6309800;"), ["rad 2, kolumn 'x': '347 000' är inget tal", "tusentalsavgränsare"], {}),
    "ambiguous-day-month": (_csv(f"1;03/04/2026 12:00;Stöld;{CENTRUM};"), ["rad 2, kolumn 'tidpunkt'", "tvetydig"], {}),
    "impossible-date": (_csv(f"1;2026-02-30 12:00;Stöld;{CENTRUM};"), ["rad 2, kolumn 'tidpunkt': '2026-02-30 12:00' är inget giltigt datum"], {}),
    "missing-year": (_csv(f"1;30/01 12:00;Stöld;{CENTRUM};"), ["rad 2, kolumn 'tidpunkt': '30/01 12:00' saknar år"], {}),
    "dst-nonexistent": (_csv(f"1;2026-03-29 02:30;Stöld;{CENTRUM};"), ["rad 2, kolumn 'tidpunkt'", "finns inte i svensk tid"], {}),
    "dst-twice": (_csv(f"1;2026-10-25 02:30;Stöld;{CENTRUM};"), ["rad 2, kolumn 'tidpunkt'", "inträffar två gånger"], {}),
    "in-the-future": (_csv(f"1;2027-01-10 12:00;Stöld;{CENTRUM};"), ["rad 2, kolumn 'tidpunkt'", "ligger i framtiden"], {}),
    "before-the-source": (_csv(f"1;1998-01-10 12:00;Stöld;{CENTRUM};"), ["rad 2, kolumn 'tidpunkt'", "före 2000-01-01"], {}),
    "missing-time": (_csv(f"1;;Stöld;{CENTRUM};"), ["rad 2, kolumn 'tidpunkt': saknar tidpunkt"], {}),
    "unknown-types-counted": (
        _csv(f"1;2026-01-10 12:00;Tjuvfiske;{CENTRUM};", f"2;2026-01-10 13:00;Tjuvfiske;{CENTRUM};", f"3;2026-01-10 14:00;Mopedtrimning;{CENTRUM};"),
        ["rader 2–3: okänd händelsetyp 'Tjuvfiske' (2 st)", "rad 4: okänd händelsetyp 'Mopedtrimning' (1 st)"], {},
    ),
    "null-type-is-missing": (_csv(f"1;2026-01-10 12:00;NULL;{CENTRUM};", f"2;2026-01-10 12:00;okänd;{CENTRUM};", f"3;2026-01-10 12:00;-;{CENTRUM};"),
                             ["rad 2, kolumn 'typ': saknar händelsetyp", "rad 3, kolumn 'typ'", "rad 4, kolumn 'typ'"], {}),
    "duplicate-in-file": (_csv(f"1;2026-01-10 12:00;Stöld;{CENTRUM};", f"1;2026-01-11 12:00;Rån;{CENTRUM};"), ["rad 3, kolumn 'id': samma id '1' som rad 2"], {}),
    "ragged-row": (_csv(f"1;2026-01-10 12:00;Stöld;{CENTRUM};;extra"), ["händelser.csv, rad 2: har 7 fält, rubrikraden har 6"], {}),
    "unterminated-quote": (_csv(f"1;2026-01-10 12:00;Stöld;{CENTRUM};\"aldrig slut", "2;2026-01-10 12:00;Stöld;1;2;x"), ["rad 2: felaktig citering"], {}),
    "header-only": (_csv(), ["bara en rubrikrad"], {}),
    "unknown-area-name": (_csv("1;2026-01-10 12:00;Stöld;Gamla stan", header="id;tidpunkt;typ;område"), ["rad 2, kolumn 'område': områdesnamnet 'Gamla stan' finns inte"], {}),
    "unknown-area-code": (_csv("1;2026-01-10 12:00;Stöld;1380R001", header="id;tidpunkt;typ;område_kod"), ["rad 2, kolumn 'område_kod': områdeskoden '1380R001' finns inte"], {}),
    "missing-columns": (_csv("1;Stöld", header="nummer;vad"), ["hittar ingen kolumn för tidpunkt", "filens kolumner: 'nummer', 'vad'"], {}),
    "ended-before-start": (_csv(f"1;2026-01-10 12:00;2026-01-10 11:00;Stöld;{CENTRUM}", header="id;tidpunkt;sluttid;typ;x;y"), ["rad 2, kolumn 'sluttid': sluttiden är före starttiden"], {}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_with_line_column_and_fix(
    store: Engine, tmp_path: Path, case: str
) -> None:
    body, expected, options = BAD_INPUT[case]
    rejected(store, write(tmp_path, body), *expected, **options)


def test_nul_bytes_are_named_by_line_and_position(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, _csv(f"1;2026-01-10 12:00;Stö\x00ld;{CENTRUM};"))
    rejected(store, path, "rad 2, tecken 23: innehåller NUL-tecken")


def test_empty_file(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "tom.csv"
    path.write_bytes(b"")
    rejected(store, path, "tom.csv: filen är tom")


def test_files_over_the_limit_are_refused_before_parsing(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, CLEAN)
    rejected(store, path, "gränsen är 0 MB", max_bytes=10)


def test_a_later_export_of_the_same_id_is_a_correction(store: Engine, tmp_path: Path) -> None:
    """A case system exports the same case again with a corrected time or type: the stored row is
    updated (not duplicated, not refused), and the check says what changes before anything is."""
    run(store, write(tmp_path, CLEAN))
    changed = CLEAN.replace(
        "A2;2026-01-11T03:10:00+01:00;Skadegörelse", "A2;2026-01-12T03:10:00+01:00;Inbrott"
    )
    path = write(tmp_path, changed, name="ny.csv")
    check = run(store, path, dry_run=True)
    assert (
        "rad 3, kolumn 'id': id 'A2' finns redan och uppdateras: tid 2026-01-11 03:10 → 2026-01-12 03:10; typ Skadegörelse → Inbrott"
        in check.text()
    )
    report = run(store, path)
    assert report.imported and (report.rows_new, report.rows_updated, report.rows_unchanged) == (
        0,
        1,
        2,
    )
    stored = load_incidents(store, columns=("source_id", "raw_type", "occurred_at")).set_index(
        "source_id"
    )
    assert len(stored) == 3 and stored.loc["A2", "raw_type"] == "Inbrott"
    assert stored.loc["A2", "occurred_at"] == pd.Timestamp("2026-01-12 02:10", tz="UTC")


def test_problems_of_one_kind_are_listed_twenty_times_then_counted(
    store: Engine, tmp_path: Path
) -> None:
    rows = [f"{i};2026-02-30 12:00;Stöld;{CENTRUM};" for i in range(45)]
    report = rejected(store, write(tmp_path, _csv(*rows)), "… och 25 till av samma slag")
    assert report.errors.total == 45


# --- All or nothing, exclusions, personal data --------------------------------------------------


def test_one_bad_row_among_good_ones_imports_nothing_until_excluded(
    store: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        _csv(
            f"1;2026-01-10 12:00;Stöld;{CENTRUM};",
            f"2;2026-02-30 12:00;Stöld;{CENTRUM};",
            f"3;2026-01-10 13:00;Rån;{CENTRUM};",
        ),
    )
    rejected(store, path, "rad 3")
    report = run(store, path, exclude=parse_line_list("3"))
    assert report.imported and report.rows_new == 2
    log = import_log(store).iloc[0]
    assert log["rows_read"] == 3 and log["rows_imported"] == 2 and log["rows_excluded"] == 1
    assert json.loads(log["exclusions"]) == [
        {"line": 3, "unit": "rad", "reason": "undantagen av användaren"}
    ]
    assert (
        log["imported_by"] == "test"
        and log["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    )


def test_excluding_a_line_that_does_not_exist_is_an_error(store: Engine, tmp_path: Path) -> None:
    rejected(
        store, write(tmp_path, CLEAN), "rader 9 som ska undantas finns inte", exclude=frozenset({9})
    )


def test_dry_run_writes_nothing(store: Engine, tmp_path: Path) -> None:
    before = fingerprint(store)
    report = run(store, write(tmp_path, CLEAN), dry_run=True)
    assert report.accepted and not report.imported and report.rows_new == 3
    assert "Provkörning" in report.text() and fingerprint(store) == before


def test_personnummer_are_redacted_before_storage_and_never_reported(
    store: Engine, tmp_path: Path
) -> None:
    wrong = PNR[:9] + str((int(PNR[9]) + 1) % 10)
    path = write(tmp_path, _csv(
        f"1;2026-01-10 12:00;Stöld;{CENTRUM};Anmälare {PNR[:6]}-{PNR[6:]} ringde",
        f"2;2026-01-10 13:00;Stöld;{CENTRUM};Felskrivet {wrong}",
        f"3;2026-01-10 14:00;Bedrägeri;{CENTRUM};Bolaget 556677-8899, ärende 5000-K123456-25",
    ))  # fmt: skip
    report = run(store, path)
    text = report.text()
    assert report.imported
    assert report.redacted_lines == [2] and report.near_miss_lines == [3]
    assert "Personnummer borttagna ur fritext på 1 rad: 2" in text
    assert PNR not in text and wrong not in text
    stored = load_incidents(store, columns=("source_id", "description")).set_index("source_id")[
        "description"
    ]
    assert stored["1"] == "Anmälare [personnummer borttaget] ringde"
    assert stored["2"] == "Felskrivet [möjligt personnummer borttaget]"
    assert stored["3"] == "Bolaget 556677-8899, ärende 5000-K123456-25"


def test_cli_exit_codes_and_report(
    store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(store.url))
    bad = write(tmp_path, _csv(f"1;2026-02-30 12:00;Stöld;{CENTRUM};"), name="fel.csv")
    assert main(["import", "incidents", str(bad)]) == 2
    assert "fel.csv, rad 2, kolumn 'tidpunkt'" in capsys.readouterr().out
    good = write(tmp_path, _csv(f"1;2026-01-10 12:00;Stöld;{CENTRUM};"), name="rätt.csv")
    assert main(["import", "incidents", str(good), "--dry-run"]) == 0
    assert load_incidents(store).empty
    assert main(["import", "incidents", str(good), "--source", "kommun"]) == 0
    assert load_incidents(store, columns=("source",))["source"].tolist() == ["kommun"]


def test_bad_exclusion_list_is_explained() -> None:
    assert parse_line_list("12, 15-17") == {12, 15, 16, 17}
    with pytest.raises(GeoError, match=r"skriv t\.ex\. 12,15-18"):
        parse_line_list("tolv")


@pytest.mark.sqlite_only(reason="sqlite3's trace callback and sqlite_master")
def test_bulk_load_defers_indexes_and_a_rejection_restores_them(
    store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What SQLite executes, in order: indexes dropped before the rows, rebuilt before COMMIT;
    a rejected file rolls the DROP back (file byte-for-byte unchanged); a dry run writes nothing.

    ``geo.store.database.BULK_MIN_ROWS`` is what decides: the same small file defers nothing with the real
    threshold and defers the indexes with the threshold at 0. While the rows are written, the
    store's own catalogue (``sqlite_master``, read on the import's connection) has no secondary
    index of ``incidents``; after the commit both are back and used.
    """
    from sqlalchemy import Connection, event

    import geo.io.ingest
    import geo.store.database

    statements: list[str] = []
    indexes_while_writing: list[set[str]] = []
    real_insert = geo.io.ingest.insert_incidents

    def observed_insert(connection: Connection, *args: object, **kwargs: object) -> object:
        names = connection.exec_driver_sql(indexes).scalars().all()
        indexes_while_writing.append(set(names))
        return real_insert(connection, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(geo.io.ingest, "insert_incidents", observed_insert)

    def trace(dbapi_connection: object, _record: object, _proxy: object) -> None:
        dbapi_connection.set_trace_callback(lambda sql: statements.append(" ".join(sql.split())))  # type: ignore[attr-defined]

    event.listen(store, "checkout", trace)
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents' ORDER BY name"
    with store.connect() as connection:
        before_indexes = connection.exec_driver_sql(indexes).scalars().all()
    assert {"ix_incidents_area_code", "ix_incidents_occurred_at"} <= set(before_indexes)

    def kinds() -> list[str]:
        """The statements that matter, as DROP/INSERT/CREATE/COMMIT/ROLLBACK."""
        out = []
        for sql in statements:
            if sql.startswith("DROP INDEX ix_incidents_"):
                out.append("DROP")
            elif sql.startswith("CREATE INDEX ix_incidents_"):
                out.append("CREATE")
            elif sql.startswith("INSERT INTO incidents"):
                out.append("INSERT")
            elif sql in ("COMMIT", "ROLLBACK"):
                out.append(sql)
        return [k for i, k in enumerate(out) if i == 0 or k != "INSERT" or out[i - 1] != "INSERT"]

    bad = write(
        tmp_path,
        _csv(f"1;2026-01-10 12:00;Stöld;{CENTRUM};", f"2;2026-02-30 12:00;Stöld;{CENTRUM};"),
    )
    rejected(store, bad, "rad 3")
    assert kinds() == ["ROLLBACK"], statements  # a small file is no bulk load
    statements.clear()
    monkeypatch.setattr(geo.store.database, "BULK_MIN_ROWS", 0)  # every load counts as a bulk load
    rejected(store, bad, "rad 3")
    assert kinds() == ["DROP", "DROP", "ROLLBACK"], statements
    statements.clear()
    report = run(store, write(tmp_path, CLEAN, name="ok.csv"), dry_run=True)
    assert report.accepted and report.rows_new == 3 and not report.imported
    assert kinds() == ["ROLLBACK"], statements  # a dry run neither defers nor inserts
    statements.clear()
    report = run(store, write(tmp_path, CLEAN, name="ok.csv"))
    assert report.imported and report.rows_new == 3
    assert kinds() == ["DROP", "DROP", "INSERT", "CREATE", "CREATE", "COMMIT"], statements
    event.remove(store, "checkout", trace)
    assert indexes_while_writing, (
        "the load wrote no rows through geo.store.database.insert_incidents"
    )
    for names in indexes_while_writing:
        assert not {"ix_incidents_area_code", "ix_incidents_occurred_at"} & names, names
        assert any(n.startswith("sqlite_autoindex_incidents") for n in names)  # unique id kept
    with store.connect() as connection:
        assert connection.exec_driver_sql(indexes).scalars().all() == before_indexes
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM incidents WHERE occurred_at >= '2026-01-01'"
        ).all()
        assert "ix_incidents_occurred_at" in str(plan)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), max_size=20),
    st.booleans(),
)
def test_vectorised_id_keys_equal_the_one_id_rule(ids: list[str], ascii_only: bool) -> None:
    """The pyarrow path for ASCII ids and the Python path compare ids exactly as :func:`id_key`."""
    if ascii_only:
        ids = [i.encode("ascii", "ignore").decode() for i in ids]
    assert id_keys(pd.Series(ids, dtype=object)).tolist() == [id_key(i) for i in ids]


def test_lines_with_unreadable_times_are_not_called_duplicates(
    store: Engine, tmp_path: Path
) -> None:
    """Two times that cannot be read are errors, not "the same time": only readable repeats warn."""
    body = "tidpunkt;typ;x;y\n20.00;Stöld;{c}\nkl 21:00;Stöld;{c}\n2025-03-01 22:15;Stöld;{c}\n2025-03-01 22:15;Stöld;{c}\n"
    report = run(store, write(tmp_path, body.format(c=CENTRUM)), dry_run=True)
    text = report.text()
    assert report.errors.total == 2 and "rad 2" in text and "rad 3" in text
    duplicates = report.warnings.listed.get("möjlig_dubblett", [])
    assert [p.where for p in duplicates] == ["händelser.csv, rad 5"], text
