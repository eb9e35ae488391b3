"""Survey comments that may name a person or give an address: flagged at import, kept from
everyone but the police (an attacker's view: pages of other roles and the published site)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from hypothesis import given, settings
from hypothesis import strategies as hs
from sqlalchemy import Engine, select

from geo.analysis.survey import load_comments
from geo.demo import load_demo
from geo.io.surveys import _FIRST_NAMES as FIRST_NAMES
from geo.io.surveys import (
    FLAG_ADDRESS,
    FLAG_PERSON,
    SurveyOptions,
    comment_flag,
    comment_flags,
    flag_comment,
    import_survey,
)
from geo.public.publish import publish
from geo.store.schema import survey_responses
from tests.conftest import DEMO_END, new_store
from tests.test_pages import _page


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("Anders Svensson säljer knark vid skolan", (FLAG_PERSON,)),
        ("Grannen Lisa spelar hög musik varje natt", (FLAG_PERSON,)),
        ("killen som heter Mohammed kör moped på gångvägen", (FLAG_PERSON,)),
        ("Karl Lindqvist och hans kompisar bråkar", (FLAG_PERSON,)),
        ("Han bor på Storgatan 5 lgh 1102", (FLAG_ADDRESS,)),
        ("Fest varje helg i lägenhet 3 ovanför pizzerian", (FLAG_ADDRESS,)),
        ("Skrik från Ågatan 12B på nätterna", (FLAG_ADDRESS,)),
        ("lgh 1203, port 2: dörren står alltid öppen", (FLAG_ADDRESS,)),
        ("Anna Berg på Arvidstorpsvägen 3 har sett det", (FLAG_PERSON, FLAG_ADDRESS)),
    ],
)
def test_comments_that_may_identify_someone_are_flagged(text: str, flags: tuple[str, ...]) -> None:
    assert comment_flags(text) == flags


@pytest.mark.parametrize(
    "text",
    [
        "Mörkt vid stationen",
        "Dålig belysning på Arvidstorpsvägen",  # a street without a number is a place, not an address
        "Stökigt i Falkenberg Centrum och på Västra Gärdet",  # place names are not people
        "Tröingeberg Fajans behöver fler lampor",
        "Det är tryggt i Skrea Strand på sommaren",
        "Mer polis på Stortorget efter klockan 22",
        "Ring mig, [personnummer borttaget]",
        "Ring Polisen om det händer igen",  # "-sen" is a noun's ending, not a surname's
        "RING POLISEN OM DET HÄNDER",
        "Stora Hotell är stökigt på helgerna",
        "Per person blir det dyrt",
    ],
)
def test_ordinary_comments_are_not_flagged(text: str) -> None:
    assert comment_flags(text) == ()


def test_the_review_mark_round_trips() -> None:
    stored = flag_comment("Anna Berg bor på Storgatan 5", (FLAG_ADDRESS, FLAG_PERSON))
    assert stored == "[granska: kan nämna en person och en adress] Anna Berg bor på Storgatan 5"
    assert comment_flag(stored) == "en person och en adress"
    assert flag_comment("Mörkt", ()) == "Mörkt" and comment_flag("Mörkt") is None


FLAGGED = "Grannen Anders Svensson på Storgatan 5 lgh 1102 säljer"
PLAIN = "Mörkt vid busshållplatsen i Glommen"
SURVEY = f"""svar_id;omrade;fraga;svar;kommentar
flagga1;Skrea;trygghet;3;{FLAGGED}
flagga1;Skrea;klotter;4;
flagga2;Glommen;trygghet;Mycket trygg;{PLAIN}
flagga3;Glommen;trygghet;2;Ring 811228-9874
"""


@pytest.fixture(scope="module")
def flagged_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Demo data plus a survey whose comments include one that names a person and a flat."""
    folder = tmp_path_factory.mktemp("flagged")
    engine = new_store(folder)
    load_demo(engine, years=1, seed=1, end=DEMO_END)
    path = folder / "enkat.csv"
    path.write_text(SURVEY, encoding="utf-8")
    report = import_survey(engine, path, SurveyOptions(wave="2025", imported_by="test"))
    assert report.imported, report.text()
    yield engine
    engine.dispose()


def test_import_reports_flagged_comments_by_line_and_stores_the_mark(
    flagged_store: Engine,
) -> None:
    with flagged_store.connect() as connection:
        stored = dict(
            connection.execute(
                select(survey_responses.c.respondent_id, survey_responses.c.comment).where(
                    survey_responses.c.respondent_id.like("flagga%")
                )
            ).all()
        )
    assert stored["flagga1"] == f"[granska: kan nämna en person och en adress] {FLAGGED}"
    assert stored["flagga2"] == PLAIN  # unflagged text is stored as written
    assert stored["flagga3"] == "Ring [personnummer borttaget]"
    comments = load_comments(flagged_store, "2025")
    flags = dict(zip(comments["comment"], comments["flag"], strict=True))
    assert flags[stored["flagga1"]] == "en person och en adress" and flags[PLAIN] is None


