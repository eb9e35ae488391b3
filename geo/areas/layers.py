"""Area layers: read official layers, validate them and make one the active layer.

The layers are SCB RegSO/DeSO, Lantmäteriet's or the kommun's own.

The built-in approximate layer is made by ``geo.areas.builtin``; this module handles everything
that comes from a file.
"""

from __future__ import annotations

import csv
import hashlib
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.validation import explain_validity
from sqlalchemy import Engine

from geo import formats
from geo.areas.builtin import POPULATION_NOTE, PROVENANCE, read_builtin_layer
from geo.areas.falkenberg import KOMMUN_CODE, ZONES
from geo.crs import (
    CRS_NAMES,
    WORK_CRS,
    check_declared_crs,
    describe_guess,
    guess_crs,
    normalise_crs,
)
from geo.errors import CRSError, ImportRejected, Problem
from geo.store.database import (
    ImportRecord,
    active_layer,
    record_import,
    replace_area_layer,
    unit_of_work,
)

# SCB codes: RegSO 1382R001, DeSO 1382C1070; the 2025 vintage adds a suffix (_RegSO2025).
CODE_PATTERN = re.compile(r"^(?P<base>\d{4}[RABC]\d{3,4})(?:_(?P<vintage>(?:RegSO|DeSO)\d{4}))?$")
CODE_FIELDS = ("area_code", "regsokod", "regso_kod", "desokod", "deso_kod", "deso", "kod", "id")
NAME_FIELDS = ("name", "namn", "regsonamn", "regso_namn", "regso", "desonamn", "omrade", "område")

OVERLAP_TOLERANCE_M2 = 1.0
"""Overlaps below this (m²) are numerical noise along shared borders, not double counting."""


@dataclass(frozen=True)
class AreaFile:
    """An area layer read from a file, before validation against the store."""

    path: Path
    layer: gpd.GeoDataFrame
    """EPSG:3006; columns area_code, name, geometry (and zone/population when the file has them)."""
    code_field: str
    name_field: str | None
    source_crs: str
    vintage: str | None
    sha256: str


def file_sha256(path: Path) -> str:
    """SHA-256 of a file (the import log keeps it)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _looks_like_codes(values: pd.Series) -> bool:
    text = values.dropna().astype(str)
    return len(text) > 0 and text.map(lambda v: bool(CODE_PATTERN.match(v))).mean() >= 0.9


def _find_field(
    frame: pd.DataFrame, candidates: tuple[str, ...], test: Callable[[pd.Series], bool]
) -> str | None:
    lower = {c.lower(): c for c in frame.columns if c != "geometry"}
    for candidate in candidates:
        column = lower.get(candidate)
        if column is not None and test(frame[column]):
            return column
    return None


_GEOMETRY_FIX = "rätta geometrin (t.ex. i QGIS: Vektor → Geometriverktyg → Reparera geometrier) och exportera igen"


def _broken_geometries(path: Path, error: Exception) -> list[Problem]:
    """Which features' geometry cannot be read (an unclosed ring, too few points), one by one."""
    problems = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", RuntimeWarning
            )  # "Non closed ring detected": reported below
            _meta, _fids, geometries, _fields = pyogrio.raw.read(path)
    except Exception:
        return [Problem(path.name, f"geometrin kan inte läsas: {error}", _GEOMETRY_FIX)]
    for number, wkb in enumerate(geometries, start=1):
        try:
            shapely.from_wkb(wkb)
        except shapely.errors.GEOSException as exc:
            text = str(exc)
            reason = (
                "en ring i polygonen är inte sluten (första och sista punkten skiljer sig)"
                if "closed" in text
                else f"geometrin är trasig ({text.split(': ', 1)[-1]})"
            )
            problems.append(Problem(f"{path.name}, objekt {number}", reason, _GEOMETRY_FIX))
    return problems or [Problem(path.name, f"geometrin kan inte läsas: {error}", _GEOMETRY_FIX)]


