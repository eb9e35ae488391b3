"""Disclosure control for everything public: the rules as code, suppression, and the guard.

The rules (data/privacy.json, FACTS §5, ARCHITECTURE "Public output"):

- Areas and whole calendar months only, and only months that have closed (and, with
  ``settle_days``, been closed that many days, so that most late registrations are in).
- Counts 1–4 are shown as "<5" (*primary* suppression). *Secondary* suppression hides more cells so
  that no hidden cell can be worked out from totals, other categories, overlapping periods or
  earlier releases (the twelve-month column is the sum of the months).
- Sensitive categories (sexual offences, violence in close relationships) are never shown on their
  own, only inside "Alla händelser", and in such a way that nobody can work out that one occurred
  in an area in a month at all. With ``sensitive_min_count`` set they are shown with that higher
  threshold instead.
- Rates only where the population is large enough and the count is visible.
- Survey results only where n ≥ the survey threshold (never below 5), only for a closed wave, and
  a published wave's figures change only when n moves by at least the threshold.
- No points, no heat surfaces, no free text, nothing from the presence log.

**The attacker** keeps every release ever published (the ledger, ``public_releases``, holds what
each showed) and knows these rules. Per area every release is a set of linear relations (each
month's total is the sum of its categories plus the hidden sensitive count; each period value is
the sum of its months). The attacker knows every visible value, that "<5" is 1–4, that "dold" is
at least 5 (we only ever hide cells of at least 5), that "–" and the sensitive counts are ≥ 0.

**Late data: a published month is frozen.** Its figures are those of its first release (the
ledger keeps that *basis*, the true counts behind every cell, in the store, never published), in
every later release, whatever is registered later. Late registrations are counted in one line
for the whole municipality ("tillkommet efter publicering", with "<5" for 1–4), never per area or
month. So every release is a function of one fixed set of numbers per month, and the audit of all
releases together is exact: counts that grow later cannot be differenced, because no published
cell ever changes. The attacker may assume late registrations only add, without any bound; the
frozen figures make that knowledge worthless.

**The audit** solves, for every protected cell of every release taken together, two linear
programmes (its smallest and largest value given all of that), with the sensitive counts taken
as *known* (they are usually zero, so they must never be what protects another cell), and
requires at least ``protection_values`` whole values in the range of a "dold" cell (by default
4: no hidden count of five or more can be narrowed further than "<5" narrows a small one) and at
least ``primary_values`` for a "<5" or "–" cell (by default 2: never pinned; these mark small
numbers, whose range is at most 0–4 anyway, and requiring all of 1–4 for "<5" hid a third of the
shown numbers of the demo). A cell that can only be zero is exempt. A sensitive cell must be able to be zero, given
everything published (without knowing the sensitive counts). A cell that only earlier releases
disclosed, and that the new one does not narrow further, is reported but does not stop the
release (it was public already; refusing would block the map for ever).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.config import REFERENCE_DIR
from geo.errors import ConfigError, GeoError
from geo.periods import LOCAL_TZ

RULES_PATH = REFERENCE_DIR / "privacy.json"
TOTAL = "total"
SENSITIVE = "känsligt"
PERIOD = "period"
VISIBLE, PRIMARY, SECONDARY, HIDDEN_SENSITIVE, WITHHELD = 0, 1, 2, 3, 4
PROTECTED = (PRIMARY, SECONDARY, WITHHELD)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
WAY_FORWARD = (
    "Den förra publiceringen ligger kvar oförändrad. Publicera med färre månader (--months), "
    "eller vänta till nästa månad har stängts och försök igen; hjälper inget av det, be den som "
    "ansvarar för röjandekontrollen (data/privacy.json) slå ihop kategorier eller områden."
)


class PrivacyBreach(GeoError):
    """The guard refused to publish; ``breaches`` name every cell and the rule it breaks.

    The texts are cell references (area, category, month or period, rule) and never carry a hidden
    value; they are for staff. ``way_forward`` says what staff can do about it.
    """

    def __init__(self, breaches: list[str], *, way_forward: str = WAY_FORWARD) -> None:
        self.breaches = breaches
        self.way_forward = way_forward
        shown = breaches[:20]
        more = f"\n  … och {len(breaches) - 20} till" if len(breaches) > 20 else ""
        super().__init__(
            "Publiceringen stoppades av röjandekontrollen; inget har skrivits:\n"
            + "\n".join(f"  - {b}" for b in shown)
            + more
            + f"\n{way_forward}"
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
    protection_values: int = 4
    """Whole values a "dold" cell must still be able to take given every release (≥ 2)."""
    primary_values: int = 2
    """Whole values a "<5" or "–" cell must still be able to take given every release (≥ 2)."""
    settle_days: int = 0
    """Days a month must have been closed before it is first published (and frozen)."""
    survey_closed_days: int = 30
    """A survey wave is closed (publishable) this many days after its latest answer."""


def load_rules(path: Path | None = None) -> Rules:
    """Read the rules; a threshold below the built-in minimum is a configuration error."""
    path = path or RULES_PATH
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"Röjandereglerna i {path} kunde inte läsas: {error}") from error
    late = raw.get("late_data", {})
    rules = Rules(
        min_count=int(raw.get("min_count", 5)),
        sensitive_groups=tuple(raw.get("sensitive_groups", ("sexualbrott",))),
        sensitive_types=tuple(raw.get("sensitive_types", ())),
        sensitive_min_count=raw.get("sensitive_min_count"),
        rate_min_population=int(raw.get("rate_min_population", 1_000)),
        survey_min_n=int(raw.get("survey_min_n", 5)),
        max_months=int(raw.get("max_months", 36)),
        protection_values=int(raw.get("protection_values", 4)),
        primary_values=int(raw.get("primary_values", 2)),
        settle_days=int(late.get("settle_days", 0)),
        survey_closed_days=int(raw.get("survey_closed_days", 30)),
    )
    if rules.min_count < 5 or rules.survey_min_n < 5:
        raise ConfigError(f"{path.name}: min_count och survey_min_n får inte vara under 5.")
    if rules.sensitive_min_count is not None and rules.sensitive_min_count < rules.min_count:
        raise ConfigError(f"{path.name}: sensitive_min_count måste vara minst min_count.")
    if rules.protection_values < 2 or not 2 <= rules.primary_values <= rules.min_count - 1:
        raise ConfigError(
            f"{path.name}: protection_values måste vara minst 2 och primary_values 2–{rules.min_count - 1}."
        )
    if late.get("policy", "frozen") != "frozen":
        raise ConfigError(
            f'{path.name}: late_data.policy kan bara vara "frozen" (publicerade månader ändras inte).'
        )
    if rules.settle_days < 0 or rules.survey_closed_days < 0:
        raise ConfigError(
            f"{path.name}: settle_days och survey_closed_days får inte vara negativa."
        )
    return rules


# --- Months -------------------------------------------------------------------------------------


def last_closed_month(today: dt.date, settle_days: int = 0) -> str:
    """Return the latest month that ended ``settle_days`` days before ``today`` (``YYYY-MM``)."""
    first = today.replace(day=1) - dt.timedelta(days=1)
    while (today - first).days <= settle_days:
        first = first.replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def month_range(last: str, months: int) -> tuple[str, ...]:
    """``months`` calendar months ending with ``last`` (inclusive), oldest first."""
    end = pd.Period(last, freq="M")
    return tuple(str(p) for p in pd.period_range(end=end, periods=months, freq="M"))


# --- The count table ----------------------------------------------------------------------------


@dataclass
class AreaTable:
    """One area's counts, with what is shown for each cell (``status``).

    Rows are the categories, the hidden sensitive row and the total; columns are months and period
    totals.

    With earlier releases (see :class:`PriorRelease`) the table also holds their months and their
    period totals, so the audit sees everything an attacker who kept every release knows. The
    values of a month some release published are its *basis* (the counts of its first release):
    published months are frozen. ``shown`` marks the columns this release publishes (its months
    and its period), ``editable`` the cells it decides (months published for the first time, and
    its period unless an earlier release had the same window), ``known`` the cells an earlier
    release showed as a number, ``periods`` maps each period column to the month columns it sums,
    and ``late`` counts the registrations made after its frozen months were first published.
    """

    area_code: str
    rows: list[str]
    cols: list[str]
    values: np.ndarray
    status: np.ndarray = field(init=False)
    periods: dict[int, list[int]] = field(default_factory=dict)
    editable: np.ndarray = field(init=False)
    known: np.ndarray = field(init=False)
    shown: np.ndarray = field(init=False)
    late: int = 0

    def __post_init__(self) -> None:
        """Start with every cell shown and editable, and one period of all months if none."""
        self.status = np.zeros(self.values.shape, dtype=int)
        self.editable = np.ones(self.values.shape, dtype=bool)
        self.known = np.zeros(self.values.shape, dtype=bool)
        self.shown = np.ones(self.values.shape[1], dtype=bool)
        if not self.periods:
            last = len(self.cols) - 1
            self.periods = {last: list(range(last))}

    def index(self, row: str, col: str) -> tuple[int, int]:
        """Return the (row, column) position of a category and a column."""
        return self.rows.index(row), self.cols.index(col)

    @property
    def shown_cols(self) -> list[int]:
        """The columns this release publishes: its months and its period."""
        return [int(j) for j in np.nonzero(self.shown)[0]]

    @property
    def editable_cols(self) -> list[int]:
        """The columns whose cells this release decides."""
        return [j for j in range(len(self.cols)) if self.editable[:, j].any()]


@dataclass(frozen=True)
class PriorRelease:
    """What an earlier public release showed, and what its months were counted from.

    Its months and every shown cell of every area (``(area_code, row, col) → text``, col a month
    or ``period``), and the *basis* (``(area_code, month) → {row: count}``, the true counts, kept
    in the store and never published; ``None`` for releases recorded before the basis was kept).
    ``survey`` is the wave and the shown figures (``area_code → (n, unsafe)``) of its survey
    column.
    """

    months: tuple[str, ...]
    cells: dict[tuple[str, str, str], str]
    basis: dict[tuple[str, str], dict[str, int]] | None = None
    survey_wave: str | None = None
    survey: dict[str, tuple[int, int]] = field(default_factory=dict)


def prior_release(tables: dict[str, AreaTable], months: tuple[str, ...]) -> PriorRelease:
    """Return what a release of these tables shows and its basis, as the ledger keeps it.

    What it shows is its cells' texts; its basis the true counts of its months, the sensitive row
    too. The ledger keeps it for every later release.
    """
    cells: dict[tuple[str, str, str], str] = {}
    basis: dict[tuple[str, str], dict[str, int]] = {}
    for code, table in tables.items():
        for i, row in enumerate(table.rows):
            if row == SENSITIVE:
                continue
            for j in table.shown_cols:
                col = PERIOD if table.cols[j] == PERIOD else table.cols[j]
                cells[(code, row, col)] = shown_value(
                    int(table.values[i, j]), int(table.status[i, j])
                )
        for month in months:
            j = table.cols.index(month)
            basis[(code, month)] = {
                r: int(table.values[i, j]) for i, r in enumerate(table.rows) if r != TOTAL
            }
    return PriorRelease(tuple(months), cells, basis)


def _prior_status(text: str) -> int:
    if text.isdigit():
        return VISIBLE
    if text.startswith("<"):
        return PRIMARY
    if text == "dold":
        return SECONDARY
    return WITHHELD


def connected_priors(
    priors: Iterable[PriorRelease], months: tuple[str, ...]
) -> tuple[PriorRelease, ...]:
    """Return the earlier releases linked to ``months`` through a chain of shared months.

    The others share no relation with this release, so they cannot change what it discloses.
    """
    priors = tuple(priors)
    reached, linked = set(months), [False] * len(priors)
    grew = True
    while grew:
        grew = False
        for k, prior in enumerate(priors):
            if not linked[k] and reached & set(prior.months):
                linked[k], grew = True, True
                reached |= set(prior.months)
    return tuple(p for p, keep in zip(priors, linked, strict=True) if keep)


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
        Every earlier release, oldest first. Those linked to these months join the table: their
        months (frozen at their basis, shown as they were), their period totals, and what they
        showed, which is taken as known.
    """
    priors = connected_priors(priors, months)
    shown_groups = [g for g in groups if g not in rules.sensitive_groups]
    rows = [*shown_groups, SENSITIVE, TOTAL]
    all_months = sorted(set(months).union(*(p.months for p in priors)))
    frozen = set().union(*(p.months for p in priors))
    cols = [*all_months, PERIOD, *(f"{PERIOD}@{k}" for k in range(len(priors)))]
    n_months = len(all_months)
    windows = {n_months: [all_months.index(m) for m in months]}
    for k, prior in enumerate(priors):
        windows[n_months + 1 + k] = [all_months.index(m) for m in prior.months]
    same_window = next((k for k, p in enumerate(priors) if p.months == months), None)
    local = pd.to_datetime(incidents["occurred_at"], utc=True).dt.tz_convert(LOCAL_TZ)
    month = local.dt.strftime("%Y-%m")
    sensitive = incidents["category"].astype(str).isin(rules.sensitive_groups) | incidents[
        "raw_type"
    ].astype(str).isin(rules.sensitive_types)
    row = incidents["category"].astype(str).where(~sensitive, SENSITIVE)
    frame = pd.DataFrame(
        {"area_code": incidents["area_code"].astype(str), "row": row, "col": month}
    )
    frame = frame[frame["col"].isin(all_months) & frame["area_code"].isin(area_codes)]
    frame = frame[frame["row"].isin(rows)]
    counts = frame.groupby(["area_code", "row", "col"]).size()
    present = set(counts.index.get_level_values(0))
    tables = {}
    total = rows.index(TOTAL)
    window_cols = [all_months.index(m) for m in months]
    for code in area_codes:
        values = np.zeros((len(rows), len(cols)), dtype=np.int64)
        if code in present:
            for (r, c), n in counts.loc[code].items():
                values[rows.index(r), cols.index(c)] = n
        now = values[:, :n_months].copy()
        # Frozen months: the counts of their first release (a release without a basis, from before
        # the basis was kept, is taken at today's counts).
        for m in frozen:
            j = all_months.index(m)
            basis = next(
                (p.basis[(code, m)] for p in priors
                 if m in p.months and p.basis is not None and (code, m) in p.basis),
                None,
            )  # fmt: skip
            if basis is not None:
                values[:, j] = [basis.get(r, 0) if r != TOTAL else 0 for r in rows]
        values[total, :n_months] = values[:total, :n_months].sum(axis=0)
        late = sum(
            int(np.maximum(now[:total, j] - values[:total, j], 0).sum())
            for j in window_cols
            if all_months[j] in frozen
        )
        for j, window in windows.items():
            values[:, j] = values[:, window].sum(axis=1)
        table = AreaTable(code, rows, cols, values, periods=windows, late=late)
        table.shown[:] = False
        table.shown[[*window_cols, n_months]] = True
        table.editable[:, :] = False
        for m in months:
            if m not in frozen:
                table.editable[:, all_months.index(m)] = True
        if same_window is None:
            table.editable[:, n_months] = True
        # What earlier releases showed: the first release of a month fixed its texts (later ones
        # repeat them); a cell none of them showed is unknown (≥ 0).
        table.status[~table.editable] = WITHHELD
        fixed = np.zeros(values.shape, dtype=bool)
        for k, prior in enumerate(priors):
            prior_cols = [(m, all_months.index(m)) for m in prior.months] + [
                (PERIOD, n_months + 1 + k)
            ]
            if k == same_window:
                prior_cols.append((PERIOD, n_months))
            for i, r in enumerate(rows):
                for name, j in prior_cols:
                    text = prior.cells.get((code, r, name))
                    if text is None or fixed[i, j] or table.editable[i, j]:
                        continue
                    table.status[i, j] = _prior_status(text)
                    fixed[i, j] = True
        if rules.sensitive_min_count is None:
            table.status[rows.index(SENSITIVE), :] = HIDDEN_SENSITIVE
        table.known = ~table.editable & (table.status == VISIBLE)
        tables[code] = table
    return tables


