"""Checks that an exported figure reads at a glance.

No text cut at the edge, none on top of other text, no table cell too narrow for its text, no
page left nearly empty.

The figure is drawn with matplotlib's Agg renderer, which gives every text's extent in pixels;
the checks compare those boxes. Used by the tests of every PNG and PDF the project makes (slides
from *Översikt*, *Hotspots* and *Gemensam lägesbild*, every page of the meeting report).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

TOLERANCE_PX = 1.0
"""Boxes may touch or overlap by this much (anti-aliasing and rounding)."""
MIN_FILLED = 0.25
"""A page whose content (axes, tables, text other than the frame) covers less is "nearly empty"."""


@dataclass(frozen=True)
class LayoutProblem:
    """One thing a reader would trip over, in Swedish, naming the text."""

    kind: str  # utanför | överlapp | cell | tom
    message: str


def _label(text: Text) -> str:
    value = " ".join(text.get_text().split())
    return value if len(value) <= 40 else value[:37] + "…"


def _texts(fig: Figure) -> list[Text]:
    """Return every text that is drawn: visible, not empty, not on axes switched off.

    A map's axes keep their tick labels and "Easting" label, hidden.
    """
    from matplotlib.text import Text

    hidden: set[int] = set()
    for axes in fig.axes:
        if not axes.axison or not axes.get_visible():
            hidden.update(id(t) for t in _axis_texts(axes))
            continue
        # Ticks outside the view limits are not drawn (matplotlib leaves them out at draw time).
        for axis, coordinate in ((axes.xaxis, 0), (axes.yaxis, 1)):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            for label in [*axis.get_ticklabels(), *axis.get_ticklabels(minor=True)]:
                where = label.get_position()[coordinate]
                if not low - span <= where <= high + span:
                    hidden.add(id(label))
    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and id(t) not in hidden
    ]


def _axis_texts(axes: Axes) -> set[Text]:
    """Tick labels, axis labels and offset texts of both axes."""
    texts: set[Text] = set()
    for axis in (axes.xaxis, axes.yaxis):
        texts.update(axis.get_ticklabels())
        texts.update(axis.get_ticklabels(minor=True))
        texts.update((axis.label, axis.get_offset_text()))
    return texts


def _overlap(a: Bbox, b: Bbox) -> bool:
    return (
        min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE_PX
        and min(a.y1, b.y1) - max(a.y0, b.y0) > TOLERANCE_PX
    )


FRAME = "ram"
"""The gid of the texts that frame a figure (title, footer, page number): not content."""


def layout_problems(fig: Figure) -> list[LayoutProblem]:
    """Everything wrong with how ``fig`` lays out its text, as drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.table import Table

    canvas = FigureCanvasAgg(fig) if not isinstance(fig.canvas, FigureCanvasAgg) else fig.canvas
    canvas.draw()
    renderer = canvas.get_renderer()
    page = fig.bbox
    problems: list[LayoutProblem] = []
    texts = _texts(fig)
    boxes = [t.get_window_extent(renderer) for t in texts]
    for text, box in zip(texts, boxes, strict=True):
        if (
            box.x0 < page.x0 - TOLERANCE_PX
            or box.y0 < page.y0 - TOLERANCE_PX
            or box.x1 > page.x1 + TOLERANCE_PX
            or box.y1 > page.y1 + TOLERANCE_PX
        ):
            problems.append(LayoutProblem("utanför", f"texten {_label(text)!r} går utanför sidan"))
    cell_texts: set[int] = set()
    for table in fig.findobj(Table):
        for cell in table.get_celld().values():
            cell_texts.add(id(cell.get_text()))
            if not cell.get_text().get_text().strip():
                continue
            text_box = cell.get_text().get_window_extent(renderer)
            cell_box = cell.get_window_extent(renderer)
            if text_box.width > cell_box.width + TOLERANCE_PX:
                problems.append(LayoutProblem("cell", f"texten {_label(cell.get_text())!r} är bredare än sin cell"))  # fmt: skip
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if id(texts[i]) in cell_texts and id(texts[j]) in cell_texts:
                continue  # cells are checked against their own box above
            if _overlap(boxes[i], boxes[j]):
                problems.append(LayoutProblem("överlapp", f"texterna {_label(texts[i])!r} och {_label(texts[j])!r} ligger på varandra"))  # fmt: skip
    filled = _filled_share(fig, renderer)
    if filled < MIN_FILLED:
        problems.append(
            LayoutProblem("tom", f"sidan är nästan tom: innehållet täcker {filled:.0%} av ytan")
        )
    return problems


def _filled_share(fig: Figure, renderer: object) -> float:
    """Return the share of the figure covered by axes with content, tables and content text."""
    width, height = int(fig.bbox.width), int(fig.bbox.height)
    grid = np.zeros((100, 100), dtype=bool)

    def mark(box: Bbox) -> None:
        x0, x1 = (np.clip([box.x0, box.x1], 0, width) / width * 100).astype(int)
        y0, y1 = (np.clip([box.y0, box.y1], 0, height) / height * 100).astype(int)
        grid[y0:y1, x0:x1] = True

    for axes in fig.axes:
        if axes.has_data() or axes.tables:
            mark(axes.get_window_extent(renderer))  # type: ignore[arg-type]
    for text in _texts(fig):
        if text.get_gid() != FRAME:
            mark(text.get_window_extent(renderer))  # type: ignore[arg-type]
    for legend in fig.legends:
        mark(legend.get_window_extent(renderer))  # type: ignore[arg-type]
    return float(grid.mean())
