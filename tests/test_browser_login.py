"""Login end to end, offline: a real OIDC provider on loopback (oidc-provider-mock: discovery, RS256
keys, authorisation code, ID token, end session), the app in login mode, and Debian's Chromium.

A police officer logs in through the police's provider and a partner through the kommun's; each
sees their own pages, the partner is refused police pages by URL, and both log out (at the
provider too). The access log holds their logins and views.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, Route
from sqlalchemy import Engine

from geo.access.access_log import read
from geo.store.database import make_engine
from tests.conftest import store_url
from tests.test_browser import (  # noqa: F401 - fixtures used by name
    Server,
    _free_port,
    _need_browser,
    _start_server,
    _wait_for_map,
    browser_page,
    demo_data_dir,
)

pytestmark = pytest.mark.browser

POLICE = (
    "p-anna",
    {"email": "anna.berg@polisen.se", "name": "Anna Berg", "roles": ["Lagesbild.Polis"]},
)
PARTNER = ("k-karin", {"email": "karin@falkenberg.se", "name": "Karin", "groups": ["lagesbild-samverkan", "alla"]})  # fmt: skip
LOOPBACK = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The provider's base URL (one per module; both organisations' sections point at it)."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=sub, claims=claims) for sub, claims in (POLICE, PARTNER)]
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def login_server(demo_data_dir: Path, provider: str, tmp_path: Path) -> Iterator[Server]:  # noqa: F811
    _need_browser()
    port = _free_port()
    metadata = f"{provider}/.well-known/openid-configuration"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "test-cookie-secret-that-is-long-enough-0123456789"

[auth.polis]
client_id = "lagesbild-polis"
client_secret = "polis-hemlighet"
server_metadata_url = "{metadata}"

[auth.kommun]
client_id = "lagesbild-kommun"
client_secret = "kommun-hemlighet"
server_metadata_url = "{metadata}"

[login.polis]
role_claim = "roles"
[login.polis.role_map]
"Lagesbild.Polis" = "polis"

[login.kommun]
role_claim = "groups"
[login.kommun.role_map]
"lagesbild-samverkan" = "samverkan"
""",
        encoding="utf-8",
    )
    server = _start_server(demo_data_dir, tmp_path / "streamlit.log", ["--secrets.files", str(secrets)], port=port)  # fmt: skip
    yield server
    server.process.terminate()
    server.process.wait(timeout=20)


@pytest.fixture
def offline_page(
    browser_page: tuple[Page, list[str], list[str]],  # noqa: F811
) -> tuple[Page, list[str], list[str]]:
    """The browser page with every request off this machine refused (the provider's login form
    names a stylesheet on a CDN); the refused hosts are returned for the asserts."""
    page, errors, _hosts = browser_page
    refused: list[str] = []

    def route(request_route: Route) -> None:
        host = urlparse(request_route.request.url).hostname or ""
        if host in LOOPBACK:
            request_route.continue_()
        else:
            refused.append(host)
            request_route.abort()

    page.context.route("**/*", route)
    return page, errors, refused


def _store(data_dir: Path) -> Engine:
    return make_engine(store_url(data_dir, "lagesbild.db"))  # the demo_data_dir fixture's store


def _log_in(page: Page, server: Server, organisation_label: str, subject: str) -> None:
    page.goto(server.url)
    page.get_by_role("heading", name="Logga in").wait_for(timeout=60_000)
    assert page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").count() == 0
    page.get_by_role("button", name=f"Logga in – {organisation_label}").click()
    # The provider's own page: pick the predefined user (its button is named by the subject).
    page.wait_for_url(re.compile(r"http://localhost:\d+/oauth2/authorize.*"), timeout=60_000)
    page.get_by_role("button", name=subject, exact=True).click()
    page.wait_for_url(re.compile(re.escape(server.url) + r"/.*"), timeout=60_000)
    page.get_by_text("Inloggad som", exact=False).first.wait_for(timeout=60_000)