def test_a_dry_run_names_the_flagged_line(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "enkat.csv"
    path.write_text(SURVEY, encoding="utf-8")
    report = import_survey(store, path, SurveyOptions(wave="2025"), dry_run=True)
    text = report.text()
    assert (
        "enkat.csv, rad 2, kolumn 'kommentar': kommentaren kan nämna en person och en adress"
        in text
    )
    assert "rad 3, kolumn 'kommentar'" not in text and "rad 4, kolumn 'kommentar'" not in text
    assert "Personnummer borttagna ur fritext på 1 rad: 5" in text
    # The report never repeats what it flagged.
    assert "Svensson" not in text and "Storgatan" not in text


@pytest.fixture
def flagged_app(flagged_store: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(flagged_store.url))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _everything_shown(page) -> str:  # type: ignore[no-untyped-def]
    """Every text and every table cell the page rendered."""
    parts = [str(e.value) for e in (*page.markdown, *page.caption, *page.warning, *page.info,
                                    *page.error, *page.subheader, *page.header)]  # fmt: skip
    for frame in page.dataframe:
        parts.append(frame.value.to_csv())
    for component in page.get("component_instance"):
        parts.append(str(component.proto.json_args))
    return "\n".join(parts)


@pytest.mark.usefixtures("flagged_app")
def test_police_see_the_flagged_comment_with_its_mark() -> None:
    shown = _everything_shown(_page("lagesbild", "polis"))
    assert "[granska: kan nämna en person och en adress]" in shown and "Svensson" in shown


@pytest.mark.usefixtures("flagged_app")
@pytest.mark.parametrize("role", ["samverkan", "publik"])
def test_partners_and_the_public_never_see_comments_or_their_flags(role: str) -> None:
    for name in ("lagesbild", "oversikt", "uppfoljning"):
        shown = _everything_shown(_page(name, role))
        for secret in ("granska: kan nämna", "Svensson", "Storgatan", PLAIN, "busshållplatsen"):
            assert secret not in shown, (name, role, secret)


def test_the_published_site_holds_no_comment_and_no_flag(
    flagged_store: Engine, tmp_path: Path
) -> None:
    site = publish(flagged_store, tmp_path / "site", months=12, today=DEMO_END)
    files = [p for p in site.folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for secret in ("granska", "Svensson", "Storgatan", "busshållplatsen", "flagga1"):
            assert secret not in text, (path.name, secret)


# --- An attacker's sentences: names and addresses in many spellings ------------------------------

SURNAMES = ["Johansson", "Andersson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
            "Persson", "Svensson", "Gustafsson", "Lindberg", "Lindström", "Lindqvist", "Lindgren",
            "Bergström", "Lundberg", "Berglund", "Sjöberg", "Holm", "Falk", "Ali", "Ek", "Hansen",
            "Wallin", "Åberg", "Öberg", "Nyström", "Blomqvist", "Sandberg", "Dahl"]  # fmt: skip
FILLER = ["det", "är", "mörkt", "och", "stökigt", "vid", "stationen", "på", "kvällarna", "ofta",
          "många", "mopeder", "klotter", "överallt", "behövs", "mer", "ljus", "i", "området"]  # fmt: skip
PLACES = ["Skrea strand", "Glommen", "Västra Gärdet", "Falkenberg centrum", "Tröingeberg",
          "Ullared", "Stafsinge", "Vessigebro", "Skogstorp", "Slöinge", "Herting"]  # fmt: skip
STREET_BASES = [
    "Stor",
    "Ny",
    "Kyrko",
    "Skol",
    "Strand",
    "Arvidstorps",
    "Holgers",
    "Kvarn",
    "Å",
    "Ö",
]
STREET_ENDS = ["gatan", "vägen", "gränd", "torget", "stigen", "backen", "allén", "leden"]

_words = hs.lists(hs.sampled_from(FILLER), max_size=5).map(" ".join)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    first=hs.sampled_from(sorted(FIRST_NAMES)),
    last=hs.sampled_from(SURNAMES),
    case=hs.sampled_from(["title", "upper", "lower"]),
    before=_words,
    after=_words,
)
def test_a_first_and_last_name_is_always_flagged(
    first: str, last: str, case: str, before: str, after: str
) -> None:
    name = f"{first.title()} {last}"
    if case == "upper":
        name = name.upper()
    elif case == "lower":
        if not re.search(r"(sson|[^r]son|ström|qvist|kvist|berg|lund|gren|dahl|holm)$", last):
            return  # in lower case only a clear surname is a name ("per person" is not)
        name = name.lower()
    assert FLAG_PERSON in comment_flags(f"{before} {name} {after}".strip())


@settings(derandomize=True, max_examples=150, deadline=None)
@given(
    base=hs.sampled_from(STREET_BASES),
    end=hs.sampled_from(STREET_ENDS),
    number=hs.integers(min_value=1, max_value=250),
    letter=hs.sampled_from(["", "A", "b", " B"]),
    before=_words,
)
def test_a_street_with_a_number_is_always_flagged(
    base: str, end: str, number: int, letter: str, before: str
) -> None:
    assert FLAG_ADDRESS in comment_flags(f"{before} {base}{end} {number}{letter}".strip())


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    parts=hs.lists(hs.one_of(_words, hs.sampled_from(PLACES)), min_size=1, max_size=6),
    capital=hs.booleans(),
)
def test_sentences_of_ordinary_words_and_place_names_are_not_flagged(
    parts: list[str], capital: bool
) -> None:
    text = " ".join(p for p in parts if p)
    if capital:
        text = text[:1].upper() + text[1:]
    assert comment_flags(text) == ()
