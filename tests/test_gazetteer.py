import pytest
from sqlalchemy import Engine

from geo.areas.gazetteer import area_for_text, find_places
from geo.store.database import active_layer


@pytest.mark.parametrize(
    ("text", "code"),
    [("Inbrott i en villa i Slöinge.", "1382R008"), ("Bråk på Skrea strand under natten.", "1382R007"),
     ("Stöld i VÄSTRA GÄRDET", "1382R014"), ("Brand i Ljungby", "1382R013"), ("Misshandel i Glommen", "1382R005"),
     ("Rån i Ullared", "1382R011"), ("Inbrott i Kristineslätt och Herting", "1382R002")],
)  # fmt: skip
def test_one_place_one_area(store: Engine, text: str, code: str) -> None:
    _info, layer = active_layer(store)
    assert area_for_text(text, layer) == code


@pytest.mark.parametrize(
    "text",
    ["Misshandel i Falkenberg.", "Person i Ätran, räddningstjänst larmad.", "Båt på Fegen",
     "Stöld i Ullared, bilen hittad i Vessigebro.", "Trafikolycka på E6.", "Slöingegatan"],
    ids=["whole-town", "river", "lake", "two-areas", "no-place", "part-of-a-word"],
)  # fmt: skip
def test_ambiguous_or_no_place_is_not_placed(store: Engine, text: str) -> None:
    _info, layer = active_layer(store)
    assert area_for_text(text, layer) is None


def test_longest_name_wins_and_original_spelling_is_kept() -> None:
    assert [p.name for p in find_places("Långasand och Ugglarp")] == ["Långasand och Ugglarp"]
    assert [p.name for p in find_places("skrea strand")] == ["Skrea strand"]
