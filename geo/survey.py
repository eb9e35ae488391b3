"""Citizen surveys: import with a codebook, and honest aggregates per area and wave.

The headline (FACTS §4, Brå's NTU): the share feeling *mycket* or *ganska otrygg* when out alone
late in the evening in their own area. Answers are stored as codes per respondent, never as
numbers: "vet ej" and "går aldrig ut" are categories of their own.

Definitions used everywhere (the page, the report and the public export say the same):

- **n** of an area and wave is the number of respondents who answered the safety question with
  anything but "vet ej". "Går aldrig ut" stays in n (as in NTU, where it is part of the
  population), so the unsafe share is (mycket + ganska otrygg) / n.
- The interval is Wilson's 95 % score interval, which behaves at 0 % and 100 % and for small n.
- A change between waves is the difference of the two shares with Newcombe's hybrid score interval
  (method 10), built from the two Wilson intervals; it is called a change only when the interval
  excludes zero.
- Problem items: the share answering *ganska* or *mycket stort problem* among those who answered
  the item with anything but "vet ej". We do not compute the police's 0–6 index (its formula is
  not public), and nothing here is called "problemindex".
- Areas with n below the suppression threshold (default 5) are shown only to the ``polis`` role.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from geo.config import REFERENCE_DIR
from geo.crs import CRS_NAMES, WORK_CRS, classify_points, transformer
from geo.errors import GeoError, SchemaError
from geo.join import area_codes_for_points
from geo.profiles import header_key
from geo.schema import survey_items, survey_responses
from geo.screening import screen_column
from geo.store import ImportRecord, active_layer, record_import
from geo.tables import TableReport, read_table
from geo.taxonomy import fold

CODEBOOK_PATH = REFERENCE_DIR / "survey_codebook.json"
ALIASES_PATH = REFERENCE_DIR / "area_aliases.json"

SAFETY_SCALE = (
    "mycket_trygg", "ganska_trygg", "ganska_otrygg", "mycket_otrygg", "går_aldrig_ut", "vet_ej",
)  # fmt: skip
UNSAFE = ("ganska_otrygg", "mycket_otrygg")
PROBLEM_ITEMS = (
    "fortkörning", "buskörning_moped", "nedskräpning", "skadegörelse", "klotter", "dålig_belysning",
    "störande_ungdomsgäng", "bråk_slagsmål", "narkotikaförsäljning", "berusade_personer",
    "oro_inbrott", "oro_misshandel",
)  # fmt: skip
PROBLEM_SCALE = ("mycket_stort", "ganska_stort", "ganska_litet", "inget_problem", "vet_ej")
BIG_PROBLEM = ("mycket_stort", "ganska_stort")
SUPPRESS_BELOW = 5
"""Areas and waves with fewer respondents than this are hidden from every role except polis."""
DEFAULT_SOURCE = "medborgarenkät"
Z95 = 1.959963984540054


# --- Statistics ---------------------------------------------------------------------------------


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion k/n (95 % by default).

    Raises
    ------
    ValueError
        For n < 1 or k outside 0..n.
    """
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"wilson_interval needs 0 <= k <= n and n >= 1, got k={k}, n={n}")
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float, float]:
    """Difference p1 − p0 of two independent proportions with Newcombe's hybrid score interval."""
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = wilson_interval(k1, n1)
    l0, u0 = wilson_interval(k0, n0)
    d = p1 - p0
    low = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return d, low, high


# --- Codebook and area names -------------------------------------------------------------------


