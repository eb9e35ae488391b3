"""Citizen survey files: the codebook, area names and the survey import (wide or long layout).

The answers' scales are defined here (what a file's answer may be); the statistics over stored
answers are :mod:`geo.analysis.survey`'s.

Import rules (``import_survey``):

- Two layouts: *wide* (one row per respondent, a column per question) and *long* (one row per
  respondent and question: ``svar_id, omrade, fraga, svar, datum, kommentar``, as survey tools
  export). The layout is decided from the headers unless ``SurveyOptions.layout`` says. The
  codebook's aliases are column headers in a wide file and values of the question column in a
  long one; ``data/survey_codebook.json`` (NTU codes) is the default, ``survey_codebook_1_5.json``
  reads a tool's 1–5 scale.
- Every problem names the line and column of the original file. In a long file a question
  answered twice by one respondent is a duplicate, and a respondent whose area (or wave,
  coordinates) differs between rows is an error; a differing date is a warning.
- A blank answer is **"ej svar"** (item non-response), which is what a survey analyst expects:
  respondents skip questions. It is not an error; the report counts it per question with its
  lines, it counts in no n, and it is stored as unanswered (no item row, a NULL safety answer).
  A response with no answer at all is a warning by line.
- Comments are screened for personnummer and flagged when they may name a person or an address
  (``comment_flags``); a flagged comment is stored with the mark ``[granska: kan nämna …]`` and,
  like every comment, shown only to the police.
- All or nothing: one error and nothing is written.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from geo.areas.join import area_codes_for_points
from geo.config import REFERENCE_DIR
from geo.crs import CRS_NAMES, WORK_CRS, classify_points, transformer
from geo.errors import GeoError, Problem, SchemaError
from geo.io.profiles import header_key
from geo.io.report import ImportReport, importing, line_ranges
from geo.io.screening import screen_column
from geo.io.table_files import read_table
from geo.store.database import ImportRecord, active_layer
from geo.store.schema import survey_items, survey_responses
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
DEFAULT_SOURCE = "medborgarenkät"


# --- Codebook and area names -------------------------------------------------------------------

LONG_COLUMNS = {
    "question": ("fråga", "fraga", "frågekod", "fragekod", "question", "variabel", "item"),
    "answer": ("svar", "svarskod", "answer", "value", "värde"),
}
"""The question and answer columns of a long file, when the codebook does not name its own."""
CODEBOOK_TARGETS = ("safety", "comment")
"""Besides the problem items, what a question key may map to."""


@dataclass(frozen=True)
class Codebook:
    """How a survey file's columns, question keys and answer codes map to ours.

    The same aliases serve both layouts: in a wide file they are column headers, in a long file
    they are the values of the question column (``fraga``). ``questions`` in the JSON adds keys a
    survey tool uses (``F1``, ``F2_3``) to the aliases of their item.
    """

    name: str
    columns: dict[str, tuple[str, ...]]
    safety_codes: dict[str, str]
    items: dict[str, tuple[str, ...]]
    item_codes: dict[str, str]
    description: str = ""

    def match(self, headers: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        """(field → header, item → header) for the headers present."""
        by_key = {header_key(h): h for h in headers}

        def first(aliases: Iterable[str]) -> str | None:
            return next((by_key[k] for a in aliases if (k := header_key(a)) in by_key), None)

        fields = {f: h for f, aliases in self.columns.items() if (h := first(aliases))}
        items = {i: h for i, aliases in self.items.items() if (h := first(aliases))}
        return fields, items

    def question_targets(self) -> dict[str, str]:
        """Question key (as ``header_key``) → ``safety``, ``comment`` or a problem item."""
        targets = {header_key(a): "comment" for a in self.columns.get("comment", ())}
        targets |= {header_key(a): "safety" for a in self.columns.get("safety", ())}
        for item, aliases in self.items.items():
            targets |= {header_key(a): item for a in aliases}
        return targets

    def question_names(self) -> dict[str, str]:
        """Question key (as ``header_key``) → its spelling in the codebook (to suggest)."""
        names: dict[str, str] = {}
        for aliases in (self.columns.get("safety", ()), self.columns.get("comment", ()),
                        *self.items.values()):  # fmt: skip
            names |= {header_key(a): a for a in aliases}
        return names


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
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SchemaError(
            f"Kodboken {path} kunde inte läsas: {error} — ange en JSON-fil som "
            f"data/survey_codebook.json."
        ) from error
    if not isinstance(raw, dict):
        raise SchemaError(
            f"Kodboken {path.name} ska vara ett JSON-objekt som data/survey_codebook.json."
        )
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
    columns = {k: tuple(v) for k, v in raw.get("columns", {}).items()}
    for name, aliases in LONG_COLUMNS.items():
        columns.setdefault(name, aliases)
    items = {k: tuple(v) for k, v in raw.get("items", {}).items()}
    for question, target in raw.get("questions", {}).items():
        if target in CODEBOOK_TARGETS:
            columns[target] = (*columns.get(target, ()), question)
        elif target in PROBLEM_ITEMS:
            items[target] = (*items.get(target, ()), question)
        else:
            raise SchemaError(
                f"Kodboken {path.name}: questions[{question!r}] = {target!r} är varken "
                f"{', '.join(CODEBOOK_TARGETS)} eller en problemfråga ({', '.join(PROBLEM_ITEMS)})."
            )
    return Codebook(
        name=str(raw.get("name", path.stem)),
        columns=columns,
        safety_codes={answer_key(k): v for k, v in raw.get("safety_codes", {}).items()},
        items=items,
        item_codes={answer_key(k): v for k, v in raw.get("item_codes", {}).items()},
        description=str(raw.get("description", "")),
    )


def available_codebooks() -> dict[str, Path]:
    """Return the codebooks shipped in data/ (name → file), the standard one first."""
    paths = [CODEBOOK_PATH, *sorted(p for p in REFERENCE_DIR.glob("survey_codebook_*.json"))]
    return {load_codebook(p).name: p for p in paths}


def name_key(name: str) -> str:
    """Return an area-name matching key: NFKC, and case, å/ä/ö, dashes and spacing ignored."""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"[\-‐‑‒–—_/.,]+", " ", text)
    return re.sub(r"\s+", " ", fold(text)).strip()


@functools.lru_cache(maxsize=4)
def _alias_file(path: Path) -> tuple[tuple[str, str], ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return tuple((alias, code) for code, names in raw["aliases"].items() for alias in names)


def area_name_table(layer: gpd.GeoDataFrame, aliases: Path | None = None) -> dict[str, str]:
    """Return matching key → area code: the layer's names, then the alias table's.

    Only alias codes that are in the layer count.
    """
    codes = set(layer["area_code"])
    table = {name_key(a): c for a, c in _alias_file(aliases or ALIASES_PATH) if c in codes}
    table.update({name_key(n): c for n, c in zip(layer["name"], layer["area_code"], strict=True)})
    return table


# --- Comments that may identify someone ---------------------------------------------------------

FLAG_PERSON = "en person"
FLAG_ADDRESS = "en adress"
_FLAG_MARK = re.compile(r"^\[granska: kan nämna (?P<what>[^\]]+)\] ")
_FIRST_NAMES = frozenset(
    """adam ahmed albin alexander alice alva amanda anders andreas anna anneli annika anton astrid
    axel bengt birgitta bo britt camilla carina carl caroline cecilia charlotte christer christina
    daniel david ebba elias elin elisabeth elsa emil emma erik eva felix filip fredrik gustav hanna
    hans harald helena henrik hugo ida ingrid isak jan jenny jessica johan johanna jonas josefin
    julia karin karl kerstin kjell lars lena leo lina linda linnea lisa louise lucas magnus maja
    malin maria marie martin mats mattias mikael mohammed nils noah oliver olle olof oscar oskar
    patrik per peter petra rasmus robert sara sebastian simon sofia stefan sten susanne sven thomas
    tobias ulf ulla viktor wilma william kalle pelle lasse nisse""".split()  # noqa: SIM905
)  # fmt: skip
"""Common Swedish first names (SCB's most common); a first name followed by a capitalised word
is taken as a full name."""
_NAME_CUES = re.compile(
    r"\b(?i:grannen|granne|killen|tjejen|mannen|kvinnan|pojken|flickan|heter|kallad|kallas)\s+"
    r"(?P<name>\w+)"
)
# Overlapping pairs (a lookahead for the second word): "Det Anders Svensson" has two.
_CAPITAL_PAIR = re.compile(
    r"\b(?P<first>[A-ZÅÄÖ][a-zåäöéü]+|[A-ZÅÄÖ]{2,})\s+(?=(?P<last>[A-ZÅÄÖ][a-zåäöéü]+|[A-ZÅÄÖ]{2,})\b)"
)
_LOWER_PAIR = re.compile(r"\b(?P<first>[a-zåäöéü]{2,})\s+(?=(?P<last>[a-zåäöéü]{3,})\b)")
_LOWER_SURNAME_END = re.compile(r"(sson|[^r]son|ström|qvist|kvist|berg|lund|gren|dahl|holm)$")
"""Surname endings strong enough to flag a name typed in lower case ("anders svensson"), but not
"per person"."""
_SURNAME_END = re.compile(
    r"(sson|son|ström|strom|lund|qvist|kvist|gren|dahl|holm|berg|lin|ander|stedt)$"
)
_STREET = re.compile(
    r"\b\w+(gatan|gata|vägen|väg|gränd|gränden|torget|torg|allén|allé|stigen|stig|backen|backe|"
    r"leden|plan|platsen|slingan|vägens)\s+\d+\s?[a-zA-Z]?\b",
    re.IGNORECASE,
)
_DWELLING = re.compile(
    r"\b(bor\s+på|bor\s+i\s+(lgh|lägenhet)|(lgh|lägenhet|lägenhetsnummer|lgh-nr|lghnr)\.?\s*"
    r"(nr\.?\s*)?\d+|port\s+\d+|uppgång\s+[a-z\d])",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1)
def _place_words() -> frozenset[str]:
    """Words of Falkenberg's place and area names: "Västra Gärdet" is not a person."""
    from geo.areas.falkenberg import LOCALITIES_2020, REGSO_2018

    names = [a for a, _code in _alias_file(ALIASES_PATH)]
    names += [a.name for a in REGSO_2018] + [p.name for p in LOCALITIES_2020]
    return frozenset(w.casefold() for n in names for w in re.findall(r"\w+", n))


def comment_flags(text: str) -> tuple[str, ...]:
    """Whether a comment looks like it names a person or gives an address (a flag to review).

    A person: a common first name followed by a capitalised word ("Anders Svensson", also in
    capitals), a first name after "grannen", "heter" and similar, two capitalised words where the
    second ends like a Swedish surname ("Karl Lindqvist"), unless they are place names, or a first
    name in lower case followed by a clear surname ("anders svensson"). An address: a street
    name with a number ("Storgatan 5"), "bor på", "lgh"/"lägenhet" with a number, "port 2".
    Meant to catch the likely cases for a human to look at, not to prove anything.
    """
    flags: list[str] = []
    places = _place_words()
    person = any(m["name"].casefold() in _FIRST_NAMES for m in _NAME_CUES.finditer(text))
    for match in _CAPITAL_PAIR.finditer(text):
        first, last = match["first"].casefold(), match["last"].casefold()
        if first in places or last in places:
            continue
        if first in _FIRST_NAMES or _SURNAME_END.search(last):
            person = True
    for match in _LOWER_PAIR.finditer(text):
        first, last = match["first"], match["last"]
        if first in _FIRST_NAMES and last not in places and _LOWER_SURNAME_END.search(last):
            person = True
    if person:
        flags.append(FLAG_PERSON)
    if _STREET.search(text) or _DWELLING.search(text):
        flags.append(FLAG_ADDRESS)
    return tuple(flags)


def flag_comment(text: str, flags: Iterable[str]) -> str:
    """Return the comment as stored: a review mark first when it may name a person or address."""
    flags = [f for f in (FLAG_PERSON, FLAG_ADDRESS) if f in set(flags)]
    if not flags:
        return text
    return f"[granska: kan nämna {' och '.join(flags)}] {text}"


def comment_flag(stored: str | None) -> str | None:
    """Return what a stored comment's review mark says (``"en person och en adress"``), or None."""
    match = _FLAG_MARK.match(stored or "")
    return match["what"] if match else None


# --- Import -------------------------------------------------------------------------------------

LAYOUTS = ("auto", "long", "wide")
"""``auto`` decides from the headers; ``long`` is one row per respondent and question (as survey
tools export: ``svar_id, omrade, fraga, svar, datum, kommentar``); ``wide`` is one row per
respondent with a column per question."""
PER_RESPONDENT = (
    "respondent_id", "wave", "answered_on", "area_code", "area_name", "x", "y", "unsafe_x", "unsafe_y",
)  # fmt: skip
"""Fields a long file repeats on a respondent's rows: all must agree, except the date (a warning)."""
_FIELD_NAMES = {
    "respondent_id": "respondent", "wave": "omgång", "answered_on": "svarsdatum",
    "area_code": "områdeskod", "area_name": "område", "x": "x", "y": "y",
    "unsafe_x": "otrygg plats x", "unsafe_y": "otrygg plats y",
}  # fmt: skip


def _nothing(index: pd.Index) -> pd.Series:
    """Return an object column of None (``pd.Series(None, ...)`` would hold NaN)."""
    return pd.Series([None] * len(index), index=index, dtype=object)


@dataclass(frozen=True)
class SurveyOptions:
    """Choices for one survey import (the CLI flags and the Import page's fields)."""

    codebook: Path | None = None
    """A codebook file; by default data/survey_codebook.json (see ``available_codebooks``)."""
    wave: str | None = None
    """The wave when the file has no wave column, e.g. ``"2025"``."""
    crs: str | None = None
    """CRS of coordinates; by default each point's values decide (WGS84, SWEREF 99 TM or RT90)."""
    source: str = DEFAULT_SOURCE
    imported_by: str = "okänd"
    layout: str = "auto"
    """One of ``LAYOUTS``: ``auto`` (from the headers), ``long`` or ``wide``."""


@dataclass
class _Responses:
    """One row per response whichever layout the file had, and where each value came from.

    The index is the file line of the response's first row. In a wide file that is where every
    value is; in a long file ``origin`` gives the line of each value and ``shown`` the file's
    column to name (the answer column for answers), so every message cites the original line.
    """

    frame: pd.DataFrame
    fields: dict[str, str]
    items: dict[str, str]
    layout: str
    origin: dict[str, dict[int, int]] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    """Frame column → the question as the file wrote it (long files)."""
    blanks: dict[str, list[int]] = field(default_factory=dict)
    """Question → lines where it was left blank ("ej svar")."""
    flags: dict[int, set[str]] = field(default_factory=dict)
    """Response → comment flags (a person, an address)."""

    def at(self, response: object, column: str) -> tuple[int, str]:
        """(file line, file column) to cite for a response's value in a frame column."""
        key = int(response)  # type: ignore[call-overload]
        return self.origin.get(column, {}).get(key, key), self.shown.get(column, column)


def import_survey(
    engine: Engine, path: Path, options: SurveyOptions | None = None, *, dry_run: bool = False
) -> ImportReport:
    """Validate a survey file and, when nothing is wrong and this is not a dry run, store it.

    All or nothing: one problem and nothing is written. Returns the report either way.

    Raises
    ------
    GeoError
        When the file cannot be read at all, the codebook is broken or an option is invalid;
        every problem inside the file is in the report instead.
    """
    options = options or SurveyOptions()
    if options.layout not in LAYOUTS:
        raise GeoError(
            f"Formatet {options.layout!r} finns inte för enkäter — välj long (en rad per "
            f"respondent och fråga), wide (en rad per respondent) eller auto."
        )
    if options.wave and not _WAVE.match(options.wave):
        raise GeoError(f"Omgången {options.wave!r} ska vara ett årtal, t.ex. 2025.")
    report = ImportReport(path.name, what="enkätsvar", source=options.source, dry_run=dry_run)
    codebook = load_codebook(options.codebook)
    frame = read_table(path, report)
    _info, layer = active_layer(engine)
    fields, item_columns = codebook.match(list(frame.columns))
    layout = _layout(fields, item_columns, options, report)
    report.notes.append(
        f"Kodbok: {codebook.name}; format: "
        + ("långt (en rad per respondent och fråga)" if layout == "long" else "brett (en rad per respondent)")
    )  # fmt: skip
    long_shaped = "question" in fields and "answer" in fields
    if layout == "long":
        fields = {k: v for k, v in fields.items() if k not in ("safety",)}
        item_columns = {}
    else:
        fields = {k: v for k, v in fields.items() if k not in LONG_COLUMNS}
    report.columns = {**fields, **item_columns}
    _check_columns(fields, item_columns, layout, options, report, long_shaped=long_shaped)
    if report.errors.total - report.errors.counts["filstruktur"]:
        return report  # without its columns the file cannot be checked row by row
    if layout == "long":
        table = _long_responses(frame, fields, codebook, options, report)
    else:
        table = _wide_responses(frame, fields, item_columns, report)
    out = pd.DataFrame(index=table.frame.index)
    out["wave"] = _waves(table, options, report)
    out["respondent_id"] = _respondents(engine, table, out["wave"], options, report)
    out["answered_on"] = _dates(table, out["wave"], report)
    out["safety_answer"] = _answers(
        table, table.fields.get("safety"), codebook.safety_codes, report
    )
    items = {
        item: _answers(table, column, codebook.item_codes, report)
        for item, column in table.items.items()
    }
    out["area_code"] = _place(table, layer, options, report)
    out["comment"] = _comments(table)
    out["unsafe_x"], out["unsafe_y"] = _unsafe_places(table, layer, options, report)
    _report_blanks(table, out, items, report)
    valid = report.errors.total == 0
    report.rows_valid = report.rows_read if valid else 0
    report.stored = len(out) if valid else 0
    stored_items = sum(int(a.notna().sum()) for a in items.values())
    report.summary.append(
        f"Respondenter: {len(out)}; svar på trygghetsfrågan: {int(out['safety_answer'].notna().sum())}; "
        f"svar på problemfrågor: {stored_items}"
    )
    report.preview = out.head(20)
    if not report.will_store:
        return report  # refused, or a dry run: no write transaction at all
    record = ImportRecord(kind="survey", source=options.source, imported_by=options.imported_by,
                          file_name=path.name, rows_read=report.rows_read, rows_imported=len(out))  # fmt: skip
    with importing(engine, report, record) as (work, import_id):
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
        assert import_id is not None
        insert_responses(work.connection, rows, item_rows, import_id)
    return report


def _nulls(row: dict[str, Any]) -> dict[str, Any]:
    """Return the row with pandas' missing values (NaN, NA, NaT) as None."""
    return {
        k: None if not isinstance(v, (str, bytes, list, tuple, dict)) and pd.isna(v) else v
        for k, v in row.items()
    }


def insert_responses(
    connection: Connection,
    responses: list[dict[str, Any]],
    items: list[dict[str, Any]],
    import_id: int,
) -> None:
    """Write responses and their item answers (items name their response by wave and respondent).

    Missing values from pandas (NaN, NA) are written as NULL: SQLite turns a float NaN into NULL by
    itself, but PostgreSQL stores it as the text 'NaN' in a text column and as NaN in a float one.
    """
    responses = [_nulls(row) for row in responses]
    items = [_nulls(row) for row in items]
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


def _layout(
    fields: dict[str, str],
    item_columns: dict[str, str],
    options: SurveyOptions,
    report: ImportReport,
) -> str:
    """Return the file's layout, ``long`` or ``wide``.

    As chosen, else long when the file has question and answer columns and no question columns of
    its own.
    """
    long_columns = "question" in fields and "answer" in fields
    wide_columns = "safety" in fields or bool(item_columns)
    if options.layout != "auto":
        return options.layout
    if long_columns and wide_columns:
        found = ", ".join(repr(h) for h in [fields.get("safety"), *item_columns.values()] if h)
        report.error("kolumn", 1, None,
                     f"filen har både fråge- och svarskolumner ({fields['question']!r}, {fields['answer']!r}) "
                     f"och kolumner per fråga ({found}); formatet går inte att avgöra",
                     "ange formatet: --layout long (en rad per respondent och fråga) eller "
                     "--layout wide (en rad per respondent)")  # fmt: skip
    return "long" if long_columns and not wide_columns else "wide"


def _check_columns(
    fields: dict[str, str],
    item_columns: dict[str, str],
    layout: str,
    options: SurveyOptions,
    report: ImportReport,
    *,
    long_shaped: bool = False,
) -> None:
    if "respondent_id" not in fields:
        report.error("kolumn", 1, None, "kolumnen för respondent (t.ex. 'respondent_id') saknas",
                     "lägg till ett löpnummer per svar, eller ange kolumnen i kodboken")  # fmt: skip
    if layout == "long":
        for name, example in (("question", "fraga"), ("answer", "svar")):
            if name not in fields:
                report.error("kolumn", 1, None,
                             f"långt format kräver en kolumn {example!r} men filen saknar den",
                             "en rad per respondent och fråga: svar_id, omrade, fraga, svar; "
                             "eller välj formatet wide (en rad per respondent)")  # fmt: skip
    elif "safety" not in fields and not item_columns:
        report.error("kolumn", 1, None, "filen har varken trygghetsfrågan eller någon problemfråga",
                     "filen ser ut att ha långt format (en rad per respondent och fråga): välj long"
                     if long_shaped else "kontrollera rubrikerna mot kodboken")  # fmt: skip
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


def _wide_responses(
    frame: pd.DataFrame, fields: dict[str, str], item_columns: dict[str, str], report: ImportReport
) -> _Responses:
    """Return a wide file's responses: one per line already; only comments and blanks are read."""
    table = _Responses(frame.copy(), dict(fields), dict(item_columns), "wide")
    for column in [fields.get("safety"), *item_columns.values()]:
        if column:
            blank = [int(line) for line, value in frame[column].items() if value is None]
            if blank:
                table.blanks[column] = blank
    comment = fields.get("comment")
    if comment:
        screened, flags = _screen_comments(frame[comment], comment, report)
        table.frame[comment] = screened
        table.flags = {line: set(f) for line, f in flags.items()}
    return table


def _long_responses(
    frame: pd.DataFrame,
    fields: dict[str, str],
    codebook: Codebook,
    options: SurveyOptions,
    report: ImportReport,
) -> _Responses:
    """Fold a long file (one row per respondent and question) into one row per response.

    A response is a respondent in a wave; its index is its first line. Per-respondent values
    must agree on every row that gives them (the date may differ: a warning, the first is kept),
    a question answered twice is a duplicate, and every answer keeps its own line for messages.
    """
    rid_col, q_col, a_col = fields["respondent_id"], fields["question"], fields["answer"]
    wave_col, comment_col = fields.get("wave"), fields.get("comment")
    targets, names = codebook.question_targets(), codebook.question_names()
    per_respondent = {name: fields[name] for name in PER_RESPONDENT if name in fields}
    responses: dict[tuple[str, str], int] = {}
    values: dict[str, dict[int, object]] = {}
    origin: dict[str, dict[int, int]] = {}
    answered: dict[tuple[int, str], int] = {}
    blanks: dict[str, list[int]] = {}
    questions: dict[str, str] = {}
    owner: dict[int, int] = {}
    comment_texts: dict[int, str] = {}
    comment_columns: dict[int, str] = {}
    for line, row in zip(frame.index.astype(int), frame.to_dict("records"), strict=True):
        respondent = row[rid_col]
        if respondent is None:
            report.error("respondent", line, rid_col, "respondent saknas",
                         "ge varje rad respondentens löpnummer")  # fmt: skip
            continue
        wave = (row[wave_col] if wave_col else None) or options.wave or ""
        key = (re.sub(r"\.0$", "", wave), respondent_key(respondent))
        response = responses.setdefault(key, line)
        owner[line] = response
        for name, column in per_respondent.items():
            value = row[column]
            if value is None:
                continue
            kept = values.setdefault(column, {})
            if response not in kept:
                kept[response] = value
                origin.setdefault(column, {})[response] = line
            elif not _same_value(name, kept[response], value):
                first = origin[column][response]
                message = (f"respondent {respondent!r} har {_FIELD_NAMES[name]} {value!r} här men "
                           f"{kept[response]!r} på rad {first}")  # fmt: skip
                if name == "answered_on":
                    report.warnings.add("motstridigt", Problem(report.where(line, column),
                                        message + f"; datumet på rad {first} används",
                                        "kontrollera svarsdatumet"))  # fmt: skip
                else:
                    report.error("motstridigt", line, column, message,
                                 f"en respondent har samma {_FIELD_NAMES[name]} på alla sina rader; "
                                 "rätta raden eller ge svaren olika respondent-id")  # fmt: skip
        if comment_col and row[comment_col] is not None:
            comment_texts[line] = str(row[comment_col])
            comment_columns[line] = comment_col
        question = row[q_col]
        if question is None:
            report.error("fråga", line, q_col, "frågan saknas",
                         "skriv frågans nyckel från kodboken, t.ex. 'trygghet' eller 'klotter'")  # fmt: skip
            continue
        target = targets.get(header_key(question))
        if target is None:
            close = difflib.get_close_matches(header_key(question), list(names), n=1, cutoff=0.7)
            report.error("okänd_fråga", line, q_col, f"frågan {question!r} finns inte i kodboken {codebook.name!r}",
                         f"menade du {names[close[0]]!r}?" if close else
                         "lägg till frågenyckeln under \"questions\" i kodboken eller rätta den")  # fmt: skip
            continue
        if (response, target) in answered:
            report.error("dubblett", line, q_col,
                         f"respondent {respondent!r} har redan svarat på frågan {question!r} på rad "
                         f"{answered[(response, target)]}",
                         "ta bort dubbletten; en respondent svarar en gång per fråga och omgång")  # fmt: skip
            continue
        answered[(response, target)] = line
        answer = row[a_col]
        if target == "comment":
            if answer is not None:
                comment_texts[line] = " | ".join(
                    t for t in (comment_texts.get(line), str(answer)) if t
                )
                comment_columns.setdefault(line, a_col)
            continue
        column = f"{a_col}:{target}"
        questions.setdefault(column, question)
        if answer is None:
            blanks.setdefault(column, []).append(line)
            continue
        values.setdefault(column, {})[response] = answer
        origin.setdefault(column, {})[response] = line
    index = pd.Index(sorted(set(responses.values())), dtype="int64")
    table_frame = pd.DataFrame(
        {column: pd.Series([kept.get(r) for r in index], index=index, dtype=object)
         for column, kept in values.items()},
        index=index,
    )  # fmt: skip
    for column in per_respondent.values():
        if column not in table_frame:
            table_frame[column] = _nothing(index)
    item_columns = {
        t: f"{a_col}:{t}"
        for t in PROBLEM_ITEMS
        if f"{a_col}:{t}" in values or f"{a_col}:{t}" in blanks
    }
    table_fields = dict(per_respondent)
    if f"{a_col}:safety" in values or f"{a_col}:safety" in blanks:
        table_fields["safety"] = f"{a_col}:safety"
    for column in [*item_columns.values(), table_fields.get("safety", "")]:
        if column and column not in table_frame:
            table_frame[column] = _nothing(index)
    table = _Responses(table_frame, table_fields, item_columns, "long", origin=origin,
                       shown={c: a_col for c in questions}, questions=questions)  # fmt: skip
    table.blanks = {questions[c]: lines for c, lines in blanks.items()}
    _long_comments(table, comment_texts, comment_columns, owner, report)
    return table


_LONG_COMMENT = "\x00kommentar"
"""The frame column of a long file's joined comments (a name no header can have)."""


def _long_comments(
    table: _Responses,
    texts: dict[int, str],
    columns: dict[int, str],
    owner: dict[int, int],
    report: ImportReport,
) -> None:
    """Screen each comment by its own line, then join a respondent's distinct comments."""
    table.fields["comment"] = _LONG_COMMENT
    table.frame[_LONG_COMMENT] = _nothing(table.frame.index)
    if not texts:
        return
    by_line = pd.Series(texts, dtype=object)
    column = next(iter(columns.values()))
    screened, flags = _screen_comments(by_line, column, report)
    first_line: dict[int, int] = {}
    lines = sorted(int(line) for line in by_line.index)
    joined: dict[int, list[str]] = {}
    for line in lines:
        response = owner.get(line)
        if response is None or screened[line] is None:
            continue
        texts_of = joined.setdefault(response, [])
        if screened[line] not in texts_of:
            texts_of.append(str(screened[line]))
        first_line.setdefault(response, line)
        table.flags.setdefault(response, set()).update(flags.get(line, ()))
    for response, parts in joined.items():
        table.frame.at[response, _LONG_COMMENT] = " | ".join(parts)
    table.origin[_LONG_COMMENT] = first_line
    table.shown[_LONG_COMMENT] = column


def _same_value(name: str, kept: object, value: object) -> bool:
    """Whether two rows of one respondent agree (names folded, numbers as numbers)."""
    if kept == value:
        return True
    if name in ("x", "y", "unsafe_x", "unsafe_y"):
        try:
            return _number(str(kept)) == _number(str(value))
        except ValueError:
            pass
    if name == "answered_on":
        return str(kept).split(" ")[0] == str(value).split(" ")[0]
    if name == "wave":
        return re.sub(r"\.0$", "", str(kept)) == re.sub(r"\.0$", "", str(value))
    return name_key(str(kept)) == name_key(str(value))


def _number(text: str) -> float:
    return float(text.replace(",", ".").replace(" ", "").replace("\u00a0", ""))


def _screen_comments(
    texts: pd.Series, column: str, report: ImportReport
) -> tuple[pd.Series, dict[int, tuple[str, ...]]]:
    """Personnummer redacted, and lines whose comment may name a person or an address (by line)."""
    screened = screen_column(texts)
    report.redacted_lines += screened.redacted_rows
    report.near_miss_lines += screened.near_miss_rows
    values = screened.values.astype(object).where(screened.values.notna(), None)
    flags: dict[int, tuple[str, ...]] = {}
    for line, text in values.items():
        if text is None:
            continue
        found = comment_flags(str(text))
        if found:
            flags[int(line)] = found
            report.warnings.add(
                "kommentar",
                Problem(
                    report.where(int(line), column),
                    f"kommentaren kan nämna {' och '.join(found)}; den sparas märkt "
                    "'[granska: …]' och visas bara för polisen",
                    "ta bort namn och adresser ur kommentarerna om de inte behövs",
                ),
            )
    return values, flags


_WAVE = re.compile(r"^(19|20)\d{2}$")


def respondent_key(respondent: str) -> str:
    """Return how respondent ids are compared: trimmed and case-folded, as incident ids are.

    ``R17`` is ``r17 ``; an Excel number's ``.0`` is dropped.
    """
    return re.sub(r"\.0$", "", respondent.strip().casefold())


RESPONDENT_ID_LENGTH = 100
"""The longest respondent id the store keeps (``geo.store.schema.survey_responses``)."""


def _waves(table: _Responses, options: SurveyOptions, report: ImportReport) -> pd.Series:
    column = table.fields.get("wave")
    if column is None:
        return pd.Series(options.wave, index=table.frame.index, dtype=object)
    values = table.frame[column].map(lambda v: None if v is None else re.sub(r"\.0$", "", str(v)))
    for response, value in values.items():
        if value is None and options.wave:
            values[response] = options.wave
        elif value is None or not _WAVE.match(value):
            report.error("omgång", *table.at(response, column), f"omgången {value!r} är inget årtal",
                         "skriv enkätåret, t.ex. 2025")  # fmt: skip
    return values


def _respondents(
    engine: Engine,
    table: _Responses,
    waves: pd.Series,
    options: SurveyOptions,
    report: ImportReport,
) -> pd.Series:
    column = table.fields["respondent_id"]
    values = table.frame[column]
    with engine.connect() as connection:
        stored = {
            (str(wave), respondent_key(str(respondent)))
            for wave, respondent in connection.execute(
                select(survey_responses.c.wave, survey_responses.c.respondent_id).where(
                    survey_responses.c.source == options.source
                )
            ).all()
        }
    first_seen: dict[tuple[str, str], int] = {}
    for response, value in values.items():
        line, shown = table.at(response, column)
        if value is None:
            report.error("respondent", line, shown, "respondent saknas",
                         "ge varje svar ett eget löpnummer")  # fmt: skip
            continue
        if len(str(value)) > RESPONDENT_ID_LENGTH:
            report.error("respondent", line, shown,
                         f"respondent-id {str(value)[:30]!r}… är {len(str(value))} tecken",
                         f"använd ett löpnummer på högst {RESPONDENT_ID_LENGTH} tecken")  # fmt: skip
            continue
        key = (str(waves[response]), respondent_key(str(value)))
        if key in first_seen:
            report.error("dubblett", line, shown,
                         f"respondent {value!r} finns redan på rad {first_seen[key]} (omgång {key[0]})",
                         "ta bort dubbletten; varje respondent svarar en gång per omgång")  # fmt: skip
        elif key in stored:
            report.error("dubblett", line, shown,
                         f"respondent {value!r} i omgång {key[0]} är redan importerad",
                         "importera bara nya svar; filen kan redan vara inläst")  # fmt: skip
        first_seen.setdefault(key, line)
    return values


def _dates(table: _Responses, waves: pd.Series, report: ImportReport) -> pd.Series:
    column = table.fields.get("answered_on")
    out = _nothing(table.frame.index)
    if column is None:
        return out
    for response, value in table.frame[column].items():
        if value is None:
            continue
        text = str(value).split(" ")[0].split("T")[0]
        match = re.match(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$", text)
        iso = f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}" if match else text
        try:
            day = dt.date.fromisoformat(iso)
        except ValueError:
            report.error("datum", *table.at(response, column), f"svarsdatumet {value!r} går inte att läsa",
                         "skriv datum som ÅÅÅÅ-MM-DD")  # fmt: skip
            continue
        wave = waves[response]
        if wave and _WAVE.match(str(wave)) and abs(day.year - int(wave)) > 1:
            report.error("datum", *table.at(response, column), f"svarsdatumet {day} passar inte omgång {wave}",
                         "kontrollera datum och omgång")  # fmt: skip
        out[response] = day
    return out


def _answers(
    table: _Responses, column: str | None, codes: dict[str, str], report: ImportReport
) -> pd.Series:
    out = _nothing(table.frame.index)
    if column is None:
        return out
    allowed = [*sorted({k for k in codes if k.isdigit()}, key=int), "vet ej"]
    question = table.questions.get(column)
    asked = f" på frågan {question!r}" if question else ""
    known: dict[str, str | None] = {}  # answer as written → code (files repeat a few answers)
    coded: list[str | None] = []
    for response, value in table.frame[column].items():
        if value is None:
            coded.append(
                None
            )  # not answered ("ej svar"): counted in the report, stored as no answer
            continue
        text = str(value)
        if text not in known:
            known[text] = codes.get(answer_key(text))
        code = known[text]
        if code is None:
            report.error("svar_utanför_skalan", *table.at(response, column),
                         f"svaret {value!r}{asked} finns inte i skalan",
                         f"använd koderna {', '.join(allowed)} eller svarstexterna i kodboken")  # fmt: skip
        coded.append(code)
    return pd.Series(coded, index=out.index, dtype=object)


def _place(
    table: _Responses, layer: gpd.GeoDataFrame, options: SurveyOptions, report: ImportReport
) -> pd.Series:
    """Area code per response: by code, else by name (alias table), else by coordinates."""
    frame, fields = table.frame, table.fields
    codes = set(layer["area_code"])
    names = area_name_table(layer)
    out = _nothing(frame.index)
    by = {"kod": 0, "namn": 0, "koordinater": 0}
    code_col, name_col = fields.get("area_code"), fields.get("area_name")
    x_col, y_col = fields.get("x"), fields.get("y")
    points = _points(table, x_col, y_col, options.crs, report) if x_col and y_col else None
    if points is not None and not points.empty:
        points["area_code"] = area_codes_for_points(
            points["e"].to_numpy(), points["n"].to_numpy(), layer
        )
    for response in frame.index:
        code = frame.at[response, code_col] if code_col else None
        name = frame.at[response, name_col] if name_col else None
        if code is not None and code_col:
            if code in codes:
                out[response] = code
                by["kod"] += 1
            else:
                report.error("okänt_område", *table.at(response, code_col), f"områdeskoden {code!r} finns inte i det aktiva områdeslagret",
                             "använd RegSO-koden, t.ex. 1382R001")  # fmt: skip
        elif name is not None and name_col:
            match = name if name in codes else names.get(name_key(str(name)))
            if match:
                out[response] = match
                by["namn"] += 1
            else:
                close = difflib.get_close_matches(
                    name_key(str(name)), list(names), n=1, cutoff=0.75
                )
                hint = f"menade du {_display_name(close[0], names, layer)!r}?" if close else ""
                report.error("okänt_område", *table.at(response, name_col), f"områdesnamnet {name!r} känns inte igen",
                             hint or "lägg till stavningen i data/area_aliases.json eller ange områdeskod")  # fmt: skip
        elif (
            points is not None
            and x_col
            and response in points.index
            and points.at[response, "area_code"]
        ):
            out[response] = points.at[response, "area_code"]
            by["koordinater"] += 1
        elif points is not None and x_col and response in points.index:
            report.error("utanför_kommunen", *table.at(response, x_col), "punkten ligger inte i något område i Falkenbergs kommun",
                         "kontrollera koordinaterna")  # fmt: skip
        elif points is not None and x_col and response in points.attrs.get("refused", set()):
            continue  # already reported as a coordinate problem
        else:
            column = name_col or code_col or x_col or ""
            report.error("område_saknas", *table.at(response, column), "svaret saknar område",
                         "ange områdeskod, områdesnamn eller koordinater")  # fmt: skip
    report.summary.append(
        f"Placerade i område via kod: {by['kod']}, via namn: {by['namn']}, via koordinater: {by['koordinater']}"
    )
    return out


def _display_name(key: str, names: dict[str, str], layer: gpd.GeoDataFrame) -> str:
    code = names[key]
    return str(layer.loc[layer["area_code"] == code, "name"].iloc[0])


def _points(
    table: _Responses, x_col: str, y_col: str, crs: str | None, report: ImportReport
) -> pd.DataFrame:
    """Return the valid points of two coordinate columns, in EPSG:3006 (``e``, ``n``), by response.

    Problems are reported at the line of the x value; the responses refused are in
    ``attrs["refused"]``.
    """
    given = table.frame[[x_col, y_col]].dropna(how="all")
    rows, refused = [], set()
    for response, (x_text, y_text) in zip(given.index, given.itertuples(index=False), strict=True):
        if x_text is None or y_text is None:
            refused.add(int(response))
            missing = x_col if x_text is None else y_col
            report.error("koordinat", *table.at(response, missing), f"punkten ({x_text or ''}; {y_text or ''}) saknar {missing!r}",
                         "fyll i både x och y, eller lämna båda tomma")  # fmt: skip
            continue
        try:
            x, y = _number(str(x_text)), _number(str(y_text))
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError
            rows.append((int(response), x, y))
        except ValueError:
            refused.add(int(response))
            report.error("koordinat", *table.at(response, x_col), f"({x_text}, {y_text}) är inga tal",
                         "skriv koordinater med siffror")  # fmt: skip
    points = pd.DataFrame(rows, columns=["response", "x", "y"]).set_index("response")
    points["e"], points["n"] = np.nan, np.nan
    if points.empty:
        points.attrs["refused"] = refused
        return points
    kinds = classify_points(points["x"].to_numpy(), points["y"].to_numpy())
    for response, kind in zip(points.index, kinds, strict=True):
        value = f"({points.at[response, 'x']}, {points.at[response, 'y']})"
        where = table.at(response, x_col)
        if kind == "EPSG:4326-swapped":
            report.error("koordinat", *where, f"{value} ser ut som latitud och longitud i omvänd ordning",
                         "byt plats på kolumnerna")  # fmt: skip
        elif kind not in CRS_NAMES:
            report.error("koordinat", *where, f"{value} ligger inte i Sverige i något känt koordinatsystem",
                         "kontrollera koordinaterna")  # fmt: skip
        elif crs and kind != crs:
            report.error("koordinat", *where, f"{value} ser ut som {CRS_NAMES[kind]}, men filen anges vara {CRS_NAMES.get(crs, crs)}",
                         f"ange koordinatsystemet {kind}, eller rätta punkten")  # fmt: skip
    ok = np.array([k in CRS_NAMES and (not crs or k == crs) for k in kinds], dtype=bool)
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
    refused |= {int(r) for r in points.index[~valid]}
    points = points.loc[valid].copy()
    points.attrs["refused"] = refused
    return points


def _comments(table: _Responses) -> pd.Series:
    """Return the screened comment per response, with the review mark when it was flagged."""
    column = table.fields.get("comment")
    if column is None:
        return _nothing(table.frame.index)
    return pd.Series(
        [None if text is None else flag_comment(str(text), table.flags.get(int(r), ()))
         for r, text in table.frame[column].items()],
        index=table.frame.index,
        dtype=object,
    )  # fmt: skip


def _unsafe_places(
    table: _Responses, layer: gpd.GeoDataFrame, options: SurveyOptions, report: ImportReport
) -> tuple[pd.Series, pd.Series]:
    x_col, y_col = table.fields.get("unsafe_x"), table.fields.get("unsafe_y")
    xs = pd.Series(np.nan, index=table.frame.index)
    ys = pd.Series(np.nan, index=table.frame.index)
    if not x_col or not y_col:
        return xs, ys
    points = _points(table, x_col, y_col, options.crs, report)
    if points.empty:
        return xs, ys
    inside = area_codes_for_points(points["e"].to_numpy(), points["n"].to_numpy(), layer)
    for response, e, n, code in zip(points.index, points["e"], points["n"], inside, strict=True):
        if code is None:
            report.error("utanför_kommunen", *table.at(response, x_col), "den otrygga platsen ligger inte i Falkenbergs kommun",
                         "kontrollera koordinaterna")  # fmt: skip
        xs[response], ys[response] = e, n
    return xs, ys


def _report_blanks(
    table: _Responses, out: pd.DataFrame, items: dict[str, pd.Series], report: ImportReport
) -> None:
    """Blank answers are "ej svar": counted per question with their lines, never an error.

    They are stored as no answer (no item row; a NULL safety answer) and count in no n. A
    response with no answer at all is a warning by line.
    """
    if table.blanks:
        parts = [
            f"{question} {len(lines)} ({line_ranges(lines)})"
            for question, lines in table.blanks.items()
        ]
        report.summary.append(
            "Ej svar (tomt svar; räknas inte i n och sparas som obesvarat): " + "; ".join(parts)
        )
    answered = out["safety_answer"].notna()
    for answers in items.values():
        answered |= answers.notna()
    column = table.fields.get("respondent_id", "")
    for response in out.index[~answered.to_numpy()]:
        report.warnings.add(
            "inga_svar",
            Problem(report.where(*table.at(response, column)),
                    f"respondent {out.at[response, 'respondent_id']!r} har inte svarat på någon fråga",
                    "kontrollera raden; svaret sparas utan svar och räknas inte i n"),
        )  # fmt: skip
