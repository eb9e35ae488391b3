"""Disclosure control for everything public: the rules as code, suppression, and the guard.

The rules (data/privacy.json, FACTS §5, ARCHITECTURE "Public output"):

- Areas and whole calendar months only, and only months that have closed.
- Counts 1–4 are shown as "<5" (*primary* suppression). *Secondary* suppression hides more cells so
  that no hidden cell can be worked out from totals, other categories or overlapping periods
  (the twelve-month column is the sum of the months).
- Sensitive categories (sexual offences, violence in close relationships) are never shown on their
  own, only inside "Alla händelser", and in such a way that nobody can work out that one occurred
  in an area in a month at all. With ``sensitive_min_count`` set they are shown with that higher
  threshold instead.
- Rates only where the population is large enough and the count is visible.
- Survey results only where n ≥ the survey threshold (never below 5).
- No points, no heat surfaces, no free text, nothing from the presence log.

How "cannot be worked out" is checked: per area, the published table is a set of linear
relations (each month's total is the sum of its categories plus the hidden sensitive count; each
row's twelve-month value is the sum of its months). An attacker knows every visible value, that a
"<5" cell lies in 1–4, that a hidden secondary cell is 0 or at least 5 (we only ever hide cells of
at least 5) and that every count is ≥ 0. For each protected cell the guard solves two linear
programmes (the smallest and the largest value consistent with all of that). A "<5" cell whose
smallest and largest value coincide is disclosed; a sensitive cell whose smallest possible value
is ≥ 1 discloses that such an offence occurred. One disclosed cell and nothing is published.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from geo.config import REFERENCE_DIR
from geo.errors import ConfigError, GeoError

RULES_PATH = REFERENCE_DIR / "privacy.json"
TOTAL = "total"
SENSITIVE = "känsligt"
PERIOD = "period"
VISIBLE, PRIMARY, SECONDARY, HIDDEN_SENSITIVE, WITHHELD = 0, 1, 2, 3, 4
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class PrivacyBreach(GeoError):
    """The guard refused to publish; ``breaches`` name every cell and the rule it breaks."""

    def __init__(self, breaches: list[str]) -> None:
        self.breaches = breaches
        shown = breaches[:20]
        more = f"\n  … och {len(breaches) - 20} till" if len(breaches) > 20 else ""
        super().__init__(
            "Publiceringen stoppades av röjandekontrollen; inget har skrivits:\n"
            + "\n".join(f"  - {b}" for b in shown)
            + more
        )


@dataclass(frozen=True)
class Rules:
    """The disclosure rules in force (data/privacy.json, never below the built-in minimums)."""

    min_count: int = 5
    sensitive_groups: tuple[str, ...] = ("sexualbrott",)
    sensitive_types: tuple[str, ...] = ()
    sensitive_min_count: int | None = None
    rate_min_population: int = 1_000
    survey_min_n: int = 5
    max_months: int = 36


def load_rules(path: Path | None = None) -> Rules:
    """Read the rules; a threshold below the built-in minimum is a configuration error."""
    path = path or RULES_PATH
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"Röjandereglerna i {path} kunde inte läsas: {error}") from error
    rules = Rules(
        min_count=int(raw.get("min_count", 5)),
        sensitive_groups=tuple(raw.get("sensitive_groups", ("sexualbrott",))),
        sensitive_types=tuple(raw.get("sensitive_types", ())),
        sensitive_min_count=raw.get("sensitive_min_count"),
        rate_min_population=int(raw.get("rate_min_population", 1_000)),
        survey_min_n=int(raw.get("survey_min_n", 5)),
        max_months=int(raw.get("max_months", 36)),
    )
    if rules.min_count < 5 or rules.survey_min_n < 5:
        raise ConfigError(f"{path.name}: min_count och survey_min_n får inte vara under 5.")
    if rules.sensitive_min_count is not None and rules.sensitive_min_count < rules.min_count:
        raise ConfigError(f"{path.name}: sensitive_min_count måste vara minst min_count.")
    return rules


# --- Months -------------------------------------------------------------------------------------


def last_closed_month(today: dt.date) -> str:
    """The latest month that has ended before ``today`` (``YYYY-MM``)."""
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def month_range(last: str, months: int) -> tuple[str, ...]:
    """``months`` calendar months ending with ``last`` (inclusive), oldest first."""
    end = pd.Period(last, freq="M")
    return tuple(str(p) for p in pd.period_range(end=end, periods=months, freq="M"))


# --- The count table ----------------------------------------------------------------------------


@dataclass
class AreaTable:
    """One area's counts: rows = categories, the hidden sensitive row and the total; columns =
    months and period totals. ``status`` says what is shown for each cell.

    With earlier releases (see :class:`PriorRelease`) the table also holds their months and their
    period totals, so the audit sees everything an attacker who kept every release knows:
    ``editable`` marks the cells this release decides (its own months and period), ``known`` the
    cells whose value an earlier release showed as a number, and ``periods`` maps each period
    column to the month columns it sums.
    """

    area_code: str
    rows: list[str]
    cols: list[str]
    values: np.ndarray
    status: np.ndarray = field(init=False)
    periods: dict[int, list[int]] = field(default_factory=dict)
    editable: np.ndarray = field(init=False)
    known: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.status = np.zeros(self.values.shape, dtype=int)
        self.editable = np.ones(self.values.shape, dtype=bool)
        self.known = np.zeros(self.values.shape, dtype=bool)
        if not self.periods:
            last = len(self.cols) - 1
            self.periods = {last: list(range(last))}

    def index(self, row: str, col: str) -> tuple[int, int]:
        return self.rows.index(row), self.cols.index(col)

    @property
    def shown_cols(self) -> list[int]:
        """The columns this release publishes: its months and its period."""
        return [j for j in range(len(self.cols)) if self.editable[:, j].any()]


@dataclass(frozen=True)
class PriorRelease:
    """What an earlier public release showed: its months and every shown cell of every area
    (``(area_code, row, col) → text``, col a month or ``period``). Kept in the store."""

    months: tuple[str, ...]
    cells: dict[tuple[str, str, str], str]


def _prior_status(text: str) -> int:
    if text.isdigit():
        return VISIBLE
    if text.startswith("<"):
        return PRIMARY
    if text == "dold":
        return SECONDARY
    return WITHHELD


def count_tables(
    incidents: pd.DataFrame,
    area_codes: list[str],
    groups: list[str],
    months: tuple[str, ...],
    rules: Rules,
    priors: tuple[PriorRelease, ...] = (),
) -> dict[str, AreaTable]:
    """Count incidents per area, category row and local calendar month, plus the period column.

    Parameters
    ----------
    incidents
        ``occurred_at`` (UTC), ``area_code``, ``category`` (group key) and ``raw_type``.
    groups
        Category group keys in display order; sensitive groups are folded into the hidden row.
    priors
        Earlier releases whose months overlap these: their months and period totals join the table
        (with today's counts, the attacker's best case) and what they showed becomes known.
    """
    priors = tuple(p for p in priors if set(p.months) & set(months))
    shown_groups = [g for g in groups if g not in rules.sensitive_groups]
    rows = [*shown_groups, SENSITIVE, TOTAL]
    all_months = sorted(set(months).union(*(p.months for p in priors)))
    cols = [*all_months, PERIOD, *(f"{PERIOD}@{k}" for k in range(len(priors)))]
    windows = {len(all_months): [all_months.index(m) for m in months]}
    for k, prior in enumerate(priors):
        windows[len(all_months) + 1 + k] = [all_months.index(m) for m in prior.months]
    local = pd.to_datetime(incidents["occurred_at"], utc=True).dt.tz_convert("Europe/Stockholm")
    month = local.dt.strftime("%Y-%m")
    sensitive = incidents["category"].astype(str).isin(rules.sensitive_groups) | incidents[
        "raw_type"
    ].astype(str).isin(rules.sensitive_types)
    row = incidents["category"].astype(str).where(~sensitive, SENSITIVE)
    frame = pd.DataFrame(
        {"area_code": incidents["area_code"].astype(str), "row": row, "col": month}
    )
    frame = frame[frame["col"].isin(all_months) & frame["area_code"].isin(area_codes)]
    counts = frame.groupby(["area_code", "row", "col"]).size()
    tables = {}
    n_months = len(all_months)
    for code in area_codes:
        values = np.zeros((len(rows), len(cols)), dtype=np.int64)
        if code in counts.index.get_level_values(0):
            for (r, c), n in counts.loc[code].items():
                values[rows.index(r), cols.index(c)] = n
        values[rows.index(TOTAL), :n_months] = values[:-1, :n_months].sum(axis=0)
        for j, window in windows.items():
            values[:, j] = values[:, window].sum(axis=1)
        table = AreaTable(code, rows, cols, values, periods=windows)
        current = [all_months.index(m) for m in months] + [n_months]
        table.editable[:, :] = False
        table.editable[:, current] = True
        # Cells only earlier releases showed: what they showed, strongest knowledge first (a
        # number, then "<5", then "dold"); a cell none of them showed is unknown (≥ 0).
        table.status[~table.editable] = WITHHELD
        rank = {VISIBLE: 0, PRIMARY: 1, SECONDARY: 2, WITHHELD: 3}
        for k, prior in enumerate(priors):
            prior_cols = [(m, all_months.index(m)) for m in prior.months] + [
                (PERIOD, n_months + 1 + k)
            ]
            for i, r in enumerate(rows):
                for name, j in prior_cols:
                    text = prior.cells.get((code, r, name))
                    if text is None:
                        continue
                    table.known[i, j] |= text.isdigit()
                    status = _prior_status(text)
                    if not table.editable[i, j] and rank[status] < rank[int(table.status[i, j])]:
                        table.status[i, j] = status
                    elif table.editable[i, j] and _carried(status, int(table.values[i, j]), rules):
                        # Stability: a cell hidden or withheld to protect another stays so in later
                        # releases, so the same month looks the same every time it is published.
                        table.status[i, j] = status
                if prior.months == months:  # the same window: its period column is this one
                    for i, r in enumerate(rows):
                        status = _prior_status(prior.cells.get((code, r, PERIOD), "0"))
                        if _carried(status, int(table.values[i, n_months]), rules):
                            table.status[i, n_months] = status
        tables[code] = table
    return tables


def _carried(status: int, value: int, rules: Rules) -> bool:
    """Whether an earlier release's hiding carries over to this one ("–" always, "dold" while the
    cell is still at least the threshold, as "dold" promises)."""
    return status == WITHHELD or (status == SECONDARY and value >= rules.min_count)


def _threshold(table: AreaTable, i: int, rules: Rules) -> int | None:
    """The row's small-count threshold; ``None`` for a sensitive row that is never shown."""
    if table.rows[i] == SENSITIVE:
        return rules.sensitive_min_count
    return rules.min_count


