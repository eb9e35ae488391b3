"""One set of small-number floors (data/floors.json) for the dashboard, the report and the site."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from geo.analysis.indicators import area_indicators, load_floors, with_harm
from geo.periods import Period
from geo.public.privacy import Rules
from geo.public.publish import build
from geo.store.database import active_layer, load_incidents
from geo.taxonomy import load_taxonomy
from tests.test_privacy import _import

UTC = dt.UTC


def _store_with_counts(store: Engine, tmp_path: Path) -> Engine:
    """Ullared-Inland (about 7,000 inhabitants) gets 7 thefts in June 2025 (a visible total),
    1382R002 (about 6,000) 120 over the year."""
    _info, layer = active_layer(store)
    town = layer.set_index("area_code").geometry["1382R002"].representative_point()
    rows = [
        f"U{k};2025-06-{k + 10:02d}T12:00:00+02:00;Stöld;362198;{6335363 + k};" for k in range(7)
    ]
    rows += [f"C{m}-{k};2025-{m:02d}-{k + 2:02d}T12:00:00+01:00;Stöld;{town.x + k:.0f};{town.y:.0f};"
             for m in range(1, 13) for k in range(10)]  # fmt: skip
    _import(store, tmp_path, rows)
    return store


def test_dashboard_and_public_site_use_the_same_floor(store: Engine, tmp_path: Path) -> None:
    engine = _store_with_counts(store, tmp_path)
    floors = load_floors()
    _info, layer = active_layer(engine)
    incidents = with_harm(
        load_incidents(
            engine, columns=("occurred_at", "area_code", "category", "raw_type", "harm_weight")
        ),
        load_taxonomy(),
        exclude_police_initiated=True,
    )
    period = Period(
        dt.datetime(2024, 12, 31, 23, tzinfo=UTC), dt.datetime(2025, 12, 31, 23, tzinfo=UTC)
    )
    table = area_indicators(
        incidents, layer, period, groups=load_taxonomy().group_labels()
    ).set_index("area_code")
    ullared = table.loc["1382R011"]
    assert ullared["count"] == 7 and ullared["population"] >= floors.min_population_for_rate
    assert ullared["rate_note"] == f"färre än {floors.min_count_for_rate} händelser"
    assert "Gekås" in ullared["denominator_note"]
    publication, _site, _names = build(engine, months=12, today=dt.date(2026, 1, 20), rules=Rules())
    areas = publication.areas.set_index("area_code")
    assert areas.at["1382R011", "total"] == 7  # shown as a count …
    assert pd.isna(areas.at["1382R011", "rate_per_1000"])  # … but not as a rate (5–9 is too few)
    assert areas.at["1382R002", "total"] == 120
    assert (
        areas.at["1382R002", "rate_per_1000"] == table.at["1382R002", "rate_per_1000"]
    )  # same rate
