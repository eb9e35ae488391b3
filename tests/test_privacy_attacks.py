"""The public map under attack: late data and repeated releases.

The attacker keeps every published site and reads only what a visitor can download (the two CSV
files), knows the rules from the method page (counts 1–4 are "<5", "dold" is at least 5, "–" and
the never-shown sensitive counts are at least 0, and a published month is frozen) and, to be
safe, also knows the true sensitive counts (they are usually zero, so they must never be what
protects a cell). Two attacks over all releases together:

- **the LP**: for every protected cell, its smallest and largest value given every relation of
  every release (a month's total is the sum of its categories plus the sensitive count; a period
  is the sum of its months), once with the months of different releases as the same numbers
  (the stated policy) and once only assuming that counts grow with late registrations;
- **simple differencing** of every pair of releases: a number that changed, two period totals
  whose difference is one hidden cell, a survey area whose n moved by fewer than five.

Nothing may come out: every "dold" cell keeps at least ``protection_values`` possible values
and every "<5" or "–" at least ``primary_values`` (never pinned),
no sensitive count can be shown to be at least one, no survey answer can be read off.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from sqlalchemy import Engine, select

from geo.demo import load_demo
from geo.io.ingest import ImportOptions, import_incidents
from geo.io.surveys import SurveyOptions, import_survey
from geo.public.privacy import (
    PERIOD,
    SENSITIVE,
    TOTAL,
    PrivacyBreach,
    Rules,
    _ranges,
    count_tables,
    load_rules,
    month_range,
    prior_release,
    protect,
)
from geo.public.publish import prior_releases, publish
from geo.store.database import active_layer, load_incidents
from geo.store.schema import public_releases
from tests.conftest import copy_store, drop_store, new_store

RULES = load_rules()
TODAY = dt.date(2026, 12, 2)
"""The issue's "today": demo data (seed 5) up to the end of November 2026."""
TOTAL_LABEL = "Alla händelser"
MISFIT = "the published figures do not fit this model"


# --- The attacker -------------------------------------------------------------------------------


@dataclass
class Release:
    """What one published site says: cell texts by (area, row, col), col a month or PERIOD."""

    months: tuple[str, ...]
    cells: dict[tuple[str, str, str], str]
    survey: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    """area → (wave, n, unsafe share in per cent as printed)."""


def read_site(folder: Path) -> Release:
    """A release as a visitor downloads it."""
    monthly = (folder / "data" / "handelser_per_manad.csv").read_text(encoding="utf-8-sig")
    cells, months = {}, set()
    for row in csv.DictReader(io.StringIO(monthly), delimiter=";"):
        col = row["manad"]
        if "–" in col:
            col = PERIOD
        else:
            months.add(col)
        label = TOTAL if row["kategori"] == TOTAL_LABEL else row["kategori"]
        cells[(row["omradeskod"], label, col)] = row["antal"]
    areas = (folder / "data" / "omraden.csv").read_text(encoding="utf-8-sig")
    survey = {
        row["omradeskod"]: (
            row["enkat_omgang"],
            int(row["enkat_svar"]),
            row["andel_otrygga_procent"],
        )
        for row in csv.DictReader(io.StringIO(areas), delimiter=";")
        if row["enkat_svar"].isdigit()
    }
    return Release(tuple(sorted(months)), cells, survey)


def _bounds(text: str, rules: Rules) -> tuple[float, float | None]:
    if text.isdigit():
        return float(text), float(text)
    if text.startswith("<"):
        return 1.0, float(rules.min_count - 1)
    if text == "dold":
        return float(rules.min_count), None
    return 0.0, None  # "–"


def _solve(
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    a_ub: np.ndarray | None,
    b_ub: np.ndarray | None,
    bounds: list[tuple[float, float | None]],
    targets: list[tuple[int, str]],
) -> list[tuple[float, float]] | None:
    """Smallest and largest value of each target variable; None when the model does not fit."""
    if not targets:
        return []
    if a_ub is None:
        # Equalities only: HiGHS warm-started per objective (checked against linprog below).
        ranges = _ranges(a_eq, b_eq, bounds, [(k, True) for k, _w in targets])
        return None if any(np.isnan(low) for low, _high in ranges) else ranges
    out = []
    for k, _where in targets:
        objective = np.zeros(a_eq.shape[1])
        objective[k] = 1
        low = linprog(
            objective, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs"
        )
        if low.status == 2:
            return None
        high = linprog(
            -objective, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs"
        )
        out.append(
            (
                float(low.fun) if low.status == 0 else 0.0,
                float(-high.fun) if high.status == 0 else float("inf"),
            )
        )
    return out


