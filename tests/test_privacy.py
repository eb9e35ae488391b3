"""The public export's disclosure control: suppression, the audit, and the guard under attack.

Every attempt to leak something must make the guard refuse, naming the cell and the rule, and
nothing may be written then.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from geo.commands.cli import main
from geo.io.ingest import ImportOptions, import_incidents
from geo.presence.log import create_entry
from geo.public.privacy import (
    PERIOD,
    PRIMARY,
    SECONDARY,
    SENSITIVE,
    TOTAL,
    VISIBLE,
    WITHHELD,
    AreaTable,
    PriorRelease,
    PrivacyBreach,
    Rules,
    audit,
    count_tables,
    guard,
    last_closed_month,
    load_rules,
    month_range,
    protect,
    shown_value,
)
from geo.public.publish import build, forbidden_texts, publish
from geo.store.database import active_layer

RULES = Rules(sensitive_types=("Våld i nära relation",))
TODAY = dt.date(2026, 1, 15)
CENTRE = (347000, 6309800)  # Falkenberg centrum (built-in layer)
ULLARED = (362198, 6335363)  # Ullared-Inland


def _table(values: list[list[int]], rows: list[str], months: int) -> AreaTable:
    cols = [f"2025-{m:02d}" for m in range(1, months + 1)] + [PERIOD]
    grid = np.array(values, dtype=np.int64)
    full = np.zeros((len(rows) + 1, months + 1), dtype=np.int64)
    full[: len(rows), :months] = grid
    full[len(rows), :months] = grid.sum(axis=0)
    full[:, months] = full[:, :months].sum(axis=1)
    return AreaTable("A", [*rows, TOTAL], cols, full)


# --- Months -------------------------------------------------------------------------------------


def test_only_closed_whole_months() -> None:
    assert last_closed_month(dt.date(2026, 11, 27)) == "2026-10"
    assert last_closed_month(dt.date(2026, 1, 1)) == "2025-12"
    assert month_range("2026-02", 3) == ("2025-12", "2026-01", "2026-02")


def test_rules_cannot_go_below_five(tmp_path: Path) -> None:
    from geo.errors import ConfigError

    path = tmp_path / "privacy.json"
    path.write_text(json.dumps({"min_count": 3}), encoding="utf-8")
    with pytest.raises(ConfigError, match="under 5"):
        load_rules(path)


# --- Suppression and the audit on hand-made tables ----------------------------------------------


def test_a_total_minus_visible_cells_is_caught_and_protect_fixes_it() -> None:
    # One month: vald 2 (<5), egendom 9, trafik 7, no sensitive; the total 18 is visible.
    table = _table([[2], [9], [7], [0]], ["vald", "egendom", "trafik", SENSITIVE], 1)
    table.status[0, 0] = PRIMARY
    table.status[3, :] = 3  # the sensitive row is never shown
    table.status[0, 1] = PRIMARY  # the period column too (same value)
    breaches = audit(table, RULES)
    assert breaches and breaches[0].row == "vald"  # 18 − 9 − 7 = 2
    fresh = _table([[2], [9], [7], [0]], ["vald", "egendom", "trafik", SENSITIVE], 1)
    protect(fresh, RULES)
    assert audit(fresh, RULES) == []
    assert (fresh.status == SECONDARY).any()  # a second cell was hidden to protect the first
    hidden_values = fresh.values[fresh.status == SECONDARY]
    assert (hidden_values >= 5).all()  # only cells of at least 5 are hidden as "dold"


def test_overlapping_periods_are_caught() -> None:
    # Egendom: 3 in January (<5), 8 and 6 later; the twelve-month value 17 would give it away.
    table = _table([[3, 8, 6], [9, 9, 9], [0, 0, 0]], ["egendom", "trafik", SENSITIVE], 3)
    table.status[2, :] = 3
    table.status[0, 0] = PRIMARY
    table.status[1, 0] = SECONDARY  # protects the column, but not the row
    breaches = audit(table, RULES)
    assert any(b.row == "egendom" and b.col == "2025-01" for b in breaches)
    message = breaches[0].describe()
    assert "kan räknas ut" in message and "sekundär röjandekontroll" in message


def test_small_totals_withhold_the_breakdown() -> None:
    # A month with four single incidents: each "<5" in a total of "<5" can only be 1.
    table = _table(
        [[1], [1], [1], [1], [0]], ["vald", "egendom", "trafik", "ordning", SENSITIVE], 1
    )
    protect(table, RULES)
    assert table.status[table.index(TOTAL, "2025-01")] == PRIMARY
    assert all(table.status[i, 0] == WITHHELD for i in range(4))
    assert audit(table, RULES) == []


def test_sensitive_offences_stay_hidden_inside_the_total() -> None:
    # One sexual offence in March among 12 thefts and 6 traffic offences.
    table = _table([[10, 12, 11], [6, 6, 7], [0, 1, 0]], ["egendom", "trafik", SENSITIVE], 3)
    table.status[2, :] = 3
    # All categories visible: total − categories = 1 gives the offence away.
    assert [b.row for b in audit(table, RULES)] == [SENSITIVE, SENSITIVE]  # March and the period
    fixed = _table([[10, 12, 11], [6, 6, 7], [0, 1, 0]], ["egendom", "trafik", SENSITIVE], 3)
    protect(fixed, RULES)
    assert audit(fixed, RULES) == []
    assert fixed.status[0, 1] == SECONDARY and fixed.status[0, 3] == SECONDARY  # the shield


# --- The guard on real publications -------------------------------------------------------------


def _import(engine: Engine, folder: Path, rows: list[str]) -> None:
    path = folder / "handelser.csv"
    path.write_text("id;tidpunkt;typ;x;y;beskrivning\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = import_incidents(engine, path, ImportOptions(imported_by="test"))
    assert report.imported, report.text()


@pytest.fixture
def small_store(store: Engine, tmp_path: Path) -> Engine:
    """A few hundred incidents: plenty in the centre, one alone in Ullared in March, one sexual
    offence, and a description with a personnummer; plus a presence entry."""
    rows = []
    for month in range(1, 13):
        for k in range(12):
            rows.append(
                f"C{month}-{k};2025-{month:02d}-{k + 2:02d}T12:00:00+01:00;Stöld;{CENTRE[0] + k};{CENTRE[1]};"
            )
        for k in range(6):
            rows.append(
                f"T{month}-{k};2025-{month:02d}-{k + 2:02d}T15:00:00+01:00;Trafikbrott;{CENTRE[0]};{CENTRE[1] + k};"
            )
    rows.append(
        f"U1;2025-03-14T02:00:00+01:00;Stöld;{ULLARED[0]};{ULLARED[1]};Anmälare 811228-9874 hörd"
    )
    rows.append(f"S1;2025-05-10T01:00:00+02:00;Våldtäkt;{CENTRE[0]};{CENTRE[1]};")
    _import(store, tmp_path, rows)
    _info, layer = active_layer(store)
    create_entry(
        store,
        {"area_code": "1382R011", "planned_start": dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC),
         "planned_end": dt.datetime(2025, 6, 1, 11, tzinfo=dt.UTC), "unit": "Piket Ullared 7",
         "kind": "bilpatrull", "purpose": "Hemlig insats vid Gekås"},
        who="test", area_codes=set(layer["area_code"]),
    )  # fmt: skip
    return store


def test_publish_writes_a_guarded_site(small_store: Engine, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site = publish(small_store, out, months=12, today=TODAY)
    assert (site.first_month, site.last_month) == ("2025-01", "2025-12")
    texts = "".join(
        p.read_text(encoding="utf-8-sig")
        for p in out.rglob("*")
        if p.is_file() and "vendor" not in p.parts
    )
    assert "811228" not in texts and "Piket Ullared 7" not in texts and "Gekås" not in texts
    monthly = (out / "data" / "handelser_per_manad.csv").read_text(encoding="utf-8-sig")
    # The lone theft in Ullared in March is shown as "<5", never as 1.
    assert "1382R011;Ullared-Inland;Alla händelser;2025-03;<5" in monthly
    assert "Sexualbrott" not in monthly and "känsligt" not in monthly
    assert site.bytes < 1_000_000


def test_one_incident_alone_shown_as_one_is_refused(small_store: Engine, tmp_path: Path) -> None:
    publication, _site, names = build(small_store, months=12, today=TODAY, rules=RULES)
    table = publication.tables["1382R011"]
    table.status[table.index(TOTAL, "2025-03")] = VISIBLE
    with pytest.raises(PrivacyBreach) as refused:
        guard(publication, RULES, today=TODAY, names=names)
    assert (
        "Ullared-Inland / total / 2025-03: ett antal under 5 skulle visas som tal (regel: 1–4 visas som <5)"
        in str(refused.value)
    )
    assert "antalet 1" not in str(refused.value)  # cell references, never hidden values


def test_a_sensitive_category_shown_or_deducible_is_refused(small_store: Engine) -> None:
    publication, _site, names = build(small_store, months=12, today=TODAY, rules=RULES)
    table = publication.tables["1382R001"]
    s = table.rows.index(SENSITIVE)
    table.status[s, :] = VISIBLE
    with pytest.raises(PrivacyBreach, match="känsliga kategorier får bara ingå i summor"):
        guard(publication, RULES, today=TODAY, names=names)
    publication, _site, names = build(small_store, months=12, today=TODAY, rules=RULES)
    table = publication.tables["1382R001"]
    table.status[table.status == SECONDARY] = VISIBLE  # drop the shield: total − categories = 1
    with pytest.raises(PrivacyBreach, match="känsliga brott / 2025-05: summorna skulle avslöja"):
        guard(publication, RULES, today=TODAY, names=names)


def test_a_survey_area_with_three_answers_is_refused(small_store: Engine) -> None:
    publication, _site, names = build(small_store, months=12, today=TODAY, rules=RULES)
    publication.areas.loc[0, ["survey_n", "survey_share", "survey_low", "survey_high"]] = [
        3,
        0.33,
        0.06,
        0.79,
    ]
    with pytest.raises(
        PrivacyBreach, match=r"enkätresultat visas för färre än 5 svar \(regel: bara där n ≥ 5\)"
    ):
        guard(publication, RULES, today=TODAY, names=names)


def test_planted_personnummer_and_presence_text_are_refused(small_store: Engine) -> None:
    publication, _site, names = build(small_store, months=12, today=TODAY, rules=RULES)
    forbidden = forbidden_texts(small_store)
    assert "Piket Ullared 7" in forbidden
    guard(publication, RULES, today=TODAY, forbidden=forbidden, names=names)  # clean as built
    leaked = publication.files["metod.html"] + "Anmälare 811228-9874 hörd".encode()
    publication.files["metod.html"] = leaked
    with pytest.raises(
        PrivacyBreach, match=r"metod\.html: innehåller något som liknar ett personnummer"
    ):
        guard(publication, RULES, today=TODAY, forbidden=forbidden, names=names)
    publication, _site, names = build(small_store, months=12, today=TODAY, rules=RULES)
    publication.files["index.html"] += "<p>Nästa pass: Piket Ullared 7</p>".encode()
    with pytest.raises(PrivacyBreach, match=r"index\.html: innehåller text från närvarologgen"):
        guard(publication, RULES, today=TODAY, forbidden=forbidden, names=names)


def test_points_days_unclosed_months_and_rates_are_refused(small_store: Engine) -> None:
    publication, _site, names = build(small_store, months=12, today=TODAY, rules=RULES)
    collection = json.loads(publication.files["data/omraden.geojson"])
    collection["features"].append({"type": "Feature", "properties": {"kod": "x"},
                                   "geometry": {"type": "Point", "coordinates": [12.72, 57.14]}})  # fmt: skip
    publication.files["data/omraden.geojson"] = json.dumps(collection).encode()
    publication.files["data/handelser_per_manad.csv"] += (
        "1382R001;Falkenberg centrum;Alla händelser;2025-03-14;12\r\n".encode()
    )
    publication.areas.loc[publication.areas["area_code"] == "1382R011", "population"] = 300
    publication.areas.loc[publication.areas["area_code"] == "1382R011", "rate_per_1000"] = 3.3
    with pytest.raises(PrivacyBreach) as refused:
        guard(publication, RULES, today=dt.date(2025, 12, 20), names=names)
    text = str(refused.value)
    assert "objekt 15: geometri Point" in text
    assert "finare än en månad ('2025-03-14')" in text
    assert "månaden 2025-12: har inte tagit slut" in text
    assert "Ullared-Inland: antal per 1 000 invånare visas, men befolkningen är under 1000" in text


def test_a_refused_publication_writes_nothing(small_store: Engine, tmp_path: Path) -> None:
    _info, layer = active_layer(small_store)
    # A presence entry whose purpose is the site's own title: the guard cannot tell it from a leak.
    create_entry(
        small_store,
        {"area_code": "1382R001", "planned_start": dt.datetime(2025, 7, 1, 10, tzinfo=dt.UTC),
         "planned_end": dt.datetime(2025, 7, 1, 11, tzinfo=dt.UTC), "unit": "Patrull Centrum 3",
         "kind": "fotpatrull", "purpose": "Trygghet i Falkenbergs områden"},
        who="test", area_codes=set(layer["area_code"]),
    )  # fmt: skip
    out = tmp_path / "site"
    with pytest.raises(PrivacyBreach, match=r"index\.html: innehåller text från närvarologgen"):
        publish(small_store, out, months=12, today=TODAY)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".publik-")] == []


def test_publish_refuses_a_folder_that_is_not_a_site(small_store: Engine, tmp_path: Path) -> None:
    from geo.errors import GeoError

    out = tmp_path / "dokument"
    out.mkdir()
    (out / "viktigt.txt").write_text("behåll mig", encoding="utf-8")
    with pytest.raises(GeoError, match="inte en tidigare publicering"):
        publish(small_store, out, months=12, today=TODAY)
    assert (out / "viktigt.txt").exists()
    site = tmp_path / "site"
    publish(small_store, site, months=12, today=TODAY)
    publish(small_store, site, months=6, today=TODAY)  # an earlier site is replaced whole
    assert "2025-07" in (site / "data" / "handelser_per_manad.csv").read_text(encoding="utf-8-sig")
    assert "2025-06;" not in (site / "data" / "handelser_per_manad.csv").read_text(
        encoding="utf-8-sig"
    )


def test_cli_publish_on_demo_data(
    demo_store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(demo_store.url))
    out = tmp_path / "publik"
    assert main(["publish", "--out", str(out), "--months", "12"]) == 0
    said = capsys.readouterr().out
    assert "Publicerat i" in said and "SYNTETISKA" in said
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert total < 1_000_000
    assert main(["publish", "--out", str(out), "--months", "99"]) == 2


# --- Releases over time: differencing ------------------------------------------------------------


def _release(table: AreaTable, months: tuple[str, ...]) -> PriorRelease:
    cells = {
        ("A", row, table.cols[j]): shown_value(int(table.values[i, j]), int(table.status[i, j]))
        for i, row in enumerate(table.rows)
        if row != SENSITIVE
        for j in table.shown_cols
    }
    return PriorRelease(months, cells)


def test_two_releases_with_overlapping_windows_cannot_be_differenced() -> None:
    """Egendom has 2 thefts in March 2025, 8 in every other month; trafik 9 a month. Release 1
    covers 2025, release 2 February 2025 – January 2026. Protected alone, release 2 hides February
    where release 1 showed it: together with release 1's twelve-month total, March comes out as 2."""
    rows = []
    for month in [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01"]:
        for category, n in (("egendom", 2 if month == "2025-03" else 8), ("trafik", 9)):
            rows += [{"occurred_at": pd.Timestamp(f"{month}-10 12:00", tz="UTC"), "area_code": "A",
                      "category": category, "raw_type": "x"}] * n  # fmt: skip
    incidents = pd.DataFrame(rows)
    first, second = month_range("2025-12", 12), month_range("2026-01", 12)
    groups = ["egendom", "trafik"]
    one = count_tables(incidents, ["A"], groups, first, RULES)["A"]
    protect(one, RULES)
    prior = _release(one, first)
    naive = count_tables(incidents, ["A"], groups, second, RULES)["A"]
    protect(naive, RULES)  # without the ledger
    from tests.test_privacy_attacks import Release, attack

    rules = Rules(sensitive_types=RULES.sensitive_types, protection_values=2)  # "not pinned"
    releases = [
        Release(first, dict(prior.cells)),
        Release(second, dict(_release(naive, second).cells)),
    ]
    found = attack(releases, rules, {})
    assert "A / egendom / 2025-03 (release 1): <5 narrowed to 2–2" in found
    ledger = count_tables(incidents, ["A"], groups, second, RULES, priors=(prior,))["A"]
    protect(ledger, RULES)  # with the ledger: other cells are hidden, and nothing comes out
    assert audit(ledger, RULES) == []
    releases[1] = Release(second, dict(_release(ledger, second).cells))
    assert attack(releases, RULES, {}) == []


def test_publish_keeps_a_ledger_and_audits_against_it(small_store: Engine, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from geo.store.schema import public_releases

    publish(small_store, tmp_path / "a", months=12, today=TODAY)
    publish(small_store, tmp_path / "a", months=12, today=TODAY)  # identical: recorded once
    publish(small_store, tmp_path / "b", months=6, today=TODAY)
    with small_store.connect() as connection:
        assert connection.execute(select(func.count()).select_from(public_releases)).scalar() == 2
    publication, _site, names = build(small_store, months=9, today=TODAY, rules=RULES)
    table = publication.tables["1382R001"]
    assert len(table.periods) == 3  # this release's period plus the two earlier ones
    assert table.known.any()  # what earlier releases showed is taken as known
    guard(publication, RULES, today=TODAY, names=names)


def test_republishing_the_same_data_gives_the_same_site(
    small_store: Engine, tmp_path: Path
) -> None:
    publish(small_store, tmp_path / "a", months=12, today=TODAY)
    publish(small_store, tmp_path / "b", months=12, today=TODAY)
    for name in ("data/handelser_per_manad.csv", "data/omraden.csv", "data/site.js"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    areas = (tmp_path / "a" / "data" / "omraden.csv").read_text(encoding="utf-8-sig")
    assert "nan" not in areas


def test_refusals_name_cells_never_hidden_values(
    small_store: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A refusal is for staff: area, category, month and rule; never the hidden count, nor the
    range the attacker would get (the issue's CLI printed "den dolda cellen (3)")."""
    # Övrigt 17 hidden as "dold", but total − the rest gives it exactly.
    table = _table([[9], [17], [0]], ["egendom", "ovrigt", SENSITIVE], 1)
    table.status[2, :] = 3
    table.status[1, :] = SECONDARY
    breaches = audit(table, RULES)
    assert [(b.row, b.low, b.high) for b in breaches] == [("ovrigt", 17.0, 17.0)] * 2
    for audit_breach in breaches:
        text = audit_breach.describe({"A": "Ullared-Inland"})
        assert "Ullared-Inland / ovrigt /" in text and "17" not in text
    breach = PrivacyBreach([b.describe() for b in breaches])
    assert "17" not in str(breach) and "Publicera med färre månader" in breach.way_forward
    # The CLI prints the same references (a refusal made by the file scan here).
    _info, layer = active_layer(small_store)
    create_entry(
        small_store,
        {"area_code": "1382R001", "planned_start": dt.datetime(2025, 7, 1, 10, tzinfo=dt.UTC),
         "planned_end": dt.datetime(2025, 7, 1, 11, tzinfo=dt.UTC), "unit": "Piket Ullared 7",
         "kind": "fotpatrull", "purpose": "Trygghet i Falkenbergs områden"},
        who="test", area_codes=set(layer["area_code"]),
    )  # fmt: skip
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(small_store.url))
    assert main(["publish", "--out", str(tmp_path / "publik")]) == 2
    said = capsys.readouterr().err
    assert "index.html: innehåller text från närvarologgen" in said
    assert "Den förra publiceringen ligger kvar oförändrad" in said


def test_late_data_rules_are_read_and_checked(tmp_path: Path) -> None:
    from geo.errors import ConfigError

    rules = load_rules()
    assert rules.settle_days == 7 and rules.protection_values == 4 and rules.primary_values == 2
    # A month closed two days ago is not published yet; one closed 33 days ago is.
    assert last_closed_month(dt.date(2026, 12, 2), 7) == "2026-10"
    assert last_closed_month(dt.date(2026, 12, 9), 7) == "2026-11"
    path = tmp_path / "privacy.json"
    path.write_text(json.dumps({"late_data": {"policy": "republish"}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="frozen"):
        load_rules(path)
    path.write_text(json.dumps({"protection_values": 1}), encoding="utf-8")
    with pytest.raises(ConfigError, match="protection_values"):
        load_rules(path)


def test_a_published_wave_that_moves_by_fewer_than_five_is_refused(
    demo_store: Engine,
) -> None:
    """The guard checks survey figures against the ledger too: an area shown with n = 40 before
    may not be shown with n = 41 (the difference is one person's answer)."""
    import dataclasses

    publication, _site, names = build(demo_store, months=12, today=TODAY, rules=RULES)
    row = publication.areas.dropna(subset=["survey_n"]).iloc[0]
    code, wave = str(row["area_code"]), str(row["survey_wave"])
    n, k = int(row["survey_n"]), int(row["survey_unsafe"])
    earlier = ((wave, {code: (n - 1, k - 1)}),)
    moved = dataclasses.replace(publication, survey_priors=earlier)
    with pytest.raises(PrivacyBreach, match=f"{names[code]} / enkäten {wave}: antalet svar ändras"):
        guard(moved, RULES, today=TODAY, names=names)
    far = dataclasses.replace(publication, survey_priors=((wave, {code: (n - 5, k - 1)}),))
    guard(far, RULES, today=TODAY, names=names)  # five new answers: may be published
    same = dataclasses.replace(publication, survey_priors=((wave, {code: (n, k)}),))
    guard(same, RULES, today=TODAY, names=names)  # unchanged (frozen) figures