def _threshold(table: AreaTable, i: int, rules: Rules) -> int | None:
    """Return the row's small-count threshold; ``None`` for a sensitive row that is never shown."""
    if table.rows[i] == SENSITIVE:
        return rules.sensitive_min_count
    return rules.min_count


def _primary(table: AreaTable, rules: Rules) -> None:
    """Apply primary suppression: counts 1–4 become "<5", small totals get no breakdown.

    A month (or the period) whose total is below the threshold has no breakdown at all: its
    categories are withheld, since "<5" in a small sum gives itself away (four categories of "<5"
    adding up to a total of "<5" can only be 1 each).
    """
    total = table.rows.index(TOTAL)
    for i in range(len(table.rows)):
        limit = _threshold(table, i, rules)
        if limit is None:
            table.status[i, :] = HIDDEN_SENSITIVE
        else:
            small = (table.values[i] >= 1) & (table.values[i] < limit) & table.editable[i]
            table.status[i, small] = PRIMARY
    for j in table.editable_cols:
        if table.values[total, j] < rules.min_count:
            _withhold_column(table, int(j))


def _withhold_column(table: AreaTable, j: int, *, total_too: bool = False) -> None:
    """Withhold every editable category of column ``j`` (the total too when ``total_too``)."""
    for i, row in enumerate(table.rows):
        if not table.editable[i, j] or table.status[i, j] == HIDDEN_SENSITIVE:
            continue
        if row != TOTAL or total_too:
            table.status[i, j] = WITHHELD


