"""The production setup in deploy/: systemd units that systemd accepts, and the nginx site in front
of a real Streamlit server: TLS, the websocket, the security headers, no metrics, and the app with
its Leaflet map drawing in Chromium under the Content-Security-Policy.

nginx is Debian's (``apt-get install nginx-light``; .ci/run installs it); it runs on loopback
ports with a throw-away self-signed certificate.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo.demo import load_demo
from tests.conftest import DEMO_END, browser_required, new_store, on_postgres, store_url

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
UNITS = ["lagesbild.service", "lagesbild-backup.service", "lagesbild-backup.timer",
         "lagesbild-retention.service", "lagesbild-retention.timer"]  # fmt: skip


def _need(program: str) -> None:
    if not Path(program).exists() and shutil.which(program) is None:
        message = f"{program} saknas (apt-get install nginx-light)"
        if browser_required():  # CI: a deployment test that cannot run is a failure
            pytest.fail(message)
        pytest.skip(message)


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    """systemd-analyze accepts the units once the paths point at this checkout."""
    _need("systemd-analyze")
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        text = text.replace("/opt/lagesbild", str(ROOT)).replace("User=lagesbild", "User=root")
        text = text.replace("Group=lagesbild", "Group=root")
        text = text.replace("/etc/lagesbild/lagesbild.env", str(tmp_path / "lagesbild.env"))
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "lagesbild.env").write_text("LAGESBILD_DATA_DIR=/tmp\n", encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / n) for n in UNITS)],
        capture_output=True, text=True,
    )  # fmt: skip
    problems = [
        line for line in done.stderr.splitlines()
        if "lagesbild" in line and "Failed to" not in line.split(":", 1)[0]
    ]  # fmt: skip
    assert done.returncode == 0 and problems == [], done.stderr
    service = (DEPLOY / "lagesbild.service").read_text(encoding="utf-8")
    assert "geo serve --address 127.0.0.1" in service and "ExecStartPre=" in service
    assert "--secrets-file /etc/lagesbild/secrets.toml" in service  # secrets outside the checkout


@dataclass
class Site:
    https: str
    http: str
    direct: str
    unforwarded: str


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _free_port_pair() -> int:
    """A free port whose successor is free too."""
    import socket

    for _attempt in range(50):
        port = _free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("inga lediga portpar")


def _wait(url: str, context: ssl.SSLContext | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} svarade inte")


def _unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _site_config(folder: Path, *, tls: int, http: int, app: int) -> Path:
    """The deploy/ site with loopback ports, a test certificate and a prefix of its own."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(folder / "test.key"), "-out", str(folder / "test.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx-lagesbild.conf").read_text(encoding="utf-8")
    site = re.sub(r"^\s*listen \[::\].*\n", "", site, flags=re.MULTILINE)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{tls} ssl http2;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = site.replace("server 127.0.0.1:8501;", f"server 127.0.0.1:{app};")
    site = site.replace("lagesbild.example.se;", "localhost;")
    site = site.replace("/etc/ssl/certs/lagesbild.example.se.pem", str(folder / "test.pem"))
    site = site.replace("/etc/ssl/private/lagesbild.example.se.key", str(folder / "test.key"))
    live = [line for line in site.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in live if "example.se" in line or ":8501" in line]
    # A second TLS server, the same but without the forwarding headers: the app's local mode
    # (no login configured here) refuses proxied requests, so the map is checked through this one.
    tls_server = site[site.index(f"server {{\n    listen 127.0.0.1:{tls}") :]
    local = re.sub(r"^.*X-(Real-IP|Forwarded-For).*\n", "", tls_server, flags=re.MULTILINE)
    site += "\n" + local.replace(f"listen 127.0.0.1:{tls} ", f"listen 127.0.0.1:{tls + 1} ")
    (folder / "site.conf").write_text(site, encoding="utf-8")
    (folder / "logs").mkdir()
    main = folder / "nginx.conf"
    main.write_text(
        f"user root;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/logs/error.log;\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n access_log {folder}/logs/access.log;\n"
        f" client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;\n"
        f" fastcgi_temp_path {folder}/fcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;\n"
        f" include {folder}/site.conf;\n}}\n",
        encoding="utf-8",
    )  # fmt: skip
    return main


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _need(NGINX)
    folder = tmp_path_factory.mktemp("nginx")
    data = tmp_path_factory.mktemp("app-data")
    engine = new_store(data, "lagesbild.db")
    load_demo(engine, years=1, seed=1, end=DEMO_END)
    engine.dispose()
    app_port, http = _free_port(), _free_port()
    tls = _free_port_pair()
    env = {**os.environ, "LAGESBILD_DATA_DIR": str(data)}
    env.pop("LAGESBILD_DATABASE_URL", None)
    if on_postgres():  # the demo store's database; on SQLite the default file in the data dir
        env["LAGESBILD_DATABASE_URL"] = store_url(data, "lagesbild.db")
    config = _site_config(folder, tls=tls, http=http, app=app_port)
    checked = subprocess.run([NGINX, "-t", "-c", str(config), "-p", str(folder)], capture_output=True, text=True)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    log = (folder / "streamlit.log").open("wb")
    app = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
         "--server.address", "127.0.0.1", "--server.port", str(app_port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    proxy: subprocess.Popen[bytes] | None = None
    try:
        proxy = subprocess.Popen([NGINX, "-c", str(config), "-p", str(folder), "-g", "daemon off;"])
        _wait(f"http://127.0.0.1:{app_port}/_stcore/health")
        _wait(f"https://localhost:{tls}/_stcore/health", _unverified())
        yield Site(f"https://localhost:{tls}", f"http://localhost:{http}",
                   f"http://127.0.0.1:{app_port}", f"https://localhost:{tls + 1}")  # fmt: skip
    finally:
        if proxy is not None:
            proxy.send_signal(signal.SIGQUIT)
            proxy.wait(timeout=20)
        app.terminate()
        app.wait(timeout=20)
        log.close()


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=_unverified()), _NoRedirect()
    )
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_headers_tls_redirect_and_no_metrics(site: Site) -> None:
    status, headers, _body = _get(site.https + "/")
    assert status == 200
    assert "frame-ancestors 'self'" in headers["content-security-policy"]
    assert "object-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert "nginx/" not in headers.get("server", "")
    direct, _h, metrics = _get(site.direct + "/_stcore/metrics")
    assert direct == 200 and metrics  # Streamlit itself exposes them ...
    status, headers, _body = _get(site.https + "/_stcore/metrics")
    assert status == 404 and "x-frame-options" in headers  # ... nginx does not
    assert _get(site.https + "/_stcore/metrics/x")[0] == 404
    status, headers, _body = _get(site.http + "/oversikt")
    assert status == 301 and headers["location"].startswith("https://localhost")
    assert _get(site.https + "/app/static/vendor/leaflet/leaflet.js")[0] == 200


