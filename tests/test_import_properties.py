"""Property-based import tests (issue W2 1/7): Hypothesis writes incident files the way people's
tools do — header spellings, column order, optional columns, encodings, separators, decimal
commas, date + clock or one timestamp, line endings, blank cells and a few corrupt rows — and each
file must import with exactly the right values, or be refused naming the corrupt lines, leaving the
database as it was. Never another exception, never a half import.

A fixed derandomised seed and a bounded example count keep the run deterministic and short.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from geo.errors import GeoError
from geo.io.ingest import ImportOptions, import_incidents
from geo.io.profiles import load_profile
from geo.store.database import active_layer, load_incidents
from tests.conftest import copy_store, drop_store, new_store
from tests.test_ingest import fingerprint

TODAY = dt.date(2026, 11, 27)
STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
TYPES = (
    ("Misshandel", "Misshandel"), ("stöld", "Stöld"), ("Snatteri", "Stöld ringa"),
    ("Skadegörelse", "Skadegörelse"), ("KLOTTER", "Skadegörelse"), ("Narkotikabrott", "Narkotikabrott"),
    ("Ordningsstörning", "Ordningsstörning"), ("Trafikkontroll", "Trafikkontroll"),
)  # fmt: skip
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16")
WORDS = ("Bråk", "utanför", "butik", "vid", "skolan", "i natt", "två personer", "Ätran", "bilen")


def _unique_aliases() -> dict[str, list[str]]:
    """Each field's aliases in the standard profile that no other field also uses."""
    columns = load_profile("standard").columns
    counts: dict[str, int] = {}
    for aliases in columns.values():
        for alias in aliases:
            counts[alias] = counts.get(alias, 0) + 1
    return {f: [a for a in aliases if counts[a] == 1] for f, aliases in columns.items()}


ALIASES = _unique_aliases()


@st.composite
def header(draw: st.DrawFn, field: str) -> str:
    """A header for ``field`` as a user's tool may spell it: case, å/ä/ö folded, _ / space / -."""
    name = draw(st.sampled_from(ALIASES[field]))
    name = draw(st.sampled_from([name, name.upper(), name.capitalize(), name.title()]))
    if draw(st.booleans()):
        name = name.translate(str.maketrans("åäöÅÄÖ", "aaoAAO"))
    if "_" in name:
        name = name.replace("_", draw(st.sampled_from(["_", " ", "-"])))
    return name


@dataclass(frozen=True)
class Row:
    local: dt.datetime
    raw_type: str
    canonical_type: str
    area_code: str
    description: str


@dataclass(frozen=True)
class Spec:
    rows: tuple[Row, ...]
    columns: tuple[str, ...]
    """Canonical fields in file order."""
    headers: dict[str, str]
    place: str
    """``xy`` or ``area_name``."""
    encoding: str
    separator: str
    decimal_comma: bool
    newline: str
    tz_utc: bool
    corrupt: dict[int, str]
    """Row index → kind of corruption (``time``, ``type``, ``fields``)."""


@st.composite
def local_time(draw: st.DrawFn) -> dt.datetime:
    start = dt.datetime(2024, 1, 1)
    value = start + dt.timedelta(minutes=draw(st.integers(0, 1_000_000)))
    # Skip wall-clock times that do not exist or occur twice (DST): those are tested elsewhere.
    aware = value.replace(tzinfo=STOCKHOLM)
    round_trip = aware.astimezone(dt.UTC).astimezone(STOCKHOLM).replace(tzinfo=None)
    other_fold = value.replace(tzinfo=STOCKHOLM, fold=1).utcoffset()
    if round_trip != value or other_fold != aware.utcoffset():
        value += dt.timedelta(hours=3)
    return value


@st.composite
def spec(draw: st.DrawFn, layer_names: tuple[tuple[str, str], ...]) -> Spec:
    n = draw(st.integers(1, 8))
    rows = []
    for _ in range(n):
        raw, canonical = draw(st.sampled_from(TYPES))
        code, _name = draw(st.sampled_from(layer_names))
        text = " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=4)))
        rows.append(Row(draw(local_time()), raw, canonical, code, text))
    place = draw(st.sampled_from(["xy", "area_name"]))
    split_time = draw(st.booleans())
    fields = ["date", "time"] if split_time else ["occurred_at"]
    fields += ["raw_type", *(["x", "y"] if place == "xy" else ["area_name"])]
    for optional in ("source_id", "description", "tz"):
        if draw(st.booleans()):
            fields.append(optional)
    order = draw(st.permutations(fields))
    separator = draw(st.sampled_from([";", "\t", ","]))
    encoding = draw(st.sampled_from(ENCODINGS))
    if encoding == "utf-16":
        separator = "\t"  # Excel's "Unicode text"
    corrupt_rows = (
        draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True))
        if draw(st.integers(0, 3)) == 0
        else []
    )
    corrupt = {i: draw(st.sampled_from(["time", "type", "fields"])) for i in corrupt_rows}
    return Spec(
        rows=tuple(rows), columns=tuple(order), headers={f: draw(header(f)) for f in order},
        place=place, encoding=encoding, separator=separator,
        decimal_comma=separator != "," and draw(st.booleans()),
        newline=draw(st.sampled_from(["\r\n", "\n"])), tz_utc=draw(st.booleans()), corrupt=corrupt,
    )  # fmt: skip