# --- Relations and the audit --------------------------------------------------------------------


def _relations(table: AreaTable) -> list[list[tuple[int, int, int]]]:
    """Return each relation as (row, col, coefficient) terms summing to zero.

    Every column's total is the sum of its rows; every period cell is the sum of its months.
    """
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
    """A protected cell that can be worked out, and why.

    ``value``, ``low`` and ``high`` are for tests and the guard's own checks; :meth:`describe` never
    shows them.
    """

    area_code: str
    row: str
    col: str
    value: int
    low: float
    high: float

    def describe(self, names: dict[str, str] | None = None) -> str:
        """Return the breach in Swedish for staff: area, row, column and rule, never a value."""
        area = (names or {}).get(self.area_code, self.area_code)
        col = _col_text(self.col)
        if self.row == SENSITIVE:
            return (
                f"{area} / känsliga brott / {col}: summorna skulle avslöja att ett sådant brott förekom "
                "(regel: känsliga kategorier bara inne i summor, utan att kunna räknas fram)"
            )
        return (
            f"{area} / {self.row} / {col}: den dolda cellen kan räknas ut eller ringas in för snävt ur summor, "
            "andra celler och tidigare publiceringar (regel: sekundär röjandekontroll)"
        )


def _col_text(col: str) -> str:
    if col == PERIOD:
        return "hela perioden"
    if col.startswith(f"{PERIOD}@"):
        return "en tidigare publicerings period"
    return col


