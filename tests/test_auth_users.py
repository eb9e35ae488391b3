"""Login configuration, the one claim → role mapping and the allow-list (geo.access.users)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from geo.access.access_log import Actor, read
from geo.access.users import (
    LoginConfig,
    LoginRefused,
    find_user,
    list_users,
    load_login_config,
    login_of,
    main,
    resolve_access,
    role_from_claims,
    save_user,
)
from geo.errors import ConfigError, ConflictError, ImportRejected

ADMIN = Actor("admin@polisen.se (polis)", "polis", "admin")
SECRET = "x" * 48


def _secrets(**login: Any) -> dict[str, Any]:
    provider = {"client_id": "id", "client_secret": "s", "server_metadata_url": "http://idp/.well-known/openid-configuration"}  # fmt: skip
    return {
        "auth": {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": SECRET,
            "polis": dict(provider),
            "kommun": dict(provider),
        },
        "login": {
            "polis": {"role_claim": "roles", "role_map": {"Lagesbild.Polis": "polis", "Lagesbild.Admin": "admin"}},
            "kommun": {"role_claim": "groups", "role_map": {"lagesbild-samverkan": "samverkan"}},
            **login,
        },
    }  # fmt: skip


@pytest.fixture
def config() -> LoginConfig:
    return load_login_config(_secrets())


def _none(_: str) -> None:
    return None


def test_without_an_auth_section_login_is_not_configured() -> None:
    assert not load_login_config({}).configured
    assert not load_login_config({"other": {"x": 1}}).configured


def test_providers_belong_to_the_organisation_they_are_named_after(config: LoginConfig) -> None:
    assert config.configured
    assert {name: p.organisation for name, p in config.providers.items()} == {"polis": "polis", "kommun": "kommun"}  # fmt: skip
    assert config.providers["kommun"].role_claim == "groups"
    assert config.providers["polis"].label == "Polisen"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"redirect_uri": "http://localhost:8501/callback"}, "oauth2callback"),
        ({"cookie_secret": "kort"}, "för kort"),
        ({"region": {"client_id": "id"}}, r"\[auth.region\]: client_secret saknas"),
        ({"polis": {"client_id": "i", "client_secret": "s", "server_metadata_url": "u",
                    "client_kwargs": {"scope": "openid https://frejaeid.com/oidc/scopes/personalIdentityNumber"}}},
         "begär personnummer"),
        ({"hsa": {"client_id": "i", "client_secret": "s", "server_metadata_url": "u"}}, "organisationen 'hsa' är okänd"),
    ],
    ids=["callback-path", "short-secret", "missing-key", "personnummer-scope", "unknown-organisation"],
)  # fmt: skip
def test_a_bad_configuration_is_refused_with_the_fix(change: dict[str, Any], message: str) -> None:
    secrets = _secrets()
    secrets["auth"].update(change)
    with pytest.raises(ConfigError, match=message):
        load_login_config(secrets)


def test_a_partner_provider_cannot_map_to_a_police_role() -> None:
    secrets = _secrets(kommun={"role_map": {"alla": "polis"}})
    with pytest.raises(ConfigError, match="rollen polis ges bara via Polisens inloggning"):
        load_login_config(secrets)


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"roles": ["Lagesbild.Polis"]}, "polis"),
        ({"roles": ["Lagesbild.Polis", "Lagesbild.Admin"]}, "admin"),
        ({"roles": "Other Lagesbild.Polis"}, "polis"),
        ({"roles": "Other,Lagesbild.Admin"}, "admin"),
        ({"roles": ["Other"]}, None),
        ({}, None),
        ({"groups": ["Lagesbild.Polis"]}, None),  # the polis provider reads roles, not groups
    ],
    ids=["list", "most-privileged", "space-separated", "comma-separated", "unmapped", "no-claim", "other-claim"],
)  # fmt: skip
def test_the_claim_maps_to_a_role(
    config: LoginConfig, claims: dict[str, Any], role: str | None
) -> None:
    assert role_from_claims(claims, config.providers["polis"]) == role


def test_group_overage_says_to_use_app_roles(config: LoginConfig) -> None:
    claims = {"_claim_names": {"groups": "src1"}, "_claim_sources": {"src1": {}}}
    with pytest.raises(LoginRefused, match=r'för många grupper.*role_claim = "roles"'):
        role_from_claims(claims, config.providers["kommun"])


def test_the_login_is_the_email_in_lower_case_else_the_subject() -> None:
    assert login_of({"email": "Anna.Berg@Polisen.SE", "sub": "abc"}) == "anna.berg@polisen.se"
    assert login_of({"sub": "abc-123"}) == "abc-123"
    with pytest.raises(LoginRefused, match="saknar både e-postadress och subjekt"):
        login_of({})


@pytest.mark.parametrize("subject", ["191212121212", "19121212-1212", "121212-1212"])
def test_a_personnummer_as_identity_is_refused(subject: str) -> None:
    with pytest.raises(LoginRefused, match="personnummer"):
        login_of({"sub": subject})


def test_claims_give_the_role_when_the_person_is_not_in_the_list(config: LoginConfig) -> None:
    access = resolve_access({"provider": "polis", "email": "a@polisen.se", "roles": ["Lagesbild.Polis"]},
                            config=config, lookup=_none)  # fmt: skip
    assert (access.role, access.organisation, access.source) == ("polis", "polis", "anspråk")
    assert access.who == "a@polisen.se (polis)"
    partner = resolve_access({"provider": "kommun", "sub": "k-1", "groups": ["lagesbild-samverkan"]},
                             config=config, lookup=_none)  # fmt: skip
    assert (partner.role, partner.organisation, partner.who) == (
        "samverkan",
        "kommun",
        "k-1 (kommun)",
    )


def test_no_role_is_a_clear_refusal(config: LoginConfig) -> None:
    with pytest.raises(LoginRefused, match="har ingen roll i Lägesbild Falkenberg"):
        resolve_access({"provider": "kommun", "sub": "k-2"}, config=config, lookup=_none)


def test_an_unknown_provider_is_refused(config: LoginConfig) -> None:
    with pytest.raises(LoginRefused, match="okänd leverantör"):
        resolve_access({"provider": "google", "sub": "x"}, config=config, lookup=_none)


def test_the_list_wins_over_claims_and_can_switch_someone_off(
    store: Engine, config: LoginConfig
) -> None:
    save_user(
        store,
        login="Anna@Polisen.se",
        organisation="polis",
        role="samverkan",
        active=True,
        actor=ADMIN,
    )
    claims = {"provider": "polis", "email": "anna@polisen.se", "roles": ["Lagesbild.Admin"]}
    access = resolve_access(claims, config=config, lookup=lambda login: find_user(store, login))
    assert (access.role, access.source) == ("samverkan", "lista")
    save_user(store, login="anna@polisen.se", organisation="polis", role="samverkan", active=False,
              actor=ADMIN, expected_version=1)  # fmt: skip
    with pytest.raises(LoginRefused, match="avstängt"):
        resolve_access(claims, config=config, lookup=lambda login: find_user(store, login))


def test_the_list_is_found_by_subject_too(store: Engine, config: LoginConfig) -> None:
    save_user(store, login="hsa-SE2321000131-E000000001", organisation="kommun", role="samverkan",
              active=True, actor=ADMIN)  # fmt: skip
    access = resolve_access({"provider": "kommun", "sub": "hsa-SE2321000131-E000000001", "email": "x@falkenberg.se"},
                            config=config, lookup=lambda login: find_user(store, login))  # fmt: skip
    assert access.role == "samverkan" and access.login == "x@falkenberg.se"


def test_an_entry_from_another_organisation_is_refused(store: Engine, config: LoginConfig) -> None:
    save_user(
        store, login="p@polisen.se", organisation="polis", role="polis", active=True, actor=ADMIN
    )
    with pytest.raises(
        LoginRefused, match="hör till Polisen men loggade in via Falkenbergs kommun"
    ):
        resolve_access({"provider": "kommun", "email": "p@polisen.se"}, config=config,
                       lookup=lambda login: find_user(store, login))  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"login": "", "organisation": "polis", "role": "polis"}, "inloggningsnamnet saknas"),
        ({"login": "19121212-1212", "organisation": "polis", "role": "polis"}, "personnummer"),
        ({"login": "k@x.se", "organisation": "kommun", "role": "polis"}, "bara till personer från Polisen"),
        ({"login": "k@x.se", "organisation": "kommun", "role": "admin"}, "bara till personer från Polisen"),
        ({"login": "k@x.se", "organisation": "skola", "role": "samverkan"}, "okänd organisation"),
        ({"login": "k@x.se", "organisation": "kommun", "role": "chef"}, "okänd roll"),
    ],
    ids=["empty", "personnummer", "partner-as-police", "partner-as-admin", "organisation", "role"],
)  # fmt: skip
def test_a_bad_entry_is_refused_and_nothing_is_written(
    store: Engine, fields: dict[str, str], message: str
) -> None:
    with pytest.raises(ImportRejected) as refused:
        save_user(store, login=fields["login"], organisation=fields["organisation"], role=fields["role"],
                  active=True, actor=ADMIN)  # fmt: skip
    assert message in str(refused.value)
    assert list_users(store) == [] and read(store) == []


def test_every_change_is_in_the_access_log_with_before_and_after(store: Engine) -> None:
    save_user(
        store,
        login="k@falkenberg.se",
        organisation="kommun",
        role="samverkan",
        active=True,
        actor=ADMIN,
    )
    save_user(store, login="k@falkenberg.se", organisation="kommun", role="publik", active=True, actor=ADMIN,
              expected_version=1)  # fmt: skip
    rows = read(store)
    assert [r["action"] for r in rows] == ["ändring", "ändring"]
    assert rows[0]["user"] == ADMIN.who and rows[0]["target"] == "användare k@falkenberg.se"
    assert '"före": {' in rows[0]["details_json"] and '"role": "publik"' in rows[0]["details_json"]
    assert '"före": null' in rows[1]["details_json"]
    (entry,) = list_users(store)
    assert (entry.role, entry.version, entry.updated_by) == ("publik", 2, ADMIN.who)


def test_a_stale_edit_is_a_conflict(store: Engine) -> None:
    save_user(
        store,
        login="k@falkenberg.se",
        organisation="kommun",
        role="samverkan",
        active=True,
        actor=ADMIN,
    )
    save_user(store, login="k@falkenberg.se", organisation="kommun", role="publik", active=True, actor=ADMIN,
              expected_version=1)  # fmt: skip
    with pytest.raises(ConflictError, match=r"har ändrats av admin@polisen\.se"):
        save_user(store, login="k@falkenberg.se", organisation="kommun", role="samverkan", active=True,
                  actor=ADMIN, expected_version=1)  # fmt: skip
    with pytest.raises(ImportRejected, match="finns redan"):
        save_user(store, login="k@falkenberg.se", organisation="kommun", role="samverkan", active=True, actor=ADMIN)  # fmt: skip
    assert find_user(store, "K@Falkenberg.se") is not None
    assert find_user(store, "K@Falkenberg.se").role == "publik"  # type: ignore[union-attr]


def test_the_first_admin_from_the_command_line(store: Engine, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(store.url))
    assert main(["add", "Chef@Polisen.se", "--role", "admin", "--organisation", "polis"]) == 0
    assert "chef@polisen.se: admin (polis), version 1" in capsys.readouterr().out
    assert main(["add", "chef@polisen.se", "--role", "polis", "--organisation", "polis"]) == 0
    assert find_user(store, "chef@polisen.se").role == "polis"  # type: ignore[union-attr]
    assert main(["add", "k@x.se", "--role", "admin", "--organisation", "kommun"]) == 2
    assert "bara till personer från Polisen" in capsys.readouterr().out


def test_the_shipped_template_is_a_valid_configuration_and_secrets_stay_out_of_git() -> None:
    import subprocess
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with (root / ".streamlit" / "secrets.example.toml").open("rb") as template:
        config = load_login_config(tomllib.load(template))
    assert {n: p.organisation for n, p in config.providers.items()} == {"polis": "polis", "kommun": "kommun", "region": "region"}  # fmt: skip
    assert config.providers["polis"].role_map["Lagesbild.Admin"] == "admin"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=root, check=False
    )
    assert ignored.returncode == 0


def test_a_login_expires_after_the_configured_hours() -> None:
    from geo.access.users import login_expired

    config = load_login_config(_secrets(max_age_hours=2))
    assert config.max_age_hours == 2
    assert not login_expired({"iat": 1_000_000}, config, 1_000_000 + 7199)
    assert login_expired({"iat": 1_000_000}, config, 1_000_000 + 7201)
    assert not login_expired(
        {"auth_time": 1_000_000, "iat": 1}, config, 1_000_000 + 60
    )  # auth_time wins
    assert login_expired({}, config, 0)  # no time at all: log in again
    with pytest.raises(ConfigError, match="max_age_hours"):
        load_login_config(_secrets(max_age_hours=0))
