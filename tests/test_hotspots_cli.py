"""`python -m geo hotspots`: every cell of the study region, the same cells as the page's loader."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import Engine

from geo.commands.cli import main
from geo.outputs.report import parse_period
from geo.periods import Filters, Period

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture
def demo_env(demo_store: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(demo_store.url))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield demo_store
    st.cache_data.clear()
    st.cache_resource.clear()


def _page_cells(
    engine: Engine, *, zones: tuple[str, ...] = (), area: str = "", weighted: bool = False
) -> gpd.GeoDataFrame:
    from ui import loaders

    start, end = parse_period("2025").utc()
    filters = Filters(Period(start, end), zones=zones, area_code=area)
    view = loaders.hotspots(str(engine.url), loaders.current_data_version(), filters, 250, weighted)
    assert view.cells is not None, view.error
    return view.cells


def test_command_cells_match_the_page(
    demo_env: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cells.csv"
    assert main(["hotspots", "--period", "2025", "--area", "1382R005", "--out", str(out)]) == 0
    written = pd.read_csv(out)
    page = _page_cells(demo_env, area="1382R005")
    assert len(written) == len(page) > 30  # every cell of the region, not only the significant ones
    assert (written["cell_id"].to_numpy() == page["cell_id"].to_numpy()).all()
    assert (written["value"].to_numpy() == page["value"].to_numpy()).all()
    assert (written["hotspot_class"].to_numpy() == page["hotspot_class"].to_numpy()).all()
    assert written["p_adjusted"].to_numpy() == pytest.approx(
        page["p_adjusted"].to_numpy(), rel=1e-9
    )
    assert set(written["region"]) == {"Glommen"}
    assert {"gi_z", "p_value", "p_permutation", "class_label", "wkt_sweref99tm"} <= set(
        written.columns
    )
    assert "Glommen" in capsys.readouterr().out


def test_command_writes_geojson_for_a_zone_with_harm(demo_env: Engine, tmp_path: Path) -> None:
    out = tmp_path / "cells.geojson"
    assert (
        main(["hotspots", "--period", "2025", "--zone", "kust", "--harm", "--out", str(out)]) == 0
    )
    collection = json.loads(out.read_text(encoding="utf-8"))
    written = gpd.read_file(out)
    page = _page_cells(demo_env, zones=("kust",), weighted=True)
    assert collection["type"] == "FeatureCollection" and written.crs.to_epsg() == 4326
    assert len(written) == len(page)
    assert (written["hotspot_class"].to_numpy() == page["hotspot_class"].to_numpy()).all()
    assert set(written["region"]) == {"zon kusten"}
    # The geometry is the page's, in WGS84: the cells are where the page draws them.
    assert written.to_crs("EPSG:3006").geometry.area.sum() == pytest.approx(
        page.geometry.area.sum(), rel=1e-4
    )


def test_command_refuses_what_it_cannot_do(
    demo_env: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            ["hotspots", "--period", "2025", "--area", "1382X999", "--out", str(tmp_path / "x.csv")]
        )
        == 2
    )
    assert "Okänd områdeskod 1382X999" in capsys.readouterr().err
    assert main(["hotspots", "--period", "2025", "--out", str(tmp_path / "x.shp")]) == 2
    assert "använd .geojson eller .csv" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
    assert dt.date.today()  # the default period needs no argument
