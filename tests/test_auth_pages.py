"""Login and roles through AppTest: every role with ``at.user``, the login page, a person without a
role, logout, the admin page, the who-value of writes and the access log of views.

``at.secrets`` stands in for ``.streamlit/secrets.toml`` (with it the app is in login mode) and
``at.user`` for what ``st.login`` put into ``st.user``. The real login against a real provider is
in tests/test_browser_login.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from geo.access.access_log import Actor, read
from geo.access.users import find_user, save_user
from tests.conftest import new_store

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
PROVIDER = {"client_id": "lagesbild", "client_secret": "hemligt",
            "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}  # fmt: skip
SECRETS: dict[str, Any] = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "k" * 48,
        "polis": dict(PROVIDER),
        "kommun": dict(PROVIDER),
        "region": dict(PROVIDER),
    },
    "login": {
        "polis": {"role_claim": "roles",
                  "role_map": {"Lagesbild.Polis": "polis", "Lagesbild.Admin": "admin", "Lagesbild.Publik": "publik"}},
        "kommun": {"role_claim": "groups", "role_map": {"lagesbild-samverkan": "samverkan"}},
        "region": {"role_claim": "groups", "role_map": {"lagesbild-samverkan": "samverkan"}},
    },
}  # fmt: skip
NOW = int(time.time())
POLICE = {"is_logged_in": True, "provider": "polis", "sub": "p-1", "email": "anna.berg@polisen.se", "iat": NOW,
          "roles": ["Lagesbild.Polis"]}  # fmt: skip
PARTNER = {"is_logged_in": True, "provider": "kommun", "sub": "k-1", "email": "karin@falkenberg.se", "iat": NOW,
           "groups": ["lagesbild-samverkan", "alla-anstallda"]}  # fmt: skip
ADMIN = {**POLICE, "sub": "a-1", "email": "admin@polisen.se", "roles": ["Lagesbild.Admin"]}
PUBLIC = {**POLICE, "sub": "x-1", "email": "praktikant@polisen.se", "roles": ["Lagesbild.Publik"]}


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A small store of its own (these tests write users and log rows)."""
    from geo.demo import load_demo
    from tests.conftest import DEMO_END

    engine = new_store(tmp_path, "app.db")
    load_demo(engine, years=1, seed=3, end=DEMO_END)
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(engine.url))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield engine
    st.cache_data.clear()
    st.cache_resource.clear()
    engine.dispose()


def _login(user: dict[str, Any] | None, *, page: str | None = None) -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=90)
    app.secrets = SECRETS
    app.user = dict(user) if user else {"is_logged_in": False}
    app.run()
    assert not app.exception, app.exception
    if page:
        app.switch_page(f"pages/{page}.py").run()
        assert not app.exception, app.exception
    return app


def _nav(app: AppTest) -> list[str]:
    """The pages (file stems = page keys) the last run put into st.navigation."""
    pages = app._registered_pages.values()
    return [Path(str(info["script_path"])).stem for info in pages if info.get("script_path")]


def _plain(markdown: str) -> str:
    """Markdown as read: escapes, bold marks and the word joiners of ui.strings.md removed."""
    return markdown.replace("\\", "").replace("**", "").replace("\u2060", "")


def _text(app: AppTest) -> str:
    parts = [
        e.value
        for e in (*app.markdown, *app.caption, *app.error, *app.warning, *app.info, *app.success)
    ]
    parts += [e.value for e in app.title] + [e.value for e in app.header]
    return "\n".join(str(p) for p in parts)


@pytest.mark.usefixtures("app_store")
def test_local_mode_opens_as_the_public_not_as_police() -> None:
    app = AppTest.from_file(DASHBOARD, default_timeout=90)
    app.run()
    assert not app.exception, app.exception
    picker = app.sidebar.selectbox[0]
    assert picker.value == "publik"
    assert (
        picker.options[0] == "Allmänheten"
        and "Administratör (användare och åtkomstlogg)" in picker.options
    )
    assert _nav(app) == ["publik"]
    assert app.dataframe.len == 0
    # The public's page holds nothing meant for staff: the local-mode note sits in the sidebar
    # under the role picker, not on the page (for polis it stays on the page: test_pages.py).
    assert any("Lokalt läge" in i.value for i in app.sidebar.info)
    assert not any("Lokalt läge" in i.value for i in app.main.info)


