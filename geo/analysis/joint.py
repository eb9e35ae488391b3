"""The joint situational picture (gemensam lägesbild) per area, side by side.

Recorded incidents, the survey and partner indicators, and perceived against recorded safety
with its uncertainty.

Perceived against recorded, per area (each side is tested, not eyeballed):

- *Perceived* is tested with the score test that Wilson's interval inverts (the area's unsafe
  share against the municipality's); "för få svar" when the area is suppressed (n below the
  threshold) or has no answers.
- *Recorded* compares the area's incident count with what its share of the population would give
  (count × population share) with the exact Poisson test that the Garwood interval inverts.
  Without a population figure the side is "okänd". The harm index is shown next to it but does not
  decide the class: harm is not a Poisson count. Where residents are the wrong denominator
  (Ullared with Gekås, Skrea strand in summer; ``data/floors.json``) the row carries a note.
- Both sides of every area form one family of tests: "högre"/"lägre" needs the Benjamini–Hochberg
  adjusted p-value at most 0.05 (with 14 areas × 2 sides, one area in three would otherwise be
  "different" by chance somewhere on the map). Unadjusted, a side is "högre" exactly when its 95 %
  interval lies wholly above the comparison.

The classes combine the two. Where people feel unsafe but comparatively little is recorded is
``otrygg_lite_anmalt``; the reverse is ``anmalt_men_tryggt``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from geo.analysis.indicators import bh_adjust
from geo.config import REFERENCE_DIR
from geo.errors import ConfigError
from geo.io.partners import period_bounds

PROMISE_PATH = REFERENCE_DIR / "promise.json"

CLASSES = {
    "otrygg_lite_anmalt": "Otrygghet högre än i kommunen, men inte fler anmälda händelser",
    "anmalt_men_tryggt": "Fler anmälda händelser än väntat, men inte högre otrygghet",
    "bada_hoga": "Både otrygghet och anmälda händelser högre",
    "inget_avvikande": "Inget av dem högre än i kommunen",
    "osakert": "Osäkert: för få enkätsvar eller okänd befolkning",
}
#: Okabe–Ito colours (safe for the common colour-vision deficiencies), grey for uncertain.
CLASS_COLOURS = {
    "otrygg_lite_anmalt": "#E69F00",
    "anmalt_men_tryggt": "#56B4E9",
    "bada_hoga": "#D55E00",
    "inget_avvikande": "#F0F0F0",
    "osakert": "#BBBBBB",
}


@dataclass(frozen=True)
class FocusArea:
    """One focus area of the promise and the areas (codes) it covers in this tool."""

    key: str
    label: str
    area_codes: tuple[str, ...]


@dataclass(frozen=True)
class Promise:
    """The promise's configuration (data/promise.json): focus areas and the year's activities."""

    year: int
    focus_areas: tuple[FocusArea, ...]
    activities: tuple[dict[str, str], ...]
    note: str

    def focus_codes(self) -> set[str]:
        """Return the area codes of every focus area."""
        return {code for f in self.focus_areas for code in f.area_codes}


def load_promise(path: Path | None = None) -> Promise:
    """Read the promise configuration.

    Raises
    ------
    ConfigError
        When the file cannot be read or lacks focus areas.
    """
    path = path or PROMISE_PATH
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        focus = tuple(
            FocusArea(str(f["key"]), str(f["label"]), tuple(f.get("area_codes", ())))
            for f in raw["focus_areas"]
        )
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise ConfigError(
            f"Medborgarlöftets inställningar i {path} kunde inte läsas: {error}"
        ) from error
    return Promise(
        year=int(raw.get("year", 0)),
        focus_areas=focus,
        activities=tuple(raw.get("activities", ())),
        note=str(raw.get("note", "")),
    )


def poisson_interval(count: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson mean given one observed count."""
    alpha = 1 - level
    low = 0.0 if count == 0 else float(stats.chi2.ppf(alpha / 2, 2 * count) / 2)
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2)
    return low, high


def poisson_p_value(count: int, expected: float) -> float:
    """Return the two-sided exact Poisson p-value of ``count`` against a mean ``expected``.

    Twice the smaller tail: below 0.05 exactly when the Garwood 95 % interval of the count excludes
    ``expected``.
    """
    if not math.isfinite(expected) or expected <= 0:
        return math.nan
    lower = float(stats.poisson.cdf(count, expected))
    upper = float(stats.poisson.sf(count - 1, expected))
    return min(1.0, 2 * min(lower, upper))


