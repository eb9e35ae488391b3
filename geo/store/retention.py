"""Retention (gallring): delete incident data older than the agreed policy, with an audit line.

What is deleted, in one transaction:

* ``incidents`` that occurred before the cut-off: the first day of a month in Swedish time, so a
  month is either kept whole or deleted whole (a published month never half-changes);
* the entries of ``<data dir>/logs/fel.log`` written before the cut-off (a traceback may quote a
  value from an imported file).

What is kept, on purpose:

* the import log (``imports``): counts, file names and hashes, line numbers of exclusions: the
  history of what was imported, no incident content; a ``gallring`` row is added to it with what
  was deleted, by whom and under which policy (this also changes the data version, so no page
  keeps showing deleted data from its cache);
* the public release ledger (``public_releases``): it holds what was already published (counts per
  area and month behind the disclosure rules, nothing about single incidents). Published months
  stay published; the ledger must stay complete, because every later release is audited against
  all of it. A new publication only covers the last closed months, which the policy's minimum of
  :data:`MIN_MONTHS` months keeps;
* the presence log (``presence_entries`` with its append-only audit): the police's record of
  their own work, not data about residents, under the police's own archive rules; it has no
  automatic retention here (its audit trail cannot be deleted by design);
* survey answers and partner indicators: their own sources and policies.

SQLite keeps deleted rows in free pages until they are overwritten: the database is ``VACUUM``-ed
after a deletion, so the data are gone from the file. Backups keep what they held until they are
pruned (``python -m geo backup --keep-days``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, select

from geo.errors import ConfigError
from geo.periods import LOCAL_TZ
from geo.store.database import unit_of_work
from geo.store.schema import imports, incidents

MIN_MONTHS = 24
"""The shortest policy accepted: the pages compare the last 12 months with the 12 before them."""

_AGE = re.compile(r"^\s*(\d+)\s*(m|mån|månader|y|år)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class RetentionReport:
    """What retention deleted (or would delete, on a dry run)."""

    months: int
    cutoff: dt.datetime
    incidents: int
    log_entries: int
    dry_run: bool
    audit_id: int | None

    def text(self) -> str:
        """Return a Swedish summary for the command line."""
        day = self.cutoff.astimezone(LOCAL_TZ).date().isoformat()
        verb = "skulle raderas (provkörning, inget ändrat)" if self.dry_run else "raderade"
        line = (
            f"Gallring, policy {self.months} månader: {self.incidents} händelser före {day} {verb}; "
            f"{self.log_entries} poster i felloggen."
        )
        if self.audit_id is not None:
            line += f" Loggat i importloggen som rad {self.audit_id}."
        return line


def parse_age(text: str) -> int:
    """``"36m"`` → 36 months; ``"3y"``/``"3år"`` → 36.

    Raises
    ------
    ConfigError
        For anything else, or a policy shorter than :data:`MIN_MONTHS` months.
    """
    match = _AGE.match(text)
    if match is None:
        raise ConfigError(
            f"--older-than {text!r} förstås inte; skriv t.ex. 36m (månader) eller 3y (år)."
        )
    months = int(match[1]) * (12 if match[2].lower() in ("y", "år") else 1)
    if months < MIN_MONTHS:
        raise ConfigError(
            f"--older-than {text} är kortare än {MIN_MONTHS} månader: sidorna jämför de senaste 12 "
            "månaderna med de 12 före dem, och de måste finnas kvar. Välj minst 24m."
        )
    return months


def cutoff_for(months: int, today: dt.date) -> dt.datetime:
    """Return the start of the month ``months`` before ``today``'s, 00:00 Swedish time, in UTC.

    Incidents before it are older than the policy.
    """
    index = today.year * 12 + (today.month - 1) - months
    first = dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return first.astimezone(dt.UTC)


def apply_retention(
    engine: Engine,
    *,
    months: int,
    who: str,
    log_dir: Path | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    """Delete incidents (and error-log entries) older than ``months`` months, with an audit row.

    Parameters
    ----------
    engine
        The store.
    months
        The policy, from :func:`parse_age`.
    who
        Who runs it (for the audit row).
    log_dir
        The folder holding ``fel.log`` (``<data dir>/logs``); ``None`` leaves logs alone.
    today
        The day the policy is counted from (default: today in Swedish time).
    dry_run
        Count only; change nothing.
    """
    if months < MIN_MONTHS:
        raise ConfigError(f"En gallringspolicy på {months} månader är kortare än {MIN_MONTHS}.")
    today = today or dt.datetime.now(LOCAL_TZ).date()
    cutoff = cutoff_for(months, today)
    old = incidents.c.occurred_at < cutoff
    with unit_of_work(engine) as work:
        connection = work.connection
        count = int(
            connection.execute(select(func.count()).select_from(incidents).where(old)).scalar_one()
        )
        audit_id = None
        if not dry_run and count:
            connection.execute(delete(incidents).where(old))
            note = {
                "policy_months": months,
                "cutoff_utc": cutoff.isoformat(),
                "deleted_incidents": count,
            }
            key = connection.execute(
                insert(imports).values(
                    kind="gallring", source="retention", file_name=None, rows_read=0, rows_imported=0,
                    rows_excluded=count, exclusions="[]", imported_by=who,
                    imported_at=dt.datetime.now(dt.UTC), synthetic=False,
                    note=f"Gallring: {count} händelser före {cutoff.astimezone(LOCAL_TZ).date()} raderade "
                         f"(policy {months} månader) {json.dumps(note)}",
                )
            ).inserted_primary_key  # fmt: skip
            audit_id = None if key is None else int(key[0])
    entries = (
        0 if log_dir is None else _prune_error_log(log_dir / "fel.log", cutoff, dry_run=dry_run)
    )
    if not dry_run and count:
        _vacuum(engine)
    return RetentionReport(months, cutoff, count, entries, dry_run, audit_id)


def _prune_error_log(path: Path, cutoff: dt.datetime, *, dry_run: bool) -> int:
    """Drop the ``--- <timestamp>`` entries of fel.log written before the cut-off."""
    if not path.exists():
        return 0
    text = path.read_text(encoding="utf-8", errors="replace")
    parts = re.split(r"(?m)^(?=--- \d{4}-\d{2}-\d{2}T)", text)
    kept: list[str] = []
    removed = 0
    for part in parts:
        stamp = re.match(r"--- (\S+)", part)
        when = None
        if stamp:
            try:
                when = dt.datetime.fromisoformat(stamp[1])
            except ValueError:
                when = None
        if when is not None and when < cutoff:
            removed += 1
        else:
            kept.append(part)
    if removed and not dry_run:
        partial = path.with_name(path.name + ".ny")
        partial.write_text("".join(kept), encoding="utf-8")
        partial.chmod(0o600)
        partial.replace(path)
    return removed


def _vacuum(engine: Engine) -> None:
    """Rewrite the storage so deleted rows do not linger on disk."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("VACUUM")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            connection.exec_driver_sql("VACUUM (FULL, ANALYZE) incidents")  # rewrites the table