@pytest.mark.usefixtures("app_store")
def test_not_logged_in_sees_one_button_per_organisation_and_no_pages() -> None:
    app = _login(None)
    assert [b.label for b in app.button] == ["Logga in – Polisen", "Logga in – Falkenbergs kommun",
                                             "Logga in – Region Halland"]  # fmt: skip
    assert app.title[0].value == "Logga in"
    assert app.sidebar.selectbox.len == 0 and app.dataframe.len == 0
    assert "Lokalt läge" not in _text(app)


@pytest.mark.parametrize(
    ("user", "role", "pages"),
    [
        (POLICE, "polis", ["oversikt", "hotspots", "lagesbild", "uppfoljning", "planera", "narvaro",
                           "importera", "publik", "om"]),
        (PARTNER, "samverkan", ["oversikt", "lagesbild", "uppfoljning", "om"]),
        (PUBLIC, "publik", ["publik"]),
        (ADMIN, "admin", ["oversikt", "hotspots", "lagesbild", "uppfoljning", "planera", "narvaro",
                          "importera", "publik", "om", "admin"]),
    ],
    ids=["polis", "samverkan", "publik", "admin"],
)  # fmt: skip
@pytest.mark.usefixtures("app_store")
def test_every_role_gets_its_pages_from_the_login(
    user: dict[str, Any], role: str, pages: list[str]
) -> None:
    app = _login(user)
    assert _nav(app) == pages
    assert app.session_state["role"] == role
    sidebar = _plain(" ".join(m.value for m in app.sidebar.markdown))
    assert f"Inloggad som {user['email']} ({user['provider']})" in sidebar
    assert app.sidebar.selectbox.len == 0  # no role picker when logged in
    assert [b.label for b in app.sidebar.button] == ["Logga ut"]


