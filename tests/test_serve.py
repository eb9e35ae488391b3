"""`python -m geo serve` refuses to start on an address other computers reach without login
(issue 16, point 2), checks a configured login before Streamlit starts, and starts it otherwise."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geo.commands.serve import check_start, is_loopback
from geo.errors import ConfigError, GeoError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".streamlit" / "secrets.example.toml"


def _no_project_secrets() -> None:
    if (ROOT / ".streamlit" / "secrets.toml").exists() or (
        Path.home() / ".streamlit" / "secrets.toml"
    ).exists():
        pytest.skip(
            "en riktig secrets.toml finns på den här datorn"
        )  # never read someone's secrets


@pytest.mark.parametrize("address", ["0.0.0.0", "", "192.168.1.20", "::", "lagesbild.example.se"])
def test_a_public_address_without_login_is_refused_before_streamlit_starts(address: str) -> None:
    _no_project_secrets()
    done = subprocess.run(
        [sys.executable, "-m", "geo", "serve", "--address", address, "--port", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Appen startar inte" in done.stderr and "konfigurera inloggning" in done.stderr
    assert "Lägesbild Falkenberg startar" not in done.stdout  # Streamlit was never started


def test_loopback_addresses_are_local() -> None:
    assert all(is_loopback(a) for a in ("127.0.0.1", "localhost", "::1", "[::1]", "127.4.5.6"))
    assert not any(is_loopback(a) for a in ("0.0.0.0", "", "10.0.0.1", "example.se"))


def test_a_public_address_with_login_starts_and_a_broken_login_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "secrets.toml"
    shutil.copy(EXAMPLE, good)
    assert check_start("0.0.0.0", ["--secrets.files", str(good)]) is True
    broken = tmp_path / "broken.toml"
    broken.write_text('[auth]\nredirect_uri = "https://x.example/fel"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        check_start("0.0.0.0", ["--secrets.files", str(broken)])
    assert "cookie_secret" in str(refused.value) and "/oauth2callback" in str(refused.value)
    unreadable = tmp_path / "trasig.toml"
    unreadable.write_text("[auth\n", encoding="utf-8")
    with pytest.raises(GeoError, match="går inte att läsa"):
        check_start("127.0.0.1", ["--secrets.files", str(unreadable)])


def test_serve_starts_the_app_on_this_computer(tmp_path: Path) -> None:
    _no_project_secrets()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LAGESBILD_DATA_DIR": str(tmp_path)}
    env.pop("LAGESBILD_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "geo", "serve", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline, healthy = time.monotonic() + 60, False
        while time.monotonic() < deadline and not healthy:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as r:
                    healthy = r.status == 200
            except OSError:
                time.sleep(0.2)
        assert healthy
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert f"Lägesbild Falkenberg startar på http://127.0.0.1:{port} (lokalt läge)" in output
