"""The promise's yearly follow-up: its activities and the indicators computed for them.

The activities are edited by the police and shown to partners; the indicators come from the
data.

The year starts from the activities in data/promise.json (FACTS §1): MBU training for young
adults, targeted police presence in the inland, a method against illegal housing and an SSPF
coordinator, under the two focus areas. Edits use a version number per row, as presence entries
do: saving a row that someone else changed since it was read is a conflict, not an overwrite.

Indicators (``INDICATORS``):

- ``inland_presence``: delivered presence hours in the inland this year against the target
  (data/presence.json), whole months only, as a total: no times, places or units.
- ``focus_incidents``: incidents and harm in the focus areas, this year so far against the same
  months last year, with an exact Poisson test of the change.
- ``survey_unsafe``: the survey's unsafe share (whole municipality and focus areas), latest wave
  against the one before, with Wilson intervals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, insert, select, update

from geo import formats
from geo.analysis.joint import Promise
from geo.errors import ConflictError, GeoError, ImportRejected, Problem
from geo.io.screening import screen_text
from geo.periods import LOCAL_TZ, shift_months
from geo.store.database import unit_of_work
from geo.store.schema import promise_activities

PARTIES = ("polis", "kommun", "region")
STATUSES = ("planerad", "pågår", "genomförd", "försenad", "inställd")
INDICATORS = {
    "inland_presence": "Levererade närvarotimmar i inlandet mot målet",
    "focus_incidents": "Händelser och skadeindex i fokusområdena",
    "survey_unsafe": "Andel otrygga i medborgarenkäten",
    "none": "Inget mått i verktyget",
}
EDITABLE = (
    "focus",
    "activity",
    "party",
    "period_start",
    "period_end",
    "status",
    "indicator",
    "comment",
)


def ensure_year(
    engine: Engine, promise: Promise, year: int, *, who: str = "geo.analysis.followup"
) -> int:
    """Start ``year`` with the promise's activities if it has none; returns how many were added."""
    with unit_of_work(engine) as work:
        connection = work.connection
        present = connection.execute(
            select(func.count())
            .select_from(promise_activities)
            .where(promise_activities.c.year == year)
        ).scalar_one()
        if present:
            return 0
        moment = dt.datetime.now(dt.UTC)
        rows = [
            {"year": year, "focus": a["focus"], "activity": a["activity"], "party": a["party"],
             "period_start": dt.date(year, 1, 1), "period_end": dt.date(year, 12, 31), "status": "planerad",
             "indicator": a.get("indicator", "none"), "comment": None, "version": 1,
             "updated_by": who, "updated_at": moment}
            for a in promise.activities
        ]  # fmt: skip
        if rows:
            connection.execute(insert(promise_activities), rows)
        return len(rows)