_AUDITS: dict[tuple[object, ...], list[Breach]] = {}


def audit(table: AreaTable, rules: Rules) -> list[Breach]:
    """Every protected cell of one area that the published values disclose (see module notes).

    Two passes. Sensitive cells are checked against an attacker who knows only what is published:
    each must be able to be zero. Every other protected cell ("<5", "dold", "–") is checked
    against an attacker who also knows the sensitive counts: its range must hold at least
    ``rules.protection_values`` whole values for "dold", ``rules.primary_values`` for "<5" and
    "–"; a cell that can only be zero is exempt. A cell of an earlier release that is as narrow
    without this release's new cells does not count (it was disclosed before; see notes).
    """
    key = (
        table.area_code, tuple(table.cols), tuple(table.rows), table.values.tobytes(),
        table.status.tobytes(), table.editable.tobytes(), table.shown.tobytes(), rules,
    )  # fmt: skip
    if key in _AUDITS:
        return list(_AUDITS[key])
    sensitive = table.status == HIDDEN_SENSITIVE
    nothing = np.zeros(table.status.shape, dtype=bool)
    protected = np.isin(table.status, PROTECTED)
    everything = list(range(len(table.cols)))
    breaches = _audit_pass(table, rules, known=nothing, check=sensitive, columns=everything)
    breaches += _audit_pass(table, rules, known=sensitive, check=protected, columns=everything)
    old = _old_columns(table)
    if breaches and old and len(old) < len(table.cols):
        # Disclosed by earlier releases alone, and no narrower now: not this release's doing.
        before = {
            (b.row, b.col): _whole_range(b)
            for b in _audit_pass(
                table, rules, known=nothing, check=sensitive & _mask(table, old), columns=old
            )
            + _audit_pass(
                table, rules, known=sensitive, check=protected & _mask(table, old), columns=old
            )
        }
        breaches = [
            b
            for b in breaches
            if (b.row, b.col) not in before or _whole_range(b) != before[(b.row, b.col)]
        ]
    if len(_AUDITS) > 4096:
        _AUDITS.clear()
    _AUDITS[key] = breaches
    return list(breaches)


