"""Who may log in and in which role: login configuration, claim → role and the allow-list.

The allow-list of users is kept in the database; claims become roles through one mapping.

Login goes through the organisations' own identity providers (OIDC; Streamlit's ``st.login``).
Each provider section is named after the organisation that runs it (``polis``, ``kommun``,
``region``), so the organisation of a logged-in person is the provider they came through, never
something a claim or a form can claim.

The role is decided in one place, :func:`resolve_access`:

1. the allow-list entry for the person's login (the e-mail address, else the OIDC subject), if
   there is one: an admin can grant a role, change it or switch a person off;
2. otherwise the provider's configured claim (``roles`` or ``groups``) through that provider's
   ``role_map``, the most privileged mapped value winning;
3. otherwise no role: the person sees a Swedish page saying whom to ask.

The ``polis`` and ``admin`` roles are only given to people who logged in through the police's
provider (the police are responsible for their data and for who sees it).

No personnummer is requested or stored: a login that is or holds one is refused (configure the
provider to send an e-mail address or another subject), and scopes that ask for one are refused in
the configuration.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, RowMapping, insert, select, update

from geo.access.access_log import Actor, record
from geo.errors import ConfigError, ConflictError, GeoError, ImportRejected, Problem
from geo.io.screening import screen_text
from geo.store.database import now_utc, unit_of_work
from geo.store.schema import app_users

#: Every role, from the least to the most privileged.
ROLES = ("publik", "samverkan", "polis", "admin")
ORGANISATIONS = ("polis", "kommun", "region")
ORGANISATION_LABELS = {
    "polis": "Polisen",
    "kommun": "Falkenbergs kommun",
    "region": "Region Halland",
}
#: Roles only the police's own provider can give.
POLICE_ONLY_ROLES = frozenset({"polis", "admin"})
ROLE_CLAIMS = ("roles", "groups")

#: Scopes that would ask a Swedish provider for the personal identity number (Freja eID, BankID
#: brokers, SITHS/Inera): matched case-insensitively as parts of a scope.
_PERSONNUMMER_SCOPE_PARTS = ("personalidentitynumber", "personnummer", "ssn", "nin")


class LoginRefused(GeoError):
    """A person authenticated but may not use the app; the message says why and whom to ask."""


@dataclass(frozen=True)
class ProviderConfig:
    """One ``[auth.<name>]`` provider and how its claims become roles."""

    name: str
    organisation: str
    role_claim: str
    role_map: Mapping[str, str]
    label: str


#: How long a login holds before the person must log in again (hours). Streamlit's login cookie
#: lives 30 days and keeps the claims of that day; a shorter limit makes a role taken away at the
#: provider stop working within a working day. ``[login] max_age_hours`` changes it.
DEFAULT_MAX_AGE_HOURS = 12


@dataclass(frozen=True)
class LoginConfig:
    """The providers of a configured login (empty: local mode)."""

    providers: Mapping[str, ProviderConfig]
    max_age_hours: float = DEFAULT_MAX_AGE_HOURS

    @property
    def configured(self) -> bool:
        """Whether any login provider is configured (else the app runs in local mode)."""
        return bool(self.providers)


@dataclass(frozen=True)
class UserEntry:
    """One row of the allow-list."""

    id: int
    login: str
    organisation: str
    role: str
    active: bool
    version: int
    updated_by: str


@dataclass(frozen=True)
class Access:
    """A logged-in person's access: the login, organisation and role, and the who-value."""

    login: str
    organisation: str
    role: str
    source: str  # "lista" (allow-list) | "anspråk" (claim)

    @property
    def who(self) -> str:
        """The who-value every write and the access log record: ``"login (organisation)"``."""
        return who_value(self.login, self.organisation)

    def actor(self) -> Actor:
        """Return who acts, for the logs: login, organisation and role."""
        return Actor(self.who, self.organisation, self.role)


def who_value(login: str, organisation: str | None) -> str:
    """``"login (organisation)"``, at most 200 characters (the width of every ``*_by`` column)."""
    suffix = f" ({organisation})" if organisation else ""
    return f"{login[: 200 - len(suffix)]}{suffix}"


# --- configuration ---------------------------------------------------------------------------------


