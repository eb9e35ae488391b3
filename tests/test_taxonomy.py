"""The taxonomy: every polisen.se type of FACTS §2 is known, weights carry their basis."""

import pytest

from geo.taxonomy import fold, load_taxonomy, normalise_text

POLISEN_TYPES = [
    "Misshandel", "Misshandel grov", "Stöld", "Stöld ringa", "Inbrott", "Skadegörelse",
    "Narkotikabrott", "Rattfylleri", "Trafikolycka", "Trafikbrott", "Brand", "Bråk", "Ordningslagen",
    "Olaga hot", "Rån", "Bedrägeri", "Fylleri/LOB", "Ofredande/förargelse", "Vapenlagen", "Knivlagen",
    "Skottlossning", "Detonation", "Våld/hot mot tjänsteman", "Olovlig körning", "Övrigt",
]  # fmt: skip


@pytest.mark.parametrize("name", POLISEN_TYPES)
def test_every_common_polisen_type_is_classified(name: str) -> None:
    assert load_taxonomy().classify(name) is not None


@pytest.mark.parametrize(
    ("name", "weight"),
    [
        ("Mord/dråp", 122),
        ("Våldtäkt", 25),
        ("Skottlossning", 20),
        ("Bedrägeri", 5),
        ("Stöld", 2),
        ("Narkotikabrott", 1),
    ],
)
def test_harm_weights_from_the_crime_harm_index(name: str, weight: float) -> None:
    event_type = load_taxonomy().type_named(name)
    assert event_type.harm_weight == weight
    assert "brottsskadeindex" in event_type.harm_basis


def test_every_weight_has_a_basis_and_police_initiated_types_are_marked() -> None:
    taxonomy = load_taxonomy()
    assert all(t.harm_basis for t in taxonomy.types)
    assert taxonomy.type_named("Narkotikabrott").police_initiated
    assert taxonomy.type_named("Rattfylleri").police_initiated
    assert not taxonomy.type_named("Misshandel").police_initiated


def test_double_spaces_zero_width_and_case_are_normalised() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.classify("Rån,  försök").name == "Rån, försök"  # type: ignore[union-attr]
    assert taxonomy.classify("mis\u200bshandel  GROV").name == "Misshandel grov"  # type: ignore[union-attr]
    assert normalise_text("  a\u00a0 b ") == "a b"
    assert fold("Västra Gärdet") == fold("västra gärdet") == "vastra gardet"


def test_aliases_map_to_real_types() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.classify("LOB").name == "Fylleri/LOB"  # type: ignore[union-attr]
    assert taxonomy.classify("snatteri").name == "Stöld ringa"  # type: ignore[union-attr]
    assert taxonomy.classify("Cykelstöld i månsken") is None


@pytest.mark.parametrize(
    "raw", ["Sammanfattning natt", "Sammanfattning  kväll och natt", "sammanfattning helg"]
)
def test_summaries_are_not_incidents(raw: str) -> None:
    assert load_taxonomy().is_summary(raw)


@pytest.mark.parametrize("raw", ["", " ", "NULL", "-", "okänd", "Okänd", None])
def test_missing_values_are_missing_not_ovrigt(raw: str | None) -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.is_missing(raw)
    assert not taxonomy.is_missing("Övrigt")


def test_sensitive_groups_are_flagged() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.group("sexualbrott").sensitive
    assert not taxonomy.group("egendom").sensitive