def _whole_range(breach: Breach) -> tuple[float, float]:
    return float(np.ceil(breach.low - 1e-6)), float(np.floor(breach.high + 1e-6))


def _old_columns(table: AreaTable) -> list[int]:
    """Columns every one of whose cells an earlier release fixed (frozen months, old periods)."""
    n_months = table.cols.index(PERIOD)
    return [j for j in range(len(table.cols)) if j != n_months and not table.editable[:, j].any()]


def _mask(table: AreaTable, columns: list[int]) -> np.ndarray:
    mask = np.zeros(table.status.shape, dtype=bool)
    mask[:, columns] = True
    return mask


def _audit_pass(
    table: AreaTable, rules: Rules, *, known: np.ndarray, check: np.ndarray, columns: list[int]
) -> list[Breach]:
    """Solve for the range of every ``check`` cell (nonzero) from what is visible.

    The visible and ``known`` cells of ``columns`` and the relations among them.
    """
    inside = np.zeros(len(table.cols), dtype=bool)
    inside[columns] = True
    unknown = (table.status != VISIBLE) & ~known & inside[None, :]
    # Zero-valued cells are targets too (a "–" narrowed to 0–2 tells as much as "<5"), except
    # sensitive ones, which can always be zero when they are.
    targets = [
        (int(i), int(j))
        for i, j in zip(*np.nonzero(check & unknown), strict=True)
        if table.values[i, j] or table.status[i, j] != HIDDEN_SENSITIVE
    ]
    if not targets:
        return []
    hidden = [(int(i), int(j)) for i, j in zip(*np.nonzero(unknown), strict=True)]
    position = {cell: k for k, cell in enumerate(hidden)}
    rows_a, rhs = [], []
    for relation in _relations(table):
        if not all(inside[j] for _i, j, _c in relation):
            continue
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
    a_eq = np.array(rows_a) if rows_a else np.zeros((0, len(hidden)))
    b_eq = np.array(rhs, dtype=float)
    bounds = [_bounds(table, i, j, rules) for i, j in hidden]
    wanted = [(position[(i, j)], table.status[i, j] != HIDDEN_SENSITIVE) for i, j in targets]
    breaches = []
    for (i, j), (lowest, highest) in zip(targets, _ranges(a_eq, b_eq, bounds, wanted), strict=True):
        if np.isnan(lowest) or np.isnan(highest):
            lowest = highest = float(
                table.values[i, j]
            )  # cannot happen (the true counts fit): refuse
        first = np.ceil(lowest - 1e-6)
        if table.status[i, j] == HIDDEN_SENSITIVE:
            # Sensitive: it must be possible that none occurred.
            if first >= 1:
                breaches.append(
                    Breach(table.area_code, table.rows[i], table.cols[j],
                           int(table.values[i, j]), lowest, float("inf"))
                )  # fmt: skip
            continue
        last_int = np.floor(highest + 1e-6)
        # Counts are whole numbers: the range must hold at least protection_values of them
        # (a cell that can only be zero is exempt: nothing happened, as a visible 0 would say).
        need = rules.protection_values if table.status[i, j] == SECONDARY else rules.primary_values
        if last_int >= 1 and last_int - first + 1 < need:
            breaches.append(
                Breach(table.area_code, table.rows[i], table.cols[j],
                       int(table.values[i, j]), lowest, highest)
            )  # fmt: skip
    return breaches