def score_p_value(k: int, n: int, share: float) -> float:
    """Return the two-sided score test p-value of ``k`` of ``n`` against a share.

    Below 0.05 exactly when the Wilson 95 % interval excludes ``share`` (Wilson's interval is this
    test inverted).
    """
    if n < 1 or not 0 < share < 1:
        return math.nan
    z = (k - n * share) / math.sqrt(n * share * (1 - share))
    return float(2 * stats.norm.sf(abs(z)))


def newcombe_p_value(k1: int, n1: int, k0: int, n0: int) -> float:
    """Return the smallest two-sided level at which Newcombe's interval for p1 − p0 excludes 0.

    Newcombe's hybrid score interval, so the p-value is below 0.05 exactly when the 95 % interval
    shown does.
    """
    from scipy.optimize import brentq

    from geo.analysis.survey import wilson_interval

    p1, p0 = k1 / n1, k0 / n0
    d = p1 - p0
    if d == 0:
        return 1.0

    def edge(z: float) -> float:
        l1, u1 = wilson_interval(k1, n1, z)
        l0, u0 = wilson_interval(k0, n0, z)
        if d > 0:
            return d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
        return -(d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2))

    if edge(40.0) > 0:
        return float(2 * stats.norm.sf(40.0))
    return float(2 * stats.norm.sf(brentq(edge, 1e-9, 40.0)))


def _side(p_adjusted: float, above: bool, *, alpha: float = 0.05) -> str:
    if math.isnan(p_adjusted) or p_adjusted > alpha:
        return "som kommunen"
    return "högre" if above else "lägre"


def joint_table(
    counts: pd.DataFrame,
    safety: pd.DataFrame,
    overall_share: float,
    indicators: pd.DataFrame,
) -> pd.DataFrame:
    """One row per area: recorded, perceived and partner figures, and the combined class.

    Parameters
    ----------
    counts
        Per area ``area_code``, ``name``, ``zone``, ``population``, ``count``, ``harm_index``.
    safety
        :func:`geo.analysis.survey.safety_by_area` for the chosen wave (suppressed rows already blanked
        for roles that may not see them).
    overall_share
        The municipality's unsafe share for that wave.
    indicators
        Partner indicator values already chosen for one period each: ``area_code``, ``label``
        (indicator with unit, period and source) and ``value``.
    """
    table = counts.merge(
        safety[["area_code", "n", "unsafe", "share", "low", "high", "suppressed"]],
        on="area_code",
        how="left",
    )
    population = pd.to_numeric(table["population"], errors="coerce")
    total = table["count"].sum()
    known = population.notna() & population.gt(0)
    expected = (
        total * population / population[known].sum() if known.any() else population * math.nan
    )
    table["expected"] = expected
    # The same tests as poisson_p_value and score_p_value, vectorised over the areas.
    mean = pd.to_numeric(expected, errors="coerce").to_numpy(dtype=float)
    count = table["count"].to_numpy(dtype=float)
    known_mean = np.isfinite(mean) & (mean > 0)
    safe_mean = np.where(known_mean, mean, 1.0)
    tails = np.minimum(stats.poisson.cdf(count, safe_mean), stats.poisson.sf(count - 1, safe_mean))
    table["p_recorded"] = np.where(known_mean, np.minimum(1.0, 2 * tails), np.nan)
    no_answers = table["suppressed"].fillna(False).astype(bool) | ~(table["n"].fillna(0) > 0)
    n = table["n"].fillna(0).to_numpy(dtype=float)
    unsafe = table["unsafe"].fillna(0).to_numpy(dtype=float)
    testable = ~no_answers.to_numpy() & (n > 0) & (0 < overall_share < 1)
    spread = (
        np.sqrt(np.where(testable, n, 1.0) * overall_share * (1 - overall_share))
        if 0 < overall_share < 1
        else 1.0
    )
    score = (unsafe - n * overall_share) / spread
    table["p_perceived"] = np.where(testable, 2 * stats.norm.sf(np.abs(score)), np.nan)
    # One family: every area's recorded and perceived test together (the map shows them all).
    adjusted = bh_adjust(np.concatenate([table["p_recorded"], table["p_perceived"]]))
    table["p_adjusted_recorded"] = adjusted[: len(table)]
    table["p_adjusted_perceived"] = adjusted[len(table) :]
    family = int(np.isfinite(adjusted).sum())
    table["recorded"] = [
        "okänd" if math.isnan(p) else _side(q, c > e)
        for p, q, c, e in zip(table["p_recorded"], table["p_adjusted_recorded"], table["count"],
                              table["expected"], strict=True)
    ]  # fmt: skip
    table["perceived"] = [
        "för få svar" if hidden else _side(q, float(share) > overall_share)
        for hidden, q, share in zip(no_answers, table["p_adjusted_perceived"], table["share"], strict=True)
    ]  # fmt: skip
    from geo.analysis.indicators import load_floors

    table["denominator_note"] = table["area_code"].map(load_floors().denominator_notes).fillna("")
    table["klass"] = [
        _combine(p, r) for p, r in zip(table["perceived"], table["recorded"], strict=True)
    ]
    if not indicators.empty:
        wide = indicators.pivot_table(
            index="area_code", columns="label", values="value", aggfunc="first"
        )
        table = table.merge(wide, left_on="area_code", right_index=True, how="left")
    table.attrs["family"] = family  # after the merge, which drops attrs
    return table


