"""Readers: the fast (pyarrow) CSV path is used only where it equals the strict reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.io import readers


def _read(path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    if not fast:
        monkeypatch.setattr(readers, "_fast_path_is_exact", lambda *_args: False)
    source = readers.open_csv(path)
    frames = list(source.chunks)
    monkeypatch.undo()
    return pd.concat(frames) if frames else pd.DataFrame()


CLEAN = "id;tid;typ;x\r\n1;2026-01-10 12:00;Stöld;347000,5\r\n2;2026-01-10 13:00;Rån;\r\n3;2026-01-10 14:00;Bråk;1\r\n"


@pytest.mark.parametrize(
    ("body", "encoding"),
    [(CLEAN, "utf-8-sig"), (CLEAN, "cp1252"), (CLEAN.replace("347000,5", "347000.5").replace(";", ","), "utf-8"), (CLEAN.replace("\r\n", "\n"), "utf-8")],
    ids=["utf8-bom", "windows-1252", "comma", "lf"],
)  # fmt: skip
def test_fast_path_equals_strict_reader_on_clean_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, encoding: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(body.encode(encoding))
    scan = readers.scan_bytes(path)
    assert readers._fast_path_is_exact(
        path, scan, readers.detect_separator(body.splitlines()[0]), ["id", "tid", "typ", "x"]
    )
    fast = _read(path, fast=True, monkeypatch=monkeypatch)
    strict = _read(path, fast=False, monkeypatch=monkeypatch)
    pd.testing.assert_frame_equal(fast, strict, check_index_type=False)
    assert list(fast.index) == [2, 3, 4]


@pytest.mark.parametrize(
    "body",
    ['id;typ\n1;"två\nrader"\n2;x\n', "id;typ\n1;a\n\n2;b\n", "id;typ\n1;a;extra\n", 'id;typ\n1;"öppen\n', 'id;typ\n1;a"b\n', "id;typ\n1;a\x00\n"],
    ids=["newline-in-value", "blank-line", "ragged", "unterminated-quote", "stray-quote", "nul-byte"],
)  # fmt: skip
def test_anything_irregular_goes_to_the_strict_reader(tmp_path: Path, body: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(body.encode("utf-8"))
    assert not readers._fast_path_is_exact(path, readers.scan_bytes(path), ";", ["id", "typ"])


def test_line_numbers_stay_exact_across_quoted_line_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes('id;typ\n1;"två\nrader"\n2;x\n'.encode())
    frame = _read(path, fast=True, monkeypatch=monkeypatch)
    assert list(frame.index) == [3, 4] and frame.loc[3, "typ"] == "två\nrader"


def test_format_detection_by_content() -> None:
    assert readers.detect_format(Path(__file__).parent / "conftest.py", "csv") == ("csv", None)