def _primary(table: AreaTable, rules: Rules) -> None:
    """Counts 1–4 become "<5"; a month (or the period) whose total is below the threshold has no
    breakdown at all: its categories are withheld, since "<5" in a small sum gives itself away
    (four categories of "<5" adding up to a total of "<5" can only be 1 each)."""
    total = table.rows.index(TOTAL)
    for i in range(len(table.rows)):
        limit = _threshold(table, i, rules)
        if limit is None:
            table.status[i, :] = HIDDEN_SENSITIVE
        else:
            small = (table.values[i] >= 1) & (table.values[i] < limit) & table.editable[i]
            small &= table.status[i] != WITHHELD  # carried over from an earlier release
            table.status[i, small] = PRIMARY
    for j in table.shown_cols:
        if table.values[total, j] < rules.min_count:
            _withhold_column(table, int(j))


def _withhold_column(table: AreaTable, j: int) -> None:
    """Withhold every category of column ``j`` (the total stays as it is)."""
    for i, row in enumerate(table.rows):
        if row != TOTAL and table.status[i, j] != HIDDEN_SENSITIVE:
            table.status[i, j] = WITHHELD


# --- Relations and the audit --------------------------------------------------------------------


def _relations(table: AreaTable) -> list[list[tuple[int, int, int]]]:
    """Each relation as (row, col, coefficient) terms summing to zero: every column's total is the
    sum of its rows; every period cell is the sum of its months."""
    total = table.rows.index(TOTAL)
    relations = []
    for j in range(len(table.cols)):
        relations.append(
            [(total, j, 1)] + [(i, j, -1) for i in range(len(table.rows)) if i != total]
        )
    for period, window in table.periods.items():
        for i in range(len(table.rows)):
            relations.append([(i, period, 1)] + [(i, j, -1) for j in window])
    return relations