@pytest.mark.browser
def test_the_app_and_its_map_work_through_the_proxy(site: Site, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.test_browser import (
        CHROMIUM,
        CHROMIUM_ARGS,
        POLICE_ROLE,
        _need_browser,
        _pick_role,
        _wait_for_map,
    )

    _need_browser()
    console: list[str] = []
    errors: list[str] = []
    sockets: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profil"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, ignore_https_errors=True, viewport={"width": 1400, "height": 1000},
        )  # fmt: skip
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("websocket", lambda socket: sockets.append(socket.url))
        page.goto(site.https + "/")  # the real site: local mode sees the proxy and refuses
        page.get_by_text("X-Forwarded-For").wait_for(timeout=60_000)
        try:  # the police's overview: Leaflet from /app/static inside the component iframe
            page.goto(site.unforwarded + "/")
            page.get_by_text("Lokalt läge", exact=False).first.wait_for(timeout=60_000)
            _pick_role(page, POLICE_ROLE)
            page.locator("[data-testid=stSidebarNav] a", has_text="Översikt").click()
            frame = _wait_for_map(page)
        except Exception as error:
            page.screenshot(path=str(tmp_path / "proxy.png"))
            raise AssertionError(
                f"{console} {errors} {sockets} {page.inner_text('body')[:800]}"
            ) from error
        assert frame.locator("path.leaflet-interactive").count() >= 14
        context.close()
    assert any(s.startswith(site.unforwarded.replace("https", "wss")) for s in sockets), sockets
    blocked = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert blocked == [] and errors == []
