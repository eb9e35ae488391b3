"""Citizen surveys: honest aggregates per area and wave over the stored answers.

The file import, the codebook and the answer scales are :mod:`geo.io.surveys`'s.

The headline (FACTS §4, Brå's NTU): the share feeling *mycket* or *ganska otrygg* when out alone
late in the evening in their own area. Answers are stored as codes per respondent, never as
numbers: "vet ej" and "går aldrig ut" are categories of their own.

Definitions used everywhere (the page, the report and the public export say the same):

- **n** of an area and wave is the number of respondents who answered the safety question with
  anything but "vet ej". "Går aldrig ut" stays in n (as in NTU, where it is part of the
  population), so the unsafe share is (mycket + ganska otrygg) / n.
- The interval is Wilson's 95 % score interval, which behaves at 0 % and 100 % and for small n.
- A change between waves is the difference of the two shares with Newcombe's hybrid score interval
  (method 10), built from the two Wilson intervals; it is called a change only when the interval
  excludes zero.
- Problem items: the share answering *ganska* or *mycket stort problem* among those who answered
  the item with anything but "vet ej". We do not compute the police's 0–6 index (its formula is
  not public), and nothing here is called "problemindex".
- Areas with n below the suppression threshold (default 5) are shown only to the ``polis`` role.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from geo.crs import WORK_CRS
from geo.io.surveys import BIG_PROBLEM, PROBLEM_ITEMS, SAFETY_SCALE, UNSAFE, comment_flag
from geo.store.schema import survey_items, survey_responses

SUPPRESS_BELOW = 5
"""Areas and waves with fewer respondents than this are hidden from every role except polis."""
Z95 = 1.959963984540054


# --- Statistics ---------------------------------------------------------------------------------


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion k/n (95 % by default).

    Raises
    ------
    ValueError
        For n < 1 or k outside 0..n.
    """
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"wilson_interval needs 0 <= k <= n and n >= 1, got k={k}, n={n}")
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float, float]:
    """Difference p1 − p0 of two independent proportions with Newcombe's hybrid score interval."""
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = wilson_interval(k1, n1)
    l0, u0 = wilson_interval(k0, n0)
    d = p1 - p0
    low = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return d, low, high


# --- Reading and aggregating -------------------------------------------------------------------


def load_responses(engine: Engine) -> pd.DataFrame:
    """Every stored response without its comment: wave, area, safety answer, unsafe place."""
    columns = [
        survey_responses.c.id, survey_responses.c.source, survey_responses.c.wave,
        survey_responses.c.area_code, survey_responses.c.safety_answer,
        survey_responses.c.unsafe_x, survey_responses.c.unsafe_y, survey_responses.c.synthetic,
    ]  # fmt: skip
    with engine.connect() as connection:
        rows = connection.execute(select(*columns)).all()
    return pd.DataFrame(rows, columns=[c.name for c in columns])


def load_items(engine: Engine) -> pd.DataFrame:
    """Item answers joined with their response's wave and area."""
    query = select(
        survey_items.c.item,
        survey_items.c.answer,
        survey_responses.c.wave,
        survey_responses.c.area_code,
    ).join(survey_responses, survey_items.c.response_id == survey_responses.c.id)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=["item", "answer", "wave", "area_code"])


