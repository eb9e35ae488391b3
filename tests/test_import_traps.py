"""The files people actually have (issue W2 1/7): each trap a real export set, imported right or
refused with a message that names the line, the value and the fix — never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine

from geo.areas.layers import read_area_file
from geo.commands.cli import main
from geo.crs import transformer
from geo.errors import GeoError, ImportRejected
from geo.io.columns import template_csv, template_xlsx
from geo.store.database import import_log, load_incidents
from tests.test_ingest import CENTRUM, fingerprint, rejected, run, write

N_CENTRUM, E_CENTRUM = 6309800, 347000  # the same point as CENTRUM, as northing/easting
GLOMMEN_HARBOUR = (339376, 6313986)
"""137 m west of the built-in Glommen polygon, in the harbour: in the municipality, in no area."""


@pytest.fixture
def cli_store(store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The test store as the CLI's database, with the data folder in ``tmp_path / "data"``."""
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(store.url))
    monkeypatch.setenv("LAGESBILD_DATA_DIR", str(tmp_path / "data"))
    return store


def stored(store: Engine, *columns: str) -> pd.DataFrame:
    return load_incidents(store, columns=columns)


# --- 1. No id, no problem -------------------------------------------------------------------------


def test_a_file_without_an_id_column_imports_and_is_recognised_again(
    store: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, f"tidpunkt;brottstyp;x;y\n2026-09-01 21:00;Misshandel;{CENTRUM}\n"
                           f"2026-09-02 11:30;Stöld;{CENTRUM}\n")  # fmt: skip
    report = run(store, path)
    assert report.imported and report.rows_new == 2, report.text()
    ids = stored(store, "source_id")["source_id"]
    assert ids.str.match(r"^h[0-9a-f]{16}$").all() and ids.is_unique
    again = run(store, path)
    assert again.imported and again.rows_new == 0 and again.rows_unchanged == 2, again.text()


def test_identical_rows_without_id_are_possible_duplicates_not_a_crash(
    store: Engine, tmp_path: Path
) -> None:
    body = (
        "Händelsedatum;Klockslag;Brottstyp;Område\n"
        "2026-10-12;15:00;Stöld;Slöinge\n2026-10-12;15:00;Stöld;Slöinge\n"
        "2026-10-10;23:30;Misshandel;Falkenberg centrum\n"
    )
    report = run(store, write(tmp_path, body))
    text = report.text()
    assert report.imported and report.rows_new == 3, text
    assert "rad 3: samma tid, typ och plats som rad 2: möjlig dubblett" in text
    # Re-import matches all three, the repeat included (its id carries #2):
    again = run(store, write(tmp_path, body))
    assert again.rows_new == 0 and again.rows_unchanged == 3
    assert stored(store, "source_id")["source_id"].str.endswith("#2").sum() == 1


def test_ids_that_differ_only_by_case_or_space_are_the_same_id(
    store: Engine, tmp_path: Path
) -> None:
    body = f"id;tidpunkt;typ;x;y\nF-2026-0903;2026-09-03 10:00;Stöld;{CENTRUM}\nf-2026-0903 ;2026-09-03 10:00;Stöld;{CENTRUM}\n"
    rejected(store, write(tmp_path, body), "rad 3, kolumn 'id': samma id 'f-2026-0903' som rad 2")
    first = write(tmp_path, f"id;tidpunkt;typ;x;y\nF-2026-0903;2026-09-03 10:00;Stöld;{CENTRUM}\n")
    assert run(store, first).rows_new == 1
    later = write(
        tmp_path,
        f"id;tidpunkt;typ;x;y\n f-2026-0903;2026-09-03 10:00;Stöld;{CENTRUM}\n",
        name="b.csv",
    )
    assert run(store, later).rows_unchanged == 1  # against the store, too


