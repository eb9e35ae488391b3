from pathlib import Path

import pytest

from geo.config import REFERENCE_DIR, load_settings
from geo.errors import ConfigError


def test_defaults_put_the_sqlite_file_in_data() -> None:
    settings = load_settings({})
    assert settings.data_dir == REFERENCE_DIR.resolve()
    assert settings.database_url == f"sqlite:///{REFERENCE_DIR.resolve() / 'lagesbild.db'}"
    assert settings.is_sqlite
    assert settings.tiles_url is None


def test_data_dir_moves_the_default_database(tmp_path: Path) -> None:
    settings = load_settings({"LAGESBILD_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'lagesbild.db'}"


def test_database_url_wins_over_data_dir(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    assert (
        load_settings({"LAGESBILD_DATA_DIR": "/x", "LAGESBILD_DATABASE_URL": url}).database_url
        == url
    )


def test_unsupported_database_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="LAGESBILD_DATABASE_URL"):
        load_settings({"LAGESBILD_DATABASE_URL": "mysql://x"})


def test_tiles_need_an_attribution() -> None:
    with pytest.raises(ConfigError, match="LAGESBILD_TILES_ATTRIBUTION"):
        load_settings({"LAGESBILD_TILES_URL": "https://tiles.example/{z}/{x}/{y}.png"})


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    with pytest.raises(AttributeError):
        settings.database_url = "sqlite:///elsewhere.db"  # type: ignore[misc]
