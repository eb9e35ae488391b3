"""Formatting for the Gemensam lägesbild page: Swedish percentages, intervals and table columns."""

from __future__ import annotations

import math

import pandas as pd

from geo import formats
from geo.analysis.joint import CLASSES
from ui import strings


def _unknown(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: object) -> str:
    """A share as a whole Swedish percentage ('26 %'); '–' when unknown."""
    return "–" if _unknown(value) else formats.percent(float(value))  # type: ignore[arg-type]


def points(value: object) -> str:
    """A share as whole percent without the sign ('26'), for '21–26 %'; '–' when unknown."""
    return "–" if _unknown(value) else formats.number(float(value) * 100)  # type: ignore[arg-type]


def signed_points(share: float) -> str:
    """A change of shares in whole percentage points with its sign: '+4', '−3'."""
    text = formats.number(float(share) * 100)
    return text if text.startswith(("−", "0")) else f"+{text}"


def interval(low: object, high: object) -> str:
    """'12–25 %', or '–' when unknown."""
    if _unknown(low) or _unknown(high):
        return "–"
    return f"{points(low)}–{pct(high)}"


def p_text(value: object) -> str:
    """An adjusted p-value in Swedish ('0,003', '< 0,001'); '–' where nothing was tested."""
    if _unknown(value):
        return "–"
    return formats.p_value(float(value)).removeprefix("p = ").removeprefix("p ")  # type: ignore[arg-type]


def display_table(
    table: pd.DataFrame, focus: set[str], min_n: int, indicator_labels: tuple[str, ...]
) -> pd.DataFrame:
    """The per-area table as shown: Swedish headers, shares as text, suppressed rows explained,
    then one column per partner indicator (its label carries unit, period and source)."""
    shown = table.copy()
    shown["zone_label"] = shown["zone"].map(strings.ZONE_LABELS)
    shown["focus"] = shown["area_code"].isin(focus).map({True: "ja", False: ""})
    shown["harm_index"] = shown["harm_index"].round(0)
    shown["expected"] = shown["expected"].round(1)
    suppressed_text = strings.SUPPRESSED_TEXT.format(min_n=min_n)
    shown["share_text"] = [
        suppressed_text if (s and math.isnan(float(n))) else pct(v)
        for s, n, v in zip(
            shown["suppressed"], shown["n"].astype(float), shown["share"], strict=True
        )
    ]
    shown["interval_text"] = [
        interval(lo, hi) for lo, hi in zip(shown["low"], shown["high"], strict=True)
    ]
    shown["n"] = shown["n"].astype("Float64").round(0).astype("Int64")
    shown["klass_label"] = shown["klass"].map(CLASSES)
    for side in ("recorded", "perceived"):
        shown[f"p_{side}_text"] = shown[f"p_adjusted_{side}"].map(p_text)
    columns = [*strings.JOINT_COLUMNS, *indicator_labels]
    return shown[columns].rename(columns=strings.JOINT_COLUMNS)


def tooltip_columns(table: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Ready-made tooltip texts per area for the map (escaped later by geo.outputs.maps)."""
    out = table.copy()
    suppressed_text = strings.SUPPRESSED_TEXT.format(min_n=min_n)
    out["t_share"] = [
        f"{pct(v)} ({interval(lo, hi)}, n = {formats.number(n)})" if not math.isnan(float(n)) else suppressed_text
        for v, lo, hi, n in zip(out["share"], out["low"], out["high"], out["n"].astype(float), strict=True)
    ]  # fmt: skip
    out["t_recorded"] = [
        f"{formats.number(c)} händelser, väntat {formats.number(e)} ({r})" if not math.isnan(float(e))
        else f"{formats.number(c)} händelser ({r})"
        for c, e, r in zip(out["count"], out["expected"].astype(float), out["recorded"], strict=True)
    ]  # fmt: skip
    out["t_class"] = out["klass"].map(CLASSES)
    return out
