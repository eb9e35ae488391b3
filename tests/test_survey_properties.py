"""Property-based tests: survey files as people make them, wide and long.

Hypothesis builds files from random choices of header spelling (the codebook's aliases in upper,
lower or title case, with spaces for underscores, å/ä/ö written as a/o or decomposed), column
order, optional columns (wave, date, comment), encoding (UTF-8, UTF-8 with BOM, cp1252, UTF-16
with tabs) or an Excel workbook with numbers as numbers, separator, line endings, respondent ids
in either case, blank answers and a few corrupt rows. Each file is either imported with exactly
the expected answers, or refused with a report naming every corrupt line —
never another exception, never a half import. A fixed seed and example count keep it
deterministic and quick.
"""

from __future__ import annotations

import csv
import io
import itertools
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from geo.errors import GeoError
from geo.io.surveys import SurveyOptions, import_survey
from geo.store.database import count_rows
from geo.store.schema import survey_items, survey_responses
from tests.conftest import new_store

SAFETY = [
    ("1", "mycket_trygg"), ("Mycket trygg", "mycket_trygg"), ("ganska trygg", "ganska_trygg"),
    ("3", "ganska_otrygg"), ("MYCKET OTRYGG", "mycket_otrygg"), ("5", "går_aldrig_ut"),
    ("Går aldrig ut", "går_aldrig_ut"), ("9", "vet_ej"), ("Vet ej", "vet_ej"), (None, None),
]  # fmt: skip
ITEM = [
    ("1", "inget_problem"), ("2", "ganska_litet"), ("Ganska stort problem", "ganska_stort"),
    ("4", "mycket_stort"), ("vet inte", "vet_ej"), (None, None),
]  # fmt: skip
AREA_NAMES = [
    ("Skrea", "1382R007"), ("GLOMMEN", "1382R005"), ("Falkenberg centrum", "1382R001"),
    ("Västra gärdet", "1382R014"), ("Tröingeberg–Fajans", "1382R010"), ("ullared", "1382R011"),
]  # fmt: skip
AREA_CODES = ["1382R002", "1382R006", "1382R008"]
COMMENTS = ["Mörkt vid stationen", "Mörkt, kallt; blåsigt", "Ring mig 811228-9874", None]
ALIASES = {
    "respondent_id": ["respondent_id", "Löpnummer", "svar_id", "Respondent"],
    "wave": ["omgång", "Enkätår", "wave"],
    "answered_on": ["datum", "Svarsdatum"],
    "area_code": ["områdeskod", "RegSO"],
    "area_name": ["område", "Bostadsområde", "områdesnamn"],
    "comment": ["kommentar", "Fritext", "övrigt"],
    "safety": ["trygghet", "trygg_ute_kvall"],
    "klotter": ["klotter"],
    "fortkörning": ["fortkörning", "problem_fortkorning"],
    "question": ["fråga", "fraga", "Frågekod"],
    "answer": ["svar", "Svarskod"],
}
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16", "xlsx"]
CORRUPTIONS = ["outside_scale", "unknown_area", "ragged", "duplicate"]


def _spell(draw: st.DrawFn, alias: str, encoding: str) -> str:
    """A plausible spelling of a header: case, spaces for underscores, å/ä/ö forms, padding."""
    text = draw(st.sampled_from([alias, alias.upper(), alias.lower(), alias.title()]))
    if draw(st.booleans()):
        text = text.replace("_", " ")
    form = draw(st.sampled_from(["as is", "ascii", "decomposed"]))
    if form == "ascii":
        text = text.translate(str.maketrans("åäöÅÄÖ", "aaoAAO"))
    elif form == "decomposed" and encoding != "cp1252":  # cp1252 has no combining marks
        text = unicodedata.normalize("NFD", text)
    return draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", " "]))