@dataclass(frozen=True)
class Codebook:
    """How a survey file's columns and answer codes map to ours (data/survey_codebook.json)."""

    name: str
    columns: dict[str, tuple[str, ...]]
    safety_codes: dict[str, str]
    items: dict[str, tuple[str, ...]]
    item_codes: dict[str, str]

    def match(self, headers: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        """(field → header, item → header) for the headers present."""
        by_key = {header_key(h): h for h in headers}

        def first(aliases: Iterable[str]) -> str | None:
            return next((by_key[k] for a in aliases if (k := header_key(a)) in by_key), None)

        fields = {f: h for f, aliases in self.columns.items() if (h := first(aliases))}
        items = {i: h for i, aliases in self.items.items() if (h := first(aliases))}
        return fields, items


def answer_key(value: str) -> str:
    """How answers are compared: folded, single spaces, no trailing '.0' from Excel numbers."""
    text = re.sub(r"\s+", " ", fold(value)).strip()
    return re.sub(r"^(\d+)\.0$", r"\1", text)


def load_codebook(path: Path | None = None) -> Codebook:
    """Read a codebook; answer codes must map onto our scales.

    Raises
    ------
    SchemaError
        Naming the file and the code that maps to nothing we know.
    """
    path = path or CODEBOOK_PATH
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SchemaError(f"Kodboken {path} kunde inte läsas: {error}") from error
    for key, scale in (("safety_codes", SAFETY_SCALE), ("item_codes", PROBLEM_SCALE)):
        for code, meaning in raw.get(key, {}).items():
            if meaning not in scale:
                raise SchemaError(
                    f"Kodboken {path.name}: {key}[{code!r}] = {meaning!r} finns inte i skalan "
                    f"({', '.join(scale)})."
                )
    unknown_items = set(raw.get("items", {})) - set(PROBLEM_ITEMS)
    if unknown_items:
        raise SchemaError(
            f"Kodboken {path.name}: okända problemfrågor {sorted(unknown_items)}; "
            f"kända är {', '.join(PROBLEM_ITEMS)}."
        )
    return Codebook(
        name=str(raw.get("name", path.stem)),
        columns={k: tuple(v) for k, v in raw.get("columns", {}).items()},
        safety_codes={answer_key(k): v for k, v in raw.get("safety_codes", {}).items()},
        items={k: tuple(v) for k, v in raw.get("items", {}).items()},
        item_codes={answer_key(k): v for k, v in raw.get("item_codes", {}).items()},
    )


def name_key(name: str) -> str:
    """An area-name matching key: Unicode NFKC, case, å/ä/ö, dashes and spacing ignored."""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"[\-‐‑‒–—_/.,]+", " ", text)
    return re.sub(r"\s+", " ", fold(text)).strip()


@functools.lru_cache(maxsize=4)
def _alias_file(path: Path) -> tuple[tuple[str, str], ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return tuple((alias, code) for code, names in raw["aliases"].items() for alias in names)


def area_name_table(layer: gpd.GeoDataFrame, aliases: Path | None = None) -> dict[str, str]:
    """Matching key → area code: the layer's own names, then the alias table (codes in the layer)."""
    codes = set(layer["area_code"])
    table = {name_key(a): c for a, c in _alias_file(aliases or ALIASES_PATH) if c in codes}
    table.update({name_key(n): c for n, c in zip(layer["name"], layer["area_code"], strict=True)})
    return table


# --- Import -------------------------------------------------------------------------------------


def _nothing(index: pd.Index) -> pd.Series:
    """An object column of None (``pd.Series(None, ...)`` would hold NaN)."""
    return pd.Series([None] * len(index), index=index, dtype=object)


@dataclass(frozen=True)
class SurveyOptions:
    """Choices for one survey import (the CLI flags and the Import page's fields)."""

    codebook: Path | None = None
    wave: str | None = None
    """The wave when the file has no wave column, e.g. ``"2025"``."""
    crs: str | None = None
    """CRS of coordinates; by default each point's values decide (WGS84, SWEREF 99 TM or RT90)."""
    source: str = DEFAULT_SOURCE
    imported_by: str = "okänd"


def import_survey(
    engine: Engine, path: Path, options: SurveyOptions | None = None, *, dry_run: bool = False
) -> TableReport:
    """Validate a survey file and, when nothing is wrong and this is not a dry run, store it.

    All or nothing: one problem and nothing is written. Returns the report either way.
    """
    options = options or SurveyOptions()
    report = TableReport(what="enkätsvar", file_name=path.name, dry_run=dry_run)
    codebook = load_codebook(options.codebook)
    frame = read_table(path, report)
    _info, layer = active_layer(engine)
    fields, item_columns = codebook.match(list(frame.columns))
    report.columns = {**fields, **item_columns}
    _check_columns(fields, item_columns, options, report)
    if report.errors.total:
        return report
    out = pd.DataFrame(index=frame.index)
    out["wave"] = _waves(frame, fields, options, report)
    out["respondent_id"] = _respondents(engine, frame, fields, out["wave"], options, report)
    out["answered_on"] = _dates(frame, fields, out["wave"], report)
    out["safety_answer"] = _answers(frame, fields.get("safety"), codebook.safety_codes, report)
    items = {
        item: _answers(frame, column, codebook.item_codes, report)
        for item, column in item_columns.items()
    }
    out["area_code"] = _place(frame, fields, layer, options, report)
    out["comment"] = _comments(frame, fields.get("comment"), report)
    out["unsafe_x"], out["unsafe_y"] = _unsafe_places(frame, fields, layer, options, report)
    report.rows_valid = len(out) if report.errors.total == 0 else 0
    report.preview = out.head(20)
    if report.errors.total or dry_run:
        return report
    with engine.begin() as connection:
        import_id = record_import(
            connection,
            ImportRecord(
                kind="survey",
                source=options.source,
                imported_by=options.imported_by,
                file_name=path.name,
                rows_read=report.rows_read,
                rows_imported=len(out),
            ),
        )
        rows = [
            {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v)
             for k, v in row.items()} | {"source": options.source, "import_id": import_id, "synthetic": False}
            for row in out.to_dict("records")
        ]  # fmt: skip
        item_rows = [
            {"wave": wave, "respondent_id": respondent, "item": item, "answer": answer}
            for item, answers in items.items()
            for wave, respondent, answer in zip(
                out["wave"], out["respondent_id"], answers, strict=True
            )
            if answer is not None
        ]
        insert_responses(connection, rows, item_rows, import_id)
    report.imported, report.import_id = True, import_id
    return report