def _bounds(table: AreaTable, i: int, j: int, rules: Rules) -> tuple[float, float | None]:
    status = table.status[i, j]
    if status == PRIMARY:
        limit = _threshold(table, i, rules) or rules.min_count
        return 1.0, float(limit - 1)
    if status == SECONDARY:
        return float(rules.min_count), None
    return 0.0, None  # sensitive or withheld: anything from zero up


@dataclass(frozen=True)
class Breach:
    """A protected cell that can be worked out, and why."""

    area_code: str
    row: str
    col: str
    value: int
    low: float
    high: float

    def describe(self, names: dict[str, str] | None = None) -> str:
        area = (names or {}).get(self.area_code, self.area_code)
        col = "hela perioden" if self.col == PERIOD else self.col
        if self.row == SENSITIVE:
            return (
                f"{area} / känsliga brott / {col}: det går att räkna ut att minst "
                f"{self.low:.0f} sådant brott förekom (regel: känsliga kategorier bara inne i summor, "
                "utan att kunna räknas fram)"
            )
        return (
            f"{area} / {self.row} / {col}: den dolda cellen ({self.value}) kan räknas ut ur summor "
            f"och andra celler, {self.low:.0f}–{self.high:.0f} (regel: sekundär röjandekontroll)"
        )


def audit(table: AreaTable, rules: Rules) -> list[Breach]:
    """Every protected cell of one area that the published values disclose (see module notes).

    Two conservative passes. Sensitive cells are checked against an attacker who knows only what
    is published. "<5" cells are checked against an attacker who also knows the sensitive counts
    (from elsewhere, say): the never-shown sensitive row must not be what protects them, since it
    is usually zero.
    """
    sensitive = table.status == HIDDEN_SENSITIVE
    breaches = _audit_pass(table, rules, known=table.known, check=sensitive)
    primary = table.status == PRIMARY
    return breaches + _audit_pass(table, rules, known=table.known | sensitive, check=primary)


