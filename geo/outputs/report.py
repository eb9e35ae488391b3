"""The meeting report: one Swedish PDF per period and audience, drawn offline with matplotlib.

Pages: overview map and key figures · the areas with the largest changes (Poisson-tested) ·
hotspots · the survey · the promise's follow-up · and, for the ``polis`` audience only, delivered
presence against need. The ``samverkan`` version has no presence data, no incident points and no
hotspot cells (hotspots are summarised per area as a table): what leaves the police is aggregated.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine

from geo import formats
from geo.analysis.joint import load_promise
from geo.errors import GeoError
from geo.outputs.layout import FRAME
from geo.outputs.slides import (
    Caption,
    choropleth_figure,
    frame_figure,
    new_figure,
    scale_bar,
    wrap_for,
)
from geo.periods import LOCAL_TZ, Period, local_midnight, shift_months

if TYPE_CHECKING:  # matplotlib is imported when a report is drawn
    from matplotlib.figure import Figure

AUDIENCES = ("samverkan", "polis")
A4_LANDSCAPE = (11.69, 8.27)
_PERIOD = re.compile(
    r"^(?P<y>\d{4})(?:-(?:Q(?P<q>[1-4])|(?P<m>\d{2})))?(?:\.\.(?P<y2>\d{4})-(?P<m2>\d{2}))?$"
)


@dataclass(frozen=True)
class ReportPeriod:
    """A report period in whole local days: ``start`` inclusive, ``end`` exclusive."""

    start: dt.date
    end: dt.date
    label: str

    def as_period(self) -> Period:
        """Return the report period as a :class:`geo.periods.Period` of whole local days (UTC)."""
        return Period.whole_days(self.start, self.end - dt.timedelta(days=1))

    def utc(self) -> tuple[dt.datetime, dt.datetime]:
        """Return the period's bounds in UTC (local midnight of ``start`` and of ``end``)."""
        period = self.as_period()
        return period.start, period.end


def parse_period(text: str) -> ReportPeriod:
    """``2025``, ``2025-Q3``, ``2025-09`` or ``2025-01..2025-06`` (whole months).

    Raises
    ------
    GeoError
        With the accepted forms.
    """
    match = _PERIOD.match(text.strip())
    if match is None or (match["y2"] and not match["m"]):
        raise GeoError(
            f"Perioden {text!r} går inte att läsa; skriv 2025, 2025-Q3, 2025-09 eller 2025-01..2025-06."
        )
    year = int(match["y"])
    if match["q"]:
        first = dt.date(year, 3 * int(match["q"]) - 2, 1)
        start, end = first, _add_months(first, 3)
    elif match["m"] and match["y2"]:
        start = dt.date(year, int(match["m"]), 1)
        end = _add_months(dt.date(int(match["y2"]), int(match["m2"]), 1), 1)
    elif match["m"]:
        if not 1 <= int(match["m"]) <= 12:
            raise GeoError(f"Månaden i {text!r} finns inte.")
        start = dt.date(year, int(match["m"]), 1)
        end = _add_months(start, 1)
    else:
        start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if end <= start:
        raise GeoError(f"Perioden {text!r} slutar innan den börjar.")
    return ReportPeriod(start, end, f"{start} – {end - dt.timedelta(days=1)}")


def last_closed_months(today: dt.date, months: int = 12) -> ReportPeriod:
    """Return the ``months`` whole calendar months before the current one (the default)."""
    end = today.replace(day=1)
    start = _add_months(end, -months)
    return ReportPeriod(start, end, f"{start} – {end - dt.timedelta(days=1)}")


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def comparison_periods(
    period: ReportPeriod, last_incident: dt.datetime
) -> tuple[Period, Period, Period]:
    """Return the part of ``period`` the data cover, and the same months before.

    The same months of the period before and of the year before (equal spans: a year with data to
    November is January–November against January–November).

    The data cover a month when the last incident is on or after the month's last day; a period
    running past the data is cut at the end of the last such month (never below one month).
    """
    start, end = period.utc()
    last_day = last_incident.astimezone(LOCAL_TZ).date() + dt.timedelta(days=1)
    covered = local_midnight(last_day.replace(day=1))
    observed = Period(start, end).clipped(max(covered, shift_months(start, 1)))
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
    return observed, observed.months_back(months), observed.months_back(12)


