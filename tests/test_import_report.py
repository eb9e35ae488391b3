"""One import pipeline, one report shape (issue 13): the four importers – incident files, survey
answers, partner indicators and presence-log files – give the same ``ImportReport`` and write
through the same ``importing`` unit: a refused file or a dry run leaves the store as it was, a
clean file is stored whole and its report says so in the same words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from geo.errors import Problem
from geo.io.ingest import ImportOptions, import_incidents
from geo.io.partners import import_indicators
from geo.io.report import ImportReport, importing, line_ranges
from geo.io.surveys import SurveyOptions, import_survey
from geo.presence.log_import import import_presence_file
from geo.presence.units import ensure_defaults
from geo.store.database import ImportRecord, active_layer
from geo.store.schema import imports
from tests.conftest import store_fingerprint

TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)

# Each importer: what it calls its records, a clean two-line file, the same file with line 3 broken.
FILES: dict[str, tuple[str, str, str]] = {
    "händelser": (
        "id;tidpunkt;typ;x;y;beskrivning\n",
        "a1;2025-03-01 22:15;Skadegörelse;347000,5;6309800;\na2;2025-03-02 01:40;Stöld;347010;6309810;\n",
        "a1;2025-03-01 22:15;Skadegörelse;347000,5;6309800;\na2;inte en tid;Stöld;347010;6309810;\n",
    ),
    "enkätsvar": (
        "svar_id;omrade;fraga;svar\n",
        "r1;Skrea;trygghet;3\nr2;Glommen;trygghet;4\n",
        "r1;Skrea;trygghet;3\nr2;Glommen;trygghet;97\n",
    ),
    "indikatorvärden": (
        "area_code;period;indicator;value;unit;source\n",
        "1382R001;2025;Klotter;14;antal;kommunen\n1382R002;2025;Klotter;3;antal;kommunen\n",
        "1382R001;2025;Klotter;14;antal;kommunen\n1382R002;2025;Klotter;tre;antal;kommunen\n",
    ),
    "närvaroposter": (
        "id;unit;area;start;end;kind;status;purpose;version\n",
        ";Patrull 1;1382R011;2026-12-07 20:00;2026-12-07 20:15;bilpatrull;planerad;Kort stopp;\n"
        ";Patrull 2;Ullared-Inland;2026-12-07 20:00;2026-12-07 20:15;bilpatrull;planerad;Kort stopp;\n",
        ";Patrull 1;1382R011;2026-12-07 20:00;2026-12-07 20:15;bilpatrull;planerad;Kort stopp;\n"
        ";Patrull 2;Ullared-Inland;2026-13-07 20:00;2026-12-07 20:15;bilpatrull;planerad;Kort stopp;\n",
    ),
}


def _run(what: str, store: Engine, path: Path, dry_run: bool) -> ImportReport:
    """Call the importer of ``what`` the way the CLI and the pages do."""
    if what == "händelser":
        options = ImportOptions(today=TODAY, imported_by="test")
        return import_incidents(store, path, options, dry_run=dry_run)
    if what == "enkätsvar":
        return import_survey(store, path, SurveyOptions(wave="2025"), dry_run=dry_run)
    if what == "indikatorvärden":
        return import_indicators(store, path, dry_run=dry_run)
    _info, layer = active_layer(store)
    names = dict(zip(layer["area_code"], layer["name"], strict=True))
    return import_presence_file(store, path, who="Pia", area_codes=set(names), names=names,
                                dry_run=dry_run, now=NOW)  # fmt: skip


@pytest.mark.parametrize("what", list(FILES))
def test_every_importer_reports_the_same_way_and_keeps_all_or_nothing(
    what: str, store: Engine, tmp_path: Path
) -> None:
    header, clean, broken = FILES[what]
    bad = tmp_path / "fel.csv"
    bad.write_text(header + broken, encoding="utf-8")
    good = tmp_path / "rätt.csv"
    good.write_text(header + clean, encoding="utf-8")
    ensure_defaults(store)  # the presence units the log refers to (written once, before the test)
    before = store_fingerprint(store)

    refused = _run(what, store, bad, dry_run=False)
    text = refused.text()
    assert isinstance(refused, ImportReport) and refused.what == what
    assert text.startswith(f"Import av {what} från fel.csv (csv"), text
    assert not refused.accepted and not refused.imported and refused.import_id is None, text
    assert "inget har importerats, databasen är oförändrad" in text, text
    assert "fel.csv, rad 3" in text, text  # the broken line, by its number in the file
    assert "fel.csv, rad 2" not in text, text  # the good line is not blamed
    assert "Importerat" not in text and "Provkörning" not in text, text
    assert store_fingerprint(store) == before  # nothing half-imported

    checked = _run(what, store, good, dry_run=True)
    assert checked.accepted and not checked.imported and checked.count == 2, checked.text()
    assert f"Provkörning: 2 {what} kan importeras" in checked.text()
    assert store_fingerprint(store) == before  # a dry run writes nothing

    stored = _run(what, store, good, dry_run=False)
    assert stored.accepted and stored.imported and stored.count == 2, stored.text()
    assert f": 2 {what}" in stored.text().splitlines()[-1] and "Importerat" in stored.text()
    assert store_fingerprint(store) != before


def _import_lines(store: Engine) -> int:
    with store.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(imports)).scalar_one())


RECORD = ImportRecord(kind="survey", source="test", imported_by="test", file_name="f.csv")


def test_the_unit_keeps_a_clean_import_and_its_line(store: Engine) -> None:
    before = _import_lines(store)
    report = ImportReport("f.csv", what="enkätsvar")
    with importing(store, report, RECORD) as (_work, import_id):
        assert import_id is not None
    assert report.imported and report.import_id == import_id
    assert _import_lines(store) == before + 1


@pytest.mark.parametrize("why", ["error", "dry_run"])
def test_the_unit_discards_a_refused_file_or_a_dry_run_with_its_line(
    store: Engine, why: str
) -> None:
    before = store_fingerprint(store)
    report = ImportReport("f.csv", what="enkätsvar", dry_run=why == "dry_run")
    with importing(store, report, RECORD) as (_work, import_id):
        assert import_id is not None  # the line exists inside the unit …
        if why == "error":
            report.error("värde", 3, "svar", "svaret '97' finns inte i kodboken")
    assert not report.imported and report.import_id is None
    assert store_fingerprint(store) == before  # … and is gone with it


def test_an_exception_inside_the_unit_rolls_it_back(store: Engine) -> None:
    before = store_fingerprint(store)
    report = ImportReport("f.csv", what="enkätsvar")
    with pytest.raises(RuntimeError), importing(store, report, RECORD):
        raise RuntimeError("a bug half-way through the rows")
    assert not report.imported and store_fingerprint(store) == before


@settings(max_examples=200, deadline=None)
@given(
    errors=st.integers(0, 45),
    warnings=st.integers(0, 3),
    dry_run=st.booleans(),
    updates=st.booleans(),
    new=st.integers(0, 5),
    changed=st.integers(0, 5),
    what=st.sampled_from(list(FILES)),
)
def test_the_report_text_never_claims_what_did_not_happen(
    errors: int, warnings: int, dry_run: bool, updates: bool, new: int, changed: int, what: str
) -> None:
    report = ImportReport("f.csv", what=what, dry_run=dry_run, updates=updates, format="csv",
                          rows_read=new + changed, rows_valid=new + changed)  # fmt: skip
    report.rows_new, report.rows_updated = new, changed
    for number in range(errors):
        report.error("värde" if number % 2 else "tid", number + 2, "x", f"fel {number}")
    for number in range(warnings):
        report.warn("passerad", number + 2, None, "planerad men redan passerad")
    if report.will_store:
        report.imported, report.import_id = True, 7
    text = report.text()
    lines = text.splitlines()
    assert lines[0].startswith(f"Import av {what} från f.csv (csv")
    if errors:  # refused: says so, counts every error, lists at most 20 of a kind, stores nothing
        assert f"FEL ({errors})" in text and "Importerat" not in text and "Provkörning" not in text
        assert sum(line.startswith("  - f.csv") and ": fel " in line for line in lines) == min(
            (errors + 1) // 2, 20
        ) + min(errors // 2, 20)
    elif dry_run:
        assert lines[-1].startswith(f"Provkörning: {report.count} {what}")
        assert lines[-1].endswith("Inget sparat.")
    else:
        assert lines[-1].startswith(f"Importerat (import 7): {report.count} {what}")
    assert report.count == (new + changed)
    assert (f"{new} nya, {changed} uppdaterade" in text) == (updates and not errors)
    assert (f"Varningar ({warnings})" in text) == (warnings > 0)


@given(st.lists(st.integers(1, 10_000), max_size=60, unique=True))
def test_line_ranges_name_every_line_up_to_thirty(numbers: list[int]) -> None:
    text = line_ranges(numbers)
    shown: set[int] = set()
    for part in filter(None, text.split(" … ")[0].split(", ")):
        low, _, high = part.partition("–")
        shown.update(range(int(low), int(high or low) + 1))
    assert shown == set(sorted(numbers)[:30])
    assert ("(+" in text) == (len(numbers) > 30)


def test_problems_keep_their_kind_order_and_where() -> None:
    report = ImportReport("f.csv", what="närvaroposter")
    report.error("tid", 4, "start", "tiden finns inte")
    report.errors.add("post", Problem("f.csv, rad 2", "okänd enhet"))
    report.error("tid", 9, "end", "tiden finns två gånger")
    assert [p.where for p in report.errors.examples()] == [
        "f.csv, rad 4, kolumn 'start'",
        "f.csv, rad 9, kolumn 'end'",
        "f.csv, rad 2",
    ]