def _audit_pass(
    table: AreaTable, rules: Rules, *, known: np.ndarray, check: np.ndarray
) -> list[Breach]:
    """Solve for the range of every ``check`` cell (nonzero) given the visible and ``known`` cells."""
    unknown = (table.status != VISIBLE) & ~known
    targets = [
        (i, j) for i, j in zip(*np.nonzero(check & unknown), strict=True) if table.values[i, j]
    ]
    if not targets:
        return []
    hidden = list(zip(*np.nonzero(unknown), strict=True))
    position = {cell: k for k, cell in enumerate(hidden)}
    rows_a, rhs = [], []
    for relation in _relations(table):
        coefficients = np.zeros(len(hidden))
        constant = 0.0
        for i, j, c in relation:
            if (i, j) in position:
                coefficients[position[(i, j)]] = c
            else:
                constant += c * table.values[i, j]
        if coefficients.any():
            rows_a.append(coefficients)
            rhs.append(-constant)
    a_eq, b_eq = np.array(rows_a), np.array(rhs)
    bounds = [_bounds(table, i, j, rules) for i, j in hidden]
    breaches = []
    for i, j in targets:
        k = position[(i, j)]
        objective = np.zeros(len(hidden))
        objective[k] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        lowest = float(low.fun) if low.status == 0 else float(bounds[k][0])
        highest = float(-high.fun) if high.status == 0 else float("inf")
        # Counts are whole numbers: a range holding one integer pins the cell.
        first, last_int = np.ceil(lowest - 1e-6), np.floor(highest + 1e-6)
        status = table.status[i, j]
        disclosed = first >= 1 if status == HIDDEN_SENSITIVE else last_int - first < 1
        if disclosed:
            breaches.append(
                Breach(
                    table.area_code,
                    table.rows[i],
                    table.cols[j],
                    int(table.values[i, j]),
                    lowest,
                    highest,
                )
            )
    return breaches