def read_area_file(
    path: Path,
    *,
    crs: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    kommun: str = KOMMUN_CODE,
) -> AreaFile:
    """Read an area layer from GeoJSON, GeoPackage or (zipped) Shapefile into EPSG:3006.

    Parameters
    ----------
    path
        The file. GeoJSON may carry the legacy ``crs`` member; a ``.zip`` holds a Shapefile.
    crs
        The file's CRS when it declares none (or declares a wrong one): EPSG:4326, 3006 or 3021.
    code_field, name_field
        Columns with the area code and name; found automatically for SCB RegSO/DeSO files.
    kommun
        Keep only areas whose SCB code starts with this kommun code (national files hold all).

    Raises
    ------
    ImportRejected, CRSError
        With every problem found; nothing is written.
    """
    where = path.name
    if not path.exists():
        raise ImportRejected(f"Filen {path} finns inte.", [])
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Non closed ring", RuntimeWarning)  # reported below
            frame = gpd.read_file(path)
    except shapely.errors.GEOSException as exc:
        raise ImportRejected(
            f"{where}: filen har geometrier som inte kan läsas; inget har importerats.",
            _broken_geometries(path, exc),
        ) from exc
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise ImportRejected(
            f"{where}: kunde inte läsas som GeoJSON, GeoPackage eller Shapefile.",
            [Problem(where, str(exc), "kontrollera filformatet")],
        ) from exc
    if frame.empty:
        raise ImportRejected(f"{where}: filen innehåller inga objekt.", [])

    # Which CRS is the file really in?
    coords = shapely.get_coordinates(frame.geometry.values)
    if crs is not None:
        source_crs = normalise_crs(crs)
        frame = frame.set_crs(source_crs, allow_override=True)
    elif frame.crs is not None:
        source_crs = normalise_crs(frame.crs)
    else:
        guess = guess_crs(coords[:, 0], coords[:, 1])
        names = ", ".join(f"--crs {c}" for c in CRS_NAMES)
        raise CRSError(
            f"{where}: filen anger inget koordinatsystem; {describe_guess(guess)}. Ange ett med {names}."
        )
    check_declared_crs(source_crs, coords[:, 0], coords[:, 1], where=where)

    # Which columns hold code and name?
    if code_field is None:
        code_field = _find_field(frame, CODE_FIELDS, _looks_like_codes)
        if code_field is None:
            columns = ", ".join(c for c in frame.columns if c != "geometry")
            raise ImportRejected(
                f"{where}: hittar ingen kolumn med områdeskod (SCB-kod som 1382R001).",
                [Problem(where, f"kolumner i filen: {columns}", "ange --code-field KOLUMN")],
            )
    elif code_field not in frame.columns:
        raise ImportRejected(f"{where}: kolumnen {code_field!r} finns inte.", [])
    if name_field is None:
        name_field = _find_field(frame, NAME_FIELDS, lambda s: not _looks_like_codes(s))
    elif name_field not in frame.columns:
        raise ImportRejected(f"{where}: kolumnen {name_field!r} finns inte.", [])

    raw_codes = frame[code_field].astype("string").str.strip()
    parsed = raw_codes.str.extract(CODE_PATTERN)
    is_scb = parsed["base"].notna()
    codes = parsed["base"].where(is_scb, raw_codes)
    vintages = parsed["vintage"].dropna().unique()
    if is_scb.all():
        keep = codes.str.startswith(kommun)
        if not keep.any():
            raise ImportRejected(f"{where}: inga områden i kommun {kommun}.", [])
        frame, codes = frame[keep], codes[keep]
    names = frame[name_field].astype("string").str.strip() if name_field else codes
    layer = gpd.GeoDataFrame(
        {
            "area_code": codes.to_numpy(),
            "name": names.fillna(codes).to_numpy(),
            "source_row": np.arange(len(frame)) + 1,
        },
        geometry=frame.geometry.to_crs(WORK_CRS).to_numpy(),
        crs=WORK_CRS,
    )
    for optional in ("zone", "population"):
        if optional in frame.columns:
            layer[optional] = frame[optional].to_numpy()
    return AreaFile(
        path=path,
        layer=layer,
        code_field=code_field,
        name_field=name_field,
        source_crs=source_crs,
        vintage=str(vintages[0]) if len(vintages) == 1 else None,
        sha256=file_sha256(path),
    )


