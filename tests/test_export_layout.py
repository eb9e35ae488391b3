"""Every PNG and PDF page the project exports is drawn and checked: no text outside the page, no
text on top of other text, no table cell too narrow for its text, no nearly empty page (issue 15)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine

from geo.analysis.hotspots import CLASS_LABELS, hotspots_for
from geo.analysis.indicators import monthly_counts
from geo.analysis.joint import CLASS_COLOURS, CLASSES
from geo.outputs.layout import LayoutProblem, layout_problems
from geo.outputs.maps import HOTSPOT_COLOURS
from geo.outputs.report import parse_period, report_pages
from geo.outputs.slides import Caption, category_figure, choropleth_figure, new_figure
from geo.store.database import active_layer, load_incidents
from tests.conftest import DEMO_END

CAPTION = Caption(
    "Händelser per område", "2025-01-01 – 2025-12-31", "syntetiska demodata", n=6032,
    synthetic=True, approximate=True, notes=("Diagrammet: hela tiden i databasen",),
)  # fmt: skip


def _assert_reads_well(problems: list[LayoutProblem]) -> None:
    assert problems == [], "\n".join(p.message for p in problems)


def test_the_checker_finds_text_outside_overlapping_and_empty_pages() -> None:
    """The check itself can fail: a figure with each fault is caught."""
    fig = new_figure((6, 4))
    fig.text(0.9, 0.5, "en lång text som går utanför kanten")
    fig.text(0.1, 0.5, "först")
    fig.text(0.11, 0.5, "ovanpå")
    kinds = {p.kind for p in layout_problems(fig)}
    assert kinds == {"utanför", "överlapp", "tom"}


def test_overview_slide_with_trend(demo_store: Engine) -> None:
    _info, layer = active_layer(demo_store)
    frame = load_incidents(demo_store)
    values = frame.groupby("area_code").size()
    zones = frame["area_code"].map(layer.set_index("area_code")["zone"]).fillna("okänt område")
    trend = monthly_counts(frame.assign(zone=zones.astype(str)), by="zone")
    fig = choropleth_figure(layer, values, CAPTION, legend_title="Antal händelser", monthly=trend)
    _assert_reads_well(layout_problems(fig))


def test_joint_picture_slide(demo_store: Engine) -> None:
    _info, layer = active_layer(demo_store)
    keys = list(CLASSES)
    classes = pd.Series([keys[i % len(keys)] for i in range(len(layer))], index=layer["area_code"])
    fig = category_figure(layer, classes, CLASS_COLOURS, CLASSES, CAPTION,
                          legend_title="Upplevd och registrerad otrygghet", outlined=set(layer["area_code"][:3]))  # fmt: skip
    _assert_reads_well(layout_problems(fig))


def test_hotspot_slide(demo_store: Engine) -> None:
    _info, layer = active_layer(demo_store)
    result, _without = hotspots_for(load_incidents(demo_store), cell_size=250)
    cells = result.cells[result.cells["hotspot_class"] != "none"]
    fig = category_figure(layer, pd.Series(dtype=str), {}, {}, CAPTION, legend_title="Hotspots",
                          cells=cells, cell_colours=HOTSPOT_COLOURS, cell_labels=CLASS_LABELS)  # fmt: skip
    _assert_reads_well(layout_problems(fig))


@pytest.mark.parametrize("audience", ["polis", "samverkan"])
def test_every_report_page(demo_store: Engine, audience: str) -> None:
    pages = report_pages(demo_store, parse_period("2025-07..2025-12"), audience,
                         today=DEMO_END + dt.timedelta(days=10))  # fmt: skip
    found = [
        f"sida {n}: {p.message}" for n, fig in enumerate(pages, 1) for p in layout_problems(fig)
    ]
    assert found == [], "\n".join(found)
