"""The Gemensam lägesbild page through AppTest: per-area results with n and intervals,
suppression for samverkan, comments for polis only."""

from __future__ import annotations

import json

import pytest

from tests.test_pages import _page, app_env  # noqa: F401 - app_env is a fixture


def _texts(page) -> str:  # type: ignore[no-untyped-def]
    parts = [str(e.value) for e in (*page.markdown, *page.caption, *page.warning, *page.info)]
    return " ".join(parts)


@pytest.mark.usefixtures("app_env")
def test_police_see_areas_with_n_intervals_map_and_comments() -> None:
    page = _page("lagesbild", "polis")
    assert page.header[0].value.startswith("Gemensam lägesbild")
    table = page.dataframe[0].value
    assert len(table) == 14
    assert {"Enkätsvar (n)", "Otrygga", "95 % KI", "Bedömning", "Skadeindex"} <= set(table.columns)
    # Partner indicators carry unit, period and source in their column name.
    assert any("Region Halland" in c and "2025" in c for c in table.columns)
    # Every area with answers shows a share and an interval; the police see small areas too.
    assert (table["95 % KI"] != "–").sum() >= 12
    text = _texts(page)
    assert "Enkät 2025: n = " in text and "95 % KI" in text
    assert "justerade för att 28 test görs samtidigt" in text  # 14 areas × 2 sides, one family
    assert {"Justerat p (registrerat)", "Justerat p (upplevt)"} <= set(table.columns)
    assert "Gekås" in text and "Skrea strand" in text  # residents are the wrong denominator there
    assert "Syntetiska demodata" in text
    # The map: area classes plus aggregated clusters, never single answers.
    args = json.loads(page.get("component_instance")[0].proto.json_args)
    layers = str(args.get("feature_group"))
    for label in ("Bedömning", "Svar som pekat ut platsen"):
        assert json.dumps(label)[1:-1] in layers
    # Counts per answer are kept, "vet ej" and "går aldrig ut" as their own answers.
    answers = next(df.value for df in page.dataframe if "Vet ej" in df.value.columns)
    assert {"Mycket trygg", "Går aldrig ut", "Vet ej", "n (exkl. vet ej)"} <= set(answers.columns)
    # Free-text comments: police only, in a dataframe (text, never markdown).
    assert any("Kommentar" in df.value.columns for df in page.dataframe)


@pytest.mark.usefixtures("app_env")
def test_partners_see_small_areas_suppressed_and_no_comments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Raise the threshold so that several demo areas fall below it.
    monkeypatch.setenv("LAGESBILD_SURVEY_MIN_N", "40")
    import streamlit as st

    st.cache_resource.clear()
    page = _page("lagesbild", "samverkan")
    table = page.dataframe[0].value
    suppressed = table[table["Otrygga"] == "färre än 40 svar"]
    assert len(suppressed) >= 3
    assert suppressed["Enkätsvar (n)"].isna().all() and (suppressed["95 % KI"] == "–").all()
    assert all("Kommentar" not in df.value.columns for df in page.dataframe)
    answers = next(df.value for df in page.dataframe if "Vet ej" in df.value.columns)
    hidden = answers[answers["Dold för andra än polisen"]]
    assert len(hidden) >= 3 and hidden[["Mycket trygg", "Vet ej"]].isna().all().all()
    police = _page("lagesbild", "polis").dataframe[0].value
    shown = police.set_index("Område").loc[suppressed["Område"], "Enkätsvar (n)"]
    assert (shown < 40).all()


@pytest.mark.usefixtures("app_env")
def test_public_cannot_open_the_joint_picture() -> None:
    page = _page("lagesbild", "publik")
    assert "Sidan kan inte visas" in page.error[0].value
    assert page.dataframe.len == 0