@pytest.mark.usefixtures("app_store")
def test_a_partner_cannot_reach_police_pages() -> None:
    """Not in the navigation means not reachable by URL (the browser test opens the URLs)."""
    app = _login(PARTNER)
    for page in ("hotspots", "planera", "importera", "admin"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(f"pages/{page}.py")


@pytest.mark.usefixtures("app_store")
def test_police_cannot_reach_the_admin_page() -> None:
    app = _login(POLICE)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/admin.py")


def test_a_page_run_without_the_dashboard_is_refused_even_when_logged_in(app_store: Engine) -> None:
    page = AppTest.from_file(str(ROOT / "pages" / "planera.py"), default_timeout=90)
    page.secrets = SECRETS
    page.user = dict(POLICE)
    page.run()
    assert "Sidan kan inte visas" in page.error[0].value


def test_no_role_is_a_swedish_page_with_logout_and_a_log_row(app_store: Engine) -> None:
    user = {**PARTNER, "email": "ny@falkenberg.se", "groups": ["alla-anstallda"]}
    app = _login(user)
    assert app.title[0].value == "Ingen behörighet"
    assert "har ingen roll i Lägesbild Falkenberg" in app.warning[0].value
    assert [b.label for b in app.button] == ["Logga ut"]
    assert app.dataframe.len == 0 and app.get("component_instance") == []
    (row,) = read(app_store, action="nekad")
    assert row["user"] == "ny@falkenberg.se (kommun)" and "ingen roll" in row["details_json"]
    app.run()  # a rerun does not log the same refusal again
    assert len(read(app_store, action="nekad")) == 1


def test_logout_returns_to_the_login_page(app_store: Engine) -> None:
    app = _login(POLICE)
    app.sidebar.button[0].click().run()
    assert not app.exception, app.exception
    assert app.user == {"is_logged_in": False}
    # After the logout Streamlit sends the browser to the start page (the browser test follows it).
    app.switch_page("dashboard.py").run()
    assert app.title[0].value == "Logga in"
    assert app.sidebar.button.len == 0 and app.dataframe.len == 0


def test_a_personnummer_subject_is_refused_and_never_logged(app_store: Engine) -> None:
    user = {
        "is_logged_in": True,
        "iat": NOW,
        "provider": "region",
        "sub": "19121212-1212",
        "groups": ["lagesbild-samverkan"],
    }
    app = _login(user)
    assert "personnummer" in app.warning[0].value
    assert "1212-1212" not in str(read(app_store))


def test_the_allow_list_gives_the_role_and_switches_off(app_store: Engine) -> None:
    admin = Actor("admin@polisen.se (polis)", "polis", "admin")
    save_user(
        app_store,
        login="karin@falkenberg.se",
        organisation="kommun",
        role="publik",
        active=True,
        actor=admin,
    )
    app = _login(PARTNER)
    assert _nav(app) == ["publik"]  # the list wins over the claim
    save_user(app_store, login="karin@falkenberg.se", organisation="kommun", role="publik", active=False,
              actor=admin, expected_version=1)  # fmt: skip
    app = _login(PARTNER)  # the list is read on every run, not once per session
    assert app.title[0].value == "Ingen behörighet" and "avstängt" in app.warning[0].value


def test_admin_adds_a_user_through_the_form(app_store: Engine) -> None:
    app = _login(ADMIN, page="admin")
    assert [h.value for h in app.header] == ["Administration"]
    app.text_input[0].input("Region.Person@RegionHalland.se")
    app.selectbox[1].set_value("region")  # organisation
    app.selectbox[2].set_value("samverkan")  # role
    app.button[0].click().run()
    assert not app.exception, app.exception
    entry = find_user(app_store, "region.person@regionhalland.se")
    assert entry is not None and (entry.role, entry.organisation, entry.updated_by) == ("samverkan", "region", "admin@polisen.se (polis)")  # fmt: skip
    assert "Sparat: region.person@regionhalland.se är samverkan (region)" in _plain(_text(app))
    changes = read(app_store, action="ändring")
    assert changes[0]["user"] == "admin@polisen.se (polis)" and changes[0]["page"] == "admin"


def test_admin_cannot_make_a_partner_police(app_store: Engine) -> None:
    app = _login(ADMIN, page="admin")
    app.text_input[0].input("k2@falkenberg.se")
    app.selectbox[1].set_value("kommun")
    app.selectbox[2].set_value("polis")
    app.button[0].click().run()
    assert "bara till personer från Polisen" in app.error[0].value
    assert find_user(app_store, "k2@falkenberg.se") is None


def test_admin_reads_and_exports_the_access_log(app_store: Engine) -> None:
    _login(PARTNER, page="lagesbild")
    app = _login(ADMIN, page="admin")
    log = app.dataframe[-1].value
    assert {"inloggning", "visning"} <= set(log["Handling"])
    assert "karin@falkenberg.se (kommun)" in set(log["Användare"])
    assert "lagesbild" in set(log["Sida"])
    app.text_input[1].input("karin").run()
    assert set(app.dataframe[-1].value["Användare"]) == {"karin@falkenberg.se (kommun)"}
    assert any(
        r["action"] == "filter" and "karin" in (r["details_json"] or "") for r in read(app_store)
    )


def test_views_are_logged_once_per_page_entry_with_the_filters(app_store: Engine) -> None:
    app = _login(POLICE, page="hotspots")
    views = [r for r in read(app_store, action="visning") if r["page"] == "hotspots"]
    assert (
        len(views) == 1
        and views[0]["user"] == "anna.berg@polisen.se (polis)"
        and views[0]["role"] == "polis"
    )
    filters = [r for r in read(app_store, action="filter") if r["page"] == "hotspots"]
    assert filters and "start_utc" in filters[0]["details_json"]
    app.run()  # a rerun with the same filters adds nothing
    assert len([r for r in read(app_store) if r["page"] == "hotspots"]) == len(views) + len(filters)


def test_writes_name_the_logged_in_person(app_store: Engine) -> None:
    app = _login(POLICE, page="planera")
    assert "Sparas som anna.berg@polisen.se (polis)" in _plain(
        " ".join(c.value for c in app.sidebar.caption)
    )
    assert "plan_who" not in [t.key for t in app.sidebar.text_input]


def test_the_visit_that_publishes_the_public_map_is_logged_as_the_change(app_store: Engine) -> None:
    _login(PUBLIC)
    (change,) = [r for r in read(app_store, action="ändring") if r["target"] == "publik karta"]
    assert change["user"] == "praktikant@polisen.se (polis)" and change["page"] == "publik"
    assert '"sista"' in change["details_json"] or '"vägrad": true' in change["details_json"]


@pytest.mark.usefixtures("app_store")
def test_a_login_older_than_the_limit_must_log_in_again() -> None:
    """Streamlit's cookie lives 30 days with that day's claims; the app asks again after 12 hours."""
    app = _login({**POLICE, "iat": NOW - 13 * 3600})
    assert "äldre än 12 timmar" in app.info[0].value
    assert [b.label for b in app.button] == ["Logga in igen – Polisen", "Logga ut"]
    assert app.dataframe.len == 0 and app.get("component_instance") == []
    assert "Inloggad som" not in " ".join(m.value for m in app.sidebar.markdown)
    assert _nav(_login({**POLICE, "iat": NOW - 11 * 3600}))[0] == "oversikt"