def lp_attack(
    releases: list[Release],
    rules: Rules,
    *,
    frozen: bool,
    sensitive: dict[tuple[int, str, str], int] | None,
) -> list[str]:
    """Every protected cell the releases together narrow to fewer than ``protection_values``
    values (with ``sensitive``, the true sensitive count per (release, area, month)), and every
    month where a sensitive offence can be shown to have occurred (without ``sensitive``).

    ``frozen``: the same month in two releases is the same numbers (the stated policy); otherwise
    each release has its own numbers and the attacker only knows that counts grow."""
    findings = []
    areas = sorted({a for r in releases for a, _row, _col in r.cells})
    rows = sorted({row for r in releases for _a, row, _c in r.cells if row != TOTAL})
    for area in areas:
        index: dict[tuple[object, ...], int] = {}

        def var(key: tuple[object, ...], index: dict[tuple[object, ...], int] = index) -> int:
            return index.setdefault(key, len(index))

        def tag(k: int, month: str) -> tuple[object, ...]:
            return (month,) if frozen else (k, month)

        terms: list[tuple[dict[int, float], tuple[float, float | None], tuple[int, str, str]]] = []
        for k, release in enumerate(releases):
            for (a, row, col), text in release.cells.items():
                if a != area:
                    continue
                months = release.months if col == PERIOD else (col,)
                expression: dict[int, float] = {}
                for month in months:
                    for r in rows if row == TOTAL else [row]:
                        v = var(("x", r, *tag(k, month)))
                        expression[v] = expression.get(v, 0.0) + 1
                    if row == TOTAL:
                        v = var(("s", *tag(k, month)))
                        expression[v] = expression.get(v, 0.0) + 1
                terms.append((expression, _bounds(text, rules), (k, row, col)))
        n = len(index)
        # Each cell's text as bounds on a helper variable equal to its expression.
        a_eq, _b_eq, bounds = [], [], [(0.0, None)] * n
        helpers = []
        for expression, bound, where in terms:
            h = len(bounds)
            bounds = [*bounds, bound]
            helpers.append((h, where, frozenset(expression.items())))
            a_eq.append((expression, h))
        size = len(bounds)
        matrix = np.zeros((len(a_eq), size))
        for line, (expression, h) in enumerate(a_eq):
            for v, c in expression.items():
                matrix[line, v] = c
            matrix[line, h] = -1
        rhs = np.zeros(len(a_eq))
        # Late registrations only add: the same cell later is at least as large.
        ub_rows = []
        if not frozen:
            chains: dict[tuple[object, ...], list[tuple[int, int]]] = {}
            for key, v in index.items():
                # ("x", row, k, month) or ("s", k, month): the same cell in release k
                cell = (*key[:-2], key[-1])
                chains.setdefault(cell, []).append((int(key[-2]), v))  # type: ignore[call-overload]
            for chain in chains.values():
                chain.sort()
                for (_k, v), (_k2, w) in itertools.pairwise(chain):
                    line = np.zeros(size)
                    line[v], line[w] = 1, -1  # x_earlier − x_later ≤ 0
                    ub_rows.append(line)
        a_ub = np.array(ub_rows) if ub_rows else None
        b_ub = np.zeros(len(ub_rows)) if ub_rows else None
        fixed = list(bounds)
        if sensitive is not None:
            for key, v in index.items():
                if key[0] == "s":
                    k, month = (0, key[1]) if frozen else (int(key[1]), str(key[2]))
                    if frozen:
                        k = next(i for i, r in enumerate(releases) if month in r.months)
                    value = float(sensitive.get((k, area, month), 0))
                    fixed[v] = (value, value)
        # Protected cells: "<5", "dold", "–" (each expression once), or the sensitive counts.
        targets, seen = [], set()
        if sensitive is not None:
            for h, where, expression_key in helpers:
                text = releases[where[0]].cells[(area, where[1], where[2])]
                if text.isdigit() or (frozen and (expression_key, text) in seen):
                    continue
                seen.add((expression_key, text))
                targets.append(
                    (h, f"{area} / {where[1]} / {where[2]} (release {where[0] + 1}): {text}")
                )
        else:
            targets = [(v, f"{area} / {key[1:]}") for key, v in index.items() if key[0] == "s"]
        ranges = _solve(
            matrix, rhs, a_ub, b_ub, fixed if sensitive is not None else bounds, targets
        )
        if ranges is None:
            return [MISFIT] if frozen else []
        for (_h, where_text), (low, high) in zip(targets, ranges, strict=True):
            if sensitive is None:
                if np.ceil(low - 1e-6) >= 1:
                    findings.append(f"{where_text}: a sensitive offence is revealed")
            elif high >= 1 - 1e-6 and (
                np.floor(high + 1e-6) - np.ceil(low - 1e-6) + 1
                < (rules.protection_values if where_text.endswith("dold") else rules.primary_values)
            ):
                # (a cell that can only be zero is exempt: a visible 0 would say as much)
                findings.append(f"{where_text} narrowed to {low:.0f}–{high:.0f}")
    return findings