def insert_responses(
    connection: Connection,
    responses: list[dict[str, Any]],
    items: list[dict[str, Any]],
    import_id: int,
) -> None:
    """Write responses and their item answers (items name their response by wave and respondent)."""
    connection.execute(insert(survey_responses), responses)
    ids = {
        (str(wave), str(respondent)): key
        for wave, respondent, key in connection.execute(
            select(
                survey_responses.c.wave, survey_responses.c.respondent_id, survey_responses.c.id
            ).where(survey_responses.c.import_id == import_id)
        ).all()
    }
    rows = [
        {"response_id": ids[(str(r["wave"]), str(r["respondent_id"]))], "item": r["item"], "answer": r["answer"]}
        for r in items
    ]  # fmt: skip
    if rows:
        connection.execute(insert(survey_items), rows)


def _check_columns(
    fields: dict[str, str],
    item_columns: dict[str, str],
    options: SurveyOptions,
    report: TableReport,
) -> None:
    if "respondent_id" not in fields:
        report.error("kolumn", 1, None, "kolumnen för respondent (t.ex. 'respondent_id') saknas",
                     "lägg till ett löpnummer per svar, eller ange kolumnen i kodboken")  # fmt: skip
    if "safety" not in fields and not item_columns:
        report.error("kolumn", 1, None, "filen har varken trygghetsfrågan eller någon problemfråga",
                     "kontrollera rubrikerna mot kodboken")  # fmt: skip
    placed = "area_code" in fields or "area_name" in fields or {"x", "y"} <= fields.keys()
    if not placed:
        report.error("kolumn", 1, None, "filen saknar område: ange 'områdeskod', 'område' eller x och y",
                     "lägg till en kolumn som placerar svaret i ett område")  # fmt: skip
    if "wave" not in fields and not options.wave:
        report.error("kolumn", 1, None, "enkätomgång saknas: filen har ingen kolumn 'omgång' och ingen omgång angavs",
                     "ange --wave ÅÅÅÅ (t.ex. --wave 2025)")  # fmt: skip
    if ("unsafe_x" in fields) != ("unsafe_y" in fields):
        report.error("kolumn", 1, None, "otrygg plats behöver både x- och y-kolumn",
                     "lägg till den saknade kolumnen eller ta bort den andra")  # fmt: skip


_WAVE = re.compile(r"^(19|20)\d{2}$")


def _waves(
    frame: pd.DataFrame, fields: dict[str, str], options: SurveyOptions, report: TableReport
) -> pd.Series:
    if options.wave and not _WAVE.match(options.wave):
        raise GeoError(f"Omgången {options.wave!r} ska vara ett årtal, t.ex. 2025.")
    column = fields.get("wave")
    if column is None:
        return pd.Series(options.wave, index=frame.index, dtype=object)
    values = frame[column].map(lambda v: None if v is None else re.sub(r"\.0$", "", v))
    for line, value in values.items():
        if value is None and options.wave:
            values[line] = options.wave
        elif value is None or not _WAVE.match(value):
            report.error("omgång", int(line), column, f"omgången {value!r} är inget årtal",
                         "skriv enkätåret, t.ex. 2025")  # fmt: skip
    return values