def load_comments(engine: Engine, wave: str) -> pd.DataFrame:
    """Screened free-text comments of one wave, with their area. For the ``polis`` role only.

    ``comment`` is the text as stored, starting with the review mark ("[granska: kan nämna en
    person]") when the import flagged it; ``flag`` says what the mark says (None when unflagged).
    """
    query = select(survey_responses.c.area_code, survey_responses.c.comment).where(
        survey_responses.c.wave == wave, survey_responses.c.comment.is_not(None)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    comments = pd.DataFrame(rows, columns=["area_code", "comment"])
    comments["flag"] = pd.Series(
        [comment_flag(c) for c in comments["comment"]], index=comments.index, dtype=object
    )
    return comments


def waves(responses: pd.DataFrame) -> list[str]:
    """Return the waves present, newest first."""
    return sorted({str(w) for w in responses["wave"]}, reverse=True)


def _share_columns(k: int, n: int) -> dict[str, float]:
    low, high = wilson_interval(k, n) if n else (math.nan, math.nan)
    return {"share": k / n if n else math.nan, "low": low, "high": high}


def safety_by_area(
    responses: pd.DataFrame,
    areas: pd.DataFrame,
    wave: str,
    *,
    suppress_below: int = SUPPRESS_BELOW,
    reveal_small: bool = False,
) -> pd.DataFrame:
    """Per area: n, counts per answer, the unsafe share and its Wilson interval for one wave.

    Rows with ``n < suppress_below`` have ``suppressed`` True; unless ``reveal_small`` (the polis
    role), their n, counts, share and interval are blanked, so nothing small leaves this function.
    """
    wave_rows = responses[responses["wave"].astype(str) == str(wave)]
    counts = (
        wave_rows.groupby(["area_code", "safety_answer"]).size().unstack(fill_value=0)
        if not wave_rows.empty
        else pd.DataFrame()
    )
    rows = []
    for code, name, zone in zip(areas["area_code"], areas["name"], areas["zone"], strict=True):
        per = {
            a: int(counts.at[code, a]) if code in counts.index and a in counts else 0
            for a in SAFETY_SCALE
        }
        n = sum(per.values()) - per["vet_ej"]
        k = per["ganska_otrygg"] + per["mycket_otrygg"]
        rows.append({"area_code": code, "name": name, "zone": zone, "wave": str(wave), "n": n, **per,
                     "unsafe": k, **_share_columns(k, n), "suppressed": n < suppress_below})  # fmt: skip
    table = pd.DataFrame(rows)
    if not reveal_small:
        hidden = table["suppressed"]
        blank = ["n", *SAFETY_SCALE, "unsafe", "share", "low", "high"]
        table[blank] = table[blank].astype(float)
        table.loc[hidden, blank] = math.nan
    return table


def safety_overall(responses: pd.DataFrame, wave: str) -> dict[str, float]:
    """Return the whole municipality's unsafe share for one wave (n, k, share, low, high)."""
    answers = responses.loc[responses["wave"].astype(str) == str(wave), "safety_answer"]
    answered = answers[answers.notna() & (answers != "vet_ej")]
    n, k = len(answered), int(answered.isin(UNSAFE).sum())
    return {"n": n, "unsafe": k, **_share_columns(k, n)}


def safety_change(
    responses: pd.DataFrame,
    areas: pd.DataFrame,
    wave: str,
    previous: str,
    *,
    suppress_below: int = SUPPRESS_BELOW,
    reveal_small: bool = False,
) -> pd.DataFrame:
    """Return per area the change in unsafe share from ``previous`` to ``wave``.

    In percentage points as a fraction, with Newcombe's interval; ``significant`` when the interval
    excludes zero.
    """
    now = safety_by_area(responses, areas, wave, suppress_below=suppress_below, reveal_small=True)
    before = safety_by_area(
        responses, areas, previous, suppress_below=suppress_below, reveal_small=True
    )
    rows = []
    for a, b in zip(now.itertuples(), before.itertuples(), strict=True):
        small = a.suppressed or b.suppressed
        if (small and not reveal_small) or not a.n or not b.n:
            rows.append({"area_code": a.area_code, "change": math.nan, "low": math.nan,
                         "high": math.nan, "significant": False, "suppressed": bool(small)})  # fmt: skip
            continue
        d, low, high = newcombe_difference(int(a.unsafe), int(a.n), int(b.unsafe), int(b.n))
        rows.append({"area_code": a.area_code, "change": d, "low": low, "high": high,
                     "significant": low > 0 or high < 0, "suppressed": bool(small)})  # fmt: skip
    return pd.DataFrame(rows)


def item_shares(
    items: pd.DataFrame,
    wave: str,
    *,
    area_codes: Iterable[str] | None = None,
    suppress_below: int = SUPPRESS_BELOW,
    reveal_small: bool = False,
) -> pd.DataFrame:
    """Return per problem item how many see it as a large problem, with a Wilson interval.

    n (answers other than "vet ej"), how many said ganska/mycket stort problem, that share and its
    interval; for the whole municipality or some areas.
    """
    chosen = items[items["wave"].astype(str) == str(wave)]
    if area_codes is not None:
        chosen = chosen[chosen["area_code"].isin(list(area_codes))]
    rows = []
    for item in PROBLEM_ITEMS:
        answers = chosen.loc[chosen["item"] == item, "answer"]
        n = int((answers != "vet_ej").sum())
        k = int(answers.isin(BIG_PROBLEM).sum())
        small = n < suppress_below
        row = {"item": item, "n": n, "big": k, **_share_columns(k, n), "suppressed": small}
        if small and not reveal_small:
            row.update(n=math.nan, big=math.nan, share=math.nan, low=math.nan, high=math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def unsafe_place_clusters(
    responses: pd.DataFrame,
    wave: str,
    *,
    cell_m: int = 500,
    min_count: int = SUPPRESS_BELOW,
) -> tuple[gpd.GeoDataFrame, int]:
    """Places where respondents feel unsafe, aggregated to square cells of ``cell_m`` metres.

    Only cells with at least ``min_count`` answers are returned (a single answer never is); the
    second value is how many places fell in smaller cells and are not shown.
    """
    chosen = responses[(responses["wave"].astype(str) == str(wave)) & responses["unsafe_x"].notna()]
    empty = gpd.GeoDataFrame({"count": []}, geometry=[], crs=WORK_CRS)
    if chosen.empty:
        return empty, 0
    ix = np.floor(chosen["unsafe_x"].to_numpy(dtype=float) / cell_m).astype(int)
    iy = np.floor(chosen["unsafe_y"].to_numpy(dtype=float) / cell_m).astype(int)
    counts = pd.Series(1, index=pd.MultiIndex.from_arrays([ix, iy])).groupby(level=[0, 1]).sum()
    shown = counts[counts >= min_count]
    hidden = int(counts[counts < min_count].sum())
    if shown.empty:
        return empty, hidden
    from shapely import box

    geometry = [
        box(i * cell_m, j * cell_m, (i + 1) * cell_m, (j + 1) * cell_m) for i, j in shown.index
    ]
    return gpd.GeoDataFrame({"count": shown.to_numpy()}, geometry=geometry, crs=WORK_CRS), hidden