def _has_personnummer(text: str) -> bool:
    found = screen_text(text)
    return bool(found.redacted or found.near_misses)


def load_login_config(secrets: Mapping[str, Any]) -> LoginConfig:
    """Read the login configuration from the secrets (``st.secrets`` as a plain mapping).

    ``[auth]`` holds Streamlit's settings and one ``[auth.<name>]`` section per provider;
    ``[login.<name>]`` says how that provider's claims become roles::

        [login.polis]
        role_claim = "roles"                   # or "groups"
        [login.polis.role_map]
        "Lagesbild.Polis" = "polis"
        "Lagesbild.Admin" = "admin"

    A provider named after an organisation belongs to it; another name needs
    ``organisation = "kommun"`` in its ``[login.<name>]``.

    Raises
    ------
    ConfigError
        With every problem found (Swedish, each with its fix).
    """
    auth = secrets.get("auth")
    if not auth:
        return LoginConfig({})
    problems: list[Problem] = []
    for key in ("redirect_uri", "cookie_secret"):
        if not auth.get(key):
            problems.append(Problem("[auth]", f"{key} saknas", _AUTH_FIX[key]))
    redirect = str(auth.get("redirect_uri") or "")
    if redirect and not redirect.endswith("/oauth2callback"):
        problems.append(
            Problem(
                "[auth] redirect_uri",
                f"{redirect!r} slutar inte på /oauth2callback",
                "Streamlit tar emot inloggningen bara på den vägen: "
                "skriv t.ex. https://lagesbild.example.se/oauth2callback",
            )
        )
    if len(str(auth.get("cookie_secret") or "")) < 32:
        problems.append(
            Problem(
                "[auth] cookie_secret",
                "för kort (under 32 tecken)",
                'skapa en med: python -c "import secrets; print(secrets.token_urlsafe(48))"',
            )
        )
    login_section: Mapping[str, Any] = secrets.get("login") or {}
    providers: dict[str, ProviderConfig] = {}
    for name, section in auth.items():
        if not isinstance(section, Mapping):
            continue
        where = f"[auth.{name}]"
        for key in ("client_id", "client_secret", "server_metadata_url"):
            if not section.get(key):
                problems.append(Problem(where, f"{key} saknas", "hämta värdet från organisationens IdP-administratör"))  # fmt: skip
        scope = str((section.get("client_kwargs") or {}).get("scope") or "openid email profile")
        for part in scope.split():
            if any(p in part.lower() for p in _PERSONNUMMER_SCOPE_PARTS):
                problems.append(Problem(f"{where} client_kwargs.scope", f"scopet {part!r} begär personnummer",
                                        "ta bort det: appen behöver bara openid, email och profile"))  # fmt: skip
        rules: Mapping[str, Any] = login_section.get(name) or {}
        organisation = str(rules.get("organisation") or name)
        if organisation not in ORGANISATIONS:
            problems.append(Problem(f"[login.{name}]", f"organisationen {organisation!r} är okänd",
                                    f'döp leverantören till en av {", ".join(ORGANISATIONS)} eller '
                                    f'skriv organisation = "polis" (kommun, region) under [login.{name}]'))  # fmt: skip
        claim = str(rules.get("role_claim") or "roles")
        if claim not in ROLE_CLAIMS:
            problems.append(Problem(f"[login.{name}] role_claim", f"{claim!r} stöds inte",
                                    f"använd {' eller '.join(ROLE_CLAIMS)}"))  # fmt: skip
        role_map = {str(k): str(v) for k, v in (rules.get("role_map") or {}).items()}
        for value, role in role_map.items():
            if role not in ROLES:
                problems.append(Problem(f"[login.{name}.role_map] {value!r}", f"okänd roll {role!r}",
                                        f"använd en av {', '.join(ROLES)}"))  # fmt: skip
            elif role in POLICE_ONLY_ROLES and organisation != "polis":
                problems.append(Problem(f"[login.{name}.role_map] {value!r}",
                                        f"rollen {role} ges bara via Polisens inloggning",
                                        "ge personer från kommunen och regionen rollen samverkan"))  # fmt: skip
        label = str(rules.get("label") or ORGANISATION_LABELS.get(organisation, name))
        providers[name] = ProviderConfig(name, organisation, claim, role_map, label)
    max_age = login_section.get("max_age_hours", DEFAULT_MAX_AGE_HOURS)
    if not isinstance(max_age, int | float) or isinstance(max_age, bool) or not 0 < max_age <= 720:
        problems.append(Problem("[login] max_age_hours", f"{max_age!r} är ingen giltig tid",
                                "ange timmar mellan 1 och 720 (30 dagar, kakans livslängd), t.ex. 12"))  # fmt: skip
        max_age = DEFAULT_MAX_AGE_HOURS
    if not providers:
        problems.append(Problem("[auth]", "ingen leverantör är konfigurerad",
                                "lägg till [auth.polis] (och [auth.kommun], [auth.region]) med client_id, "
                                "client_secret och server_metadata_url"))  # fmt: skip
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"Inloggningen är felkonfigurerad (.streamlit/secrets.toml):\n{lines}")
    return LoginConfig(providers, float(max_age))


