"""The access log: who viewed, exported or changed which data, append-only.

Police data handling asks that it can be shown afterwards who saw what. Every row says when,
who (``"login (organisation)"``), in which role, what was done (:data:`ACTIONS`), on which page,
to what (a file name, a table, a user) and with which filters. The module only inserts and
reads; the database refuses updates and deletes itself (triggers from migration 0008, on SQLite
and PostgreSQL), so a mistake in code cannot rewrite the history either.

Nothing that may hold a personnummer is stored unscreened: the who-value, the target and the
details pass :func:`geo.io.screening.screen_text` before the insert.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from geo.errors import GeoError
from geo.io.screening import screen_text
from geo.store.database import now_utc, unit_of_work
from geo.store.schema import access_log

#: What a row records. ``filter`` is a view whose filters changed; ``nekad`` a refused login or
#: page; ``inloggning`` the first page of a logged-in session.
ACTIONS = ("visning", "filter", "export", "ändring", "inloggning", "nekad")

#: Column order of the CSV export, with the Swedish headers the admin sees.
EXPORT_COLUMNS = {
    "id": "id",
    "at": "tid_utc",
    "user": "anvandare",
    "organisation": "organisation",
    "role": "roll",
    "action": "handling",
    "page": "sida",
    "target": "objekt",
    "details_json": "detaljer",
}

_MAX = {"user": 200, "organisation": 20, "role": 20, "page": 40, "target": 200}


@dataclass(frozen=True)
class Actor:
    """Who acts: the who-value written everywhere, the organisation and the role."""

    who: str
    organisation: str | None
    role: str


def _screened(value: str | None, limit: int | None = None) -> str | None:
    if value is None:
        return None
    text = screen_text(str(value)).text
    return text[:limit] if limit else text


def record(
    target_db: Engine | Connection,
    actor: Actor,
    action: str,
    *,
    page: str | None = None,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append one row.

    Parameters
    ----------
    target_db
        An engine (the row is committed on its own) or an open connection (the row is part of
        that transaction, so a change and its log row commit or roll back together).
    actor
        Who acts.
    action
        One of :data:`ACTIONS`.
    page, target, details
        Where, on what, and the context (filters, counts); details are stored as JSON.
    at
        When (UTC); now by default.

    Raises
    ------
    GeoError
        For an unknown action (a programming error, but said in Swedish like every refusal).
    """
    if action not in ACTIONS:
        raise GeoError(
            f"okänd handling {action!r} i åtkomstloggen; använd en av {', '.join(ACTIONS)}"
        )
    detail_text = None
    if details:
        detail_text = _screened(
            json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
        )
    values = {
        "at": at or now_utc(),
        "user": _screened(actor.who, _MAX["user"]) or "okänd",
        "organisation": _screened(actor.organisation, _MAX["organisation"]),
        "role": _screened(actor.role, _MAX["role"]) or "okänd",
        "action": action,
        "page": _screened(page, _MAX["page"]),
        "target": _screened(target, _MAX["target"]),
        "details_json": detail_text,
    }
    statement = insert(access_log).values(**values)
    if isinstance(target_db, Connection):
        target_db.execute(statement)
    else:
        with unit_of_work(target_db) as work:
            connection = work.connection
            connection.execute(statement)


def read(
    engine: Engine,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    user: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Return rows of the log, newest first.

    ``since`` is inclusive, ``until`` exclusive (UTC); ``user`` matches part of the who-value,
    case-insensitively.
    """
    query = select(access_log).order_by(access_log.c.id.desc())
    if since is not None:
        query = query.where(access_log.c.at >= since)
    if until is not None:
        query = query.where(access_log.c.at < until)
    if user:
        query = query.where(access_log.c.user.ilike(f"%{user}%"))
    if action:
        query = query.where(access_log.c.action == action)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings().all()]


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """Return the rows as a semicolon CSV (UTF-8 with BOM, so Excel opens it with å, ä, ö).

    A cell that a spreadsheet would run as a formula is neutralised (a who-value comes from an
    identity provider).
    """
    from geo.io.spreadsheet import neutralise

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS.values())
    for row in rows:
        values = []
        for key in EXPORT_COLUMNS:
            value = row.get(key)
            if isinstance(value, dt.datetime):
                value = value.astimezone(dt.UTC).isoformat(timespec="seconds")
            values.append("" if value is None else neutralise(str(value)))
        writer.writerow(values)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
