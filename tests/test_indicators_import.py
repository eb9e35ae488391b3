"""Partner-indicator and survey files that cannot be read: a GeoError or a report naming file,
line, column and value, never another exception, and never anything written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from geo.errors import GeoError
from geo.io.partners import import_indicators
from geo.io.surveys import SurveyOptions, import_survey
from geo.store.database import count_rows
from tests.conftest import new_store

HEADER = "area_code;period;indicator;value;unit;source\n"
GOOD_ROW = "1382R001;2025;Klotter;14;antal;Falkenbergs kommun\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1382R001;2025;Klotter;;antal;kommunen\n",
         "indikatorer.csv, rad 2, kolumn 'value': value saknas: tom cell för värde — fyll i värde"),
        ("1382R001;2025;Klotter;1e999;antal;kommunen\n",
         "rad 2, kolumn 'value': värdet '1e999' är inget tal"),
        ("1382R001;2025;Klotter;nan;antal;kommunen\n", "rad 2, kolumn 'value': värdet 'nan' är inget tal"),
        ("1382R001;2025-13;Klotter;1;antal;kommunen\n",
         "rad 2, kolumn 'period': perioden '2025-13' går inte att läsa — skriv år (2025)"),
        ("1382R099;2025;Klotter;1;antal;kommunen\n",
         "rad 2, kolumn 'area_code': områdeskoden '1382R099' finns inte"),
        (f"1382R001;2025;{'K' * 201};1;antal;kommunen\n",
         "rad 2, kolumn 'indicator': indikator 'KKKK"),
        (f"1382R001;2025;Klotter;1;{'u' * 61};kommunen\n", "är 61 tecken — korta texten till högst 60"),
        (GOOD_ROW + GOOD_ROW, "rad 3, kolumn 'indicator': samma område, period, indikator och källa som rad 2"),
        ("1382R001;2025;Klotter;1;antal\n", "rad 2: har 5 fält, rubrikraden har 6"),
    ],
    ids=["blank-value", "overflow", "nan", "month-13", "unknown-area", "long-indicator",
         "long-unit", "duplicate", "ragged"],
)  # fmt: skip
def test_bad_indicator_rows_are_named_and_nothing_is_written(
    store: Engine, tmp_path: Path, body: str, expected: str
) -> None:
    path = tmp_path / "indikatorer.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    report = import_indicators(store, path)
    assert not report.accepted and not report.imported
    assert expected in report.text()
    assert count_rows(store, "partner_indicators") == 0


def test_many_bad_rows_are_capped_per_kind(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "indikatorer.csv"
    rows = "".join(f"1382R001;2025;Klotter {i};x{i};antal;kommunen\n" for i in range(45))
    path.write_text(HEADER + rows, encoding="utf-8")
    text = import_indicators(store, path).text()
    assert "FEL (45)" in text and "rad 21," in text and "rad 22," not in text
    assert "… och 25 till av samma slag" in text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("trasig.xlsx", b"inte en zip-fil", "kunde inte läsas som Excel-arbetsbok"),
        ("halv.xlsx", b"PK\x03\x04" + b"\x00" * 64, "kunde inte läsas som Excel-arbetsbok"),
        ("tom.csv", b"", "filen är tom"),
        ("dubbel.csv", b"area_code;period;period\n1382R001;2025;2025\n",
         "kolumnnamnet 'period' förekommer flera gånger"),
        ("nul.csv", (HEADER + GOOD_ROW).encode().replace(b"Klotter", b"Klo\x00ter"), "NUL-tecken"),
    ],
    ids=["not-a-zip", "broken-zip", "empty", "repeated-header", "nul"],
)  # fmt: skip
def test_unreadable_files_are_refused_in_swedish_by_both_importers(
    store: Engine, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    for run in (lambda: import_indicators(store, path),
                lambda: import_survey(store, path, SurveyOptions(wave="2025"))):  # fmt: skip
        try:
            report = run()
        except GeoError as error:
            assert expected in str(error) and name in str(error)
        else:
            assert not report.accepted and expected in report.text()
    assert count_rows(store, "partner_indicators") == 0
    assert count_rows(store, "survey_responses") == 0


def test_a_folder_is_not_a_file(store: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "enkat.csv"
    folder.mkdir()
    with pytest.raises(GeoError, match="är ingen fil"):
        import_indicators(store, folder)
    with pytest.raises(GeoError, match="är ingen fil"):
        import_survey(store, folder)


def test_survey_coordinate_problems_name_the_line_and_column(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "enkat.csv"
    path.write_text(
        "respondent_id;omgång;x;y;trygghet\nq1;2025;inf;nan;1\nq2;2025;;6309000;1\n"
        f"{'q' * 101};2025;348000;6309000;1\n",
        encoding="utf-8",
    )
    text = import_survey(store, path).text()
    assert "enkat.csv, rad 2, kolumn 'x': (inf, nan) är inga tal" in text
    assert "rad 3, kolumn 'x': punkten (; 6309000) saknar 'x'" in text
    assert "rad 4, kolumn 'respondent_id': respondent-id 'qqq" in text and "är 101 tecken" in text


# --- Anything at all: a GeoError or a report, never another exception ---------------------------

_HEADERS = ["area_code", "period", "indicator", "value", "unit", "source", "respondent_id",
            "omgång", "område", "trygghet", "klotter", "fraga", "svar", "x", "y", "kommentar"]  # fmt: skip
_CELL = st.one_of(
    st.sampled_from(["1382R001", "2025", "2025-Q3", "Klotter", "14", "1,5", "antal", "kommunen",
                     "Skrea", "3", "vet ej", "", "nan", "inf", "-0", "1e999", "9" * 40]),
    st.text(alphabet='abcåäö;,\t"\x00\r\n 0123456789-–\ufeff\u00a0', max_size=12),
)  # fmt: skip


@st.composite
def _garbled_files(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.sampled_from(_HEADERS), min_size=1, max_size=8))
    separator = draw(st.sampled_from([";", ",", "\t"]))
    rows = draw(st.lists(st.lists(_CELL, min_size=0, max_size=9), max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(separator.join(r) for r in [headers, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = new_store(tmp_path_factory.mktemp("fuzz"))
    yield engine
    engine.dispose()


@settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=_garbled_files())
def test_garbled_files_never_escape_as_another_exception(
    fuzz_store: Engine, tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "fil.csv"
    path.write_bytes(content)
    for run in (lambda: import_indicators(fuzz_store, path, dry_run=True),
                lambda: import_survey(fuzz_store, path, SurveyOptions(wave="2025"), dry_run=True)):  # fmt: skip
        try:
            report = run()
        except GeoError as error:
            assert "fil.csv" in str(error)
            continue
        assert not report.imported
        if not report.accepted:  # every problem says where it is
            assert all(
                line.strip().startswith(("- fil.csv", "…")) for line in report.errors.lines()
            )
    assert count_rows(fuzz_store, "imports") == 0