@dataclass
class SurveyFile:
    """A generated file and what importing it must give."""

    content: bytes
    layout: str
    wave_option: str | None
    corrupt_lines: list[int] = field(default_factory=list)
    responses: int = 0
    safety: Counter[str] = field(default_factory=Counter)
    items: Counter[tuple[str, str]] = field(default_factory=Counter)
    description: str = ""
    file_name: str = "enkät.csv"


@st.composite
def survey_files(draw: st.DrawFn) -> SurveyFile:
    layout = draw(st.sampled_from(["wide", "long"]))
    encoding = draw(st.sampled_from(ENCODINGS))
    separator = "\t" if encoding in ("utf-16", "xlsx") else draw(st.sampled_from([";", ",", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    by_code = draw(st.booleans())
    optional = {name: draw(st.booleans()) for name in ("wave", "answered_on", "comment")}
    items = draw(st.sets(st.sampled_from(["klotter", "fortkörning"]), max_size=2))
    count = draw(st.integers(min_value=1, max_value=6))
    people = []
    for number in range(count):
        area = (
            (draw(st.sampled_from(AREA_CODES)), None)
            if by_code
            else draw(st.sampled_from(AREA_NAMES))
        )
        people.append({
            "respondent_id": f"p{number + 1}",
            "wave": "2025",
            "answered_on": draw(st.sampled_from(["2025-09-10", "11.9.2025", "2025-09-12"])),
            "area": area,
            "comment": draw(st.sampled_from(COMMENTS)),
            "safety": draw(st.sampled_from(SAFETY)),
            **{item: draw(st.sampled_from(ITEM)) for item in items},
        })  # fmt: skip
    area_field = "area_code" if by_code else "area_name"
    base = ["respondent_id", area_field] + [f for f, on in optional.items() if on]
    headers = {f: _spell(draw, draw(st.sampled_from(ALIASES[f])), encoding) for f in ALIASES}
    if layout == "wide":
        columns = draw(st.permutations([*base, "safety", *sorted(items)]))
        rows = [[_cell(p, c, area_field) for c in columns] for p in people]
        at = columns.index("respondent_id")
        for row in rows:
            if draw(st.booleans()):
                row[at] = row[at].upper()
    else:
        columns = draw(st.permutations([*base, "question", "answer"]))
        rows = []
        for p in people:
            for question in ["safety", *sorted(items)]:
                if draw(st.booleans()) or question == "safety":  # long files may omit a question
                    rows.append([_cell(p, c, area_field, question) for c in columns])
                elif p[question][1] is not None:
                    p[question] = (None, None)  # not asked: counts nowhere
        rows = draw(st.permutations(rows))
        at = columns.index("respondent_id")
        for row in rows:  # the same respondent written R1 on one row and r1 on another
            if draw(st.booleans()):
                row[at] = row[at].upper()
    spec = SurveyFile(b"", layout, None if optional["wave"] else "2025")
    spec.responses = len(people)
    spec.safety = Counter(p["safety"][1] for p in people if p["safety"][1])
    spec.items = Counter((i, p[i][1]) for p in people for i in items if p[i][1])
    rows = [list(r) for r in rows]
    # A sheet has no field separators, so a ragged row only exists in text files.
    kinds = [k for k in CORRUPTIONS if encoding != "xlsx" or k != "ragged"]
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=2, unique=True)):
        _corrupt(draw, kind, rows, columns, spec)
    header = [headers[c] for c in columns]
    if encoding == "xlsx":
        spec.content, spec.file_name = _workbook([header, *rows]), "enkät.xlsx"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=separator, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
        spec.content = buffer.getvalue().encode(encoding)
    spec.description = f"{layout} {encoding} {separator!r} {newline!r} {header}"
    return spec


def _workbook(rows: list[list[str]]) -> bytes:
    """An Excel workbook as Excel writes it: digits as numbers, empty cells empty."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([int(v) if v.isdigit() else (v or None) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(person: dict, column: str, area_field: str, question: str | None = None) -> str:  # type: ignore[type-arg]
    if column == area_field:
        return person["area"][0]
    if column == "question":
        return {"safety": "trygghet"}.get(question or "", question or "")
    if column == "answer":
        return person[question or ""][0] or ""
    value = person[column]
    return (value[0] if isinstance(value, tuple) else value) or ""


def _corrupt(
    draw: st.DrawFn, kind: str, rows: list[list[str]], columns: list[str], spec: SurveyFile
) -> None:
    """Spoil one row; the line it is on (header = line 1) must be named in the refusal."""
    target = draw(st.integers(min_value=0, max_value=len(rows) - 1))
    answer = columns.index("answer") if "answer" in columns else columns.index("safety")
    if kind == "outside_scale":
        rows[target][answer] = "7"
        spec.corrupt_lines.append(target + 2)
    elif kind == "unknown_area":
        area = columns.index("area_code") if "area_code" in columns else columns.index("area_name")
        wrong = "1382R099" if columns[area] == "area_code" else "Atlantis"
        person = rows[target][columns.index("respondent_id")]
        same = [i for i, r in enumerate(rows) if r[columns.index("respondent_id")] == person]
        for i in same:  # on every row of that respondent (one row would be a contradiction)
            rows[i][area] = wrong
        spec.corrupt_lines.append(min(same) + 2)
    elif kind == "ragged":
        rows[target] = [*rows[target], "extra"]
        spec.corrupt_lines.append(target + 2)
    else:
        rows.append(list(rows[target]))
        spec.corrupt_lines.append(len(rows) + 1)


@pytest.fixture(scope="module")
def property_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = new_store(tmp_path_factory.mktemp("properties"))
    yield engine
    engine.dispose()


_SOURCES = itertools.count(1)


def _counts(engine: Engine) -> tuple[int, int, int]:
    return (count_rows(engine, "survey_responses"), count_rows(engine, "survey_items"),
            count_rows(engine, "imports"))  # fmt: skip


@settings(
    derandomize=True,
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=survey_files())
def test_generated_survey_files_import_exactly_or_are_refused_by_line(
    property_store: Engine, tmp_path_factory: pytest.TempPathFactory, spec: SurveyFile
) -> None:
    source = f"egenskap{next(_SOURCES)}"
    path = tmp_path_factory.mktemp("fil") / spec.file_name
    path.write_bytes(spec.content)
    before = _counts(property_store)
    event(f"{spec.layout}, {'korrupt' if spec.corrupt_lines else 'giltig'}")
    event(spec.description.split(" ")[1])
    options = SurveyOptions(wave=spec.wave_option, source=source)
    try:
        report = import_survey(property_store, path, options)
    except GeoError as error:  # a refusal of the whole file must still name a line
        assert spec.corrupt_lines and "rad " in str(error), (spec.description, str(error))
        assert _counts(property_store) == before
        return
    text = report.text()
    if spec.corrupt_lines:
        assert not report.accepted and not report.imported, (spec.description, text)
        assert _counts(property_store) == before, spec.description
        for line in spec.corrupt_lines:
            where = f"{spec.file_name}, rad {line}"
            assert f"{where}," in text or f"{where}:" in text, (
                spec.description, line, text)  # fmt: skip
        return
    assert report.imported, (spec.description, text)
    assert f"format: {'långt' if spec.layout == 'long' else 'brett'}" in text
    with property_store.connect() as connection:
        safety = connection.execute(
            select(survey_responses.c.safety_answer, survey_responses.c.comment).where(
                survey_responses.c.source == source
            )
        ).all()
        items = connection.execute(
            select(survey_items.c.item, survey_items.c.answer)
            .join(survey_responses, survey_items.c.response_id == survey_responses.c.id)
            .where(survey_responses.c.source == source)
        ).all()
    assert len(safety) == spec.responses, spec.description
    assert Counter(a for a, _c in safety if a) == spec.safety, spec.description
    assert Counter((i, a) for i, a in items) == spec.items, spec.description
    assert not any("811228" in (c or "") for _a, c in safety)
    after = _counts(property_store)
    assert after[2] == before[2] + 1 and after[0] == before[0] + spec.responses