# --- Suppression --------------------------------------------------------------------------------


def _hide_partner(table: AreaTable, relation: list[tuple[int, int, int]], rules: Rules) -> bool:
    """Hide one more visible cell of a relation: one of at least ``min_count`` (so its hiding
    tells nothing), preferring cells whose other relation already has a hidden cell, then the
    smallest. Returns False when no cell can be hidden."""
    total = table.rows.index(TOTAL)
    candidates = []
    for i, j, _c in relation:
        if (
            table.status[i, j] != VISIBLE
            or table.values[i, j] < rules.min_count
            or not table.editable[i, j]
            or table.known[i, j]  # shown as a number before: hiding it now protects nothing
        ):
            continue
        is_column = len({jj for _ii, jj, _c in relation}) == 1
        cross = (
            [(i, jj) for jj in range(len(table.cols)) if jj != j]
            if is_column
            else [(ii, j) for ii in range(len(table.rows)) if ii != i]
        )
        protected = any(table.status[c] != VISIBLE for c in cross)
        candidates.append(
            (not protected, i == total or j in table.periods, table.values[i, j], i, j)
        )
    if not candidates:
        return False
    _p, _t, _v, i, j = min(candidates)
    table.status[i, j] = SECONDARY
    return True


def protect(
    table: AreaTable, rules: Rules, *, max_rounds: int = 50, cheap_first: bool = True
) -> None:
    """Primary and secondary suppression for one area, until :func:`audit` finds nothing.

    ``cheap_first`` closes every relation with a single hidden cell before each audit (no linear
    programme needed for those); ``bench/publish.py`` measures the audit-only way as its baseline.

    Raises
    ------
    PrivacyBreach
        If no further cell can be hidden and something is still disclosed.
    """
    _primary(table, rules)
    # The sensitive row is protected by hiding, in the same months, the largest category: then
    # "total minus the visible categories" is a sum of two unknowns, and the twelve-month column
    # cannot be closed either.
    if rules.sensitive_min_count is None:
        s, last = table.rows.index(SENSITIVE), table.cols.index(PERIOD)
        shields = [i for i in range(len(table.rows)) if table.rows[i] not in (SENSITIVE, TOTAL)]
        if shields and table.values[s, last] > 0:
            shield = max(shields, key=lambda i: table.values[i, last])
            for j in table.shown_cols:
                if (table.values[s, j] > 0 or j == last) and (
                    table.status[shield, j] == VISIBLE
                    and table.values[shield, j] >= rules.min_count
                    and not table.known[shield, j]
                ):
                    table.status[shield, j] = SECONDARY
    for _round in range(max_rounds):
        # Cheap first: no relation may hide exactly one cell.
        changed = cheap_first
        while changed:
            changed = False
            for relation in _relations(table):
                hidden = [
                    (i, j)
                    for i, j, _c in relation
                    if table.status[i, j] != VISIBLE and not table.known[i, j]
                ]
                if len(hidden) == 1 and table.values[hidden[0]] > 0:
                    changed |= _hide_partner(table, relation, rules)
        breaches = audit(table, rules)
        if not breaches:
            return
        progress = False
        for breach in breaches:
            i, j = table.index(breach.row, breach.col)
            for relation in _relations(table):
                if any((ii, jj) == (i, j) for ii, jj, _c in relation):
                    progress |= _hide_partner(table, relation, rules)
            if not progress and breach.row != TOTAL and table.editable[:, j].any():
                # Nothing left to hide next to it: withhold the month's whole breakdown.
                before = table.status.copy()
                _withhold_column(table, j)
                progress = bool((before != table.status).any())
        if not progress:
            break
    breaches = audit(table, rules)
    if breaches:
        raise PrivacyBreach([b.describe() for b in breaches])


def shown_value(value: int, status: int, limit: int = 5) -> str:
    """What a published cell says: the count, "<5" (below ``limit``) or "dold"."""
    if status == VISIBLE:
        return str(int(value))
    if status == PRIMARY:
        return f"<{limit}"
    if status == WITHHELD:
        return "–"
    return "dold"


# --- The guard ----------------------------------------------------------------------------------