# --- Linear programmes (HiGHS, one model per pass, warm-started per objective) ------------------

_SOLVER: list[object] = []


def _solver() -> object:
    """One HiGHS instance per process, created quietly (HiGHS prints a banner on creation)."""
    if not _SOLVER:
        import os
        import sys

        import highspy

        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                solver = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        solver.setOptionValue("output_flag", False)
        _SOLVER.append(solver)
    return _SOLVER[0]


def _ranges(
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    bounds: list[tuple[float, float | None]],
    targets: list[tuple[int, bool]],
) -> list[tuple[float, float]]:
    """Return, for each (variable, want_high), its smallest and (if asked) largest value.

    Subject to ``a_eq x = b_eq`` and the bounds (``inf`` when unbounded; NaN when nothing fits).
    """
    import highspy

    solver = _solver()
    n = len(bounds)
    lower = np.array([b[0] for b in bounds], dtype=float)
    upper = np.array([highspy.kHighsInf if b[1] is None else b[1] for b in bounds], dtype=float)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(b_eq)
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.asarray(b_eq, dtype=float)
    lp.row_upper_ = np.asarray(b_eq, dtype=float)
    matrix = np.asarray(a_eq, dtype=float).reshape(len(b_eq), n)
    rows, cols = np.nonzero(matrix.T)  # column-wise: for each column, its rows
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(rows, np.arange(n + 1)).astype(np.int32)
    lp.a_matrix_.index_ = cols.astype(np.int32)
    lp.a_matrix_.value_ = matrix.T[rows, cols]
    solver.clearModel()  # type: ignore[attr-defined]
    solver.setOptionValue("output_flag", False)  # type: ignore[attr-defined]
    solver.passModel(lp)  # type: ignore[attr-defined]
    out = []
    for k, want_high in targets:
        found = []
        for sign in (1.0, -1.0) if want_high else (1.0,):
            solver.changeColCost(k, sign)  # type: ignore[attr-defined]
            solver.run()  # type: ignore[attr-defined]
            status = solver.getModelStatus()  # type: ignore[attr-defined]
            value = float(solver.getInfo().objective_function_value)  # type: ignore[attr-defined]
            solver.changeColCost(k, 0.0)  # type: ignore[attr-defined]
            if status == highspy.HighsModelStatus.kOptimal:
                found.append(sign * value)
            elif status == highspy.HighsModelStatus.kInfeasible:
                found.append(float("nan"))
            elif sign > 0:
                found.append(float(lower[k]))
            else:
                found.append(float("inf"))
        out.append((found[0], found[1] if want_high else float("inf")))
    return out