def comparison_text(periods: dict[str, str], same: bool, *, partial: bool) -> str:
    """Return the sentence that names the compared periods."""
    cut = " (perioden är inte slut: bara de månader som har data jämförs)" if partial else ""
    if same:
        return (f"{periods['now']}{cut} jämförs med samma månader året före, {periods['previous']} "
                "(perioden före och samma period i fjol är här samma sak).")  # fmt: skip
    return (f"{periods['now']}{cut} jämförs med lika lång period före, {periods['previous']}, och med "
            f"samma period i fjol, {periods['last_year']}.")  # fmt: skip


def _page(caption: Caption) -> Figure:
    fig = new_figure(A4_LANDSCAPE, dpi=100)
    frame_figure(fig, caption)
    return fig


def _table(
    fig: Figure, frame: pd.DataFrame, rect: tuple[float, float, float, float], *, font: int = 9
) -> None:
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    if frame.empty:
        ax.text(0, 0.9, "Inga rader.", fontsize=11)
        return
    table = ax.table(cellText=frame.astype(str).to_numpy(), colLabels=list(frame.columns), loc="upper left",
                     cellLoc="left", colLoc="left")  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(font)
    table.scale(1, 1.35)
    for (row, _col), cell in table.get_celld().items():
        cell.set_edgecolor("#cccccc")
        if row == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#eef2f7")
    table.auto_set_column_width(list(range(len(frame.columns))))