def load_activities(engine: Engine, year: int) -> pd.DataFrame:
    """Return the year's activities in the order they were added."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(promise_activities).where(promise_activities.c.year == year).order_by(promise_activities.c.id)
        ).mappings().all()  # fmt: skip
    return pd.DataFrame(
        [dict(r) for r in rows], columns=[c.name for c in promise_activities.columns]
    )


def _problems(row: dict[str, Any], focus_keys: set[str], where: str) -> list[Problem]:
    problems = []
    if not str(row.get("activity") or "").strip():
        problems.append(Problem(where, "aktiviteten saknar beskrivning", "skriv vad som ska göras"))
    if row.get("party") not in PARTIES:
        problems.append(
            Problem(
                where, f"ansvarig part {row.get('party')!r} är okänd", f"välj {', '.join(PARTIES)}"
            )
        )
    if row.get("status") not in STATUSES:
        problems.append(
            Problem(where, f"status {row.get('status')!r} är okänd", f"välj {', '.join(STATUSES)}")
        )
    if row.get("focus") not in focus_keys:
        problems.append(
            Problem(
                where,
                f"fokusområdet {row.get('focus')!r} finns inte i medborgarlöftet",
                "välj ett av fokusområdena",
            )
        )
    if row.get("indicator") not in INDICATORS:
        problems.append(
            Problem(where, f"måttet {row.get('indicator')!r} är okänt", "välj ett mått i listan")
        )
    start, end = row.get("period_start"), row.get("period_end")
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        problems.append(Problem(where, "perioden saknar start eller slut", "ange datum"))
    elif end < start:
        problems.append(
            Problem(where, f"perioden slutar ({end}) före start ({start})", "rätta datumen")
        )
    return problems  # fmt: skip


def save_activities(
    engine: Engine,
    year: int,
    rows: list[dict[str, Any]],
    *,
    who: str,
    focus_keys: set[str],
) -> dict[str, int]:
    """Save edited and new activities in one transaction.

    ``rows`` carry ``id`` and ``version`` as read (``id`` None for a new row). Unchanged rows are
    left alone. Comments are screened for personnummer.

    Raises
    ------
    ImportRejected
        With every invalid row named; nothing is saved.
    ConflictError
        When a row was changed by someone else since it was read; nothing is saved.
    """
    problems = []
    for number, row in enumerate(rows, start=1):
        problems += _problems(
            row, focus_keys, f"rad {number} ({str(row.get('activity') or '')[:40]})"
        )
    if problems:
        raise ImportRejected("Uppföljningen sparades inte.", problems)
    counts = {"ändrade": 0, "nya": 0}
    moment = dt.datetime.now(dt.UTC)
    with unit_of_work(engine) as work:
        connection = work.connection
        current = {
            r["id"]: dict(r)
            for r in connection.execute(
                select(promise_activities).where(promise_activities.c.year == year)
            ).mappings()
        }
        for row in rows:
            values = {k: row.get(k) for k in EDITABLE}
            if values["comment"]:
                values["comment"] = screen_text(str(values["comment"])).text
            else:
                values["comment"] = None
            key = row.get("id")
            if key is None or pd.isna(key):
                connection.execute(insert(promise_activities).values(
                    year=year, version=1, updated_by=who, updated_at=moment, **values))  # fmt: skip
                counts["nya"] += 1
                continue
            stored = current.get(int(key))
            if stored is None:
                raise GeoError(f"Aktiviteten {key} finns inte längre.")
            if all(stored[k] == values[k] for k in EDITABLE):
                continue
            result = connection.execute(
                update(promise_activities)
                .where(promise_activities.c.id == int(key), promise_activities.c.version == int(row["version"]))
                .values(version=promise_activities.c.version + 1, updated_by=who, updated_at=moment, **values)
            )  # fmt: skip
            if result.rowcount != 1:
                raise ConflictError(
                    f'Aktiviteten "{stored["activity"]}" har ändrats av {stored["updated_by"]} sedan du '
                    "öppnade sidan. Inget sparades: ladda om sidan och gör ändringen igen."
                )
            counts["ändrade"] += 1
    return counts


# --- Indicators ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorValue:
    """A computed follow-up figure with its period, n and source."""

    key: str
    text: str
    period: str
    source: str


def inland_presence(entries: pd.DataFrame, areas: pd.DataFrame, *, year: int, target_per_week: float,
                    until: dt.date) -> IndicatorValue:  # fmt: skip
    """Delivered inland hours in whole months of ``year`` before ``until``, against the target."""
    from geo.presence.log import inland_commitment

    months = inland_commitment(entries, areas, target_hours_per_week=target_per_week, freq="M")
    last_month = f"{until.replace(day=1) - dt.timedelta(days=1):%Y-%m}"
    chosen = months[
        (months["period"] >= f"{year}-01") & (months["period"] <= min(last_month, f"{year}-12"))
    ]
    first = dt.date(year, 1, 1)
    end = min(until.replace(day=1), dt.date(year + 1, 1, 1))
    n_months = (end.year - first.year) * 12 + end.month - first.month
    if n_months <= 0:
        return IndicatorValue(
            "inland_presence", "Inga hela månader ännu i år.", str(year), "närvarologgen"
        )
    delivered = float(chosen["delivered_hours"].sum())
    target = target_per_week * 52 / 12 * n_months
    share = delivered / target if target else 0.0
    text = f"{formats.number(delivered)} timmar levererade av målet {formats.number(target)} ({formats.percent(share)})"
    period = f"{year}-01 – {year}-{n_months:02d}"
    return IndicatorValue("inland_presence", text, period, "närvarologgen (genomförda pass)")


def focus_incidents(
    incidents: pd.DataFrame, focus_codes: set[str], *, year: int, until: dt.date
) -> IndicatorValue:
    """Incidents and harm in the focus areas this year so far against the same months last year."""
    from geo.analysis.indicators import poisson_change

    if not focus_codes:
        return IndicatorValue(
            "focus_incidents", "Inga områden valda för fokusområdet.", str(year), "–"
        )
    end = min(until, dt.date(year + 1, 1, 1))
    times = (
        pd.to_datetime(incidents["occurred_at"], utc=True)
        .dt.tz_convert(LOCAL_TZ)
        .dt.tz_localize(None)
    )
    focus = incidents["area_code"].isin(focus_codes)
    start, start_before = dt.date(year, 1, 1), dt.date(year - 1, 1, 1)
    # The same last day a year earlier (29 February → 28 February; date.replace(year=) raised).
    end_before = shift_months(end - dt.timedelta(days=1), -12) + dt.timedelta(days=1)
    now = focus & (times >= pd.Timestamp(start)) & (times < pd.Timestamp(end))
    before = focus & (times >= pd.Timestamp(start_before)) & (times < pd.Timestamp(end_before))
    change = poisson_change(
        int(before.sum()), int(now.sum()),
        before_days=max((end_before - start_before).days, 1), after_days=max((end - start).days, 1),
        before_label=f"{start_before} – {end_before - dt.timedelta(days=1)}",
        after_label=f"{start} – {end - dt.timedelta(days=1)}",
    )  # fmt: skip
    harm = float(incidents.loc[now, "harm"].sum()) if "harm" in incidents else float("nan")
    text = (f"{formats.number(int(now.sum()))} händelser (skadeindex {formats.number(harm)}); samma period i fjol "
            f"{formats.number(int(before.sum()))}: {change.describe()}")  # fmt: skip
    return IndicatorValue(
        "focus_incidents",
        text,
        f"{year}-01-01 – {end - dt.timedelta(days=1)}",
        "registrerade händelser",
    )


def survey_unsafe(responses: pd.DataFrame, focus_codes: set[str]) -> IndicatorValue:
    """Return the latest wave's unsafe share (municipality, focus areas) against the wave before."""
    from geo.analysis.survey import waves, wilson_interval
    from geo.io.surveys import UNSAFE

    available = waves(responses)
    if not available:
        return IndicatorValue("survey_unsafe", "Ingen enkät importerad.", "–", "medborgarenkäten")

    def share(wave: str, codes: set[str] | None) -> str:
        chosen = responses[(responses["wave"].astype(str) == wave) & responses["safety_answer"].notna()
                           & (responses["safety_answer"] != "vet_ej")]  # fmt: skip
        if codes is not None:
            chosen = chosen[chosen["area_code"].isin(codes)]
        n, k = len(chosen), int(chosen["safety_answer"].isin(UNSAFE).sum())
        if n < 5:
            return "färre än 5 svar"
        low, high = wilson_interval(k, n)
        return f"{formats.percent(k / n)} ({formats.number(low * 100)}–{formats.percent(high)}, n = {formats.number(n)})"

    latest = available[0]
    parts = [f"{latest}: hela kommunen {share(latest, None)}"]
    if focus_codes:
        parts.append(f"fokusområdena {share(latest, focus_codes)}")
    if len(available) > 1:
        parts.append(f"{available[1]}: hela kommunen {share(available[1], None)}")
    return IndicatorValue("survey_unsafe", "; ".join(parts), latest, "medborgarenkäten")
