"""The joint situational picture (gemensam lägesbild): recorded incidents, the survey and partner
indicators per area, side by side, and perceived against recorded safety with its uncertainty.

Perceived against recorded, per area (each side is tested, not eyeballed):

- *Perceived* is "högre" when the area's Wilson interval for the unsafe share lies wholly above the
  municipality's share, "lägre" when wholly below, otherwise "som kommunen"; "för få svar" when the
  area is suppressed (n below the threshold) or has no answers.
- *Recorded* compares the area's incident count with what its share of the population would give
  (count × population share): "högre" when the exact Poisson (Garwood) 95 % interval of the count
  lies wholly above that expectation, "lägre" when wholly below. Without a population figure the
  side is "okänd". The harm index is shown next to it but does not decide the class: harm is not a
  Poisson count.

The classes combine the two. Where people feel unsafe but comparatively little is recorded is
``otrygg_lite_anmalt``; the reverse is ``anmalt_men_tryggt``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from scipy import stats

from geo.config import REFERENCE_DIR
from geo.errors import ConfigError
from geo.partners import period_bounds

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


def _recorded_side(count: int, expected: float) -> str:
    if not math.isfinite(expected) or expected <= 0:
        return "okänd"
    low, high = poisson_interval(count)
    return "högre" if low > expected else "lägre" if high < expected else "som kommunen"


def _perceived_side(row: pd.Series, overall_share: float) -> str:
    if bool(row.get("suppressed")) or not (row.get("n") or 0) or pd.isna(row.get("low")):
        return "för få svar"
    if row["low"] > overall_share:
        return "högre"
    if row["high"] < overall_share:
        return "lägre"
    return "som kommunen"


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
        :func:`geo.survey.safety_by_area` for the chosen wave (suppressed rows already blanked
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
    table["recorded"] = [
        _recorded_side(int(c), float(e) if pd.notna(e) else math.nan)
        for c, e in zip(table["count"], expected, strict=True)
    ]
    table["perceived"] = [_perceived_side(row, overall_share) for _i, row in table.iterrows()]
    table["klass"] = [
        _combine(p, r) for p, r in zip(table["perceived"], table["recorded"], strict=True)
    ]
    if not indicators.empty:
        wide = indicators.pivot_table(
            index="area_code", columns="label", values="value", aggfunc="first"
        )
        table = table.merge(wide, left_on="area_code", right_index=True, how="left")
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
    """For each indicator and source, the values of its latest period (up to ``until_year``),
    labelled with unit, period and source so a table column carries its provenance."""
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
