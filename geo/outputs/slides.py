"""Maps and charts for slides, as PNG and PDF, drawn offline with geopandas + matplotlib.

Every figure carries its title, period, legend, sources, a scale bar and a north arrow, and says
"syntetiska data" or "ungefärliga gränser" where that applies. Maps are drawn in SWEREF 99 TM
(metres), so the scale bar is exact.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from geo import formats
from geo.areas.falkenberg import ZONE_LABELS
from geo.outputs.layout import FRAME
from geo.outputs.maps import NO_DATA_COLOUR, SEQUENTIAL_5, class_breaks, colour_for

if TYPE_CHECKING:  # matplotlib is imported when a figure is drawn, not when a page starts
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDE = (12.8, 7.2)
"""A 16:9 slide: 1920 × 1080 pixels at 150 dpi."""
DPI = 150


@dataclass(frozen=True)
class Caption:
    """What every exported figure says about itself."""

    title: str
    period: str
    sources: str
    n: int | None = None
    synthetic: bool = False
    approximate: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def footer(self) -> str:
        """Return the footer line: period, n, sources and the notes that apply."""
        parts = [f"Period: {self.period}"]
        if self.n is not None:
            parts.append(f"n = {self.n}")
        parts.append(f"Källa: {self.sources}")
        if self.approximate:
            parts.append("Ungefärliga områdesgränser (genererade, inte SCB:s)")
        if self.synthetic:
            parts.append("SYNTETISKA DEMODATA – inga verkliga händelser")
        return " · ".join(parts + list(self.notes))


def new_figure(size: tuple[float, float], dpi: int = DPI) -> Figure:
    """Return a figure not tied to pyplot (no global state), drawn with the Agg canvas."""
    import matplotlib

    matplotlib.use("Agg")  # geopandas' plot() imports pyplot: never a GUI backend on a server
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=dpi)


def month_label(month: object) -> str:
    """Return a month as a chart label in Swedish: ``jan 2025`` (never a clock time)."""
    return formats.month(month, short=True)


def wrap_for(fig: Figure, text: str, *, fontsize: float, share: float) -> str:
    """``text`` broken into lines that fit ``share`` of the figure's width at ``fontsize``.

    Explicit, not matplotlib's ``wrap=True`` (which wraps at the figure's edge, over whatever is
    there, and is measured unwrapped): about 0.6 em per character in the sans-serif font.
    """
    width_pt = fig.get_figwidth() * 72 * share
    return textwrap.fill(text, width=max(20, int(width_pt / (0.6 * fontsize))))


def frame_figure(fig: Figure, caption: Caption) -> None:
    """Title, the synthetic-data mark and the footer (period, n, source, notes) on a figure.

    The footer is wrapped to 85 % of the width, so a page number fits at the right.
    """
    fig.suptitle(
        caption.title, x=0.02, y=0.975, ha="left", fontsize=20, fontweight="bold", gid=FRAME
    )
    fig.text(
        0.02,
        0.015,
        wrap_for(fig, caption.footer(), fontsize=9, share=0.85),
        fontsize=9,
        ha="left",
        va="bottom",
        color="#333333",
        gid=FRAME,
    )
    if caption.synthetic:
        fig.text(
            0.98,
            0.975,
            "SYNTETISKA DATA",
            ha="right",
            va="top",
            fontsize=12,
            color="#b35900",
            fontweight="bold",
            gid=FRAME,
        )


def scale_bar(ax: Axes, *, length_m: float | None = None) -> None:
    """Draw a scale bar in the lower left and a north arrow in the upper right (axes in metres)."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    if length_m is None:
        target = width / 5
        length_m = max(
            v for v in (500, 1000, 2000, 5000, 10_000, 20_000, 50_000) if v <= max(target, 500)
        )
    bx, by = x0 + width * 0.04, y0 + (y1 - y0) * 0.05
    ax.add_patch(
        Rectangle(
            (bx, by), length_m / 2, (y1 - y0) * 0.008, facecolor="#000000", edgecolor="#000000"
        )
    )
    ax.add_patch(
        Rectangle(
            (bx + length_m / 2, by),
            length_m / 2,
            (y1 - y0) * 0.008,
            facecolor="#ffffff",
            edgecolor="#000000",
        )
    )
    label = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    ax.text(bx + length_m / 2, by + (y1 - y0) * 0.02, label, ha="center", va="bottom", fontsize=10)
    ax.annotate("N", xy=(x1 - width * 0.04, y1 - (y1 - y0) * 0.04), xytext=(x1 - width * 0.04, y1 - (y1 - y0) * 0.14),
                ha="center", fontsize=12, fontweight="bold", arrowprops={"arrowstyle": "-|>", "color": "#000000"})  # fmt: skip


def _map_axes(
    fig: Figure, areas: gpd.GeoDataFrame, rect: tuple[float, float, float, float]
) -> Axes:
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    minx, miny, maxx, maxy = areas.total_bounds
    pad = (maxx - minx) * 0.04
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    return ax