# --- 2. Time columns ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "row", "local"),
    [
        ("datum;tid", "2026-10-10;01:40", "2026-10-10 01:40"),
        ("Datum;Klockslag", "2026-10-10 00:00:00;23.30", "2026-10-10 23:30"),  # Excel date + clock
        ("Datum", "2026-07-01 14:05", "2026-07-01 14:05"),  # "Datum" holding date and time
        ("Tid", "2026-07-01 14:05", "2026-07-01 14:05"),  # "Tid" holding a full timestamp
        ("Datum;Tid", "2026-10-10;0140", "2026-10-10 01:40"),
    ],
    ids=["datum+tid", "excel-date+clock", "datum-is-timestamp", "tid-is-timestamp", "hhmm"],
)
def test_date_and_clock_columns(
    store: Engine, tmp_path: Path, header: str, row: str, local: str
) -> None:
    report = run(store, write(tmp_path, f"{header};typ;område\n{row};Stöld;Glommen\n"))
    assert report.imported, report.text()
    got = stored(store, "occurred_at")["occurred_at"].iloc[0]
    assert got == pd.Timestamp(local, tz="Europe/Stockholm").tz_convert("UTC")


def test_a_clock_time_without_a_date_column_names_what_is_missing(
    store: Engine, tmp_path: Path
) -> None:
    rejected(store, write(tmp_path, "Tid;typ;område\n01:40;Stöld;Glommen\n"),
             "Kolumnen 'Tid' innehåller bara klockslag", "hittar ingen kolumn för datum (klockslaget finns i 'Tid')")  # fmt: skip


def test_an_impossible_clock_is_named(store: Engine, tmp_path: Path) -> None:
    rejected(store, write(tmp_path, "datum;klockslag;typ;område\n2026-10-10;kväll;Stöld;Glommen\n"),
             "rad 2, kolumn 'klockslag': 'kväll' är inget klockslag")  # fmt: skip


@pytest.mark.parametrize(
    ("zone", "time", "utc"),
    [
        ("UTC", "2026-07-10 12:00", "2026-07-10 12:00"),
        ("CEST", "2026-07-10 14:00", "2026-07-10 12:00"),
        ("+01:00", "2026-01-10 13:00", "2026-01-10 12:00"),
        ("Europe/Stockholm", "2026-01-10 13:00", "2026-01-10 12:00"),
        ("CET", "2026-10-25 02:30", "2026-10-25 01:30"),  # the repeated hour, settled by the zone
    ],
)
def test_a_time_zone_column_is_honoured(
    store: Engine, tmp_path: Path, zone: str, time: str, utc: str
) -> None:
    report = run(store, write(tmp_path, f"tidpunkt;tz;typ;område\n{time};{zone};Stöld;Glommen\n"))
    assert report.imported, report.text()
    assert stored(store, "occurred_at")["occurred_at"].iloc[0] == pd.Timestamp(utc, tz="UTC")


def test_a_time_zone_that_contradicts_swedish_time_is_refused(
    store: Engine, tmp_path: Path
) -> None:
    rejected(store, write(tmp_path, "tidpunkt;tz;typ;område\n2026-07-10 12:00;CET;Stöld;Glommen\n"),
             "rad 2, kolumn 'tz': tidszonen +01:00 stämmer inte med svensk tid", "sommartid, +02:00")  # fmt: skip
    rejected(store, write(tmp_path, "tidpunkt;tz;typ;område\n2026-07-10 12:00;Mars;Stöld;Glommen\n"),
             "'Mars' är ingen tidszon")  # fmt: skip


# --- 3. Axis order and CRS ----------------------------------------------------------------------


def test_swedish_x_north_y_east_is_read_and_named(store: Engine, tmp_path: Path) -> None:
    body = f"tidpunkt;typ;X;Y\n2026-10-10 12:00;Stöld;{N_CENTRUM};{E_CENTRUM}\n"
    report = run(store, write(tmp_path, body))
    assert report.imported, report.text()
    assert "svensk konvention X = norr, Y = öst" in report.text()
    point = stored(store, "x", "y", "area_code").iloc[0]
    assert (round(point["x"]), round(point["y"]), point["area_code"]) == (
        E_CENTRUM,
        N_CENTRUM,
        "1382R001",
    )