def differencing(releases: list[Release], rules: Rules) -> list[str]:
    """Simple differencing of every pair of releases."""
    findings = []
    for a in range(len(releases)):
        for b in range(a + 1, len(releases)):
            one, two = releases[a], releases[b]
            for (area, row, col), text in two.cells.items():
                before = one.cells.get((area, row, col))
                if (
                    col != PERIOD
                    and before
                    and before.isdigit()
                    and text.isdigit()
                    and before != text
                ):
                    findings.append(f"{area} / {row} / {col}: {before} → {text} between releases")
                if (
                    col == PERIOD
                    and text.isdigit()
                    and (one.cells.get((area, row, PERIOD)) or "").isdigit()
                ):
                    difference = int(text) - int(one.cells[(area, row, PERIOD)])
                    added = [m for m in two.months if m not in one.months]
                    dropped = [m for m in one.months if m not in two.months]
                    unknown = []
                    for m in added + dropped:
                        shown = [r.cells.get((area, row, m), "–") for r in (one, two)]
                        number = next((t for t in shown if t.isdigit()), None)
                        if number is None:
                            unknown.append((m, shown))
                        else:
                            difference -= int(number) * (1 if m in added else -1)
                    if len(unknown) == 1 and difference != 0:  # (exactly 0 tells nothing)
                        month, shown = unknown[0]
                        findings.append(
                            f"{area} / {row} / {month}: {shown} is exactly "
                            f"{difference if month in added else -difference} by differencing"
                        )
            for area, (wave, n, share) in two.survey.items():
                if area in one.survey and one.survey[area][0] == wave:
                    _w, n0, share0 = one.survey[area]
                    if (n, share) != (n0, share0) and abs(n - n0) < rules.survey_min_n:
                        findings.append(
                            f"{area} / enkät {wave}: n {n0} → {n}, {share0} % → {share} %: "
                            "the new answers can be read off"
                        )
    return findings


def attack(
    releases: list[Release], rules: Rules, sensitive: dict[tuple[int, str, str], int]
) -> list[str]:
    """Everything the attacker finds: the LP with and without the sensitive counts, and
    differencing. The frozen model is the stronger one (its solutions are among the growth
    model's), so the growth model runs only where the releases do not fit the frozen one: a site
    that republished a month with other figures."""
    found = differencing(releases, rules)
    for known in (sensitive, None):
        frozen = lp_attack(releases, rules, frozen=True, sensitive=known)
        if frozen == [MISFIT]:
            frozen = lp_attack(releases, rules, frozen=False, sensitive=known)
        found += frozen
    return found


# --- Demo data, seed 5 (the setting) ----------------------------------------------------