PUBLIC_FILE_TYPES = (".html", ".css", ".js", ".geojson", ".csv")
COUNT_TEXT = re.compile(r"^(0|[1-9]\d*|<\d+|–|dold)$")
_FULL_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
"""A day or a clock time: anything finer than a month."""
_ALLOWED_GEOMETRIES = ("Polygon", "MultiPolygon")


@dataclass
class Publication:
    """Everything the public site will contain, checked by :func:`guard` before any file is written.

    ``tables`` hold the true counts (never written) and the status of every cell; ``areas`` has one
    row per area with what the map shows; ``files`` are the site's files as bytes, by relative path.
    ``vendor`` lists files copied unchanged from a packaged library (checked by hash, not scanned).
    """

    months: tuple[str, ...]
    tables: dict[str, AreaTable]
    areas: pd.DataFrame
    files: dict[str, bytes]
    vendor: dict[str, bytes] = field(default_factory=dict)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """CSV file → the only columns it may have (its header must match exactly)."""
    count_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """CSV file → columns holding published counts (each must be 0, ≥ 5, "<5", "–" or "dold")."""
    geojson_properties: tuple[str, ...] = ()


def guard(
    publication: Publication,
    rules: Rules,
    *,
    today: dt.date,
    forbidden: frozenset[str] = frozenset(),
    names: dict[str, str] | None = None,
) -> None:
    """Check every output cell and file against the rules; raise on the first publication that
    breaks any of them, naming every breach.

    Parameters
    ----------
    forbidden
        Texts that must never appear in a public file: presence-log units, purposes, notes and
        tactics, survey comments (given by the caller from the store).

    Raises
    ------
    PrivacyBreach
        Listing each cell or file and the rule it breaks. Nothing may be written then.
    """
    breaches: list[str] = []
    current = f"{today:%Y-%m}"
    for month in publication.months:
        if not _MONTH.match(month):
            breaches.append(
                f"perioden {month!r}: bara hela kalendermånader (ÅÅÅÅ-MM) får publiceras"
            )
        elif month >= current:
            breaches.append(
                f"månaden {month}: har inte tagit slut ({today:%Y-%m} pågår), får inte publiceras än"
            )
    for code, table in publication.tables.items():
        breaches += _check_cells(table, rules, names)
        breaches += [b.describe(names) for b in audit(table, rules)]
        _ = code
    breaches += _check_areas(publication, rules, names)
    breaches += _check_files(publication, forbidden)
    if breaches:
        raise PrivacyBreach(breaches)


def _check_cells(table: AreaTable, rules: Rules, names: dict[str, str] | None) -> list[str]:
    out = []
    area = (names or {}).get(table.area_code, table.area_code)
    for (i, j), status in np.ndenumerate(table.status):
        if not table.editable[i, j]:
            continue  # shown (and checked) by an earlier release
        value, row, col = int(table.values[i, j]), table.rows[i], table.cols[j]
        where = f"{area} / {row} / {'hela perioden' if col == PERIOD else col}"
        limit = _threshold(table, i, rules)
        if row == SENSITIVE and limit is None and status != HIDDEN_SENSITIVE:
            out.append(
                f"{where}: känsliga kategorier får bara ingå i summor (regel: känsliga kategorier)"
            )
        elif status == VISIBLE and limit is not None and 1 <= value < limit:
            out.append(
                f"{where}: antalet {value} skulle visas (regel: 1–{limit - 1} visas som <{limit})"
            )
        elif status == PRIMARY and not (limit and 1 <= value < limit):
            out.append(f"{where}: markerad <{limit} men är {value}")
        elif status == SECONDARY and value < rules.min_count:
            out.append(
                f"{where}: sekundärt dold cell måste vara minst {rules.min_count}, annars avslöjar markeringen den"
            )
    return out


