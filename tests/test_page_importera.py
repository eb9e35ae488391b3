"""Importera as a user meets it (AppTest with real uploads): a file without an id, columns chosen by
hand, unknown types put in a group, the one upload limit, page words in the report, and an
unexpected error that changes nothing and shows no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from geo.store.database import load_incidents
from tests.test_ingest import CENTRUM
from ui import strings

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "importera.py")


def _data_fingerprint(engine: Engine) -> str:
    """Every table's rows except the access log's (the page logs each view there, by design)."""
    import hashlib

    from sqlalchemy import select

    from geo.store.schema import metadata

    digest = hashlib.sha256()
    with engine.connect() as connection:
        for name in sorted(set(metadata.tables) - {"access_log"}):
            table = metadata.tables[name]
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest.update(f"{name}:{rows!r}".encode())
    return digest.hexdigest()


@pytest.fixture
def page_env(store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(store.url))
    monkeypatch.setenv("LAGESBILD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LAGESBILD_MAX_IMPORT_MB", "300")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield store
    st.cache_data.clear()
    st.cache_resource.clear()


def _open() -> AppTest:
    page = AppTest.from_file(PAGE, default_timeout=120)
    page.session_state["role"] = "polis"
    page.session_state["_authorised_role"] = "polis"
    page.run()
    assert not page.exception, page.exception
    return page


def _upload(page: AppTest, name: str, body: str) -> AppTest:
    page.file_uploader[0].set_value((name, body.encode("utf-8-sig"), "text/csv"))
    page.run()
    assert not page.exception, page.exception
    return page


def _report(page: AppTest) -> str:
    return "\n".join(c.value for c in page.code)


def _button(page: AppTest, label: str) -> AppTest:
    [button] = [b for b in page.button if b.label == label]
    button.click()
    page.run()
    assert not page.exception, page.exception
    return page


def test_a_file_without_an_id_imports_from_the_page(page_env: Engine) -> None:
    page = _upload(_open(), "utan_id.csv", "Händelsedatum;Klockslag;Brottstyp;Område\n"
                   "2026-10-10;23:30;Misshandel;Falkenberg centrum\n2026-10-11;03:10;Skadegörelse;Glommen\n")  # fmt: skip
    assert "Lästa rader: 2; giltiga: 2" in _report(page)
    page = _button(page, strings.IMPORT_CONFIRM)
    assert [s.value for s in page.success] == [
        strings.IMPORT_DONE.format(new=2, updated=0, unchanged=0)
    ]
    assert len(load_incidents(page_env, columns=("source_id",))) == 2
    # A second click does not import twice: the button is gone, the result stays.
    assert strings.IMPORT_CONFIRM not in [b.label for b in page.button]


def test_columns_chosen_by_hand_then_saved_as_a_profile(page_env: Engine, tmp_path: Path) -> None:
    body = "Tidpunkt;Brottsslag;Område\n2026-10-10 12:00;Stöld;Glommen\n"
    page = _upload(_open(), "okand.csv", body)
    assert "hittar ingen kolumn för händelsetyp" in _report(page)
    assert "välj den för händelsetyp (kolumnval på sidan Importera" in _report(page)
    [chooser] = [s for s in page.selectbox if s.label == "händelsetyp"]
    assert chooser.options == [strings.IMPORT_MAP_NONE, "Tidpunkt", "Brottsslag", "Område"]
    chooser.set_value("Brottsslag")
    page = _button(page, strings.IMPORT_MAP_APPLY)
    assert "typ (raw_type) ← 'Brottsslag'" in _report(
        page
    ) and "Lästa rader: 1; giltiga: 1" in _report(page)
    page.text_input(key="import_map_name").set_value("min_export")
    page.run()
    page = _button(page, strings.IMPORT_MAP_SAVE)
    assert (tmp_path / "data" / "import_profiles" / "min_export.json").exists()
    page = _button(page, strings.IMPORT_CONFIRM)
    assert load_incidents(page_env, columns=("raw_type",))["raw_type"].tolist() == ["Stöld"]
    assert "min export" in _open().selectbox[1].options


def test_unknown_types_get_a_group_on_the_page(page_env: Engine, tmp_path: Path) -> None:
    page = _upload(
        _open(), "typer.csv", "tidpunkt;typ;område\n2026-10-10 12:00;Nedskräpning;Glommen\n"
    )
    assert "okänd händelsetyp 'Nedskräpning'" in _report(page)
    [chooser] = [s for s in page.selectbox if s.label.startswith("'Nedskräpning'")]
    assert chooser.label == "'Nedskräpning' (1 rad)"
    chooser.set_value("ordning")
    page.run()
    page = _button(page, strings.IMPORT_TYPES_APPLY)
    assert "giltiga: 1" in _report(page)
    _button(page, strings.IMPORT_CONFIRM)
    assert load_incidents(page_env, columns=("category",))["category"].tolist() == ["ordning"]
    assert "Nedskräpning" in (tmp_path / "data" / "typer_lokala.json").read_text(encoding="utf-8")


def test_the_page_names_page_actions_and_one_upload_limit(page_env: Engine) -> None:
    from streamlit import config

    page = _open()
    uploader = page.file_uploader[0]
    assert (
        uploader.proto.max_upload_size_mb == 300
        and config.get_option("server.maxUploadSize") == 300
    )
    assert "300 MB" in uploader.help
    body = f"id;tidpunkt;typ;x;y\nA;2026-10-10 12:00;Stöld;{CENTRUM}\nA;2026-10-10 13:00;Stöld;{CENTRUM}\n"
    report = _report(_upload(page, "dubbel.csv", body))
    assert 'fältet "Undanta rader"' in report and "--exclude" not in report


def test_an_unexpected_error_on_the_page_changes_nothing(
    page_env: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import geo.io.ingest

    before = _data_fingerprint(page_env)
    page = _upload(_open(), "a.csv", f"id;tidpunkt;typ;x;y\nA;2026-10-10 12:00;Stöld;{CENTRUM}\n")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(geo.io.ingest, "_finish_import_log", broken)
    page = _button(page, strings.IMPORT_CONFIRM)
    assert [e.value for e in page.error] == [
        strings.IMPORT_UNEXPECTED.format(file=strings.md("a.csv"))
    ]
    assert "simulated fault" not in str([e.value for e in page.error]) and not page.exception
    assert _data_fingerprint(page_env) == before  # nothing but the access log's view rows