def choropleth_figure(
    areas: gpd.GeoDataFrame,
    values: pd.Series,
    caption: Caption,
    *,
    legend_title: str,
    monthly: pd.DataFrame | None = None,
    no_data: str = "Inget värde",
) -> Figure:
    """Draw the areas coloured by ``values`` (indexed by area code), as the app's map does.

    Optionally a monthly trend chart (columns = series, index = month) is drawn beside it. Areas
    without a value are grey, labelled ``no_data`` in the legend.
    """
    from matplotlib.patches import Patch

    fig = new_figure(WIDE)
    frame_figure(fig, caption)
    ax = _map_axes(fig, areas, (0.02, 0.08, 0.55 if monthly is not None else 0.75, 0.82))
    shown = areas.assign(value=areas["area_code"].map(values))
    breaks = class_breaks(shown["value"].dropna().to_numpy())
    shown["colour"] = [
        colour_for(v, breaks) if pd.notna(v) else NO_DATA_COLOUR for v in shown["value"]
    ]
    shown.plot(ax=ax, color=shown["colour"], edgecolor="#333333", linewidth=0.6)
    scale_bar(ax)
    palette = SEQUENTIAL_5[-len(breaks) :] if 0 < len(breaks) < len(SEQUENTIAL_5) else SEQUENTIAL_5
    from geo import formats

    whole = all(float(b).is_integer() for b in breaks)
    lower = 0.0
    handles = []
    for bound, colour in zip(breaks, palette, strict=False):
        low, high = (
            formats.number(lower, 0 if whole else 1),
            formats.number(bound, 0 if whole else 1),
        )
        handles.append(
            Patch(
                facecolor=colour,
                edgecolor="#666666",
                label=f"{low}–{high}" if low != high else high,
            )
        )
        lower = bound + 1 if whole else bound
    if shown["value"].isna().any():
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#666666", label=no_data))
    fig.legend(handles=handles, title=legend_title, loc="upper left",
               bbox_to_anchor=(0.58 if monthly is not None else 0.78, 0.9), frameon=False, fontsize=11, title_fontsize=12)  # fmt: skip
    if monthly is not None and not monthly.empty:
        chart = fig.add_axes((0.62, 0.2, 0.35, 0.34))
        for column in monthly.columns:
            label = ZONE_LABELS.get(str(column), str(column)[:1].upper() + str(column)[1:])
            chart.plot(range(len(monthly)), monthly[column].to_numpy(), label=label, linewidth=2)
        step = max(1, -(-len(monthly) // 5))  # at most five labels: they never touch
        chart.set_xticks(range(0, len(monthly), step))
        chart.set_xticklabels([month_label(m) for m in monthly.index[::step]], fontsize=9)
        chart.set_title("Per månad", fontsize=12, loc="left")
        chart.legend(fontsize=9, frameon=False)
        chart.spines[["top", "right"]].set_visible(False)
    return fig


def category_figure(
    areas: gpd.GeoDataFrame,
    classes: pd.Series,
    colours: dict[str, str],
    labels: dict[str, str],
    caption: Caption,
    *,
    legend_title: str,
    outlined: Collection[str] = (),
    cells: gpd.GeoDataFrame | None = None,
    cell_colours: dict[str, str] | None = None,
    cell_labels: dict[str, str] | None = None,
) -> Figure:
    """Draw the areas by category (e.g. perceived against recorded), focus areas outlined.

    With ``cells``, the outlines with coloured grid cells (hotspot classes) instead.
    """
    from matplotlib.patches import Patch

    fig = new_figure(WIDE)
    frame_figure(fig, caption)
    ax = _map_axes(fig, areas, (0.02, 0.08, 0.6, 0.82))
    if cells is None:
        fill = areas["area_code"].map(classes).map(colours).fillna(NO_DATA_COLOUR)
        areas.plot(ax=ax, color=fill, edgecolor="#444444", linewidth=0.6)
    else:
        areas.plot(ax=ax, facecolor="#f7f7f7", edgecolor="#444444", linewidth=0.6)
        if not cells.empty and cell_colours:
            cells.plot(ax=ax, color=cells["hotspot_class"].map(cell_colours), linewidth=0)
    focus = areas[areas["area_code"].isin(outlined)]
    if not focus.empty:
        focus.boundary.plot(ax=ax, color="#000000", linewidth=2.5)
    scale_bar(ax)
    used_colours, used_labels = (
        (colours, labels) if cells is None else (cell_colours or {}, cell_labels or {})
    )
    handles = [
        Patch(
            facecolor=used_colours[k], edgecolor="#666666", label=textwrap.fill(used_labels[k], 34)
        )
        for k in used_colours
    ]
    if not focus.empty:
        handles.append(
            Patch(facecolor="none", edgecolor="#000000", linewidth=2.5, label="Fokusområde")
        )
    fig.legend(handles=handles, title=textwrap.fill(legend_title, 30), loc="upper left", bbox_to_anchor=(0.63, 0.9),
               frameon=False, fontsize=10, title_fontsize=12)  # fmt: skip
    return fig


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """Return the figure as PNG or PDF bytes."""
    if fmt not in ("png", "pdf"):
        raise ValueError(f"format {fmt!r}: use png or pdf")
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format=fmt,
        dpi=DPI,
        metadata={"Creator": "Lägesbild Falkenberg"} if fmt == "pdf" else None,
    )
    return buffer.getvalue()