def build_report(
    engine: Engine,
    period: ReportPeriod,
    audience: str,
    *,
    today: dt.date | None = None,
    promise_path: Path | None = None,
) -> bytes:
    """Build the meeting report as PDF bytes (the pages of :func:`report_pages`, numbered).

    Raises
    ------
    GeoError
        For an unknown audience, or no incidents in the period.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    pages = report_pages(engine, period, audience, today=today, promise_path=promise_path)
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"Lägesbild Falkenberg {period.label} ({audience})", "Creator": "Lägesbild Falkenberg"}) as pdf:  # fmt: skip
        for fig in pages:
            pdf.savefig(fig)
    return buffer.getvalue()


def report_pages(
    engine: Engine,
    period: ReportPeriod,
    audience: str,
    *,
    today: dt.date | None = None,
    promise_path: Path | None = None,
) -> list[Figure]:
    """Draw the meeting report's pages as figures, each with its frame and page number.

    Reads only: the promise's follow-up page shows the activities stored for the period's first
    year, so the caller starts that year first (``geo.analysis.followup.ensure_year``, as the
    command line and the *Uppföljning* page do).
    """
    from geo.analysis.followup import (
        INDICATORS,
        focus_incidents,
        inland_presence,
        load_activities,
        survey_unsafe,
    )
    from geo.analysis.hotspots import CLASS_LABELS, hotspots_for
    from geo.analysis.indicators import area_indicators, with_harm
    from geo.analysis.survey import load_responses, safety_by_area, safety_overall, waves
    from geo.presence.log import (
        inland_commitment,
        list_entries,
        need_vs_delivered,
        presence_settings,
    )
    from geo.store.database import active_layer, load_incidents
    from geo.taxonomy import load_taxonomy

    if audience not in AUDIENCES:
        raise GeoError(f"Okänd mottagare {audience!r}; välj {' eller '.join(AUDIENCES)}.")
    today = today or dt.date.today()
    info, layer = active_layer(engine)
    taxonomy = load_taxonomy()
    incidents = load_incidents(engine, columns=("occurred_at", "area_code", "category", "raw_type", "harm_weight", "x", "y", "source", "synthetic"))  # fmt: skip
    incidents = with_harm(incidents, taxonomy, exclude_police_initiated=True)
    start, end = period.utc()
    times = pd.to_datetime(incidents["occurred_at"], utc=True)
    chosen = incidents[(times >= pd.Timestamp(start)) & (times < pd.Timestamp(end))]
    if chosen.empty:
        raise GeoError(f"Inga händelser i perioden {period.label}.")
    synthetic = bool(chosen["synthetic"].any())
    sources = ", ".join(sorted(chosen["source"].astype(str).unique()))
    source_text = (
        "syntetiska demodata" if sources == "demo" else f"registrerade händelser ({sources})"
    )
    audience_text = (
        "Polisen (internt)" if audience == "polis" else "Samverkan: kommun, region och polis"
    )

    def caption(title: str, *, n: int | None = None, extra: str = "") -> Caption:
        return Caption(title, period.label, source_text + (f"; {extra}" if extra else ""), n=n,
                       synthetic=synthetic, approximate=info.approximate, notes=(f"Mottagare: {audience_text}",))  # fmt: skip

    pages: list[Figure] = []
    # 1. Overview.
    counts = chosen.groupby("area_code").size()
    overview = choropleth_figure(layer, counts, caption("Lägesbild Falkenberg – mötesunderlag", n=len(chosen)),
                                 legend_title="Händelser per område")  # fmt: skip
    overview.set_size_inches(*A4_LANDSCAPE)
    inland = set(layer.loc[layer["zone"] == "inland", "area_code"])
    overview.text(0.78, 0.45, "\n".join([
        f"Händelser: {len(chosen)}",
        f"Skadeindex: {formats.number(chosen['harm'].sum())}",
        f"Varav i inlandet: {int(chosen['area_code'].isin(inland).sum())}",
        textwrap.fill(f"Mottagare: {audience_text}", 26, subsequent_indent="  "),
        f"Skapad: {today:%Y-%m-%d}",
    ]), fontsize=12, va="top")  # fmt: skip
    pages.append(overview)

    # 2. Largest changes, tested: equal spans only, every area × comparison in one family.
    observed, previous, year_before = comparison_periods(period, times.max().to_pydatetime())
    table = area_indicators(incidents, layer, observed, groups=taxonomy.group_labels(),
                            previous=previous, year_before=year_before)  # fmt: skip
    table["abs_change"] = (table["count"] - table["previous"]).abs()
    table["listed"] = table["significant_previous"] | table["significant_last_year"]
    ranked = table.sort_values(["listed", "abs_change"], ascending=[False, False]).head(10)
    periods = table.attrs["periods"]
    columns = {"Område": ranked["name"], f"Antal {periods['now']}": ranked["count"],
               f"Perioden före {periods['previous']}": ranked["change_previous"]}  # fmt: skip
    if not table.attrs["same_comparison"]:
        columns[f"Samma period i fjol {periods['last_year']}"] = ranked["change_last_year"]
    changes = pd.DataFrame(columns)
    page = _page(caption("Områden med störst förändring", n=len(chosen)))
    first_incident = times.min()
    if min(previous.start, year_before.start) < first_incident.to_pydatetime():
        page.text(0.02, 0.89, wrap_for(page, "Jämförelseperioden ligger (delvis) före den första händelsen i databasen, så "
                  "ingen jämförelse görs: en 'ökning' från noll vore bara databasens början. Tabellen visar antalet "
                  "per område i perioden.", fontsize=11, share=0.95), fontsize=11, va="top")  # fmt: skip
        counts_now = table.sort_values("count", ascending=False).head(14)
        _table(page, pd.DataFrame({"Område": counts_now["name"], f"Antal {periods['now']}": counts_now["count"]}),
               (0.02, 0.1, 0.6, 0.68), font=9)  # fmt: skip
    else:
        lines = [
            comparison_text(periods, table.attrs["same_comparison"], partial=observed.end < end)
        ]
        lines.append(
            f"Alla {table.attrs['family']} jämförelser (områden × perioder) testas samtidigt, så p-värdena är "
            "justerade (Benjamini–Hochberg): högst 5 % av det som kallas förändring väntas vara slump."
        )
        lines.append(
            "Exakt Poissontest; riktningen avgörs av antal per dag. Små tal är ofta slump."
        )
        page.text(
            0.02,
            0.89,
            "\n".join(wrap_for(page, line, fontsize=9, share=0.95) for line in lines),
            fontsize=9,
            va="top",
        )
        _table(page, changes, (0.02, 0.06, 0.96, 0.72), font=7)
    pages.append(page)

    # 3. Hotspots.
    page = _page(caption("Hotspots (Gi*, 250 m-rutor, FDR)", n=len(chosen)))
    try:
        result, _without = hotspots_for(chosen, cell_size=250)
        cells = result.cells
        hot = cells[cells["hotspot_class"].str.startswith("hot")]
        per_area = (
            gpd.sjoin(hot[["hotspot_class", "geometry"]].set_geometry(hot.geometry.centroid), layer[["area_code", "name", "geometry"]])
            .groupby("name").size().sort_values(ascending=False).rename("Rutor med hotspot").reset_index()
            .rename(columns={"name": "Område"})
        )  # fmt: skip
        if audience == "polis":
            ax = page.add_axes((0.02, 0.08, 0.6, 0.8))
            ax.set_axis_off()
            layer.plot(ax=ax, facecolor="#f7f7f7", edgecolor="#444444", linewidth=0.6)
            significant = cells[cells["hotspot_class"] != "none"]
            if not significant.empty:
                from geo.outputs.maps import HOTSPOT_COLOURS

                significant.plot(
                    ax=ax, color=significant["hotspot_class"].map(HOTSPOT_COLOURS), linewidth=0
                )
            ax.set_aspect("equal")
            scale_bar(ax)
            _table(page, per_area.head(12), (0.65, 0.3, 0.33, 0.55))
        else:
            page.text(
                0.02,
                0.86,
                "Samverkansversionen visar hotspots summerade per område (inga rutor eller punkter).",
                fontsize=10,
            )
            _table(page, per_area.head(14), (0.02, 0.1, 0.5, 0.72))
        page.text(0.65 if audience == "polis" else 0.55, 0.2, "\n".join(
            f"{CLASS_LABELS[c]}: {int((cells['hotspot_class'] == c).sum())} rutor" for c in CLASS_LABELS), fontsize=9)  # fmt: skip
        page.text(0.02, 0.075, wrap_for(page, f"Studieområde: {result.region}. Gi* med rutan själv, testad mot slumpvis placering med hänsyn "
                  f"till att händelser klumpar sig (överspridning φ = {result.dispersion:.1f}); p-värden justerade "
                  "för falska upptäckter (Benjamini–Hochberg) över alla rutor.", fontsize=8, share=0.95), fontsize=8)  # fmt: skip
    except GeoError as error:
        page.text(0.02, 0.8, wrap_for(page, str(error), fontsize=11, share=0.95), fontsize=11)
    pages.append(page)

    # 4. The survey.
    responses = load_responses(engine)
    wave = (
        next((w for w in waves(responses) if int(w) <= period.end.year), None)
        if len(responses)
        else None
    )
    page = _page(
        caption(
            f"Medborgarenkäten {wave or ''}: andel otrygga per område", extra="medborgarenkäten"
        )
    )
    if wave is None:
        page.text(0.02, 0.8, "Ingen enkät importerad för perioden.", fontsize=12)
    else:
        safety = safety_by_area(responses, layer, wave, reveal_small=audience == "polis")
        overall = safety_overall(responses, wave)
        ax = page.add_axes((0.3, 0.12, 0.65, 0.72))
        shown = safety.sort_values("name", ascending=False)
        y = np.arange(len(shown))
        share = shown["share"].astype(float).to_numpy()
        ax.barh(y, np.nan_to_num(share) * 100, color="#6baed6")
        errors = np.vstack(
            [
                (share - shown["low"].astype(float)) * 100,
                (shown["high"].astype(float) - share) * 100,
            ]
        )
        ax.errorbar(share * 100, y, xerr=errors, fmt="none", ecolor="#222222", capsize=3)
        ax.axvline(
            overall["share"] * 100,
            color="#b35900",
            linestyle="--",
            label=f"Hela kommunen {overall['share']:.0%}",
        )
        labels = [
            f"{name} (n = {int(n)})" if pd.notna(n) else f"{name} (färre än 5 svar)"
            for name, n in zip(shown["name"], shown["n"], strict=True)
        ]
        ax.set_yticks(y, labels, fontsize=9)
        ax.set_xlabel(
            "Andel ganska eller mycket otrygga ute ensam sent på kvällen (%), 95 %-intervall (Wilson)"
        )
        ax.legend(frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    pages.append(page)

    # 5. The promise's follow-up.
    promise = load_promise(promise_path)
    year = period.start.year
    activities = load_activities(engine, year)
    focus_labels = {f.key: f.label for f in promise.focus_areas}
    entries = list_entries(
        engine,
        start=dt.datetime(year, 1, 1, tzinfo=dt.UTC),
        end=dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC),
    )
    target = float(presence_settings()["inland_target_hours_per_week"])
    values = [
        inland_presence(entries, layer, year=year, target_per_week=target, until=min(today, period.end)),
        focus_incidents(incidents, promise.focus_codes(), year=year, until=min(today, period.end)),
        survey_unsafe(responses, promise.focus_codes()),
    ]  # fmt: skip
    page = _page(caption(f"Medborgarlöftet {year}: aktiviteter och mått"))
    _table(page, pd.DataFrame({
        "Fokusområde": activities["focus"].map(focus_labels), "Aktivitet": activities["activity"].str.slice(0, 70),
        "Ansvarig": activities["party"], "Status": activities["status"],
    }), (0.02, 0.5, 0.96, 0.36), font=8)  # fmt: skip
    _table(page, pd.DataFrame({"Mått": [INDICATORS[v.key] for v in values], "Värde": [v.text[:95] for v in values],
                               "Period": [v.period for v in values]}), (0.02, 0.1, 0.96, 0.3), font=8)  # fmt: skip
    pages.append(page)

    # 6. Presence against need: police only.
    if audience == "polis":
        period_entries = list_entries(engine, start=start, end=end)
        page = _page(caption("Levererad närvaro mot behov (endast polisen)", extra="närvarologgen"))
        if period_entries.empty:
            page.text(0.02, 0.8, "Inga närvaroposter i perioden.", fontsize=12)
        else:
            need = need_vs_delivered(chosen, period_entries, layer, end=end)
            _table(page, pd.DataFrame({
                "Område": need["name"], "Andel av behovet": (need["need_share"] * 100).round(0).astype(int).astype(str) + " %",
                "Levererade timmar": need["delivered_hours"], "Andel av timmarna": (need["delivered_share"] * 100).round(0).astype(int).astype(str) + " %",
                "Dagar sedan närvaro": need["days_since_presence"].fillna(-1).astype(int).replace(-1, "aldrig"),
            }), (0.02, 0.35, 0.6, 0.5), font=8)  # fmt: skip
            monthly = inland_commitment(
                period_entries, layer, target_hours_per_week=target, freq="M"
            )
            _table(page, monthly.rename(columns={"period": "Månad", "delivered_hours": "Timmar i inlandet",
                                                 "target_hours": "Mål", "met": "Nått"}), (0.65, 0.35, 0.33, 0.5), font=8)  # fmt: skip
        pages.append(page)

    for number, fig in enumerate(pages, start=1):
        fig.text(0.98, 0.015, f"Sida {number} av {len(pages)}", ha="right", fontsize=9, gid=FRAME)
    return pages
