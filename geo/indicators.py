"""Indicators per area and period: counts now; rates, harm index and change come with issue 3/7."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def counts_per_area(incident_frame: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Number of incidents per area, every area listed (zero where none).

    Parameters
    ----------
    incident_frame
        Incidents with an ``area_code`` column (``None`` for those outside every area).
    areas
        The area layer: ``area_code``, ``name``, ``zone``, ``population``.

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``name``, ``zone``, ``population``, ``count``, in layer order.
        ``attrs["outside"]`` holds the number of incidents in no area.
    """
    counts = incident_frame["area_code"].value_counts()
    table = pd.DataFrame(areas[["area_code", "name", "zone", "population"]])
    table["count"] = table["area_code"].map(counts).fillna(0).astype(int)
    table.attrs["outside"] = int(incident_frame["area_code"].isna().sum())
    return table.reset_index(drop=True)