def validate_layer(layer: gpd.GeoDataFrame, *, where: str) -> list[Problem]:
    """Every problem with an area layer: geometry, codes, names, zones and overlaps.

    Invalid polygons are reported with shapely's ``explain_validity`` reason and never repaired
    silently. Overlaps larger than :data:`OVERLAP_TOLERANCE_M2` would count an incident twice.
    """
    problems: list[Problem] = []
    rows = layer["source_row"] if "source_row" in layer else pd.Series(range(1, len(layer) + 1))
    for row, code, geometry in zip(rows, layer["area_code"], layer.geometry, strict=True):
        label = f"{where}, objekt {row} ({code})"
        if geometry is None or geometry.is_empty:
            problems.append(Problem(label, "saknar geometri", "rita om eller ta bort objektet"))
        elif geometry.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                Problem(
                    label, f"geometrin är {geometry.geom_type}, inte en yta", "använd polygoner"
                )
            )
        elif not geometry.is_valid:
            problems.append(
                Problem(
                    label,
                    f"ogiltig polygon: {explain_validity(geometry)}",
                    "laga geometrin i ett GIS-program (t.ex. QGIS: Laga geometrier)",
                )
            )
    for row, code in zip(rows, layer["area_code"], strict=True):
        if pd.isna(code) or not str(code).strip():
            problems.append(Problem(f"{where}, objekt {row}", "saknar områdeskod", "fyll i koden"))
    duplicated = layer["area_code"][layer["area_code"].duplicated(keep=False)].dropna()
    for code in sorted(set(duplicated)):
        at = ", ".join(str(r) for r in rows[layer["area_code"] == code])
        problems.append(
            Problem(
                f"{where}, objekt {at}",
                f"områdeskoden {code} förekommer flera gånger",
                "slå ihop eller byt kod",
            )
        )
    if "zone" in layer:
        for row, code, zone in zip(rows, layer["area_code"], layer["zone"], strict=True):
            if zone not in ZONES:
                problems.append(
                    Problem(
                        f"{where}, objekt {row} ({code})",
                        f"okänd zon {zone!r}",
                        f"använd en av {', '.join(ZONES)}",
                    )
                )
    problems.extend(_overlaps(layer, rows, where))
    return problems


def _overlaps(layer: gpd.GeoDataFrame, rows: pd.Series, where: str) -> list[Problem]:
    polygonal = layer.geometry.is_valid & layer.geom_type.isin(["Polygon", "MultiPolygon"])
    geometries = layer.geometry.where(polygonal, None).to_numpy()
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    problems = []
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        overlap = geometries[i].intersection(geometries[j]).area
        if overlap > OVERLAP_TOLERANCE_M2:
            problems.append(
                Problem(
                    f"{where}, objekt {rows.iloc[i]} ({layer['area_code'].iloc[i]}) och "
                    f"{rows.iloc[j]} ({layer['area_code'].iloc[j]})",
                    f"överlappar med {formats.number(overlap)} m²; händelser där skulle räknas dubbelt",
                    "rätta gränserna så att områdena inte överlappar",
                )
            )
    return problems


def read_zone_table(path: Path) -> dict[str, tuple[str, int | None]]:
    """Read ``area_code;zone[;population]`` (or comma-separated) into code → (zone, population).

    Raises
    ------
    ImportRejected
        Naming each bad line.
    """
    text = path.read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,\t")
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    table: dict[str, tuple[str, int | None]] = {}
    problems = []
    for line, row in enumerate(reader, start=2):
        code, zone = (row.get("area_code") or "").strip(), (row.get("zone") or "").strip()
        population_text = (
            (row.get("population") or "").strip().replace(" ", "").replace("\u00a0", "")
        )
        if zone not in ZONES:
            problems.append(
                Problem(
                    f"{path.name}, rad {line}, kolumn zone",
                    f"okänd zon {zone!r}",
                    f"använd {', '.join(ZONES)}",
                )
            )
            continue
        if population_text and not population_text.isdigit():
            problems.append(
                Problem(
                    f"{path.name}, rad {line}, kolumn population",
                    f"inte ett heltal: {population_text!r}",
                )
            )
            continue
        table[code] = (zone, int(population_text) if population_text else None)
    if problems:
        raise ImportRejected(f"{path.name}: zontabellen har fel.", problems)
    return table


@dataclass(frozen=True)
class AreaImportResult:
    """What an area import did."""

    layer_id: int
    areas: int
    zones_kept: int
    zones_given: int
    vintage: str | None


