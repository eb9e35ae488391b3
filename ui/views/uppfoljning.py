"""Uppföljning's view: the year's activities (as read), the computed indicators, and the meeting
report for a period and audience. Saving the activities is ``ui.followup``'s (the page's write)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from geo.analysis.followup import load_activities
from geo.analysis.joint import load_promise
from geo.errors import GeoError
from geo.outputs.report import ReportPeriod, build_report, parse_period
from ui import followup, loaders, state, strings

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Engine


def years(today: dt.date | None = None) -> list[int]:
    """The years the page offers, this year first (four)."""
    this_year = (today or dt.date.today()).year
    return list(range(this_year, this_year - 4, -1))


def audiences(*, polis: bool) -> list[str]:
    """Who a report can be for: partners never get one with the presence log."""
    return ["samverkan", "polis"] if polis else ["samverkan"]


@dataclass(frozen=True)
class FollowupView:
    """The year's activities and indicators."""

    activities: pd.DataFrame
    """As stored (keys, ids and versions): what the police's editor opens."""
    shown: pd.DataFrame
    """As partners read them: labels, Swedish headers."""
    focus_labels: dict[str, str]
    indicators: pd.DataFrame


def followup_view(data: loaders.PageData, year: int) -> FollowupView:
    """The view of ``year`` (read on every run: a save shows at once)."""
    settings = data.settings
    focus = {f.key: f.label for f in load_promise(settings.promise_path).focus_areas}
    activities = load_activities(state.engine(settings.database_url), year)
    indicators = followup.indicator_table(settings.database_url, data.version, year, str(settings.promise_path))  # fmt: skip
    return FollowupView(activities, followup.display(activities, focus), focus, indicators)


@dataclass(frozen=True)
class Report:
    """The meeting report's download: its file name and how to build it, or why not (``error``:
    a period that does not parse, markdown-escaped)."""

    file_name: str = ""
    error: str | None = None
    period: ReportPeriod | None = None
    audience: str = ""
    engine: Engine | None = field(default=None, repr=False)
    promise_path: Path | None = None

    def build(self) -> bytes:
        """The PDF (built when the button is clicked, outside the script: the engine is the one
        the view was made with)."""
        assert self.period is not None and self.engine is not None, "a report without a period"
        return build_report(self.engine, self.period, self.audience, promise_path=self.promise_path)


def report(data: loaders.PageData, period_text: str, audience: str) -> Report:
    """The report for ``period_text`` (``2025``, ``2025-Q3``, ``2025-09``, ``2025-01..2025-06``)."""
    try:
        period = parse_period(period_text)
    except GeoError as error:
        return Report(error=strings.md_lines(error))
    name = f"lagesbild_{period_text.replace('..', '_')}_{audience}.pdf"
    return Report(name, period=period, audience=audience, promise_path=data.settings.promise_path,
                  engine=state.engine(data.settings.database_url))  # fmt: skip