def _sidebar_text(page: Page) -> str:
    """The sidebar as read (without the invisible word joiners ui.strings.md puts after '@')."""
    return page.locator("[data-testid=stSidebar]").inner_text().replace("\u2060", "")


def _log_out(page: Page, server: Server) -> None:
    page.locator("[data-testid=stSidebar]").get_by_role("button", name="Logga ut").click()
    # Streamlit sends the browser to the provider's end-session endpoint, which asks to confirm.
    page.get_by_role("button", name="End session").click(timeout=60_000)
    page.wait_for_url(re.compile(re.escape(server.url) + r"/.*"), timeout=60_000)
    page.get_by_role("heading", name="Logga in").wait_for(timeout=60_000)


def test_police_log_in_see_police_pages_and_log_out(
    login_server: Server, offline_page: tuple[Page, list[str], list[str]], demo_data_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:  # fmt: skip
    page, errors, refused = offline_page
    _log_in(page, login_server, "Polisen", POLICE[0])
    sidebar = page.locator("[data-testid=stSidebar]")
    assert "anna.berg@polisen.se (polis)" in _sidebar_text(page)
    assert "Lokalt läge" not in page.inner_text("body")
    _wait_for_map(page)  # the overview, as the police see it
    for link in ("Hotspots", "Planera närvaro", "Importera"):
        assert sidebar.get_by_role("link", name=link).count() == 1, link
    assert sidebar.get_by_role("link", name="Administration").count() == 0
    page.goto(f"{login_server.url}/planera")  # a police page by URL, logged in: shown
    page.get_by_text("Ny närvaro", exact=True).wait_for(timeout=60_000)
    assert "Sparas som anna.berg@polisen.se (polis)" in _sidebar_text(page)
    page.screenshot(path=str(tmp_path / "polis.png"), full_page=True)

    _log_out(page, login_server)
    page.goto(f"{login_server.url}/planera")  # the cookie is gone: the login page, not the plan
    page.get_by_role("heading", name="Logga in").wait_for(timeout=60_000)
    assert page.get_by_text("Ny närvaro", exact=True).count() == 0
    assert errors == []
    assert set(refused) <= {"cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com"}, refused

    engine = _store(demo_data_dir)
    rows = [r for r in read(engine) if r["user"] == "anna.berg@polisen.se (polis)"]
    engine.dispose()
    assert {"inloggning", "visning"} <= {r["action"] for r in rows}
    assert "planera" in {r["page"] for r in rows}


def test_a_partner_logs_in_sees_the_shared_pages_and_is_refused_police_pages(
    login_server: Server, offline_page: tuple[Page, list[str], list[str]], demo_data_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:  # fmt: skip
    page, errors, _refused = offline_page
    _log_in(page, login_server, "Falkenbergs kommun", PARTNER[0])
    sidebar = page.locator("[data-testid=stSidebar]")
    assert "karin@falkenberg.se (kommun)" in _sidebar_text(page)
    _wait_for_map(page)
    assert sidebar.get_by_role("link", name="Gemensam lägesbild").count() == 1
    for link in ("Hotspots", "Planera närvaro", "Importera", "Närvaro mot behov"):
        assert sidebar.get_by_role("link", name=link).count() == 0, link
    for path in ("planera", "hotspots", "importera", "narvaro"):
        page.goto(f"{login_server.url}/{path}")
        # Not in the partner's navigation: Streamlit says so and runs the first page instead.
        page.get_by_text("Page not found").wait_for(timeout=60_000)
        _wait_for_map(page)
        body = page.inner_text("body")
        assert "Ny närvaro" not in body and "Var och när: hotspots" not in body, path
        assert "Importera händelser" not in body and "Koperkurvan" not in body, path
        page.keyboard.press("Escape")
    page.screenshot(path=str(tmp_path / "samverkan.png"), full_page=True)
    _log_out(page, login_server)
    assert errors == []

    engine = _store(demo_data_dir)
    actions = {r["action"] for r in read(engine, user="karin@falkenberg.se")}
    engine.dispose()
    assert "inloggning" in actions
