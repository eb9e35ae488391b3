"""Survey statistics (Wilson, Newcombe, suppression, clusters) and the survey import."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from geo.analysis.survey import (
    item_shares,
    load_comments,
    load_responses,
    newcombe_difference,
    safety_by_area,
    safety_change,
    safety_overall,
    unsafe_place_clusters,
    wilson_interval,
)
from geo.commands.cli import main
from geo.io.surveys import SurveyOptions, import_survey, name_key
from geo.store.database import active_layer, count_rows
from geo.store.schema import survey_items, survey_responses
from tests.conftest import empty_store_url, store_fingerprint

# --- Statistics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),  # Wilson at 0 %: the upper bound is z²/(n+z²) = 3.8415/13.8415
        (5, 10, 0.2366, 0.7634),
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), Statistics in Medicine 17, table II
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(3, 0)
    with pytest.raises(ValueError):
        wilson_interval(4, 3)


def test_newcombe_difference_matches_published_example() -> None:
    # Newcombe (1998b), method 10: 56/70 − 48/80 = 0.200, 95 % CI 0.0524 to 0.3339.
    d, low, high = newcombe_difference(56, 70, 48, 80)
    assert (d, low, high) == pytest.approx((0.2, 0.0524, 0.3339), abs=5e-5)


def _areas() -> pd.DataFrame:
    return pd.DataFrame(
        {"area_code": ["A", "B"], "name": ["Alfa", "Beta"], "zone": ["tätort", "inland"]}
    )


def _responses(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["wave", "area_code", "safety_answer"])
    frame["unsafe_x"] = float("nan")
    frame["unsafe_y"] = float("nan")
    return frame


def test_safety_by_area_counts_categories_and_suppresses_small_areas() -> None:
    rows = [("2025", "A", "mycket_otrygg")] * 3 + [("2025", "A", "ganska_trygg")] * 5
    rows += [("2025", "A", "vet_ej")] * 2 + [("2025", "A", "går_aldrig_ut")]
    rows += [("2025", "B", "ganska_otrygg")] * 3  # n = 3: below the threshold of 5
    responses = _responses(rows)
    public = safety_by_area(responses, _areas(), "2025")
    a = public.set_index("area_code").loc["A"]
    # vet ej is its own category and not in n; går aldrig ut is in n (as in NTU).
    assert a["n"] == 9 and a["vet_ej"] == 2 and a["går_aldrig_ut"] == 1 and a["unsafe"] == 3
    assert a["share"] == pytest.approx(3 / 9)
    assert (a["low"], a["high"]) == pytest.approx(wilson_interval(3, 9))
    b = public.set_index("area_code").loc["B"]
    assert bool(b["suppressed"]) and math.isnan(b["n"]) and math.isnan(b["share"])
    assert math.isnan(b["ganska_otrygg"])  # not even the counts leave the function
    police = safety_by_area(responses, _areas(), "2025", reveal_small=True).set_index("area_code")
    assert police.loc["B", "n"] == 3 and police.loc["B", "share"] == 1.0
    assert bool(police.loc["B", "suppressed"])


def test_suppression_threshold_is_configurable() -> None:
    responses = _responses([("2025", "B", "ganska_trygg")] * 7)
    table = safety_by_area(responses, _areas(), "2025", suppress_below=8).set_index("area_code")
    assert bool(table.loc["B", "suppressed"]) and math.isnan(table.loc["B", "share"])
    table = safety_by_area(responses, _areas(), "2025", suppress_below=5).set_index("area_code")
    assert table.loc["B", "n"] == 7 and table.loc["B", "share"] == 0.0


def test_overall_share_and_change_between_waves() -> None:
    rows = [("2024", "A", "ganska_trygg")] * 48 + [("2024", "A", "mycket_otrygg")] * 32
    rows += [("2025", "A", "ganska_otrygg")] * 56 + [("2025", "A", "mycket_trygg")] * 14
    responses = _responses(rows)
    overall = safety_overall(responses, "2025")
    assert overall["n"] == 70 and overall["share"] == pytest.approx(0.8)
    change = safety_change(responses, _areas(), "2025", "2024").set_index("area_code")
    # 56/70 − 32/80 = 0.4, Newcombe's interval from the two Wilson intervals.
    assert change.loc["A", "change"] == pytest.approx(0.4)
    _d, low, high = newcombe_difference(56, 70, 32, 80)
    assert (change.loc["A", "low"], change.loc["A", "high"]) == pytest.approx((low, high))
    assert bool(change.loc["A", "significant"])
    assert math.isnan(change.loc["B", "change"])  # no answers in B


def test_item_shares_leave_out_vet_ej_and_suppress() -> None:
    items = pd.DataFrame(
        {
            "item": ["klotter"] * 6 + ["fortkörning"] * 2,
            "answer": ["mycket_stort", "ganska_stort", "ganska_litet", "inget_problem", "vet_ej",
                       "ganska_stort", "mycket_stort", "inget_problem"],
            "wave": ["2025"] * 8,
            "area_code": ["A"] * 8,
        }
    )  # fmt: skip
    table = item_shares(items, "2025").set_index("item")
    assert table.loc["klotter", "n"] == 5 and table.loc["klotter", "big"] == 3
    assert table.loc["klotter", "share"] == pytest.approx(0.6)
    assert bool(table.loc["fortkörning", "suppressed"])
    assert math.isnan(table.loc["fortkörning", "share"])


def test_unsafe_places_are_only_shown_as_clusters_of_five_or_more() -> None:
    xs = [350_010.0, 350_100, 350_200, 350_300, 350_400] + [352_010.0] * 4 + [355_000.0]
    ys = [6_310_010.0] * 5 + [6_310_010.0] * 4 + [6_310_010.0]
    responses = pd.DataFrame(
        {"wave": "2025", "area_code": "A", "safety_answer": "ganska_otrygg",
         "unsafe_x": xs, "unsafe_y": ys}
    )  # fmt: skip
    clusters, hidden = unsafe_place_clusters(responses, "2025", cell_m=500)
    assert list(clusters["count"]) == [5]
    assert hidden == 5  # four in one cell, one alone
    assert clusters.geometry.iloc[0].area == pytest.approx(500 * 500)


# --- Import -------------------------------------------------------------------------------------

GOOD = """respondent_id;omgång;område;trygghet;klotter;fortkörning;kommentar;otrygg_plats_x;otrygg_plats_y
r1;2025;Falkenberg centrum;3;4;1;Mörkt vid stationen;;
r2;2025;FALKENBERG SÖDRA;Mycket trygg;vet ej;2;;;
r3;2025;Västra Gärdet;9;1;1;Ring mig, 811228-9874;;
r4;2025;Tröingeberg–Fajans;Går aldrig ut ensam sent på kvällen;2;3;;;
r5;2025;{skrea};2;;;;;
r6;2025;Ullared;4;3;4;;12,4880;56,9060
"""


def _write(tmp_path: Path, text: str, name: str = "enkat.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_good_survey_file_imports_with_names_codes_and_categories(
    store: Engine, tmp_path: Path
) -> None:
    decomposed = unicodedata.normalize("NFD", "Skrea")  # Unicode variant of the same name
    path = _write(tmp_path, GOOD.replace("{skrea}", decomposed), encoding="cp1252")
    report = import_survey(store, path, SurveyOptions(imported_by="test"))
    assert report.accepted, report.text()
    assert report.imported and report.rows_valid == 6
    with store.connect() as connection:
        rows = {r.respondent_id: r for r in connection.execute(select(survey_responses)).all()}
    assert rows["r1"].area_code == "1382R001" and rows["r1"].safety_answer == "ganska_otrygg"
    assert rows["r2"].area_code == "1382R002" and rows["r2"].safety_answer == "mycket_trygg"
    assert rows["r3"].area_code == "1382R014" and rows["r3"].safety_answer == "vet_ej"
    assert rows["r4"].area_code == "1382R010" and rows["r4"].safety_answer == "går_aldrig_ut"
    assert rows["r5"].area_code == "1382R007"
    assert rows["r6"].area_code == "1382R011"
    # The personnummer never reaches the database; the report names the line, not the number.
    assert "811228" not in (rows["r3"].comment or "") and "borttaget" in rows["r3"].comment
    assert "811228" not in report.text() and "på 1 rad: 4" in report.text()
    # The unsafe place was given in WGS84 and is stored in SWEREF 99 TM, in the town centre.
    assert 345_000 < rows["r6"].unsafe_x < 350_000 and 6_305_000 < rows["r6"].unsafe_y < 6_312_000
    with store.connect() as connection:
        answers = dict(
            connection.execute(
                select(survey_items.c.item, survey_items.c.answer).where(
                    survey_items.c.response_id == rows["r2"].id
                )
            ).all()
        )
    assert answers == {"klotter": "vet_ej", "fortkörning": "ganska_litet"}
    comments = load_comments(store, "2025")
    assert len(comments) == 2


def _db_hash(engine: Engine) -> str:
    return store_fingerprint(engine)


def test_bad_survey_file_names_every_problem_and_writes_nothing(
    store: Engine, tmp_path: Path
) -> None:
    text = (
        "respondent_id;omgång;område;trygghet;klotter\n"
        "r1;2025;Skrea;7;1\n"  # 7 is outside the scale
        "r2;2025;Skogstorpp;1;1\n"  # misspelt name: a suggestion
        "r1;2025;Glommen;2;5\n"  # duplicate respondent, item answer outside its scale
        "r4;2025;Atlantis;2;1\n"  # no such area
        "r5;2025;;2;1\n"  # no area at all
    )
    before = _db_hash(store)
    report = import_survey(store, _write(tmp_path, text), SurveyOptions())
    assert not report.accepted and not report.imported
    message = report.text()
    assert "enkat.csv, rad 2, kolumn 'trygghet': svaret '7' finns inte i skalan" in message
    assert (
        "rad 3, kolumn 'område': områdesnamnet 'Skogstorpp' känns inte igen — menade du 'Skogstorp'?"
        in message
    )
    assert "rad 4, kolumn 'respondent_id': respondent 'r1' finns redan på rad 2" in message
    assert "rad 4, kolumn 'klotter': svaret '5' finns inte i skalan" in message
    assert "rad 5, kolumn 'område': områdesnamnet 'Atlantis'" in message
    assert "rad 6, kolumn 'område': svaret saknar område" in message
    assert count_rows(store, "survey_responses") == 0
    assert _db_hash(store) == before


def test_reimporting_the_same_respondents_is_refused(store: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("{skrea}", "Skrea"))
    assert import_survey(store, path).imported
    again = import_survey(store, path)
    assert not again.accepted
    assert "respondent 'r1' i omgång 2025 är redan importerad" in again.text()
    assert count_rows(store, "survey_responses") == 6


def test_missing_columns_and_wave_are_file_level_errors(store: Engine, tmp_path: Path) -> None:
    report = import_survey(store, _write(tmp_path, "respondent_id;trygghet\nr1;1\n"))
    text = report.text()
    assert "filen saknar område" in text and "ange --wave" in text
    with_wave = _write(tmp_path, "respondent_id;trygghet;områdeskod\nr1;1;1382R005\n", "b.csv")
    report = import_survey(store, with_wave, SurveyOptions(wave="2024"))
    assert report.imported
    assert load_responses(store)["wave"].tolist() == ["2024"]


def test_coordinates_place_a_response_and_wrong_crs_is_named(store: Engine, tmp_path: Path) -> None:
    text = "respondent_id;omgång;x;y;trygghet\nr1;2025;348000;6309000;1\nr2;2025;6309000;348000;1\n"
    report = import_survey(store, _write(tmp_path, text))
    assert not report.accepted
    assert "rad 3, kolumn 'x'" in report.text() and "inte i Sverige" in report.text()
    fixed = _write(
        tmp_path, "respondent_id;omgång;x;y;trygghet\nr1;2025;348000;6309000;1\n", "c.csv"
    )
    report = import_survey(store, fixed)
    assert report.imported, report.text()
    _info, layer = active_layer(store)
    assert load_responses(store)["area_code"].iloc[0] in set(layer["area_code"])


def test_name_key_ignores_case_dashes_and_unicode_form() -> None:
    assert (
        name_key("Tröingeberg–Fajans")
        == name_key("tröingeberg-fajans")
        == name_key(unicodedata.normalize("NFD", "TRÖINGEBERG FAJANS"))
    )


def test_cli_imports_survey_and_refuses_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", empty_store_url(tmp_path, "cli.db"))
    good = _write(tmp_path, GOOD.replace("{skrea}", "Skrea"))
    assert main(["import", "survey", str(good), "--dry-run"]) == 0
    assert "Provkörning: 6 enkätsvar" in capsys.readouterr().out
    assert main(["import", "survey", str(good)]) == 0
    bad = _write(tmp_path, "respondent_id;omgång;område;trygghet\nx;2025;Skrea;8\n", "bad.csv")
    assert main(["import", "survey", str(bad)]) == 2
    assert "svaret '8' finns inte i skalan" in capsys.readouterr().out


def test_demo_survey_has_area_differences_places_and_indicators(demo_store: Engine) -> None:
    responses = load_responses(demo_store)
    assert responses["synthetic"].all()
    _info, layer = active_layer(demo_store)
    zone = responses["area_code"].map(dict(zip(layer["area_code"], layer["zone"], strict=True)))
    answered = responses[responses["safety_answer"] != "vet_ej"]
    unsafe = answered["safety_answer"].isin(["ganska_otrygg", "mycket_otrygg"])
    by_zone = unsafe.groupby(zone[answered.index] == "tätort").mean()
    # The demo makes the town feel less safe than the countryside (about 0.25 against 0.15).
    assert by_zone[True] > by_zone[False] + 0.05
    assert responses["unsafe_x"].notna().sum() > 20
    clusters, _hidden = unsafe_place_clusters(responses, "2025")
    assert len(clusters) >= 1 and clusters["count"].min() >= 5
    assert count_rows(demo_store, "partner_indicators") > 0


def test_the_same_respondent_id_in_two_waves_keeps_its_items_apart(
    store: Engine, tmp_path: Path
) -> None:
    text = "respondent_id;omgång;områdeskod;trygghet;klotter\nr1;2024;1382R005;1;1\nr1;2025;1382R005;4;4\n"
    assert import_survey(store, _write(tmp_path, text)).imported
    with store.connect() as connection:
        rows = connection.execute(
            select(survey_responses.c.wave, survey_items.c.answer).join(
                survey_items, survey_items.c.response_id == survey_responses.c.id
            )
        ).all()
    assert sorted(rows) == [("2024", "inget_problem"), ("2025", "mycket_stort")]


def test_survey_from_excel_with_numeric_codes(store: Engine, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Löpnummer", "Enkätår", "RegSO", "Trygghet", "Klotter"])
    sheet.append([101, 2025, "1382R005", 4, 3])  # numbers as Excel stores them
    sheet.append([102, 2025, "1382R005", 9, 9])
    path = tmp_path / "enkat.xlsx"
    book.save(path)
    report = import_survey(store, path)
    assert report.imported, report.text()
    responses = load_responses(store).sort_values("id")
    assert responses["safety_answer"].tolist() == ["mycket_otrygg", "vet_ej"]
    assert responses["area_code"].tolist() == ["1382R005", "1382R005"]


def test_missing_survey_values_are_stored_as_null_on_every_database(demo_store: Engine) -> None:
    """pandas' NaN must reach the store as NULL (PostgreSQL would keep the text 'NaN' and NaN)."""
    from sqlalchemy import func, or_, select

    from geo.store.schema import survey_responses as responses

    with demo_store.connect() as connection:
        texts = connection.execute(
            select(func.count()).where(
                or_(responses.c.comment == "NaN", responses.c.comment == "nan")
            )
        ).scalar()
        empty = connection.execute(
            select(func.count()).where(responses.c.comment.is_(None))
        ).scalar()
        points = (
            connection.execute(
                select(responses.c.unsafe_x).where(responses.c.unsafe_x.is_not(None))
            )
            .scalars()
            .all()
        )
    assert texts == 0 and empty and empty > 0
    assert all(x == x for x in points)  # no NaN pretends to be a place
