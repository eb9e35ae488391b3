"""Presence files (CSV/Excel) all or nothing, and the `python -m geo presence` commands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from geo.commands.cli import main
from geo.commands.presence import import_file
from geo.presence.log import audit_trail, list_entries
from geo.presence.units import ensure_defaults
from tests.conftest import new_store
from tests.test_screening import PNR

HEADER = "id;unit;area;start;end;kind;status;purpose;version"
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def _write(folder: Path, lines: list[str], name: str = "narvaro.csv") -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _import(store: Engine, path: Path, **options: object):  # type: ignore[no-untyped-def]
    from geo.presence.log_import import import_presence_file
    from geo.store.database import active_layer

    ensure_defaults(store)
    _info, layer = active_layer(store)
    names = dict(zip(layer["area_code"], layer["name"], strict=True))
    return import_presence_file(store, path, who=str(options.pop("who", "anna")), area_codes=set(names),
                                names=names, now=NOW, **options)  # type: ignore[arg-type]  # fmt: skip


def test_a_clean_file_creates_and_updates_with_versions(store: Engine, tmp_path: Path) -> None:
    first = _write(tmp_path, [";Patrull 1;1382R011;2026-12-07 20:00;2026-12-07 20:15;bilpatrull;planerad;Kort stopp;",
                              ";Patrull 2;Ullared-Inland;2026-12-07 20:00;2026-12-07 20:15;bilpatrull;planerad;Kort stopp;"])  # fmt: skip
    report = _import(store, first)
    assert (report.rows_new, report.rows_updated, report.rows_read) == (2, 0, 2) and report.imported
    entries = list_entries(store)
    assert set(entries["shift"]) == {"kväll"} and len(audit_trail(store)) == 2
    entry_id = int(entries["id"].iloc[0])
    second = _write(tmp_path, [f"{entry_id};Patrull 1;1382R011;2026-12-07 21:00;2026-12-07 21:15;bilpatrull;planerad;Flyttad;1"],
                    "andra.csv")  # fmt: skip
    assert _import(store, second).rows_updated == 1
    assert list_entries(store).set_index("id").at[entry_id, "purpose"] == "Flyttad"


def test_a_messy_file_is_refused_as_a_whole_naming_every_line(
    store: Engine, tmp_path: Path
) -> None:
    clean = _write(
        tmp_path,
        [";Patrull 1;1382R011;2026-12-07 20:00;2026-12-07 20:15;bilpatrull;planerad;Kort stopp;"],
        "a.csv",
    )
    _import(store, clean)
    entry_id = int(list_entries(store)["id"].iloc[0])
    _import(store, _write(tmp_path, [f"{entry_id};Patrull 1;1382R011;2026-12-07 20:00;2026-12-07 20:15;bilpatrull;planerad;Ändrad av Bertil;1"], "b.csv"))  # fmt: skip
    before = (list_entries(store).to_csv(), len(audit_trail(store)))
    messy = _write(tmp_path, [
        ";Patrull 2;1382R011;2026-12-08 20:00;2026-12-08 20:15;bilpatrull;planerad;Bra rad;",  # 2: fine alone
        f"{entry_id};Patrull 1;1382R011;2026-12-07 20:00;2026-12-07 20:30;bilpatrull;planerad;Gammal version;1",  # 3: lost update
        ";Patrull 3;1382R011;2027-03-28 02:30;2027-03-28 02:45;bilpatrull;planerad;Sommartid;",  # 4: does not exist
        ";Patrull 2;1382R001;2026-12-08 20:10;2026-12-08 20:25;bilpatrull;planerad;Krock;",  # 5: overlaps line 2
        ";Patrull 3;1382R011;2027-01-05 20:00;2027-01-05 20:15;bilpatrull;genomförd;Framtid;",  # 6: done in the future
        f";Patrull 4;1382R011;2026-12-09 20:00;2026-12-09 20:15;bilpatrull;planerad;Kontakt {PNR};",  # 7: personnummer
        ";Patrull 99;1382R011;2026-12-09 20:00;2026-12-09 20:15;bilpatrull;planerad;Okänd enhet;",  # 8: unknown unit
        ";Patrull 4;1382R011;2026-10-25 02:30;2026-10-25 02:45;bilpatrull;planerad;Två gånger;",  # 9: occurs twice
    ], "rorig.csv")  # fmt: skip
    refused = _import(store, messy)
    problems = refused.errors.examples()
    text = refused.text()
    assert not refused.accepted and not refused.imported and refused.rows_valid == 1  # line 2
    for line, words in [(3, "har ändrats av anna (version 2)"), (4, "'start'"), (5, "redan planerad"),
                        (6, "slutar i framtiden"), (7, "personnummer"), (8, "okänd eller inaktiv enhet"), (9, "'start'")]:  # fmt: skip
        assert any(p.where.startswith(f"rorig.csv, rad {line}") and words in f"{p.where} {p.message}"
                   for p in problems), (line, words, text)  # fmt: skip
        assert f"rorig.csv, rad {line}" in text  # the report the page and the CLI show names it
    assert not any(p.where.startswith("rorig.csv, rad 2") for p in problems)
    assert "inget har importerats, databasen är oförändrad" in text
    assert PNR not in text
    assert (list_entries(store).to_csv(), len(audit_trail(store))) == before  # nothing written


def test_a_past_planned_entry_is_flagged_and_a_dry_run_writes_nothing(
    store: Engine, tmp_path: Path
) -> None:
    path = _write(tmp_path, [";Patrull 1;1382R011;2026-11-30 20:00;2026-11-30 20:15;bilpatrull;planerad;Glömd;",
                             ";Patrull 2;1382R011;2026-11-30 20:00;2026-11-30 20:15;bilpatrull;genomförd;Gjord;"])  # fmt: skip
    report = _import(store, path, dry_run=True)
    flags = report.warnings.examples()
    assert report.rows_new == 2 and [w.where for w in flags] == ["narvaro.csv, rad 2"]
    assert "planerad men redan passerad" in flags[0].message and not report.imported
    assert "Provkörning: 2 närvaroposter kan importeras" in report.text()
    assert list_entries(store).empty and audit_trail(store).empty
    refused = _import(store, path, who=f"Anna {PNR}")
    assert not refused.accepted and "vem som sparar" in refused.text() and PNR not in refused.text()
    assert list_entries(store).empty


def test_an_excel_file_with_names_and_offsets(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "narvaro.xlsx"
    pd.DataFrame({"id": [None], "unit": ["Patrull 1"], "area": ["Ullared-Inland"], "start": ["2026-12-07T19:00:00Z"],
                  "end": ["2026-12-07T19:15:00Z"], "kind": ["fotpatrull"], "status": ["planerad"],
                  "purpose": ["Från Excel"], "version": [None]}).to_excel(path, index=False)  # fmt: skip
    assert _import(store, path).rows_new == 1
    stored = list_entries(store).iloc[0]
    assert (
        stored["planned_start"] == pd.Timestamp("2026-12-07T19:00Z") and stored["source"] == "fil"
    )


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = new_store(tmp_path, "cli.db")
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(engine.url))
    return engine


def test_commands_propose_import_and_export_the_same_week(
    database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.csv"
    assert main(["presence", "propose", "--week", "2027-W02", "--hours", "20", "--units", "Patrull 1,Patrull 2",
                 "--inland-min", "0.3", "--out", str(plan)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "1200 av 1200 minuter" in out
    table = pd.read_csv(plan, sep=";", encoding="utf-8-sig")
    assert table["Minuter"].sum() == 1200 and set(table["Enhet"]) == {"Patrull 1", "Patrull 2"}
    assert table["Start"].str.fullmatch(r"2027-01-(1[1-7]) \d\d:\d\d").all()
    log = tmp_path / "logg.csv"
    rows = [f";{r.Enhet};{r.Område};{r.Start};{(pd.Timestamp(r.Start) + pd.Timedelta(minutes=int(r.Minuter))):%Y-%m-%d %H:%M};"
            f"bilpatrull;planerad;Förslag;" for r in table.itertuples()]  # fmt: skip
    log.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    assert main(["presence", "import", str(log), "--by", "Pia"]) == 0
    assert (
        f"Importerat: {len(table)} närvaroposter ({len(table)} nya, 0 uppdaterade"
        in capsys.readouterr().out
    )
    assert (
        main(["presence", "import", str(log), "--by", "Pia"]) == 2
    )  # the same visits again: double booking
    assert "redan planerad" in capsys.readouterr().out
    exported = tmp_path / "vecka.csv"
    assert (
        main(
            ["presence", "export", "--week", "2027-W02", "--format", "csv", "--out", str(exported)]
        )
        == 0
    )
    assert len(pd.read_csv(exported, sep=";", encoding="utf-8-sig")) == len(table)
    ics = tmp_path / "vecka.ics"
    assert (
        main(["presence", "export", "--week", "2027-W02", "--format", "ics", "--out", str(ics)])
        == 0
    )
    assert ics.read_text().count("BEGIN:VEVENT") == len(table)
    assert main(["presence", "propose", "--week", "2027-W2x", "--hours", "1"]) == 2


def test_import_file_helper_matches_the_page(database: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [";Patrull 1;Ullared-Inland;2027-01-11 20:00;2027-01-11 20:15;bilpatrull;planerad;Kort;"],
    )
    assert import_file(database, path, who="Pia").rows_new == 1


def test_a_file_names_its_own_rows_by_line_and_reads_swedish_dates_when_asked(
    store: Engine, tmp_path: Path
) -> None:
    # Two visits of Patrull 1 at once in one file: the second is refused naming line 2 of the file
    # (the first is not stored, so its id would mean nothing to the reader).
    twice = _write(tmp_path, [";Patrull 1;1382R011;2026-12-07 20:00;2026-12-07 20:30;bilpatrull;planerad;Första;",
                              ";Patrull 1;1382R001;2026-12-07 20:15;2026-12-07 20:45;bilpatrull;planerad;Andra;"],
                   "dubbel.csv")  # fmt: skip
    report = _import(store, twice, dry_run=True)
    text = report.text()
    assert (
        not report.accepted and "dubbel.csv, rad 3" in text and "posten på rad 2 i filen" in text
    ), text
    assert "i närvaropost" not in text  # no id of an entry that was never stored
    assert report.rows_valid == 1  # line 2 alone is fine
    # An id that does not exist is named as a clause of the line, not as a sentence.
    missing = _write(tmp_path, ["99;Patrull 1;1382R011;2026-12-07 20:00;2026-12-07 20:30;bilpatrull;planerad;X;1"],
                     "saknas.csv")  # fmt: skip
    assert (
        "saknas.csv, rad 2: närvaropost 99 finns inte — rätta raden"
        in _import(store, missing).text()
    )
    # Day-first dates: refused with a hint unless asked for, then read as Swedish.
    slashed = _write(tmp_path, [";Patrull 1;1382R011;07/12/2026 20:00;07/12/2026 20:30;bilpatrull;planerad;Snedstreck;"],
                     "snedstreck.csv")  # fmt: skip
    refused = _import(store, slashed)
    assert not refused.accepted and "--svenska-datum" in refused.text()
    accepted = _import(store, slashed, swedish_dates=True)
    assert accepted.imported and accepted.rows_new == 1, accepted.text()
    stored = list_entries(store).iloc[0]
    assert stored["planned_start"] == pd.Timestamp("2026-12-07 19:00", tz="UTC")  # 20:00 CET


def test_the_cli_takes_swedish_dates_and_prints_one_report(
    database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        [";Patrull 1;Ullared-Inland;11/01/2027 20:00;11/01/2027 20:15;bilpatrull;planerad;Kort;"],
    )
    assert main(["presence", "import", str(path), "--by", "Pia", "--dry-run"]) == 2
    assert "--svenska-datum" in capsys.readouterr().out
    assert main(["presence", "import", str(path), "--by", "Pia", "--svenska-datum"]) == 0
    out = capsys.readouterr().out
    assert out.count("Importerat") == 1 and "Import av närvaroposter från narvaro.csv" in out, out