_AUTH_FIX = {
    "redirect_uri": "skriv appens adress + /oauth2callback, t.ex. https://lagesbild.example.se/oauth2callback",
    "cookie_secret": 'skapa en med: python -c "import secrets; print(secrets.token_urlsafe(48))"',
}


# --- the one claim → role mapping ---------------------------------------------------------------


def _claim_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    return [str(value)]


def role_from_claims(claims: Mapping[str, Any], provider: ProviderConfig) -> str | None:
    """Return the most privileged role the provider's claim maps to, or ``None``.

    A claim may be a list (Entra ID's ``roles``) or one string of values separated by spaces or
    commas. Values that the map does not name are ignored.

    Raises
    ------
    LoginRefused
        When the provider left the groups out because there were too many (Entra ID's "overage":
        ``_claim_names`` instead of ``groups``): the fix is app roles.
    """
    raw = claims.get(provider.role_claim)
    if raw is None and provider.role_claim in (claims.get("_claim_names") or {}):
        raise LoginRefused(
            f"Inloggningen från {provider.label} saknar anspråket {provider.role_claim!r}: personen är "
            "med i för många grupper för att de ska få plats i inloggningen. Be IdP-administratören "
            'ge appen approller och använda role_claim = "roles", eller lägga personen i listan över '
            "användare."
        )
    mapped = [provider.role_map[v] for v in _claim_values(raw) if v in provider.role_map]
    if not mapped:
        return None
    return max(mapped, key=ROLES.index)


def login_of(claims: Mapping[str, Any]) -> str:
    """Return the login a person is known by: the e-mail address (lower case), else the subject.

    Raises
    ------
    LoginRefused
        When neither is there, or when it is or holds a personnummer (it would be written into
        every log).
    """
    email = str(claims.get("email") or "").strip().lower()
    subject = str(claims.get("sub") or "").strip()
    login = email or subject
    if not login:
        raise LoginRefused(
            "Inloggningen saknar både e-postadress och subjekt (sub). Be IdP-administratören skicka "
            "anspråket email eller sub."
        )
    if _has_personnummer(login):
        raise LoginRefused(
            "Inloggningen identifierar personen med ett personnummer, som appen inte får lagra. Be "
            "IdP-administratören skicka en e-postadress (anspråket email) eller ett annat subjekt, "
            "t.ex. HSA-id eller ett pseudonymt id."
        )
    return login


def login_expired(claims: Mapping[str, Any], config: LoginConfig, now: float) -> bool:
    """Whether the login is older than ``config.max_age_hours``.

    By the ID token's ``auth_time``, else ``iat``; a login without either is taken as expired, so it
    is renewed.
    """
    issued = claims.get("auth_time", claims.get("iat"))
    try:
        issued_at = float(issued)
    except (TypeError, ValueError):
        return True
    return now - issued_at > config.max_age_hours * 3600