def _respondents(
    engine: Engine,
    frame: pd.DataFrame,
    fields: dict[str, str],
    waves: pd.Series,
    options: SurveyOptions,
    report: TableReport,
) -> pd.Series:
    column = fields["respondent_id"]
    values = frame[column]
    with engine.connect() as connection:
        stored = set(
            connection.execute(
                select(survey_responses.c.wave, survey_responses.c.respondent_id).where(
                    survey_responses.c.source == options.source
                )
            ).all()
        )
    first_seen: dict[tuple[str, str], int] = {}
    for line, value in values.items():
        if value is None:
            report.error(
                "respondent",
                int(line),
                column,
                "respondent saknas",
                "ge varje svar ett eget löpnummer",
            )
            continue  # fmt: skip
        key = (str(waves[line]), str(value))
        if key in first_seen:
            report.error("dubblett", int(line), column,
                         f"respondent {value!r} finns redan på rad {first_seen[key]} (omgång {key[0]})",
                         "ta bort dubbletten; varje respondent svarar en gång per omgång")  # fmt: skip
        elif key in stored:
            report.error("dubblett", int(line), column,
                         f"respondent {value!r} i omgång {key[0]} är redan importerad",
                         "importera bara nya svar; filen kan redan vara inläst")  # fmt: skip
        first_seen.setdefault(key, int(line))
    return values


def _dates(
    frame: pd.DataFrame, fields: dict[str, str], waves: pd.Series, report: TableReport
) -> pd.Series:
    column = fields.get("answered_on")
    if column is None:
        return _nothing(frame.index)
    out = _nothing(frame.index)
    for line, value in frame[column].items():
        if value is None:
            continue
        text = value.split(" ")[0]
        match = re.match(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$", text)
        iso = f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}" if match else text
        try:
            day = dt.date.fromisoformat(iso)
        except ValueError:
            report.error("datum", int(line), column, f"svarsdatumet {value!r} går inte att läsa",
                         "skriv datum som ÅÅÅÅ-MM-DD")  # fmt: skip
            continue
        wave = waves[line]
        if wave and abs(day.year - int(wave)) > 1:
            report.error("datum", int(line), column, f"svarsdatumet {day} passar inte omgång {wave}",
                         "kontrollera datum och omgång")  # fmt: skip
        out[line] = day
    return out


def _answers(
    frame: pd.DataFrame, column: str | None, codes: dict[str, str], report: TableReport
) -> pd.Series:
    if column is None:
        return _nothing(frame.index)
    allowed = [*sorted({k for k in codes if k.isdigit()}), "vet ej"]
    out = _nothing(frame.index)
    for line, value in frame[column].items():
        if value is None:
            continue  # not answered: counts nowhere
        code = codes.get(answer_key(value))
        if code is None:
            report.error("svar_utanför_skalan", int(line), column,
                         f"svaret {value!r} finns inte i skalan",
                         f"använd koderna {', '.join(allowed)} eller svarstexterna i kodboken")  # fmt: skip
        out[line] = code
    return out


def _place(
    frame: pd.DataFrame,
    fields: dict[str, str],
    layer: gpd.GeoDataFrame,
    options: SurveyOptions,
    report: TableReport,
) -> pd.Series:
    """Area code per response: by code, else by name (alias table), else by coordinates."""
    codes = set(layer["area_code"])
    names = area_name_table(layer)
    out = _nothing(frame.index)
    by = {"kod": 0, "namn": 0, "koordinater": 0}
    code_col, name_col = fields.get("area_code"), fields.get("area_name")
    x_col, y_col = fields.get("x"), fields.get("y")
    points = _points(frame, x_col, y_col, options.crs, layer, report) if x_col and y_col else None
    for line in frame.index:
        code = frame.at[line, code_col] if code_col else None
        name = frame.at[line, name_col] if name_col else None
        if code is not None:
            if code in codes:
                out[line] = code
                by["kod"] += 1
            else:
                report.error("okänt_område", int(line), code_col, f"områdeskoden {code!r} finns inte i det aktiva områdeslagret",
                             "använd RegSO-koden, t.ex. 1382R001")  # fmt: skip
        elif name is not None:
            match = name if name in codes else names.get(name_key(name))
            if match:
                out[line] = match
                by["namn"] += 1
            else:
                close = difflib.get_close_matches(name_key(name), list(names), n=1, cutoff=0.75)
                hint = f"menade du {_display_name(close[0], names, layer)!r}?" if close else ""
                report.error("okänt_område", int(line), name_col, f"områdesnamnet {name!r} känns inte igen",
                             hint or "lägg till stavningen i data/area_aliases.json eller ange områdeskod")  # fmt: skip
        elif points is not None and line in points.index and points.at[line, "area_code"]:
            out[line] = points.at[line, "area_code"]
            by["koordinater"] += 1
        elif points is not None and line in points.index:
            report.error("utanför_kommunen", int(line), x_col, "punkten ligger inte i något område i Falkenbergs kommun",
                         "kontrollera koordinaterna")  # fmt: skip
        else:
            column = name_col or code_col or x_col
            report.error("område_saknas", int(line), column, "svaret saknar område",
                         "ange områdeskod, områdesnamn eller koordinater")  # fmt: skip
    report.summary.append(
        f"Placerade i område via kod: {by['kod']}, via namn: {by['namn']}, via koordinater: {by['koordinater']}"
    )
    return out