def _combine(perceived: str, recorded: str) -> str:
    if perceived == "för få svar" or recorded == "okänd":
        return "osakert"
    if perceived == "högre" and recorded == "högre":
        return "bada_hoga"
    if perceived == "högre":
        return "otrygg_lite_anmalt"
    if recorded == "högre":
        return "anmalt_men_tryggt"
    return "inget_avvikande"


def latest_indicators(indicators: pd.DataFrame, *, until_year: int | None = None) -> pd.DataFrame:
    """Return, for each indicator and source, the values of its latest period.

    Periods up to ``until_year``; labelled with unit, period and source so a table column carries
    its provenance.
    """
    if indicators.empty:
        return pd.DataFrame(
            columns=["area_code", "label", "value", "indicator", "period", "unit", "source"]
        )
    chosen = indicators.copy()
    chosen["year"] = chosen["period"].str.slice(0, 4).astype(int)
    if until_year is not None:
        chosen = chosen[chosen["year"] <= until_year]
    # The latest period by when it ends (as strings, "2025-Q3" would sort after "2025-12");
    # of periods ending together the longest (the year rather than its last month).
    bounds = chosen["period"].map(period_bounds)
    chosen["end"], chosen["start"] = bounds.str[1], bounds.str[0]
    ranked = chosen.sort_values(["end", "start"], ascending=[False, True])
    latest = ranked.groupby(["indicator", "source"])["period"].first()
    keys = pd.MultiIndex.from_frame(chosen[["indicator", "source"]])
    chosen = chosen[chosen["period"].to_numpy() == latest.reindex(keys).to_numpy()]
    chosen = chosen.drop(columns=["year", "end", "start"])
    chosen["label"] = (
        chosen["indicator"]
        + " ("
        + chosen["unit"]
        + ", "
        + chosen["period"]
        + "; "
        + chosen["source"]
        + ")"
    )
    return chosen.reset_index(drop=True)


def tested_safety_change(
    responses: pd.DataFrame,
    areas: pd.DataFrame,
    wave: str,
    previous: str,
    *,
    suppress_below: int,
    reveal_small: bool,
) -> pd.DataFrame:
    """Return :func:`geo.analysis.survey.safety_change` with a p-value per area, tested as one family.

    The p-value is the level at which Newcombe's interval excludes zero, with Benjamini–Hochberg
    over the areas tested: ``significant`` when the adjusted p is at most 0.05.
    ``attrs["family"]`` is the number of areas tested.
    """
    from geo.analysis.survey import safety_by_area, safety_change

    change = safety_change(responses, areas, wave, previous, suppress_below=suppress_below,
                           reveal_small=reveal_small)  # fmt: skip
    now = safety_by_area(responses, areas, wave, suppress_below=suppress_below, reveal_small=True)
    before = safety_by_area(
        responses, areas, previous, suppress_below=suppress_below, reveal_small=True
    )
    p_values = []
    for row, a, b in zip(change.itertuples(), now.itertuples(), before.itertuples(), strict=True):
        tested = not math.isnan(float(row.change))
        p_values.append(
            newcombe_p_value(int(a.unsafe), int(a.n), int(b.unsafe), int(b.n))
            if tested
            else math.nan
        )
    change["p_value"] = p_values
    change["p_adjusted"] = bh_adjust(p_values)
    change["significant"] = change["p_adjusted"].fillna(1.0) <= 0.05
    change.attrs["family"] = int(np.isfinite(change["p_value"]).sum())
    return change