def test_rt90_with_x_north_imports_when_declared_and_is_named_when_not(
    store: Engine, tmp_path: Path
) -> None:
    east, north = transformer("EPSG:3006", "EPSG:3021").transform(E_CENTRUM, N_CENTRUM)
    body = f"tidpunkt;typ;X;Y\n2026-10-10 12:00;Stöld;{north:.0f};{east:.0f}\n"
    rejected(
        store,
        write(tmp_path, body),
        "ser ut som RT90 2.5 gon V med X = norr och Y = öst",
        "ange --crs EPSG:3021",
    )
    report = run(store, write(tmp_path, body), crs="EPSG:3021")
    assert report.imported, report.text()
    assert stored(store, "area_code")["area_code"].iloc[0] == "1382R001"


def test_a_file_mixing_both_axis_orders_is_refused(store: Engine, tmp_path: Path) -> None:
    body = (f"tidpunkt;typ;x;y\n2026-10-10 12:00;Stöld;{E_CENTRUM};{N_CENTRUM}\n"
            f"2026-10-10 13:00;Stöld;{N_CENTRUM};{E_CENTRUM}\n")  # fmt: skip
    rejected(
        store, write(tmp_path, body), "blandad axelordning: 1 punkter har x = norr (t.ex. rad 3)"
    )


# --- 4. Points just outside every area ----------------------------------------------------------


def test_a_point_in_the_harbour_is_never_stored_without_an_area(
    store: Engine, tmp_path: Path
) -> None:
    e, n = GLOMMEN_HARBOUR
    body = f"id;tidpunkt;typ;x;y\nH1;2026-10-10 12:00;Stöld;{e};{n}\nH2;2026-10-10 13:00;Stöld;{CENTRUM}\n"
    path = write(tmp_path, body)
    rejected(store, path, "rad 2, kolumn 'x': punkten ligger utanför alla områden, 137 m från Glommen (1382R005)",
             "--outside närmaste")  # fmt: skip
    page = run(store, path, surface="sida", dry_run=True)
    assert "Räkna till närmaste område" in page.text() and "--outside" not in page.text()
    report = run(store, path, outside="närmaste")
    assert report.imported and "räknas till Glommen" in report.text()
    assert (
        stored(store, "source_id", "area_code").set_index("source_id")["area_code"]["H1"]
        == "1382R005"
    )


def test_outside_points_can_be_left_out_and_the_log_says_so(store: Engine, tmp_path: Path) -> None:
    e, n = GLOMMEN_HARBOUR
    body = f"id;tidpunkt;typ;x;y\nH1;2026-10-10 12:00;Stöld;{e};{n}\nH2;2026-10-10 13:00;Stöld;{CENTRUM}\n"
    report = run(store, write(tmp_path, body), outside="undanta")
    assert report.imported and report.rows_new == 1, report.text()
    assert "utanför alla områden (valt: undanta): 1 (2)" in report.text()
    log = import_log(store).iloc[0]
    assert log["rows_excluded"] == 1
    assert json.loads(log["exclusions"]) == [
        {"line": 2, "unit": "rad", "reason": "utanför alla områden (valt: undanta)"}
    ]
    assert stored(store, "area_code")["area_code"].notna().all()


# --- 5. Types and headers -----------------------------------------------------------------------


def test_plain_swedish_types_and_headers(store: Engine, tmp_path: Path) -> None:
    body = "Datum;Klockslag;Brottskategori;Område\n2026-10-10;23:30;Ordningsstörning;Glommen\n2026-10-11;10:00;Trafikkontroll;Ullared\n"
    report = run(store, write(tmp_path, body))
    assert report.imported, report.text()
    got = stored(store, "raw_type", "category", "area_code").sort_values("raw_type")
    assert got.values.tolist() == [
        ["Ordningsstörning", "ordning", "1382R005"],
        ["Trafikkontroll", "trafik", "1382R011"],  # "Ullared": a locality, found in the gazetteer
    ]