# --- Suppression --------------------------------------------------------------------------------


def _hide_partner(table: AreaTable, relation: list[tuple[int, int, int]], rules: Rules) -> bool:
    """Hide one more visible cell of a relation; return False when none can be hidden.

    The cell is one this release decides, of at least ``min_count`` (so its hiding tells nothing),
    preferring cells whose other relation already has a hidden cell, then categories over totals
    and months over periods, then the smallest.
    """
    total = table.rows.index(TOTAL)
    candidates = []
    for i, j, _c in relation:
        if (
            table.status[i, j] != VISIBLE
            or table.values[i, j] < rules.min_count
            or not table.editable[i, j]
        ):
            continue
        is_column = len({jj for _ii, jj, _c in relation}) == 1
        cross = (
            [(i, jj) for jj in range(len(table.cols)) if jj != j]
            if is_column
            else [(ii, j) for ii in range(len(table.rows)) if ii != i]
        )
        protected = any(table.status[c] not in (VISIBLE, HIDDEN_SENSITIVE) for c in cross)
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

    Only the cells this release decides change (see :class:`AreaTable`); frozen months stay as
    they were first published. ``cheap_first`` closes every relation with a single hidden cell
    before each audit (no linear programme needed for those); ``bench/publish.py`` measures the
    audit-only way as its baseline.

    Raises
    ------
    PrivacyBreach
        If no further cell can be hidden and something is still disclosed.
    """
    _primary(table, rules)
    period = table.cols.index(PERIOD)
    # The sensitive row is protected by hiding, in the same months, the largest category: then
    # "total minus the visible categories" is a sum of two unknowns, and the period column
    # cannot be closed either.
    if rules.sensitive_min_count is None:
        s = table.rows.index(SENSITIVE)
        shields = [i for i in range(len(table.rows)) if table.rows[i] not in (SENSITIVE, TOTAL)]
        if shields and table.values[s, period] > 0:
            shield = max(shields, key=lambda i: table.values[i, period])
            for j in table.editable_cols:
                if (table.values[s, j] > 0 or j == period) and (
                    table.status[shield, j] == VISIBLE
                    and table.values[shield, j] >= rules.min_count
                    and table.editable[shield, j]
                ):
                    table.status[shield, j] = SECONDARY
    for _round in range(max_rounds):
        # Cheap first: no relation may hide exactly one cell (the sensitive counts taken as known).
        changed = cheap_first
        while changed:
            changed = False
            for relation in _relations(table):
                hidden = [
                    (i, j)
                    for i, j, _c in relation
                    if table.status[i, j] not in (VISIBLE, HIDDEN_SENSITIVE)
                ]
                if len(hidden) == 1 and table.values[hidden[0]] > 0:
                    changed |= _hide_partner(table, relation, rules)
        breaches = audit(table, rules)
        if not breaches:
            return
        progress = False
        for breach in breaches:
            i, j = table.index(breach.row, breach.col)
            related = [r for r in _relations(table) if any((ii, jj) == (i, j) for ii, jj, _c in r)]
            for relation in related:
                progress |= _hide_partner(table, relation, rules)
            if not progress and table.editable[i, period]:
                # Nothing to hide next to it (an earlier release's cell, narrowed by differencing
                # this release's period with an earlier one): hide in this release's period row.
                row_relation = [(i, period, 1)] + [(i, jj, -1) for jj in table.periods[period]]
                progress |= _hide_partner(table, row_relation, rules)
            if not progress:
                # Still nothing: withhold the breakdown of the columns this release decides, its
                # own column first, then the period, then the others.
                columns = sorted(table.editable_cols, key=lambda jj: (jj != j, jj != period, jj))
                for jj in columns:
                    before = table.status.copy()
                    _withhold_column(table, jj, total_too=breach.row == TOTAL)
                    if (before != table.status).any():
                        progress = True
                        break
        if not progress:
            break
    breaches = audit(table, rules)
    if breaches:
        raise PrivacyBreach([b.describe() for b in breaches])


def shown_value(value: int, status: int, limit: int = 5) -> str:
    """Return what a published cell says: the count, "<5" (below ``limit``) or "dold"."""
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
    frozen_months: frozenset[str] = frozenset()
    """Months an earlier release published (shown again exactly as then)."""
    survey_priors: tuple[tuple[str, dict[str, tuple[int, int]]], ...] = ()
    """(wave, area → (n, unsafe)) as every earlier release showed them."""
    late: int = 0
    """Registrations made after the frozen months of this release were first published."""


def guard(
    publication: Publication,
    rules: Rules,
    *,
    today: dt.date,
    forbidden: frozenset[str] = frozenset(),
    names: dict[str, str] | None = None,
) -> None:
    """Check every output cell and file against the rules; raise naming every breach.

    The first publication that breaks any of them is refused as a whole.

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
    settled = last_closed_month(today, rules.settle_days)
    for month in publication.months:
        if not _MONTH.match(month):
            breaches.append(
                f"perioden {month!r}: bara hela kalendermånader (ÅÅÅÅ-MM) får publiceras"
            )
        elif month >= current:
            breaches.append(
                f"månaden {month}: har inte tagit slut ({today:%Y-%m} pågår), får inte publiceras än"
            )
        elif month > settled and not publication.frozen_months.issuperset({month}):
            breaches.append(
                f"månaden {month}: har inte varit stängd i {rules.settle_days} dagar än "
                "(regel: sena registreringar, settle_days)"
            )
    for code, table in publication.tables.items():
        breaches += _check_cells(table, rules, names)
        breaches += [b.describe(names) for b in audit(table, rules)]
        _ = code
    breaches += _check_areas(publication, rules, names)
    breaches += _check_survey_changes(publication, rules, names)
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
        where = f"{area} / {row} / {_col_text(col)}"
        limit = _threshold(table, i, rules)
        if row == SENSITIVE and limit is None and status != HIDDEN_SENSITIVE:
            out.append(
                f"{where}: känsliga kategorier får bara ingå i summor (regel: känsliga kategorier)"
            )
        elif status == VISIBLE and limit is not None and 1 <= value < limit:
            out.append(
                f"{where}: ett antal under {limit} skulle visas som tal (regel: 1–{limit - 1} visas som <{limit})"
            )
        elif status == PRIMARY and not (limit and 1 <= value < limit):
            out.append(f"{where}: markerad <{limit} men antalet är inte 1–{(limit or 5) - 1}")
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
                f"{area}: enkätresultat visas för färre än {rules.survey_min_n} svar (regel: bara där n ≥ {rules.survey_min_n})"
            )
    return out


