"""The SQLite file is private: its folder is created 0700, the file and its WAL/SHM files 0600.

These always use a SQLite file (the embedded default), whichever database the run's stores use.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from geo.areas.layers import activate_builtin_layer
from geo.store.database import make_engine, migrate

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_is_private_with_its_wal_and_shm(tmp_path: Path) -> None:
    database = tmp_path / "ny" / "mapp" / "lagesbild.db"
    previous = os.umask(0o022)  # the usual umask, which gave 0644 files and 0755 folders before
    try:
        engine = make_engine(f"sqlite:///{database}")
    finally:
        os.umask(previous)
    migrate(engine)
    activate_builtin_layer(engine)
    with engine.connect() as connection:  # a reader holds the WAL and SHM files open
        connection.exec_driver_sql("SELECT count(*) FROM areas").scalar()
        assert Path(f"{database}-wal").exists() and Path(f"{database}-shm").exists()
        modes = {p.name: _mode(p) for p in database.parent.iterdir()}
    engine.dispose()
    assert modes == {"lagesbild.db": 0o600, "lagesbild.db-wal": 0o600, "lagesbild.db-shm": 0o600}
    assert _mode(database.parent) == 0o700 and _mode(database.parent.parent) == 0o700


def test_an_existing_readable_file_is_made_private_and_its_folder_left_alone(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "delad"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)
    database = folder / "lagesbild.db"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    engine.dispose()
    database.chmod(0o644)
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
    engine.dispose()
    assert _mode(database) == 0o600
    assert _mode(folder) == 0o750  # a folder chosen by the administrator keeps its mode