def test_unknown_types_placed_in_a_group_import_and_are_remembered(
    store: Engine, tmp_path: Path
) -> None:
    from geo.io.columns import save_user_type_groups

    path = write(tmp_path, "tidpunkt;typ;område\n2026-10-10 12:00;Nedskräpning;Glommen\n")
    report = rejected(store, path, "okänd händelsetyp 'Nedskräpning'")
    assert report.unknown_types == {"Nedskräpning": [2]}
    report = run(store, path, type_groups=(("Nedskräpning", "ordning"),))
    assert report.imported, report.text()
    assert stored(store, "category")["category"].tolist() == ["ordning"]
    save_user_type_groups(tmp_path / "data", {"Nedskräpning": "ordning"})
    other = write(
        tmp_path, "tidpunkt;typ;område\n2026-10-11 12:00;nedskräpning;Glommen\n", name="b.csv"
    )
    assert run(store, other, user_dir=tmp_path / "data").imported


# --- 6. Column mapping by hand -------------------------------------------------------------------


def test_a_missing_column_names_the_closest_header_and_a_map_fixes_it(
    store: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "Tidpunkt;Brottsslag;Område\n2026-10-10 12:00;Stöld;Glommen\n")
    report = rejected(store, path, "hittar ingen kolumn för händelsetyp", "närmast är kolumnen 'Brottsslag'",
                      "--map raw_type=KOLUMN")  # fmt: skip
    assert report.columns_missing and report.headers == ["Tidpunkt", "Brottsslag", "Område"]
    assert report.raw_preview.iloc[0].tolist() == ["2026-10-10 12:00", "Stöld", "Glommen"]
    assert run(store, path, column_map=(("raw_type", "brottsslag"),)).imported
    rejected(store, path, "kolumnen 'Brotslag' (vald för raw_type) finns inte i filen", "menade du 'Brottsslag'?",
             column_map=(("raw_type", "Brotslag"),))  # fmt: skip


def test_a_saved_user_profile_is_used_next_time(store: Engine, tmp_path: Path) -> None:
    from geo.io.columns import save_user_profile
    from geo.io.profiles import available_profiles, load_profile

    user_dir = tmp_path / "data"
    save_user_profile(user_dir, "min_export", load_profile("standard"), {"raw_type": "Brottsslag"})
    assert "min_export" in available_profiles(user_dir)
    path = write(tmp_path, "Tidpunkt;Brottsslag;Område\n2026-10-10 12:00;Stöld;Glommen\n")
    assert run(store, path, profile="min_export", user_dir=user_dir).imported
    with pytest.raises(GeoError, match="Profilnamnet"):
        save_user_profile(user_dir, "../etc", load_profile("standard"), {})