def resolve_access(
    claims: Mapping[str, Any],
    *,
    config: LoginConfig,
    lookup: Callable[[str], UserEntry | None],
) -> Access:
    """Return the access of a logged-in person (see the module docstring for the rules' order).

    Parameters
    ----------
    claims
        ``st.user`` as a mapping: the ID token's claims plus ``provider`` (the section name).
    config
        The login configuration.
    lookup
        Finds the allow-list entry of a login (:func:`find_user` bound to an engine).

    Raises
    ------
    LoginRefused
        With a Swedish reason the person can act on.
    """
    provider_name = str(claims.get("provider") or "")
    provider = config.providers.get(provider_name)
    if provider is None:
        raise LoginRefused(
            f"Inloggningen kom från en okänd leverantör ({provider_name or 'ingen'}). Logga ut och "
            "logga in igen via din organisations knapp."
        )
    login = login_of(claims)
    entry = lookup(login)
    if entry is None and claims.get("sub") and str(claims["sub"]) != login:
        entry = lookup(str(claims["sub"]).strip())
    organisation = provider.organisation
    if entry is not None:
        if not entry.active:
            raise LoginRefused(
                f"Kontot {login} är avstängt i Lägesbild Falkenberg. Kontakta appens administratör."
            )
        if entry.organisation != organisation:
            raise LoginRefused(
                f"Kontot {login} hör till {ORGANISATION_LABELS[entry.organisation]} men loggade in via "
                f"{provider.label}. Logga ut och logga in via {ORGANISATION_LABELS[entry.organisation]}."
            )
        role, source = entry.role, "lista"
    else:
        mapped = role_from_claims(claims, provider)
        if mapped is None:
            raise LoginRefused(
                f"Du är inloggad som {login} ({provider.label}) men har ingen roll i Lägesbild "
                "Falkenberg. Be appens administratör lägga till dig, eller din IdP-administratör ge "
                "dig en roll för appen."
            )
        role, source = mapped, "anspråk"
    if role in POLICE_ONLY_ROLES and organisation != "polis":  # also guards old allow-list rows
        raise LoginRefused(
            f"Rollen {role} ges bara till den som loggat in via Polisens inloggning; {login} kom via "
            f"{provider.label}."
        )
    return Access(login, organisation, role, source)


# --- the allow-list --------------------------------------------------------------------------------


def normalise_login(login: str) -> str:
    """E-mail addresses compare in lower case; other subjects are kept as the provider sends them."""
    text = login.strip()
    return text.lower() if "@" in text else text


def _entry(row: RowMapping) -> UserEntry:
    return UserEntry(
        id=int(row["id"]),
        login=str(row["login"]),
        organisation=str(row["organisation"]),
        role=str(row["role"]),
        active=bool(row["active"]),
        version=int(row["version"]),
        updated_by=str(row["updated_by"]),
    )


def find_user(engine: Engine, login: str) -> UserEntry | None:
    """Return the allow-list entry of a login, if any."""
    with engine.connect() as connection:
        row = (
            connection.execute(select(app_users).where(app_users.c.login == normalise_login(login)))
            .mappings()
            .first()
        )
    return _entry(row) if row else None