@pytest.fixture(scope="module")
def seed5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with three years of demo data, seed 5, to the end of November 2026."""
    folder = tmp_path_factory.mktemp("seed5")
    engine = new_store(folder, "seed5.db")
    load_demo(engine, years=3, seed=5, end=dt.date(2026, 12, 1))
    engine.dispose()
    return folder / "seed5.db"


@pytest.fixture
def store5(seed5: Path, tmp_path: Path) -> Engine:
    """A private copy of the seed-5 store for one test."""
    engine = copy_store(seed5, tmp_path / "store.db")
    yield engine
    drop_store(engine)


def _sensitive_now(engine: Engine, k: int) -> dict[tuple[int, str, str], int]:
    """The true sensitive counts per (release k, area, month) as they are in the store now."""
    incidents = load_incidents(engine, columns=("occurred_at", "area_code", "category", "raw_type"))
    local = pd.to_datetime(incidents["occurred_at"], utc=True).dt.tz_convert("Europe/Stockholm")
    sensitive = incidents["category"].isin(RULES.sensitive_groups) | incidents["raw_type"].isin(
        RULES.sensitive_types
    )
    frame = pd.DataFrame({"area": incidents["area_code"], "month": local.dt.strftime("%Y-%m")})
    counts = frame[sensitive.to_numpy()].groupby(["area", "month"]).size()
    return {(k, str(a), str(m)): int(n) for (a, m), n in counts.items()}


def _area(engine: Engine, name: str) -> tuple[str, float, float]:
    _info, layer = active_layer(engine)
    row = layer[layer["name"] == name].iloc[0]
    point = row.geometry.representative_point()
    return str(row["area_code"]), float(point.x), float(point.y)


def _late_incident(engine: Engine, folder: Path, kind: str, area: str, month: str) -> None:
    _code, x, y = _area(engine, area)
    path = folder / f"sent-{kind}.csv"
    path.write_text(
        f"id;tidpunkt;typ;x;y\nSENT-{kind}-1;{month}-14T13:00:00+01:00;{kind};{x:.0f};{y:.0f}\n",
        encoding="utf-8",
    )
    report = import_incidents(engine, path, ImportOptions(imported_by="test", source="polis"))
    assert report.imported, report.text()


def _publish_twice(
    engine: Engine, tmp_path: Path, change: object, *, today_after: dt.date = TODAY
) -> tuple[list[Release], dict[tuple[int, str, str], int]]:
    publish(engine, tmp_path / "r1", today=TODAY)
    sensitive = _sensitive_now(engine, 0)
    first = read_site(tmp_path / "r1")
    change(first)  # type: ignore[operator]
    publish(engine, tmp_path / "r2", today=today_after)
    sensitive |= _sensitive_now(engine, 1)
    return [first, read_site(tmp_path / "r2")], sensitive


def test_first_release_of_seed5_gives_nothing_away(store5: Engine, tmp_path: Path) -> None:
    """Issue 17, attack 2: the twelve-month row of Ullared-Inland showed the total and every
    category but one; total minus the rest gave the hidden one exactly."""
    publish(store5, tmp_path / "r1", today=TODAY)
    release = read_site(tmp_path / "r1")
    assert attack([release], RULES, _sensitive_now(store5, 0)) == []


def _fully_shown(release: Release, row: str) -> tuple[str, str]:
    """An area and month of the release where the total and every category are numbers and
    ``row`` is 0 (Falkenbergs södra kustområde, as in the issue, if it has one; latest first):
    there one late incident would be total minus the rest."""
    areas = sorted({a for a, _r, _c in release.cells}, key=lambda a: a != "1382R004")
    for area in areas:
        for month in reversed(release.months):
            cells = {r: t for (a, r, c), t in release.cells.items() if a == area and c == month}
            if cells.get(row) == "0" and all(t.isdigit() for t in cells.values()):
                return area, month
    for area in areas:  # else a month whose total and ``row`` are shown
        for month in reversed(release.months):
            if (
                release.cells[(area, row, month)] == "0"
                and release.cells[(area, TOTAL, month)].isdigit()
            ):
                return area, month
    raise AssertionError("no shown month in the release")


def test_a_late_incident_in_a_published_month_pins_nothing(store5: Engine, tmp_path: Path) -> None:
    """Attack 1: one narcotics offence registered late in a published month whose total and
    categories were all shown (the issue's Falkenbergs södra kustområde): before, the new site
    showed Narkotika "<5", the total one higher and every other category unchanged."""
    _info, layer = active_layer(store5)
    names = dict(zip(layer["area_code"], layer["name"], strict=True))
    where: dict[str, tuple[str, str]] = {}

    def late(first: Release) -> None:
        where["cell"] = _fully_shown(first, "Narkotika")
        code, month = where["cell"]
        _late_incident(store5, tmp_path, "Narkotikabrott", names[code], month)

    releases, sensitive = _publish_twice(store5, tmp_path, late)
    one, two = releases
    code, month = where["cell"]
    # The month is frozen: the second release shows exactly what the first did ...
    assert {k: v for k, v in two.cells.items() if k[2] == month} == {
        k: v for k, v in one.cells.items() if k[2] == month
    }
    assert two.cells[(code, "Narkotika", month)] == "0"
    # ... and the late registration is one line for the whole municipality.
    index = (tmp_path / "r2" / "index.html").read_text(encoding="utf-8")
    assert "Tillkommet efter publicering: &lt;5 händelser" in index
    assert attack(releases, RULES, sensitive) == []


def test_a_late_sensitive_incident_is_neither_revealed_nor_blocking(
    store5: Engine, tmp_path: Path
) -> None:
    """Attacks 4 and 5: a rape registered late in a published month must not be deducible, and
    must not block every later release."""

    def late(first: Release) -> None:
        _late_incident(store5, tmp_path, "Våldtäkt", "Ullared-Inland", first.months[3])

    releases, sensitive = _publish_twice(store5, tmp_path, late)
    assert attack(releases, RULES, sensitive) == []
    # Later releases are not stuck: a month later the window moves on and is published.
    later = publish(store5, tmp_path / "r3", today=dt.date(2027, 1, 12))
    assert later.last_month == "2026-11"
    releases.append(read_site(tmp_path / "r3"))
    sensitive |= _sensitive_now(store5, 2)
    assert attack(releases, RULES, sensitive) == []


def test_a_late_survey_answer_cannot_be_read_off(store5: Engine, tmp_path: Path) -> None:
    """Attack 3: one answer for Falkenberg centrum after the wave was published."""
    code, _x, _y = _area(store5, "Falkenberg centrum")

    def late(first: Release) -> None:
        wave = first.survey[code][0]
        path = tmp_path / "sent-enkat.csv"
        path.write_text(
            f"respondent_id;omgång;områdeskod;trygghet\nsent-1;{wave};{code};3\n", encoding="utf-8"
        )
        report = import_survey(store5, path, SurveyOptions(imported_by="test"))
        assert report.imported, report.text()

    releases, _sensitive = _publish_twice(store5, tmp_path, late)
    one, two = releases
    assert two.survey[code] == one.survey[code]  # frozen until n moves by five
    assert differencing(releases, RULES) == []
    # The ledger carries the survey figures the releases showed.
    assert all(p.survey_wave == one.survey[code][0] for p in prior_releases(store5))


def test_a_shifted_window_cannot_be_differenced(store5: Engine, tmp_path: Path) -> None:
    """Release 2 a month later: eleven months in common, one month in and one out."""
    releases, sensitive = _publish_twice(
        store5, tmp_path, lambda _first: None, today_after=dt.date(2027, 1, 12)
    )
    one, two = releases
    assert one.months[1:] == two.months[:-1]
    assert attack(releases, RULES, sensitive) == []
    with store5.connect() as connection:
        assert len(connection.execute(select(public_releases.c.id)).all()) == 2


# --- Property-based: random small data sets -----------------------------------------------------

GROUPS = ["vald", "egendom", "trafik", "sexualbrott"]
SMALL_RULES = Rules(sensitive_types=())
ALL_MONTHS = month_range("2025-07", 7)  # 2025-01 … 2025-07


def _incidents(counts: dict[tuple[str, str, str], int]) -> pd.DataFrame:
    rows = [
        {"occurred_at": pd.Timestamp(f"{month}-10 12:00", tz="UTC"), "area_code": area,
         "category": group, "raw_type": group}
        for (area, group, month), n in counts.items()
        for _ in range(n)
    ]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=["occurred_at", "area_code", "category", "raw_type"])
    return pd.DataFrame(rows)


def _as_release(tables: dict[str, object], months: tuple[str, ...]) -> Release:
    prior = prior_release(tables, months)  # type: ignore[arg-type]
    return Release(months, dict(prior.cells))


def _sensitive_of(
    counts: dict[tuple[str, str, str], int], k: int
) -> dict[tuple[int, str, str], int]:
    return {(k, a, m): n for (a, g, m), n in counts.items() if g == "sexualbrott"}


small_counts = st.dictionaries(
    st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(GROUPS), st.sampled_from(ALL_MONTHS)),
    st.integers(min_value=0, max_value=12),
    max_size=40,
)
late_counts = st.dictionaries(
    st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(GROUPS), st.sampled_from(ALL_MONTHS)),
    st.integers(min_value=1, max_value=3),
    max_size=4,
)


@settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(counts=small_counts, late=late_counts, first=st.integers(1, 4), shift=st.integers(0, 2))
def test_random_small_data_sets_leak_nothing_over_two_releases(
    counts: dict[tuple[str, str, str], int],
    late: dict[tuple[str, str, str], int],
    first: int,
    shift: int,
) -> None:
    """Release 1 of three or four months, then late registrations (sensitive ones too) in any
    month, then release 2 with the window moved by 0–2 months: the attacker finds nothing, and
    the months both releases show are the same."""
    window_one = ALL_MONTHS[first - 1 : first + 2]
    window_two = ALL_MONTHS[first - 1 + shift : first + 2 + shift]
    tables = count_tables(_incidents(counts), ["A", "B"], GROUPS, window_one, SMALL_RULES)
    try:
        for table in tables.values():
            protect(table, SMALL_RULES)
    except PrivacyBreach:
        return  # refused: nothing was published
    one = _as_release(tables, window_one)
    prior = prior_release(tables, window_one)
    sensitive = _sensitive_of(counts, 0)
    after = dict(counts)
    for key, n in late.items():
        after[key] = after.get(key, 0) + n
    second = count_tables(
        _incidents(after), ["A", "B"], GROUPS, window_two, SMALL_RULES, priors=(prior,)
    )
    try:
        for table in second.values():
            protect(table, SMALL_RULES)
    except PrivacyBreach:
        pytest.fail("a late registration or a moved window must never block a release")
    two = _as_release(second, window_two)
    for (area, row, col), text in two.cells.items():
        if col in window_one and col != PERIOD:
            assert one.cells[(area, row, col)] == text  # frozen
    sensitive |= {key: n for key, n in _sensitive_of(after, 1).items()}
    assert attack([one, two], SMALL_RULES, sensitive) == []


@settings(derandomize=True, max_examples=40, deadline=None)
@given(counts=small_counts)
def test_random_single_releases_keep_every_hidden_cell_wide(
    counts: dict[tuple[str, str, str], int],
) -> None:
    """One release of random small counts: the first-release leak (a "dold" cell pinned by
    total minus the rest) never comes back."""
    window = ALL_MONTHS[:4]
    tables = count_tables(_incidents(counts), ["A", "B"], GROUPS, window, SMALL_RULES)
    for table in tables.values():
        protect(table, SMALL_RULES)
    release = _as_release(tables, window)
    assert attack([release], SMALL_RULES, _sensitive_of(counts, 0)) == []
    # The sensitive row is never shown.
    assert all((t.status[t.rows.index(SENSITIVE)] == 3).all() for t in tables.values())


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    st.integers(2, 7).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.integers(-1, 1), min_size=n, max_size=n), min_size=1, max_size=3),
            st.lists(st.integers(0, 9), min_size=n, max_size=n),
            st.lists(st.booleans(), min_size=n, max_size=n),
        )
    )
)
def test_the_warm_started_solver_agrees_with_linprog(
    problem: tuple[list[list[int]], list[int], list[bool]],
) -> None:
    """The audit (and the attacker above) solve with HiGHS directly, one model per pass; each
    range must be what scipy's linprog finds from scratch."""
    matrix, point, capped = problem
    a_eq = np.array(matrix, dtype=float)
    b_eq = a_eq @ np.array(point, dtype=float)
    bounds: list[tuple[float, float | None]] = [(0.0, 12.0 if c else None) for c in capped]
    got = _ranges(a_eq, b_eq, bounds, [(k, True) for k in range(len(point))])
    for k, (low, high) in enumerate(got):
        objective = np.zeros(len(point))
        objective[k] = 1
        first = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        last = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low == pytest.approx(first.fun, abs=1e-6)
        assert high == (pytest.approx(-last.fun, abs=1e-6) if last.status == 0 else float("inf"))