def test_cli_takes_map_and_outside(
    cli_store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    e, n = GLOMMEN_HARBOUR
    path = write(tmp_path, f"Tidpunkt;Brottsslag;x;y\n2026-10-10 12:00;Stöld;{e};{n}\n")
    assert main(["import", "incidents", str(path)]) == 2
    assert "närmast är kolumnen 'Brottsslag'" in capsys.readouterr().out
    code = main(
        ["import", "incidents", str(path), "--map", "raw_type=Brottsslag", "--outside", "närmaste"]
    )
    assert code == 0, capsys.readouterr()
    assert main(["import", "incidents", str(path), "--map", "raw_type"]) == 2
    assert "skriv fält=kolumn" in capsys.readouterr().err


# --- 7. Structure ---------------------------------------------------------------------------------


def test_a_20_mb_text_field_is_a_text_not_a_quoting_error(store: Engine, tmp_path: Path) -> None:
    long_text = "Lång anteckning. " * (20 * 1024 * 1024 // 17)
    path = write(
        tmp_path, f'tidpunkt;typ;område;beskrivning\n2026-10-10 12:00;Stöld;Glommen;"{long_text}"\n'
    )
    report = run(store, path)
    assert report.imported, report.text()[:2000]
    assert len(stored(store, "description")["description"].iloc[0]) == len(long_text.strip())


def test_twenty_thousand_columns_give_a_short_report(store: Engine, tmp_path: Path) -> None:
    header = ";".join(f"kolumn{i}" for i in range(20_000))
    path = write(tmp_path, header + "\n" + ";".join("1" for _ in range(20_000)) + "\n")
    report = rejected(store, path, "… och 19970 till")
    assert len(report.text()) < 10_000


def test_excel_sep_directive_names_the_separator(store: Engine, tmp_path: Path) -> None:
    body = "sep=;\ntidpunkt;typ;område\n2026-10-10 12:00;Stöld;Glommen\n2026-10-10 13:00;Rymning;Glommen\n"
    report = rejected(store, write(tmp_path, body), "rad 4: okänd händelsetyp 'Rymning'")
    assert (
        "sep=;" in report.text()
        and "Kolumner: tidpunkt (occurred_at) ← 'tidpunkt'" in report.text()
    )
    assert run(store, write(tmp_path, body), exclude=frozenset({4})).imported


def test_a_two_row_excel_header_gets_a_hint(store: Engine, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Händelser 2026", None, None])
    sheet.merge_cells("A1:C1")
    sheet.append(["tidpunkt", "typ", "område"])
    sheet.append(["2026-10-10 12:00", "Stöld", "Glommen"])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    rejected(store, path, "rubriken verkar gå över två rader", "ta bort den översta rubrikraden")


def test_an_unclosed_polygon_ring_is_a_clear_refusal(tmp_path: Path) -> None:
    ring = [[12.48, 56.90], [12.49, 56.90], [12.49, 56.91], [12.48, 56.91]]  # not closed
    feature = {"type": "Feature", "properties": {"regso": "1382R001", "regsonamn": "Centrum"},
               "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip
    path = tmp_path / "omraden.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8"
    )
    with pytest.raises(ImportRejected, match="objekt 1: en ring i polygonen är inte sluten"):
        read_area_file(path)


# --- 8. Never a traceback ---------------------------------------------------------------------------


def test_an_unexpected_error_is_logged_and_changes_nothing(
    cli_store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = cli_store
    import geo.io.ingest

    good = write(tmp_path, f"id;tidpunkt;typ;x;y\nA;2026-10-10 12:00;Stöld;{CENTRUM}\n")
    assert main(["import", "incidents", str(good)]) == 0
    before = fingerprint(store)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("simulated fault after the first rows were written")

    # The fault strikes after rows were written inside the open transaction:
    monkeypatch.setattr(geo.io.ingest, "_finish_import_log", broken)
    other = write(
        tmp_path, f"id;tidpunkt;typ;x;y\nB;2026-10-11 12:00;Stöld;{CENTRUM}\n", name="b.csv"
    )
    assert main(["import", "incidents", str(other)]) == 1
    err = capsys.readouterr().err
    assert (
        "Ett oväntat fel inträffade vid b.csv. Importen avbröts och databasen är oförändrad." in err
    )
    assert "Traceback" not in err and "RuntimeError" not in err
    assert "simulated fault" in (tmp_path / "data" / "logs" / "fel.log").read_text(encoding="utf-8")
    assert fingerprint(store) == before


# --- 9. Templates ---------------------------------------------------------------------------------


def test_the_templates_import_as_they_are(store: Engine, tmp_path: Path) -> None:
    csv_path = tmp_path / "mall.csv"
    csv_path.write_bytes(template_csv())
    report = run(store, csv_path)
    assert report.imported and report.rows_new == 3, report.text()
    xlsx_path = tmp_path / "mall.xlsx"
    xlsx_path.write_bytes(template_xlsx())
    report = run(store, xlsx_path)
    assert report.imported and report.rows_unchanged == 3, report.text()


# --- 10. What a first-time analyst ran into (walk-through, issue W2 1/7) ----------------------------


def test_a_case_number_column_is_the_id_and_unused_columns_are_named(
    store: Engine, tmp_path: Path
) -> None:
    body = "Ärendenr;Brottstyp;Datum;Tid;Område;Handläggare\n5000-K1001-25;Skadegörelse;2025-09-03;21:40;Glommen;X\n"
    report = run(store, write(tmp_path, body))
    assert report.imported and "id (source_id) ← 'Ärendenr'" in report.text()
    assert "Kolumner som inte används: 'Handläggare'" in report.text()
    assert stored(store, "source_id")["source_id"].tolist() == ["5000-K1001-25"]


def test_one_odd_clock_value_is_named_alone(store: Engine, tmp_path: Path) -> None:
    body = "id;typ;datum;tid;område\n1;Stöld;2025-10-11;14:30;Skrea\n2;Stöld;2025-10-11;kl 14.30;Skrea\n3;Stöld;2025-10-11;eftermiddag;Skrea\n"
    report = rejected(
        store, write(tmp_path, body), "rad 4, kolumn 'tid': 'eftermiddag' är inget klockslag"
    )
    assert "rad 2" not in report.text() and "rad 3" not in report.text()


def test_swedish_month_names_and_area_names_with_spaces(store: Engine, tmp_path: Path) -> None:
    body = "id;typ;datum;tid;område\n1;Stöld;11 okt 2025;14:30;ullared inland\n2;Stöld;3 mars 2026;09:00;VASTRA GARDET\n"
    report = run(store, write(tmp_path, body))
    assert report.imported, report.text()
    got = stored(store, "occurred_at", "area_code").sort_values("occurred_at")
    assert got["area_code"].tolist() == ["1382R011", "1382R014"]
    assert got["occurred_at"].iloc[0] == pd.Timestamp("2025-10-11 12:30", tz="UTC")
    rejected(store, write(tmp_path, "id;typ;tidpunkt;område\n9;Stöld;2025-10-11 10:00;Glomen\n", name="b.csv"),
             "områdesnamnet 'Glomen' finns inte", "menade du 'Glommen'?")  # fmt: skip


def test_a_contradicting_zone_quotes_the_value_as_written(store: Engine, tmp_path: Path) -> None:
    report = rejected(
        store, write(tmp_path, "tidpunkt;tz;typ;område\n2025-10-07 10:00;CET;Stöld;Glommen\n")
    )
    assert "vid '2025-10-07 10:00' (sommartid" in report.text()


def test_a_group_chosen_wrongly_can_be_corrected_by_importing_again(
    store: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "tidpunkt;typ;område\n2026-10-10 12:00;Nedskräpning;Glommen\n")
    assert run(store, path, type_groups=(("Nedskräpning", "vald"),)).imported
    report = run(store, path, type_groups=(("Nedskräpning", "ordning"),))
    assert report.rows_updated == 1 and "grupp vald → ordning" in report.text()
    assert stored(store, "category")["category"].tolist() == ["ordning"]


def test_cli_takes_swedish_dates_and_groups(
    cli_store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = cli_store
    path = write(tmp_path, "tidpunkt;typ;område\n10/01/2026 22:15;Nedskräpning;Glommen\n")
    assert main(["import", "incidents", str(path)]) == 2
    out = capsys.readouterr().out
    assert "--svenska-datum" in out and "--group 'Nedskräpning'=GRUPP" in out
    assert (
        main(
            ["import", "incidents", str(path), "--svenska-datum", "--group", "Nedskräpning=ordning"]
        )
        == 0
    )
    got = stored(store, "occurred_at", "category").iloc[0]
    assert got["category"] == "ordning" and got["occurred_at"] == pd.Timestamp(
        "2026-01-10 21:15", tz="UTC"
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [("tom.csv", b""), ("trasig.gpx", b"<gpx><trk"), ("binar.csv", b"\x00\x01\x02")],
)
def test_a_broken_gps_log_is_a_clear_refusal(tmp_path: Path, name: str, content: bytes) -> None:
    from geo.presence.log import read_gps

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(GeoError, match=name):
        read_gps(path)
