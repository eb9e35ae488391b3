"""`python -m geo serve`: start the app, refusing an open address without login.

An address other computers can reach is refused unless login is configured (issue 16: local
mode is for one computer).

The check runs before Streamlit starts, so the server never listens publicly without login; the
pages check again for every request (``ui/auth.py``: a proxy or a foreign ``Host`` in local mode),
for anyone who starts Streamlit by hand. The secrets are read the way Streamlit reads them: the
``--secrets.files`` given, else ``.streamlit/secrets.toml`` in the project and in the home folder.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geo.access.users import load_login_config
from geo.errors import ConfigError, GeoError

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_ADDRESS = "127.0.0.1"
DEFAULT_PORT = 8501

REFUSAL = (
    "Appen startar inte: den skulle lyssna på {address}, som andra datorer når, men ingen "
    "inloggning är konfigurerad. Lokalt läge (roll i sidomenyn, ingen inloggning) körs bara på den "
    "här datorn.\n"
    "- För en dator: starta utan --address (eller med --address 127.0.0.1), t.ex. ./run.sh.\n"
    "- För en delad server: konfigurera inloggning via organisationernas IdP i "
    ".streamlit/secrets.toml eller en fil som --secrets-file pekar på (mall: "
    '.streamlit/secrets.example.toml, se README "Login") och starta igen.'
)


def is_loopback(address: str) -> bool:
    """Whether a listen (or client) address only belongs to this computer (empty: every address)."""
    if address.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def secrets_files(extra: Sequence[str]) -> list[Path]:
    """Return the secrets files Streamlit reads: ``--secrets.files`` if given, else its defaults."""
    for position, argument in enumerate(extra):
        if argument.startswith("--secrets.files="):
            return [Path(p) for p in argument.split("=", 1)[1].split(",") if p]
        if argument == "--secrets.files" and position + 1 < len(extra):
            return [Path(p) for p in extra[position + 1].split(",") if p]
    return [PROJECT / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]


def read_secrets(files: Sequence[Path]) -> dict[str, Any]:
    """Read the secrets of every file that exists, later files overriding earlier ones."""
    merged: dict[str, Any] = {}
    for path in files:
        if not path.is_file():
            continue
        try:
            merged.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"Hemligheterna i {path} går inte att läsa: {error}.") from error
    return merged


def check_start(address: str, extra: Sequence[str]) -> bool:
    """Refuse a start Streamlit must not make; True when login is configured (and valid).

    Raises
    ------
    GeoError
        A public address without login, or a login configuration with problems.
    """
    secrets = read_secrets(secrets_files(extra))
    login = bool(secrets.get("auth"))
    if login:
        load_login_config(secrets)  # a broken configuration is refused with every problem
    elif not is_loopback(address):
        raise GeoError(REFUSAL.format(address=address or "alla adresser"))
    return login


def command(address: str, port: int, extra: Sequence[str]) -> list[str]:
    """Return the command line that runs the app (``dashboard.py``) with this Python."""
    return [
        sys.executable, "-m", "ui.server", str(PROJECT / "dashboard.py"),
        "--server.address", address, "--server.port", str(port), "--server.headless", "true",
        *extra,
    ]  # fmt: skip


def serve(
    address: str = DEFAULT_ADDRESS, port: int = DEFAULT_PORT, extra: Sequence[str] = ()
) -> None:
    """Check, then replace this process with the Streamlit server (does not return)."""
    login = check_start(address, extra)
    mode = "inloggning" if login else "lokalt läge"
    print(f"Lägesbild Falkenberg startar på http://{address}:{port} ({mode})", flush=True)
    arguments = command(address, port, extra)
    os.execv(arguments[0], arguments)  # noqa: S606 - our own command line: this Python, -m ui.server