def list_users(engine: Engine) -> list[UserEntry]:
    """Return the whole allow-list, by organisation and login."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(app_users).order_by(app_users.c.organisation, app_users.c.login)
        )
        return [_entry(r) for r in rows.mappings().all()]


def user_problems(login: str, organisation: str, role: str) -> list[Problem]:
    """Everything wrong with an allow-list entry (empty when it can be saved)."""
    where = f"användare {login!r}" if login else "ny användare"
    problems = []
    if not login.strip():
        problems.append(Problem(where, "inloggningsnamnet saknas",
                                "skriv e-postadressen eller subjektet (sub) som IdP:n skickar"))  # fmt: skip
    elif _has_personnummer(login):
        problems.append(Problem(where, "inloggningsnamnet innehåller ett personnummer",
                                "använd e-postadressen eller ett annat subjekt: personnummer lagras inte"))  # fmt: skip
    elif len(login) > 320:
        problems.append(
            Problem(where, "inloggningsnamnet är längre än 320 tecken", "kontrollera värdet")
        )
    if organisation not in ORGANISATIONS:
        problems.append(Problem(where, f"okänd organisation {organisation!r}", f"välj en av {', '.join(ORGANISATIONS)}"))  # fmt: skip
    if role not in ROLES:
        problems.append(Problem(where, f"okänd roll {role!r}", f"välj en av {', '.join(ROLES)}"))
    elif role in POLICE_ONLY_ROLES and organisation != "polis":
        problems.append(Problem(where, f"rollen {role} ges bara till personer från Polisen",
                                "ge personer från kommunen och regionen rollen samverkan"))  # fmt: skip
    return problems


def save_user(
    engine: Engine,
    *,
    login: str,
    organisation: str,
    role: str,
    active: bool,
    actor: Actor,
    expected_version: int | None = None,
) -> int:
    """Add a person to the allow-list (``expected_version`` None) or change their entry.

    The change and its access-log row commit together. Entries are never deleted: switch a person
    off with ``active=False`` (the log keeps who they were).

    Returns
    -------
    int
        The entry's new version.

    Raises
    ------
    ImportRejected
        When the entry cannot be saved (every problem listed).
    ConflictError
        When someone else changed the entry since ``expected_version``.
    """
    login = normalise_login(login)
    problems = user_problems(login, organisation, role)
    if problems:
        raise ImportRejected("Användaren sparades inte.", problems)
    values = {"login": login, "organisation": organisation, "role": role, "active": bool(active)}
    moment = now_utc()
    with unit_of_work(engine) as work:
        connection = work.connection
        current = (
            connection.execute(select(app_users).where(app_users.c.login == login))
            .mappings()
            .first()
        )
        before = {k: current[k] for k in values} if current else None
        if current is None:
            if expected_version is not None:
                raise GeoError(f"Användaren {login} finns inte längre i listan. Läs in sidan igen.")
            connection.execute(insert(app_users).values(**values, version=1, updated_by=actor.who, updated_at=moment))  # fmt: skip
            version = 1
        else:
            if expected_version is None:
                raise ImportRejected("Användaren sparades inte.", [Problem(login, "finns redan i listan",
                                                                           "välj personen i listan och ändra raden")])  # fmt: skip
            result = connection.execute(
                update(app_users)
                .where(app_users.c.id == current["id"], app_users.c.version == expected_version)
                .values(
                    **values, version=expected_version + 1, updated_by=actor.who, updated_at=moment
                )
            )
            if result.rowcount != 1:
                raise ConflictError(
                    f"Användaren {login} har ändrats av {current['updated_by']} (version "
                    f"{current['version']}) sedan du öppnade version {expected_version}. Läs in "
                    "sidan igen och gör om ändringen."
                )
            version = expected_version + 1
        record(connection, actor, "ändring", page="admin", target=f"användare {login}",
               details={"före": before, "efter": values}, at=moment)  # fmt: skip
    return version


# --- command line: the first admin ---------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m geo.access.users``: add the first admin before anyone can log in.

    ``python -m geo.access.users add LOGIN --role admin --organisation polis``; later entries are made on
    the page *Användare*.
    """
    from geo.config import load_settings
    from geo.store.database import make_engine, require_current_schema

    parser = argparse.ArgumentParser(
        prog="python -m geo.access.users", description="Listan över användare."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="lägg till eller ändra en användare")
    add.add_argument("login", help="e-postadressen eller subjektet (sub) som IdP:n skickar")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--organisation", required=True, choices=ORGANISATIONS)
    add.add_argument("--inactive", action="store_true", help="stäng av personen")
    add.add_argument("--by", default="kommandoraden", help="vem som gör ändringen")
    commands.add_parser("list", help="visa listan")
    args = parser.parse_args(argv)
    engine = make_engine(load_settings().database_url)
    try:
        require_current_schema(engine)
        if args.command == "list":
            for entry in list_users(engine):
                print(json.dumps(dataclasses.asdict(entry), ensure_ascii=False))
            return 0
        existing = find_user(engine, args.login)
        actor = Actor(who_value(screen_text(args.by).text, None), None, "admin")
        version = save_user(engine, login=args.login, organisation=args.organisation, role=args.role,
                            active=not args.inactive, actor=actor,
                            expected_version=existing.version if existing else None)  # fmt: skip
        print(
            f"{normalise_login(args.login)}: {args.role} ({args.organisation}), version {version}"
        )
        return 0
    except GeoError as error:
        print(error)
        return 2
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
