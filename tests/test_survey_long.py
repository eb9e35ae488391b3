"""Survey files in long layout (one row per respondent and question) and the 1–5 codebook.

Every check a wide file gets applies, and every message cites the line of the original file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from geo.analysis.survey import load_responses
from geo.commands.cli import main
from geo.errors import GeoError, SchemaError
from geo.io.surveys import (
    CODEBOOK_PATH,
    SurveyOptions,
    available_codebooks,
    import_survey,
    load_codebook,
)
from geo.store.database import count_rows
from geo.store.schema import survey_items, survey_responses
from tests.conftest import empty_store_url

CODEBOOK_1_5 = CODEBOOK_PATH.with_name("survey_codebook_1_5.json")

LONG = """svar_id;omrade;fraga;svar;datum;kommentar
a1;Skrea;trygghet;3;2025-09-10;
a1;Skrea;klotter;4;2025-09-10;
a1;Skrea;fortkörning;;2025-09-10;
a2;Glommen;trygghet;Mycket trygg;2025-09-11;Mörkt vid busshållplatsen
a2;Glommen;klotter;vet ej;2025-09-11;
a3;Skogstorp;klotter;1;2025-09-12;
"""


def _write(tmp_path: Path, text: str, name: str = "enkat_lang.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _stored(store: Engine) -> dict[str, tuple[str | None, str | None, dict[str, str]]]:
    with store.connect() as connection:
        responses = connection.execute(select(survey_responses)).all()
        items = connection.execute(select(survey_items)).all()
    per_response: dict[int, dict[str, str]] = {}
    for item in items:
        per_response.setdefault(item.response_id, {})[item.item] = item.answer
    return {
        r.respondent_id: (r.area_code, r.safety_answer, per_response.get(r.id, {}))
        for r in responses
    }


def test_long_file_is_detected_and_imported_per_respondent(store: Engine, tmp_path: Path) -> None:
    report = import_survey(store, _write(tmp_path, LONG), SurveyOptions(wave="2025"))
    assert report.imported, report.text()
    text = report.text()
    assert "format: långt" in text
    assert "Importerat (import" in text and ": 3 enkätsvar." in text
    assert "Lästa rader: 6; giltiga: 6" in text
    stored = _stored(store)
    assert stored == {
        "a1": ("1382R007", "ganska_otrygg", {"klotter": "mycket_stort"}),
        "a2": ("1382R005", "mycket_trygg", {"klotter": "vet_ej"}),
        "a3": ("1382R006", None, {"klotter": "inget_problem"}),
    }
    # The blank answer is counted as "ej svar" with its line, and not stored.
    assert (
        "Ej svar (tomt svar; räknas inte i n och sparas som obesvarat): fortkörning 1 (4)" in text
    )
    with store.connect() as connection:
        days = dict(
            connection.execute(
                select(survey_responses.c.respondent_id, survey_responses.c.answered_on)
            ).all()
        )
    assert {r: str(d) for r, d in days.items()} == {
        "a1": "2025-09-10", "a2": "2025-09-11", "a3": "2025-09-12"
    }  # fmt: skip
    assert load_responses(store)["wave"].tolist() == ["2025"] * 3


def test_long_file_with_a_wave_column_and_dates_is_stored_with_its_dates(
    store: Engine, tmp_path: Path
) -> None:
    text = "respondent;omgång;områdeskod;fråga;svar;svarsdatum\n"
    text += "r1;2024;1382R005;trygghet;1;2024-09-02\nr1;2024;1382R005;klotter;2;2024-09-02\n"
    text += "r1;2025;1382R005;trygghet;4;2025-09-03\n"  # the same person a year later
    report = import_survey(store, _write(tmp_path, text))
    assert report.imported, report.text()
    with store.connect() as connection:
        rows = connection.execute(
            select(survey_responses.c.wave, survey_responses.c.safety_answer,
                   survey_responses.c.answered_on).order_by(survey_responses.c.wave)
        ).all()  # fmt: skip
    assert [(w, a, str(d)) for w, a, d in rows] == [
        ("2024", "mycket_trygg", "2024-09-02"),
        ("2025", "mycket_otrygg", "2025-09-03"),
    ]


def test_long_file_problems_name_the_line_of_the_original_file(
    store: Engine, tmp_path: Path
) -> None:
    text = (
        "svar_id;omrade;fraga;svar\n"
        "a1;Skrea;trygghet;7\n"  # line 2: outside the scale
        "a1;Skrea;klotter;1\n"
        "a1;Skrea;klotter;2\n"  # line 4: the same question twice
        "a2;Glommen;trygghet;1\n"
        "a2;Skrea;klotter;1\n"  # line 6: another area for the same respondent
        "a3;Skogstorpp;trygghet;1\n"  # line 7: misspelt area, with a suggestion
        "a4;Glommen;klotterr;1\n"  # line 8: unknown question, with a suggestion
        ";Glommen;trygghet;1\n"  # line 9: no respondent
        "a5;Glommen;;1\n"  # line 10: no question
        "a6;Glommen;klotter;5\n"  # line 11: item answer outside its scale
    )
    report = import_survey(store, _write(tmp_path, text), SurveyOptions(wave="2025"))
    assert not report.accepted and not report.imported
    message = report.text()
    assert (
        "enkat_lang.csv, rad 2, kolumn 'svar': svaret '7' på frågan 'trygghet' finns inte i skalan"
        in message
    )
    assert (
        "rad 4, kolumn 'fraga': respondent 'a1' har redan svarat på frågan 'klotter' på rad 3"
        in message
    )
    assert (
        "rad 6, kolumn 'omrade': respondent 'a2' har område 'Skrea' här men 'Glommen' på rad 5"
        in message
    )
    assert (
        "rad 7, kolumn 'omrade': områdesnamnet 'Skogstorpp' känns inte igen — menade du 'Skogstorp'?"
        in message
    )
    assert (
        "rad 8, kolumn 'fraga': frågan 'klotterr' finns inte i kodboken 'standard' — menade du 'klotter'?"
        in message
    )
    assert "rad 9, kolumn 'svar_id': respondent saknas" in message
    assert "rad 10, kolumn 'fraga': frågan saknas" in message
    assert "rad 11, kolumn 'svar': svaret '5' på frågan 'klotter' finns inte i skalan" in message
    assert count_rows(store, "survey_responses") == 0 and count_rows(store, "survey_items") == 0


def test_a_long_file_already_imported_is_refused_at_the_respondents_first_line(
    store: Engine, tmp_path: Path
) -> None:
    path = _write(tmp_path, LONG)
    assert import_survey(store, path, SurveyOptions(wave="2025")).imported
    again = import_survey(store, path, SurveyOptions(wave="2025"))
    assert not again.accepted
    assert (
        "rad 5, kolumn 'svar_id': respondent 'a2' i omgång 2025 är redan importerad" in again.text()
    )
    assert count_rows(store, "survey_responses") == 3


def test_differing_dates_of_one_respondent_warn_and_keep_the_first(
    store: Engine, tmp_path: Path
) -> None:
    text = "svar_id;omrade;fraga;svar;datum\na1;Skrea;trygghet;1;2025-09-10 23:58\na1;Skrea;klotter;1;2025-09-11 00:03\n"
    report = import_survey(store, _write(tmp_path, text), SurveyOptions(wave="2025"))
    assert report.imported, report.text()
    assert (
        "rad 3, kolumn 'datum': respondent 'a1' har svarsdatum '2025-09-11 00:03' här"
        in report.text()
    )
    with store.connect() as connection:
        (day,) = connection.execute(select(survey_responses.c.answered_on)).one()
    assert str(day) == "2025-09-10"


def test_layout_can_be_forced_and_ambiguous_files_say_so(store: Engine, tmp_path: Path) -> None:
    both = "svar_id;omrade;fraga;svar;trygghet\na1;Skrea;klotter;1;2\n"
    report = import_survey(store, _write(tmp_path, both), SurveyOptions(wave="2025"))
    assert not report.accepted
    assert "formatet går inte att avgöra" in report.text() and "--layout long" in report.text()
    as_long = import_survey(
        store, _write(tmp_path, both), SurveyOptions(wave="2025", layout="long")
    )
    assert as_long.imported, as_long.text()
    assert _stored(store)["a1"] == ("1382R007", None, {"klotter": "inget_problem"})
    wide_only = "svar_id;omrade;trygghet\nb1;Skrea;2\n"
    forced = import_survey(
        store, _write(tmp_path, wide_only, "w.csv"), SurveyOptions(wave="2025", layout="long")
    )
    assert "långt format kräver en kolumn 'fraga'" in forced.text()
    long_as_wide = import_survey(
        store, _write(tmp_path, LONG, "l.csv"), SurveyOptions(wave="2025", layout="wide")
    )
    assert "filen ser ut att ha långt format (en rad per respondent och fråga): välj long" in (
        long_as_wide.text()
    )
    with pytest.raises(GeoError, match="Formatet 'lång' finns inte"):
        import_survey(store, _write(tmp_path, wide_only, "w.csv"), SurveyOptions(layout="lång"))


def test_the_1_5_codebook_reads_tool_keys_and_its_own_scale(store: Engine, tmp_path: Path) -> None:
    text = "svar_id;omrade;fraga;svar\n"
    text += "t1;Skrea;F1;5\nt1;Skrea;F2_5;1\nt1;Skrea;F2_1;5\nt1;Skrea;F3;Mörkt vid stranden\n"
    text += "t2;Glommen;F1;2\nt2;Glommen;F2_5;4\n"
    options = SurveyOptions(wave="2025", codebook=CODEBOOK_1_5)
    report = import_survey(store, _write(tmp_path, text), options)
    assert report.imported, report.text()
    assert "Kodbok: trygghetsmätning 1–5" in report.text()
    stored = _stored(store)
    # 5 = går aldrig ut for safety; for problems 1 = mycket stort, 4 = inget problem, 5 = vet ej.
    assert stored["t1"] == (
        "1382R007",
        "går_aldrig_ut",
        {"klotter": "mycket_stort", "fortkörning": "vet_ej"},
    )
    assert stored["t2"] == ("1382R005", "ganska_trygg", {"klotter": "inget_problem"})
    with store.connect() as connection:
        comments = connection.execute(select(survey_responses.c.comment)).scalars().all()
    assert "Mörkt vid stranden" in comments
    # NTU's 9 = vet ej is not on this scale: refused, not guessed.
    bad = import_survey(
        store, _write(tmp_path, "svar_id;omrade;fraga;svar\nt9;Skrea;F1;9\n", "b.csv"), options
    )
    assert (
        "svaret '9' på frågan 'F1' finns inte i skalan — använd koderna 1, 2, 3, 4, 5, vet ej"
        in bad.text()
    )


def test_the_same_wide_file_reads_differently_with_the_two_codebooks(
    store: Engine, tmp_path: Path
) -> None:
    text = "respondent_id;omgång;områdeskod;klotter\nr1;2025;1382R005;1\n"
    assert import_survey(store, _write(tmp_path, text)).imported
    assert import_survey(
        store, _write(tmp_path, text), SurveyOptions(codebook=CODEBOOK_1_5, source="verktyg")
    ).imported
    with store.connect() as connection:
        rows = dict(
            connection.execute(
                select(survey_responses.c.source, survey_items.c.answer).join(
                    survey_items, survey_items.c.response_id == survey_responses.c.id
                )
            ).all()
        )
    assert rows == {"medborgarenkät": "inget_problem", "verktyg": "mycket_stort"}


def test_shipped_codebooks_load_and_broken_ones_are_refused(tmp_path: Path) -> None:
    books = available_codebooks()
    assert list(books) == ["standard", "trygghetsmätning 1–5"]
    assert load_codebook(books["trygghetsmätning 1–5"]).question_targets()["f2_5"] == "klotter"
    broken = tmp_path / "kodbok.json"
    broken.write_text('{"questions": {"F9": "trivsel"}}', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"questions\['F9'\] = 'trivsel'"):
        load_codebook(broken)
    broken.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(SchemaError, match="JSON-objekt"):
        load_codebook(broken)
    broken.write_bytes(b"\xff\xfe{")
    with pytest.raises(SchemaError, match="kunde inte läsas"):
        load_codebook(broken)


def test_cli_takes_the_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", empty_store_url(tmp_path, "cli.db"))
    both = _write(tmp_path, "svar_id;omrade;fraga;svar;trygghet\na1;Skrea;klotter;1;2\n")
    assert main(["import", "survey", str(both), "--wave", "2025"]) == 2
    assert "formatet går inte att avgöra" in capsys.readouterr().out
    assert main(["import", "survey", str(both), "--wave", "2025", "--layout", "wide"]) == 0
    assert "format: brett" in capsys.readouterr().out


def test_respondent_ids_are_compared_trimmed_and_case_folded(store: Engine, tmp_path: Path) -> None:
    text = "svar_id;omrade;fraga;svar\nA1;Skrea;trygghet;1\na1;Skrea;klotter;2\n"
    report = import_survey(store, _write(tmp_path, text), SurveyOptions(wave="2025"))
    assert report.imported, report.text()
    assert _stored(store) == {"A1": ("1382R007", "mycket_trygg", {"klotter": "ganska_litet"})}
    wide = "respondent_id;omgång;område;trygghet\nb7;2025;Skrea;1\nB7;2025;Skrea;2\n"
    refused = import_survey(store, _write(tmp_path, wide, "w.csv"))
    assert "rad 3, kolumn 'respondent_id': respondent 'B7' finns redan på rad 2" in refused.text()
    again = import_survey(
        store, _write(tmp_path, "respondent_id;omgång;område;trygghet\na1;2025;Skrea;1\n", "x.csv")
    )
    assert "respondent 'a1' i omgång 2025 är redan importerad" in again.text()


def test_long_survey_from_excel_with_numbers_as_excel_stores_them(
    store: Engine, tmp_path: Path
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SvarID", "Enkätår", "RegSO", "Fråga", "Svar"])
    sheet.append([101, 2025, "1382R005", "trygghet", 4])
    sheet.append([101, 2025, "1382R005", "klotter", 3])
    sheet.append([102, 2025, "1382R005", "trygghet", 9])
    sheet.append([102, 2025, "1382R005", "klotter", None])  # ej svar
    path = tmp_path / "enkat.xlsx"
    book.save(path)
    report = import_survey(store, path)
    assert report.imported, report.text()
    assert "format: långt" in report.text() and "klotter 1 (5)" in report.text()
    assert _stored(store) == {
        "101": ("1382R005", "mycket_otrygg", {"klotter": "ganska_stort"}),
        "102": ("1382R005", "vet_ej", {}),
    }


def test_long_file_places_by_coordinates_and_unsafe_places_must_agree_per_respondent(
    store: Engine, tmp_path: Path
) -> None:
    header = "svar_id;x;y;otrygg_plats_x;otrygg_plats_y;fraga;svar\n"
    good = header + (
        "c1;348000;6309000;12,4880;56,9060;trygghet;3\n"
        "c1;348000,0;6309000;12,4880;56,9060;klotter;2\n"  # the same point, written otherwise
    )
    report = import_survey(store, _write(tmp_path, good), SurveyOptions(wave="2025"))
    assert report.imported, report.text()
    with store.connect() as connection:
        row = connection.execute(select(survey_responses)).one()
    assert row.area_code is not None and 345_000 < row.unsafe_x < 350_000
    bad = header + (
        "c2;348000;6309000;12,4880;56,9060;trygghet;3\n"
        "c2;348000;6309000;12,5000;56,9060;klotter;2\n"
    )
    refused = import_survey(store, _write(tmp_path, bad, "b.csv"), SurveyOptions(wave="2025"))
    assert (
        "b.csv, rad 3, kolumn 'otrygg_plats_x': respondent 'c2' har otrygg plats x '12,5000' här "
        "men '12,4880' på rad 2" in refused.text()
    )