def _display_name(key: str, names: dict[str, str], layer: gpd.GeoDataFrame) -> str:
    code = names[key]
    return str(layer.loc[layer["area_code"] == code, "name"].iloc[0])


def _points(
    frame: pd.DataFrame,
    x_col: str,
    y_col: str,
    crs: str | None,
    layer: gpd.GeoDataFrame,
    report: TableReport,
) -> pd.DataFrame:
    """Valid points of two coordinate columns, in EPSG:3006; problems reported per line."""
    given = frame[[x_col, y_col]].dropna(how="all")
    rows = []
    for line, (x_text, y_text) in given.iterrows():
        try:
            x = float(str(x_text).replace(",", ".").replace(" ", "").replace("\u00a0", ""))
            y = float(str(y_text).replace(",", ".").replace(" ", "").replace("\u00a0", ""))
        except ValueError:
            report.error("koordinat", int(line), x_col, f"({x_text}, {y_text}) är inga tal",
                         "skriv koordinater med siffror")  # fmt: skip
            continue
        rows.append((int(line), x, y))
    points = pd.DataFrame(rows, columns=["line", "x", "y"]).set_index("line")
    points["area_code"] = None
    if points.empty:
        return points
    kinds = classify_points(points["x"].to_numpy(), points["y"].to_numpy())
    points["kind"] = kinds
    for line, kind in zip(points.index, kinds, strict=True):
        value = f"({points.at[line, 'x']}, {points.at[line, 'y']})"
        if kind == "EPSG:4326-swapped":
            report.error("koordinat", line, x_col, f"{value} ser ut som latitud och longitud i omvänd ordning",
                         "byt plats på kolumnerna")  # fmt: skip
        elif kind not in CRS_NAMES:
            report.error("koordinat", line, x_col, f"{value} ligger inte i Sverige i något känt koordinatsystem",
                         "kontrollera koordinaterna")  # fmt: skip
        elif crs and kind != crs:
            report.error("koordinat", line, x_col, f"{value} ser ut som {CRS_NAMES[kind]}, men filen anges vara {CRS_NAMES.get(crs, crs)}",
                         f"ange koordinatsystemet {kind}, eller rätta punkten")  # fmt: skip
    ok = np.array([k in CRS_NAMES and (not crs or k == crs) for k in kinds])
    points["e"], points["n"] = np.nan, np.nan
    for kind in {k for k in kinds if k in CRS_NAMES}:
        mask = ok & (kinds == kind)
        if not mask.any():
            continue
        if kind == WORK_CRS:
            e, n = points.loc[mask, "x"].to_numpy(), points.loc[mask, "y"].to_numpy()
        else:
            e, n = transformer(kind).transform(
                points.loc[mask, "x"].to_numpy(), points.loc[mask, "y"].to_numpy()
            )
        points.loc[mask, "e"], points.loc[mask, "n"] = e, n
    valid = points["e"].notna().to_numpy()
    points.loc[valid, "area_code"] = area_codes_for_points(
        points.loc[valid, "e"].to_numpy(), points.loc[valid, "n"].to_numpy(), layer
    )
    return points.loc[valid]


def _comments(frame: pd.DataFrame, column: str | None, report: TableReport) -> pd.Series:
    if column is None:
        return _nothing(frame.index)
    screened = screen_column(frame[column])
    report.redacted_lines += screened.redacted_rows
    report.near_miss_lines += screened.near_miss_rows
    return screened.values.astype(object).where(screened.values.notna(), None)


