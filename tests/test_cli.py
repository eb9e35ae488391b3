"""The command line on a fresh database: init, demo, areas list, settings."""

from pathlib import Path

import pytest

from geo.commands.cli import main
from geo.store.database import count_rows, make_engine
from tests.conftest import empty_store_url


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = empty_store_url(tmp_path, "cli.db")
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", url)
    return url


def test_init_creates_schema_and_builtin_layer_without_demo(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "inbyggda områdeslagret" in out and "14 områden" in out and "0 händelser" in out
    assert count_rows(make_engine(database), "incidents") == 0


def test_demo_then_refuse_twice_without_replace(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--years", "1", "--seed", "4", "--end", "2025-01"]) == 0
    assert count_rows(make_engine(database), "incidents") > 5000
    assert main(["demo", "--years", "1", "--seed", "4", "--end", "2025-01"]) == 2
    assert "--replace" in capsys.readouterr().err


def test_init_with_demo_if_empty_is_idempotent(database: str) -> None:
    assert main(["demo", "--years", "1", "--end", "2025-01"]) == 0
    before = count_rows(make_engine(database), "incidents")
    assert main(["init", "--demo-if-empty"]) == 0
    assert count_rows(make_engine(database), "incidents") == before


def test_areas_list_says_approximate(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["init"])
    capsys.readouterr()
    assert main(["areas", "list"]) == 0
    out = capsys.readouterr().out
    assert "UNGEFÄRLIGA" in out and out.count("1382R0") == 14


def test_settings_lists_every_variable(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert "LAGESBILD_DATABASE_URL" in out and "LAGESBILD_DATA_DIR" in out and database in out


def test_the_command_line_reads_the_settings_once() -> None:
    """main() reads them and hands them on (args.settings); no command reads them again."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "geo" / "commands"
    calls = {
        path.name: path.read_text(encoding="utf-8").count("load_settings()")
        for path in folder.glob("*.py")
    }
    assert sum(calls.values()) == 1 and calls["cli.py"] == 1, calls