def import_area_layer(
    engine: Engine,
    path: Path,
    *,
    crs: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    zones: Mapping[str, tuple[str, int | None]] | None = None,
    ask_zone: Callable[[str, str], str] | None = None,
    imported_by: str = "okänd",
) -> AreaImportResult:
    """Read, validate and activate an official area layer, all or nothing.

    Zones and population are kept from the active layer where codes match; other areas take them
    from ``zones`` (a table from :func:`read_zone_table`) or, in an interactive terminal, from
    ``ask_zone(code, name)``. Otherwise the import is rejected listing the codes that need a zone.

    Raises
    ------
    ImportRejected, CRSError
        Nothing is written.
    """
    area_file = read_area_file(path, crs=crs, code_field=code_field, name_field=name_field)
    layer = area_file.layer
    where = path.name
    problems = validate_layer(layer, where=where)
    if problems:
        raise ImportRejected(
            f"{where}: områdeslagret avvisades; det aktiva lagret är oförändrat.", problems
        )

    _info, current = active_layer(engine)
    known = current.set_index("area_code")
    zone_of, population_of = [], []
    kept = given = 0
    missing = []
    for code, name in zip(layer["area_code"], layer["name"], strict=True):
        if zones and code in zones:
            zone, population = zones[code]
            given += 1
        elif "zone" in layer and pd.notna(layer.loc[layer["area_code"] == code, "zone"].iloc[0]):
            zone = str(layer.loc[layer["area_code"] == code, "zone"].iloc[0])
            population = _int_or_none(layer.loc[layer["area_code"] == code].get("population"))
            given += 1
        elif code in known.index:
            zone, population = (
                str(known.at[code, "zone"]),
                _int_or_none(known.at[code, "population"]),
            )
            kept += 1
        elif ask_zone is not None:
            zone, population = ask_zone(str(code), str(name)), None
            given += 1
        else:
            missing.append(
                Problem(
                    f"{where}: {code} ({name})",
                    "saknar zon",
                    "ange den i en zontabell med --zones FIL",
                )
            )
            continue
        zone_of.append(zone)
        population_of.append(population)
    if missing:
        raise ImportRejected(
            f"{where}: {len(missing)} områden har koder som inte finns i det aktiva lagret och behöver en zon "
            f"({', '.join(ZONES)}). Skriv en CSV med kolumnerna area_code;zone[;population] och ange den "
            "med --zones.",
            missing,
        )
    layer = layer.assign(zone=zone_of, population=pd.array(population_of, dtype="Int64"))
    layer = layer.drop(columns=["source_row"]).sort_values("area_code").reset_index(drop=True)
    vintage = area_file.vintage or (
        "2018" if CODE_PATTERN.match(str(layer["area_code"].iloc[0])) else None
    )
    with unit_of_work(engine) as work:
        connection = work.connection
        layer_id = replace_area_layer(
            connection,
            layer,
            name=f"{path.name}" + (f" ({vintage})" if vintage else ""),
            source=str(path.name),
            approximate=False,
            provenance=(
                f"Importerat från {path.name} ({CRS_NAMES[area_file.source_crs]}); "
                f"kod ur kolumnen {area_file.code_field!r}."
            ),
            population_note=(
                "Befolkning behållen från föregående lager där koden matchar (uppskattning)."
                if kept
                else None
            ),
            file_sha256=area_file.sha256,
        )
        record_import(
            connection,
            ImportRecord(
                kind="areas",
                source="areas",
                imported_by=imported_by,
                file_name=path.name,
                file_sha256=area_file.sha256,
                rows_read=len(layer),
                rows_imported=len(layer),
                note=f"Områdeslager {layer_id}: {len(layer)} områden",
            ),
        )
    return AreaImportResult(
        layer_id=layer_id, areas=len(layer), zones_kept=kept, zones_given=given, vintage=vintage
    )


def _int_or_none(value: object) -> int | None:
    if isinstance(value, pd.Series):
        value = value.iloc[0] if len(value) else None
    if value is None or pd.isna(value):
        return None
    return int(value)  # type: ignore[call-overload]


def activate_builtin_layer(engine: Engine) -> int:
    """Make the built-in approximate layer the active one (first start, or going back to it)."""
    layer, metadata = read_builtin_layer()
    problems = validate_layer(layer, where="inbyggt områdeslager")
    if problems:  # the committed file is checked by tests; this guards against hand edits
        raise ImportRejected("Det inbyggda områdeslagret är trasigt.", problems)
    with unit_of_work(engine) as work:
        connection = work.connection
        return replace_area_layer(
            connection,
            layer,
            name="Inbyggt: Falkenbergs 14 RegSO (ungefärliga gränser)",
            source="inbyggt",
            approximate=True,
            provenance=str(metadata.get("provenance", PROVENANCE)),
            population_note=str(metadata.get("population_note", POPULATION_NOTE)),
        )