def render(spec: Spec, points: dict[str, tuple[float, float]], names: dict[str, str]) -> bytes:
    """The file bytes for a spec, written with the csv module as a spreadsheet would."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=spec.separator, lineterminator=spec.newline)
    writer.writerow([spec.headers[f] for f in spec.columns])
    for number, row in enumerate(spec.rows):
        shown = row.local
        if spec.tz_utc and "tz" in spec.columns:
            shown = row.local.replace(tzinfo=STOCKHOLM).astimezone(dt.UTC).replace(tzinfo=None)
        x, y = points[row.area_code]
        values = {
            "occurred_at": shown.strftime("%Y-%m-%d %H:%M"),
            "date": shown.strftime("%Y-%m-%d"),
            "time": shown.strftime("%H:%M"),
            "raw_type": row.raw_type,
            "x": f"{x:.1f}".replace(".", "," if spec.decimal_comma else "."),
            "y": f"{y:.1f}".replace(".", "," if spec.decimal_comma else "."),
            "area_name": names[row.area_code].upper() if number % 2 else names[row.area_code],
            "source_id": f"ID-{number}",
            "description": row.description,
            "tz": "UTC" if spec.tz_utc else "Europe/Stockholm",
        }
        kind = spec.corrupt.get(number)
        if kind == "time":
            values["occurred_at" if "occurred_at" in spec.columns else "date"] = "2026-13-45"
        elif kind == "type":
            values["raw_type"] = "Tjuvfiske"
        cells = [values[f] for f in spec.columns]
        if kind == "fields":
            cells = cells[:-1]
        writer.writerow(cells)
    return buffer.getvalue().encode(spec.encoding)


def lines_named(report: str) -> set[int]:
    """Every line number the errors of a report name: "rad 4", "rader 2–3, 7"."""
    errors = report.split("FEL (", 1)[-1].split("Varningar (", 1)[0]
    named: set[int] = set()
    for group in re.findall(r"\brad(?:er)? (\d+(?:–\d+)?(?:, \d+(?:–\d+)?)*)", errors):
        for part in group.split(", "):
            low, _, high = part.partition("–")
            named.update(range(int(low), int(high or low) + 1))
    return named


@pytest.fixture(scope="module")
def template(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, tuple[float, float]], dict[str, str]]:
    """One migrated store with the built-in layer, copied per example (cheap), and area points."""
    folder = tmp_path_factory.mktemp("template")
    engine = new_store(folder, "template.db")
    _info, layer = active_layer(engine)
    engine.dispose()
    inner = gpd.GeoSeries(layer.geometry.values, crs=layer.crs).representative_point()
    points = {
        c: (round(p.x, 1), round(p.y, 1)) for c, p in zip(layer["area_code"], inner, strict=True)
    }
    names = dict(zip(layer["area_code"], layer["name"], strict=True))
    return folder / "template.db", points, names


LAYER_NAMES = tuple(
    (c, n) for c, n in [("1382R001", "Falkenberg centrum"), ("1382R005", "Glommen"), ("1382R008", "Slöinge"),
                        ("1382R011", "Ullared-Inland"), ("1382R014", "Västra gärdet"), ("1382R007", "Skrea")]
)  # fmt: skip


@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(file_spec=spec(LAYER_NAMES))
def test_generated_incident_files_import_exactly_or_are_refused_by_line(
    file_spec: Spec,
    template: tuple[Path, dict[str, tuple[float, float]], dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db, points, names = template
    event(
        f"{'korrupt' if file_spec.corrupt else 'ren'} fil, {file_spec.encoding}, sep {file_spec.separator!r}"
    )
    folder = tmp_path_factory.mktemp("example")
    engine: Engine = copy_store(db, folder / "store.db")
    path = folder / "händelser.csv"
    path.write_bytes(render(file_spec, points, names))
    before = fingerprint(engine)
    try:
        report = import_incidents(
            engine, path, ImportOptions(today=TODAY, imported_by="hypothesis")
        )
    except GeoError as error:  # a whole-file refusal is allowed, another exception is not
        assert fingerprint(engine) == before, error
        drop_store(engine)
        return
    text = report.text()
    if file_spec.corrupt:
        assert not report.imported, text
        named = lines_named(text)
        for number in file_spec.corrupt:
            assert number + 2 in named, (file_spec.corrupt, text)
        assert fingerprint(engine) == before, "a refused file changed the database"
    else:
        assert report.imported, text
        stored = load_incidents(
            engine, columns=("occurred_at", "raw_type", "area_code", "description")
        )
        assert len(stored) == len(file_spec.rows), text
        with_text = "description" in file_spec.columns
        expected = sorted(
            (pd.Timestamp(r.local, tz=STOCKHOLM).tz_convert("UTC"), r.canonical_type, r.area_code,
             r.description if with_text else "")
            for r in file_spec.rows
        )  # fmt: skip
        got = sorted(
            (t, ty, a, d if isinstance(d, str) else "")
            for t, ty, a, d in stored.itertuples(index=False)
        )
        assert got == expected, text
    drop_store(engine)