def _unsafe_places(
    frame: pd.DataFrame,
    fields: dict[str, str],
    layer: gpd.GeoDataFrame,
    options: SurveyOptions,
    report: TableReport,
) -> tuple[pd.Series, pd.Series]:
    x_col, y_col = fields.get("unsafe_x"), fields.get("unsafe_y")
    xs = pd.Series(np.nan, index=frame.index)
    ys = pd.Series(np.nan, index=frame.index)
    if not x_col or not y_col:
        return xs, ys
    points = _points(frame, x_col, y_col, options.crs, layer, report)
    for line, row in points.iterrows():
        if row["area_code"] is None:
            report.error("utanför_kommunen", int(line), x_col, "den otrygga platsen ligger inte i Falkenbergs kommun",
                         "kontrollera koordinaterna")  # fmt: skip
        xs[line], ys[line] = row["e"], row["n"]
    return xs, ys


# --- Reading and aggregating -------------------------------------------------------------------


def load_responses(engine: Engine) -> pd.DataFrame:
    """Every stored response without its comment: wave, area, safety answer, unsafe place."""
    columns = [
        survey_responses.c.id, survey_responses.c.source, survey_responses.c.wave,
        survey_responses.c.area_code, survey_responses.c.safety_answer,
        survey_responses.c.unsafe_x, survey_responses.c.unsafe_y, survey_responses.c.synthetic,
    ]  # fmt: skip
    with engine.connect() as connection:
        rows = connection.execute(select(*columns)).all()
    return pd.DataFrame(rows, columns=[c.name for c in columns])


def load_items(engine: Engine) -> pd.DataFrame:
    """Item answers joined with their response's wave and area."""
    query = select(
        survey_items.c.item,
        survey_items.c.answer,
        survey_responses.c.wave,
        survey_responses.c.area_code,
    ).join(survey_responses, survey_items.c.response_id == survey_responses.c.id)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=["item", "answer", "wave", "area_code"])


def load_comments(engine: Engine, wave: str) -> pd.DataFrame:
    """Screened free-text comments of one wave, with their area. For the ``polis`` role only."""
    query = select(survey_responses.c.area_code, survey_responses.c.comment).where(
        survey_responses.c.wave == wave, survey_responses.c.comment.is_not(None)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=["area_code", "comment"])


def waves(responses: pd.DataFrame) -> list[str]:
    """The waves present, newest first."""
    return sorted({str(w) for w in responses["wave"]}, reverse=True)


def _share_columns(k: int, n: int) -> dict[str, float]:
    low, high = wilson_interval(k, n) if n else (math.nan, math.nan)
    return {"share": k / n if n else math.nan, "low": low, "high": high}


def safety_by_area(
    responses: pd.DataFrame,
    areas: pd.DataFrame,
    wave: str,
    *,
    suppress_below: int = SUPPRESS_BELOW,
    reveal_small: bool = False,
) -> pd.DataFrame:
    """Per area: n, counts per answer, the unsafe share and its Wilson interval for one wave.

    Rows with ``n < suppress_below`` have ``suppressed`` True; unless ``reveal_small`` (the polis
    role), their n, counts, share and interval are blanked, so nothing small leaves this function.
    """
    wave_rows = responses[responses["wave"].astype(str) == str(wave)]
    counts = (
        wave_rows.groupby(["area_code", "safety_answer"]).size().unstack(fill_value=0)
        if not wave_rows.empty
        else pd.DataFrame()
    )
    rows = []
    for code, name, zone in zip(areas["area_code"], areas["name"], areas["zone"], strict=True):
        per = {
            a: int(counts.at[code, a]) if code in counts.index and a in counts else 0
            for a in SAFETY_SCALE
        }
        n = sum(per.values()) - per["vet_ej"]
        k = per["ganska_otrygg"] + per["mycket_otrygg"]
        rows.append({"area_code": code, "name": name, "zone": zone, "wave": str(wave), "n": n, **per,
                     "unsafe": k, **_share_columns(k, n), "suppressed": n < suppress_below})  # fmt: skip
    table = pd.DataFrame(rows)
    if not reveal_small:
        hidden = table["suppressed"]
        blank = ["n", *SAFETY_SCALE, "unsafe", "share", "low", "high"]
        table[blank] = table[blank].astype(float)
        table.loc[hidden, blank] = math.nan
    return table