def _check_areas(publication: Publication, rules: Rules, names: dict[str, str] | None) -> list[str]:
    out = []
    areas = publication.areas
    for row in areas.to_dict("records"):
        area = (names or {}).get(row["area_code"], row.get("name", row["area_code"]))
        rate = row.get("rate_per_1000")
        if rate is not None and not pd.isna(rate):
            population = row.get("population")
            table = publication.tables.get(row["area_code"])
            total_visible = (
                table is not None and table.status[table.index(TOTAL, PERIOD)] == VISIBLE
            )
            if population is None or pd.isna(population) or population < rules.rate_min_population:
                out.append(
                    f"{area}: antal per 1 000 invånare visas, men befolkningen är under {rules.rate_min_population} (regel: rater)"
                )
            elif not total_visible:
                out.append(
                    f"{area}: antal per 1 000 invånare visas fast antalet är dolt (regel: rater)"
                )
        n = row.get("survey_n")
        has_survey = any(
            row.get(k) is not None and not pd.isna(row.get(k))
            for k in ("survey_share", "survey_low", "survey_high")
        )
        if has_survey and (n is None or pd.isna(n) or n < rules.survey_min_n):
            out.append(
                f"{area}: enkätresultat med n = {n} visas (regel: bara där n ≥ {rules.survey_min_n})"
            )
    return out


def _check_files(publication: Publication, forbidden: frozenset[str]) -> list[str]:
    import csv
    import io

    from geo.assets import leaflet_source_dir
    from geo.screening import screen_text

    out = []
    packaged = leaflet_source_dir()
    for path, content in publication.vendor.items():
        original = packaged / Path(path).name
        if not original.exists() or original.read_bytes() != content:
            out.append(f"{path}: ska vara en oförändrad kopia av Leaflet från paketet")
    for path, content in publication.files.items():
        if not path.endswith(PUBLIC_FILE_TYPES):
            out.append(f"{path}: filtypen får inte publiceras")
            continue
        text = content.decode("utf-8-sig")
        screened = screen_text(text)
        if screened.redacted or screened.near_misses:
            out.append(
                f"{path}: innehåller något som liknar ett personnummer (regel: ingen fritext)"
            )
        if _FULL_DATE.search(text):
            found = _FULL_DATE.search(text)
            out.append(
                f"{path}: innehåller en tidpunkt finare än en månad ({found.group(0) if found else ''!r})"
            )
        for secret in forbidden:
            if secret and secret in text:
                out.append(
                    f"{path}: innehåller text från närvarologgen eller en enkätkommentar ({secret[:30]!r})"
                )
        if path.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(text), delimiter=";"))
            expected = publication.columns.get(path)
            if not rows or expected is None or tuple(rows[0]) != expected:
                out.append(
                    f"{path}: kolumnerna {rows[0] if rows else []} är inte de tillåtna {expected}"
                )
                continue
            for column in publication.count_columns.get(path, ()):
                k = rows[0].index(column)
                for line, values in enumerate(rows[1:], start=2):
                    value = values[k] if k < len(values) else ""
                    if not COUNT_TEXT.match(value) or (value.isdigit() and 1 <= int(value) <= 4):
                        out.append(
                            f"{path}, rad {line}, kolumn {column!r}: {value!r} är inget tillåtet antal (0, ≥5, <5, – eller dold)"
                        )
        if path.endswith((".geojson", ".js")) and path.startswith("data/"):
            out += _check_geojson(path, text, publication.geojson_properties)
    return out


def _check_geojson(path: str, text: str, allowed: tuple[str, ...]) -> list[str]:
    """Only area polygons, with allowed properties: no points, lines or heat surfaces."""
    start = text.find("{")
    try:
        data = json.loads(text[start:].rstrip().rstrip(";"))
    except json.JSONDecodeError:
        return [f"{path}: kan inte läsas som JSON"]
    collections = (
        [data]
        if data.get("type") == "FeatureCollection"
        else [
            v for v in data.values() if isinstance(v, dict) and v.get("type") == "FeatureCollection"
        ]
    )
    out = []
    for collection in collections:
        for number, feature in enumerate(collection.get("features", []), start=1):
            kind = (feature.get("geometry") or {}).get("type")
            if kind not in _ALLOWED_GEOMETRIES:
                out.append(
                    f"{path}, objekt {number}: geometri {kind} – bara områdespolygoner får publiceras (regel: inga punkter)"
                )
            extra = set(feature.get("properties", {})) - set(allowed)
            if extra:
                out.append(
                    f"{path}, objekt {number}: egenskaperna {sorted(extra)} är inte tillåtna"
                )
    return out