def _check_survey_changes(
    publication: Publication, rules: Rules, names: dict[str, str] | None
) -> list[str]:
    """Refuse a changed wave figure unless n moved by at least the threshold.

    A published wave's figures may change only when n moves by at least the threshold from every
    earlier release's n (else the change itself describes a few respondents).
    """
    out = []
    for row in publication.areas.to_dict("records"):
        n, k, wave = row.get("survey_n"), row.get("survey_unsafe"), row.get("survey_wave")
        if n is None or pd.isna(n) or wave is None:
            continue
        area = (names or {}).get(row["area_code"], row.get("name", row["area_code"]))
        for prior_wave, figures in publication.survey_priors:
            if prior_wave != wave or row["area_code"] not in figures:
                continue
            n0, k0 = figures[row["area_code"]]
            if (int(n), int(k)) != (n0, k0) and abs(int(n) - n0) < rules.survey_min_n:
                out.append(
                    f"{area} / enkäten {wave}: antalet svar ändras med färre än {rules.survey_min_n} "
                    "sedan en tidigare publicering (regel: en publicerad omgång ändras bara med "
                    f"minst {rules.survey_min_n} nya svar)"
                )
                break
    return out


def _check_files(publication: Publication, forbidden: frozenset[str]) -> list[str]:
    import csv
    import io

    from geo.assets import leaflet_source_dir
    from geo.io.screening import screen_text

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