def safety_overall(responses: pd.DataFrame, wave: str) -> dict[str, float]:
    """The whole municipality's unsafe share for one wave (n, k, share, low, high)."""
    answers = responses.loc[responses["wave"].astype(str) == str(wave), "safety_answer"]
    answered = answers[answers.notna() & (answers != "vet_ej")]
    n, k = len(answered), int(answered.isin(UNSAFE).sum())
    return {"n": n, "unsafe": k, **_share_columns(k, n)}


def safety_change(
    responses: pd.DataFrame,
    areas: pd.DataFrame,
    wave: str,
    previous: str,
    *,
    suppress_below: int = SUPPRESS_BELOW,
    reveal_small: bool = False,
) -> pd.DataFrame:
    """Per area, the change in unsafe share from ``previous`` to ``wave`` (percentage points as a
    fraction) with Newcombe's interval; ``significant`` when the interval excludes zero."""
    now = safety_by_area(responses, areas, wave, suppress_below=suppress_below, reveal_small=True)
    before = safety_by_area(
        responses, areas, previous, suppress_below=suppress_below, reveal_small=True
    )
    rows = []
    for a, b in zip(now.itertuples(), before.itertuples(), strict=True):
        small = a.suppressed or b.suppressed
        if (small and not reveal_small) or not a.n or not b.n:
            rows.append({"area_code": a.area_code, "change": math.nan, "low": math.nan,
                         "high": math.nan, "significant": False, "suppressed": bool(small)})  # fmt: skip
            continue
        d, low, high = newcombe_difference(int(a.unsafe), int(a.n), int(b.unsafe), int(b.n))
        rows.append({"area_code": a.area_code, "change": d, "low": low, "high": high,
                     "significant": low > 0 or high < 0, "suppressed": bool(small)})  # fmt: skip
    return pd.DataFrame(rows)


def item_shares(
    items: pd.DataFrame,
    wave: str,
    *,
    area_codes: Iterable[str] | None = None,
    suppress_below: int = SUPPRESS_BELOW,
    reveal_small: bool = False,
) -> pd.DataFrame:
    """Per problem item: n (answers other than "vet ej"), how many said ganska/mycket stort
    problem, that share and its Wilson interval; for the whole municipality or some areas."""
    chosen = items[items["wave"].astype(str) == str(wave)]
    if area_codes is not None:
        chosen = chosen[chosen["area_code"].isin(list(area_codes))]
    rows = []
    for item in PROBLEM_ITEMS:
        answers = chosen.loc[chosen["item"] == item, "answer"]
        n = int((answers != "vet_ej").sum())
        k = int(answers.isin(BIG_PROBLEM).sum())
        small = n < suppress_below
        row = {"item": item, "n": n, "big": k, **_share_columns(k, n), "suppressed": small}
        if small and not reveal_small:
            row.update(n=math.nan, big=math.nan, share=math.nan, low=math.nan, high=math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def unsafe_place_clusters(
    responses: pd.DataFrame,
    wave: str,
    *,
    cell_m: int = 500,
    min_count: int = SUPPRESS_BELOW,
) -> tuple[gpd.GeoDataFrame, int]:
    """Places where respondents feel unsafe, aggregated to square cells of ``cell_m`` metres.

    Only cells with at least ``min_count`` answers are returned (a single answer never is); the
    second value is how many places fell in smaller cells and are not shown.
    """
    chosen = responses[(responses["wave"].astype(str) == str(wave)) & responses["unsafe_x"].notna()]
    empty = gpd.GeoDataFrame({"count": []}, geometry=[], crs=WORK_CRS)
    if chosen.empty:
        return empty, 0
    ix = np.floor(chosen["unsafe_x"].to_numpy(dtype=float) / cell_m).astype(int)
    iy = np.floor(chosen["unsafe_y"].to_numpy(dtype=float) / cell_m).astype(int)
    counts = pd.Series(1, index=pd.MultiIndex.from_arrays([ix, iy])).groupby(level=[0, 1]).sum()
    shown = counts[counts >= min_count]
    hidden = int(counts[counts < min_count].sum())
    if shown.empty:
        return empty, hidden
    from shapely import box

    geometry = [
        box(i * cell_m, j * cell_m, (i + 1) * cell_m, (j + 1) * cell_m) for i, j in shown.index
    ]
    return gpd.GeoDataFrame({"count": shown.to_numpy()}, geometry=geometry, crs=WORK_CRS), hidden
