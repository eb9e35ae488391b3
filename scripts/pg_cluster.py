"""A throw-away PostGIS cluster and fresh databases in it, for the PostgreSQL benchmarks.

``cluster()`` uses ``LAGESBILD_BENCH_POSTGRES_URL`` (a superuser's URL)
when set, otherwise starts ``scripts/pg_cluster.sh`` in a temporary folder under /tmp and stops it
afterwards. Databases are owned by ``lagesbild_owner`` (who runs the migrations and, on an empty
table, may defer the incident indexes), as in production.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "pg_cluster.sh"


class Cluster:
    """A PostgreSQL cluster reached through a superuser's URL."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def url(self, database: str, role: str = "lagesbild_owner") -> str:
        url = self.admin_url.set(drivername="postgresql+psycopg", username=role, database=database)
        return url.render_as_string(hide_password=False)

    def fresh_database(self, name: str) -> str:
        """Drop and create ``name`` (owned by lagesbild_owner); returns the owner's URL."""
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" OWNER lagesbild_owner'))
            version = connection.execute(text("SHOW server_version")).scalar()
        self.server_version = str(version)
        return self.url(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def cluster() -> Iterator[Cluster]:
    """The benchmark's cluster (see the module docstring)."""
    given = os.environ.get("LAGESBILD_BENCH_POSTGRES_URL")
    if given:
        yield Cluster(given)
        return
    folder = Path(tempfile.mkdtemp(prefix="lagesbild-bench-pg-", dir="/tmp"))
    try:
        started = subprocess.run(
            [str(SCRIPT), "start", str(folder)], check=True, capture_output=True, text=True
        )
        yield Cluster(started.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run([str(SCRIPT), "stop", str(folder)], check=False, capture_output=True)
