"""A large import validates in a forked child while the parent writes: the same result, errors
raised the same way, nothing written when the child fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import geo.io.ingest
from geo.errors import GeoError
from geo.forked import ChildFailed, fork_available
from geo.io import readers
from geo.io.ingest import ImportOptions, import_incidents
from geo.store.database import load_incidents
from geo.store.schema import imports, incidents
from tests.conftest import new_store
from tests.test_ingest import CENTRUM, HEADER, TODAY, fingerprint, write

pytestmark = pytest.mark.skipif(not fork_available(), reason="fork finns bara på POSIX")

TYPES = ["Stöld", "Misshandel", "Skadegörelse", "Ordningsstörning"]


def _rows(count: int) -> list[str]:
    return [
        f"P{i:05d};2026-0{1 + i % 9}-{1 + i % 28:02d} {i % 24:02d}:15;{TYPES[i % 4]};{CENTRUM};"
        + ("Anmälare 811218-9876 kontaktad" if i % 97 == 0 else f"Händelse {i}")
        for i in range(count)
    ]


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every import takes the child-process path, in chunks of 150 rows; returns a file the
    validation writes its process id to, to prove where it ran."""
    pid_file = tmp_path / "validation.pid"
    validated = geo.io.ingest._validated

    def recording(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        pid_file.write_text(str(os.getpid()))
        yield from validated(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(geo.io.ingest, "_validated", recording)
    monkeypatch.setattr(readers, "CHUNK_ROWS", 150)
    return pid_file


def _import(store: Engine, path: Path, *, parallel: bool, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(geo.io.ingest, "PARALLEL_MIN_BYTES", 0 if parallel else 1 << 40)
    progress: list[tuple[float, str]] = []
    report = import_incidents(
        store, path, ImportOptions(today=TODAY, imported_by="test"),
        progress=lambda f, m: progress.append((f, m)),
    )  # fmt: skip
    return report, progress


def _stored(store: Engine) -> list[tuple[object, ...]]:
    frame = load_incidents(store, columns=("source_id", "category", "occurred_at", "area_code"))
    with store.connect() as connection:
        texts = dict(
            connection.execute(select(incidents.c.source_id, incidents.c.description)).all()
        )
    return sorted((*row, texts[row[0]]) for row in frame.itertuples(index=False))


def test_child_validation_gives_the_same_rows_and_report(
    tmp_path: Path, parallel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "\n".join([HEADER, *_rows(1000)]) + "\n")
    inline_store, child_store = new_store(tmp_path, "inline.db"), new_store(tmp_path, "child.db")
    inline, _ = _import(inline_store, path, parallel=False, monkeypatch=monkeypatch)
    assert int(parallel.read_text()) == os.getpid()
    child, progress = _import(child_store, path, parallel=True, monkeypatch=monkeypatch)
    assert int(parallel.read_text()) != os.getpid()  # validated in another process
    assert child.imported and child.rows_new == inline.rows_new == 1000
    assert child.text() == inline.text()
    assert len(child.redacted_lines) == 11
    assert _stored(child_store) == _stored(inline_store)
    assert "811218-9876" not in str(_stored(child_store))
    fractions = [f for f, _m in progress]
    assert len(fractions) >= 7 and fractions[-1] == 1.0  # the child's progress reached the page


def test_errors_found_in_the_child_refuse_the_whole_file(
    tmp_path: Path, parallel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _rows(1000)
    rows[900] = rows[10].replace("Stöld", "Rån")  # the same id as a row in the first chunk
    rows[950] = rows[950].replace(CENTRUM, "abc;6309800")
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    inline_store, child_store = new_store(tmp_path, "inline.db"), new_store(tmp_path, "child.db")
    before = fingerprint(child_store)
    inline, _ = _import(inline_store, path, parallel=False, monkeypatch=monkeypatch)
    child, _ = _import(child_store, path, parallel=True, monkeypatch=monkeypatch)
    assert not child.accepted and not child.imported
    assert child.text() == inline.text()
    assert "rad 902, kolumn 'id': samma id 'P00010' som rad 12" in child.text()
    assert "'abc' är inget tal" in child.text()
    assert fingerprint(child_store) == before


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (GeoError("Kolumnen 'typ' går inte att läsa."), GeoError),
        (ZeroDivisionError("division by zero"), ChildFailed),
        ("exit", ChildFailed),
    ],
    ids=["geo-error", "unexpected-exception", "child-dies"],
)
def test_a_failing_child_leaves_the_store_unchanged(
    tmp_path: Path,
    parallel: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: object,
    expected: type[Exception],
) -> None:
    path = write(tmp_path, "\n".join([HEADER, *_rows(600)]) + "\n")
    store = new_store(tmp_path, "child.db")
    before = fingerprint(store)
    types = geo.io.ingest._types
    calls: list[int] = []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:  # after two chunks were sent and written
            if failure == "exit":
                os._exit(3)
            raise failure  # type: ignore[misc]
        return types(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(geo.io.ingest, "_types", failing)
    with pytest.raises(expected) as raised:
        _import(store, path, parallel=True, monkeypatch=monkeypatch)
    if expected is GeoError:
        assert str(raised.value) == "Kolumnen 'typ' går inte att läsa."
    elif failure == "exit":
        assert "kod 3" in str(raised.value)
    else:
        assert "ZeroDivisionError" in str(raised.value)
    assert calls == []  # the failing validation ran in the child, not here
    assert fingerprint(store) == before
    with store.connect() as connection:
        assert connection.execute(select(func.count()).select_from(imports)).scalar() == 0
