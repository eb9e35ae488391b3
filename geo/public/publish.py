"""The public safety map: a static site built behind the privacy guard.

``build`` turns the store into a :class:`geo.public.privacy.Publication` (counts per area and month with
suppression, area figures, the site's files in memory); ``write_site`` runs the guard and only
then writes the folder, atomically (a temporary folder renamed into place), so a refused
publication leaves nothing behind and an old site is never half replaced.

The site: ``index.html`` (Leaflet from ``vendor/leaflet`` in the folder itself, no CDN, no tiles),
``app.js``, ``style.css``, ``metod.html`` (Swedish method page), and ``data/``: ``site.js`` (the
data the page draws, as a script so the page also works opened straight from disk),
``omraden.geojson``, ``omraden.csv`` and ``handelser_per_manad.csv``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
import math
import shutil
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, func, insert, select

from geo import formats
from geo.analysis.survey import safety_by_area, waves
from geo.areas.falkenberg import ZONE_LABELS
from geo.assets import leaflet_source_dir
from geo.crs import MAP_CRS
from geo.errors import GeoError
from geo.periods import LOCAL_TZ
from geo.public.privacy import (
    PERIOD,
    TOTAL,
    VISIBLE,
    AreaTable,
    PriorRelease,
    Publication,
    Rules,
    count_tables,
    guard,
    last_closed_month,
    load_rules,
    month_range,
    prior_release,
    protect,
    shown_value,
)
from geo.store.database import active_layer, load_incidents, unit_of_work
from geo.store.schema import presence_entries, public_releases, survey_responses
from geo.taxonomy import load_taxonomy

SITE_TEMPLATES = Path(__file__).resolve().parent / "site"
MAX_SITE_BYTES = 1_000_000
MARKER = ".lagesbild-publik"
"""A file in every published folder: only folders carrying it are ever replaced."""
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
               "september", "oktober", "november", "december")  # fmt: skip
MONTHLY_COLUMNS = ("omradeskod", "omrade", "kategori", "manad", "antal")
AREA_COLUMNS = (
    "omradeskod", "omrade", "zon", "befolkning", "antal_hela_perioden", "per_1000_invanare",
    "enkat_omgang", "enkat_svar", "andel_otrygga_procent", "ki_lag_procent", "ki_hog_procent",
)  # fmt: skip
GEOJSON_PROPERTIES = ("kod", "namn", "zon", "matt", "manader")
ZONE_NAMES = ZONE_LABELS


@dataclass(frozen=True)
class SiteInfo:
    """What was published: the folder, its period, size and how many cells were hidden."""

    folder: Path | None
    """Where the site was written (None until it is)."""
    first_month: str
    last_month: str
    bytes: int
    hidden_cells: int
    synthetic: bool


@dataclass(frozen=True)
class LastRelease:
    """The latest release in the ledger: when, and which months."""

    released_at: dt.datetime
    first_month: str
    last_month: str

    @property
    def local_date_text(self) -> str:
        """'2 december 2026' (Swedish local date)."""
        local = self.released_at.astimezone(LOCAL_TZ)
        return f"{local.day} {MONTH_NAMES[local.month - 1]} {local.year}"


@dataclass(frozen=True)
class Refusal:
    """A publication that did not happen, for staff: cell references, rules and what to do.

    Never a hidden value. The public sees only that the map is not updated yet, and since when.
    """

    problems: tuple[str, ...]
    way_forward: str
    last: LastRelease | None


SOURCE_NAMES = {
    "polis": "Polisen",
    "kommun": "Falkenbergs kommun",
    "region": "Region Halland",
    "demo": "syntetiska demodata (Lägesbild Falkenberg)",
}
"""What a source key (``incidents.source``) is called on the site: labels, never keys."""


def source_names(sources: list[str] | tuple[str, ...]) -> str:
    """``["demo", "polis"]`` → "Polisen och syntetiska demodata (Lägesbild Falkenberg)"."""
    order = list(SOURCE_NAMES)
    ranked = sorted(sources, key=lambda s: (order.index(s) if s in order else len(order), s))
    names = [SOURCE_NAMES.get(s, s) for s in ranked]
    if len(names) <= 1:
        return "".join(names) or "–"
    return f"{', '.join(names[:-1])} och {names[-1]}"


def last_release(engine: Engine) -> LastRelease | None:
    """Return the latest release recorded in the ledger, if any."""
    query = (
        select(
            public_releases.c.released_at,
            public_releases.c.first_month,
            public_releases.c.last_month,
        )
        .order_by(public_releases.c.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else LastRelease(row[0], row[1], row[2])


def refusal(engine: Engine, error: GeoError) -> Refusal:
    """Return what staff and the public get when :func:`publish` refuses."""
    from geo.public.privacy import WAY_FORWARD, PrivacyBreach

    if isinstance(error, PrivacyBreach):
        return Refusal(tuple(error.breaches), error.way_forward, last_release(engine))
    return Refusal((str(error),), WAY_FORWARD, last_release(engine))


def month_text(month: str) -> str:
    """'2025-09' → 'september 2025'."""
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]} {year}"


def build(
    engine: Engine,
    *,
    months: int = 12,
    today: dt.date | None = None,
    rules: Rules | None = None,
) -> tuple[Publication, SiteInfo, dict[str, str]]:
    """Everything the site will contain, with suppression applied (nothing is written here).

    Returns the publication, facts about it, and area code → name (for the guard's messages).

    Raises
    ------
    GeoError
        When there are no closed months with data, or ``months`` is outside 1..max.
    """
    rules = rules or load_rules()
    today = today or dt.date.today()
    if not 1 <= months <= rules.max_months:
        raise GeoError(f"--months ska vara mellan 1 och {rules.max_months}, inte {months}.")
    info, layer = active_layer(engine)
    incidents = load_incidents(
        engine, columns=("occurred_at", "area_code", "category", "raw_type", "synthetic", "source")
    )
    if incidents.empty:
        raise GeoError("Det finns inga händelser att publicera.")
    local_month = (
        pd.to_datetime(incidents["occurred_at"], utc=True)
        .dt.tz_convert(LOCAL_TZ)
        .dt.strftime("%Y-%m")
    )
    last = min(last_closed_month(today, rules.settle_days), local_month.max())
    period_months = month_range(last, months)
    taxonomy = load_taxonomy()
    groups = [g.key for g in taxonomy.groups]
    labels = {g.key: g.label for g in taxonomy.groups} | {TOTAL: "Alla händelser"}
    codes = list(layer["area_code"])
    names = dict(zip(layer["area_code"], layer["name"], strict=True))
    priors = prior_releases(engine)
    tables = count_tables(incidents, codes, groups, period_months, rules, priors=priors)
    for table in tables.values():
        protect(table, rules)
    late = sum(t.late for t in tables.values())
    in_period = incidents[local_month.isin(period_months)]
    synthetic = bool(in_period["synthetic"].any())
    sources = sorted(in_period["source"].astype(str).unique())
    areas = _area_figures(engine, layer, tables, rules, int(last[:4]), today, priors)
    files, vendor = _site_files(
        layer, areas, tables, labels, period_months, rules,
        synthetic=synthetic, sources=sources, approximate=info.approximate,
        boundary_source=info.source,
        today=today, late=late,
    )  # fmt: skip
    publication = Publication(
        months=period_months,
        tables=tables,
        areas=areas,
        files=files,
        vendor=vendor,
        columns={"data/handelser_per_manad.csv": MONTHLY_COLUMNS, "data/omraden.csv": AREA_COLUMNS},
        count_columns={
            "data/handelser_per_manad.csv": ("antal",),
            "data/omraden.csv": ("antal_hela_perioden", "enkat_svar"),
        },
        geojson_properties=GEOJSON_PROPERTIES,
        frozen_months=frozenset().union(*(p.months for p in priors)),
        survey_priors=tuple((p.survey_wave, p.survey) for p in priors if p.survey_wave),
        late=late,
    )
    hidden = sum(int((t.status != VISIBLE).sum()) for t in tables.values())
    size = sum(len(b) for b in files.values()) + sum(len(b) for b in vendor.values())
    site = SiteInfo(None, period_months[0], period_months[-1], size, hidden, synthetic)
    return publication, site, names


def forbidden_texts(engine: Engine) -> frozenset[str]:
    """Texts from the presence log and survey comments: none may ever appear in a public file."""
    texts: set[str] = set()
    columns = (
        presence_entries.c.unit, presence_entries.c.purpose, presence_entries.c.tactics,
        presence_entries.c.notes, presence_entries.c.promise_activity,
    )  # fmt: skip
    with engine.connect() as connection:
        for row in connection.execute(select(*columns).distinct()).all():
            texts.update(str(v) for v in row if v)
        comments = select(survey_responses.c.comment).where(survey_responses.c.comment.is_not(None))
        texts.update(str(c) for (c,) in connection.execute(comments).all())
    # Very short texts ("Bil", "A") would match ordinary words; presence units are longer.
    return frozenset(t.strip() for t in texts if len(t.strip()) >= 6)


def publish(
    engine: Engine,
    out: Path,
    *,
    months: int = 12,
    today: dt.date | None = None,
    rules: Rules | None = None,
) -> SiteInfo:
    """Build, check with the guard, and write the site to ``out``.

    Raises
    ------
    PrivacyBreach
        When any output cell or file breaks a rule; nothing is written.
    GeoError
        When ``out`` exists, is not empty and is not an earlier published site, or the site would
        exceed 1 MB.
    """
    rules = rules or load_rules()
    today = today or dt.date.today()
    publication, site, names = build(engine, months=months, today=today, rules=rules)
    guard(publication, rules, today=today, forbidden=forbidden_texts(engine), names=names)
    if site.bytes > MAX_SITE_BYTES:
        raise GeoError(
            f"Webbplatsen skulle bli {formats.number(site.bytes / 1e6, 2)} MB; gränsen är 1 MB."
        )
    write_site(publication, out)
    record_release(engine, publication)
    return dataclasses.replace(site, folder=out)


def release_content(publication: Publication) -> dict[str, object]:
    """Return what a release shows, as stored in the ledger.

    Its months and every shown count, the survey figures it shows, the late line, and the *basis*
    (the true counts of every cell of its months, the sensitive row too), which freezes those
    months for every later release. The ledger is in the store, for the audit; nothing of the basis
    is ever published.
    """
    prior = prior_release(publication.tables, publication.months)
    cells = [[a, r, c, t] for (a, r, c), t in prior.cells.items()]
    basis = [[a, m, counts] for (a, m), counts in (prior.basis or {}).items()]
    survey = {
        str(r["area_code"]): [int(r["survey_n"]), int(r["survey_unsafe"])]
        for r in publication.areas.to_dict("records")
        if r.get("survey_n") is not None and not pd.isna(r.get("survey_n"))
    }
    wave = next((str(w) for w in publication.areas["survey_wave"] if w), None)
    return {
        "months": list(publication.months),
        "cells": cells,
        "late": publication.late,
        "survey": {"wave": wave, "areas": survey},
        "basis": basis,
    }


def record_release(engine: Engine, publication: Publication) -> bool:
    """Add the release to the ledger (unless it is identical to the latest one); True if added."""
    content = json.dumps(release_content(publication), ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    with unit_of_work(engine) as work:
        connection = work.connection
        latest = connection.execute(
            select(public_releases.c.content_sha256).order_by(public_releases.c.id.desc()).limit(1)
        ).scalar()
        if latest == digest:
            return False
        connection.execute(
            insert(public_releases).values(
                released_at=dt.datetime.now(dt.UTC), first_month=publication.months[0],
                last_month=publication.months[-1], content_json=content, content_sha256=digest,
            )
        )  # fmt: skip
    return True


def prior_releases(engine: Engine) -> tuple[PriorRelease, ...]:
    """Every earlier release in the ledger, oldest first (identical ones once)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(public_releases.c.content_json, public_releases.c.content_sha256).order_by(public_releases.c.id)
        ).all()  # fmt: skip
    seen, out = set(), []
    for content, digest in rows:
        if digest in seen:
            continue
        seen.add(digest)
        out.append(prior_from_content(json.loads(content)))
    return tuple(out)


def prior_from_content(data: dict[str, Any]) -> PriorRelease:
    """Return a ledger entry (see :func:`release_content`) as the audit reads it.

    Entries recorded before the basis and the survey were kept have neither.
    """
    survey = data.get("survey") or {}
    return PriorRelease(
        tuple(data["months"]),
        {(a, r, c): t for a, r, c, t in data["cells"]},
        basis=(
            {(a, m): {str(k): int(v) for k, v in counts.items()} for a, m, counts in data["basis"]}
            if "basis" in data
            else None
        ),
        survey_wave=survey.get("wave"),
        survey={str(a): (int(n), int(k)) for a, (n, k) in (survey.get("areas") or {}).items()},
    )


def write_site(publication: Publication, out: Path) -> None:
    """Write the files atomically: into a temporary folder beside ``out``, then renamed over it."""
    out = out.resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise GeoError(
            f"{out} finns redan och är inte en tidigare publicering; välj en tom eller ny mapp."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".publik-", dir=out.parent))
    try:
        for relative, content in {**publication.vendor, **publication.files}.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (staging / MARKER).write_text("Skapad av python -m geo publish\n", encoding="utf-8")
        # mkdtemp makes the folder private (0700); a web server must be able to read the site.
        staging.chmod(0o755)
        if out.exists():
            old = out.with_name(out.name + ".gammal")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# --- Area figures -------------------------------------------------------------------------------


def closed_waves(engine: Engine, today: dt.date, rules: Rules) -> set[str]:
    """Return the survey waves that are closed; only closed waves are published.

    A wave is closed when its latest answer is at least ``survey_closed_days`` old (a wave without
    answer dates closes when its year has ended).
    """
    query = select(survey_responses.c.wave, func.max(survey_responses.c.answered_on)).group_by(
        survey_responses.c.wave
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    closed = set()
    for wave, latest in rows:
        if latest is not None:
            if today >= latest + dt.timedelta(days=rules.survey_closed_days):
                closed.add(str(wave))
        elif str(wave)[:4].isdigit() and int(str(wave)[:4]) < today.year:
            closed.add(str(wave))
    return closed


def _area_figures(
    engine: Engine,
    layer: gpd.GeoDataFrame,
    tables: dict[str, AreaTable],
    rules: Rules,
    until_year: int,
    today: dt.date,
    priors: tuple[PriorRelease, ...],
) -> pd.DataFrame:
    """Return per area the population, the period total, a rate and the survey share.

    The period total as shown, a rate where allowed, and the latest closed survey wave's unsafe
    share where n is large enough.

    A wave an earlier release showed keeps the figures it showed until the area's n has moved by at
    least the survey threshold from every n shown before (one late answer would otherwise be
    readable as the difference of two releases).
    """
    from geo.analysis.survey import load_responses, wilson_interval

    responses = load_responses(engine)
    threshold = max(rules.survey_min_n, 5)
    closed = closed_waves(engine, today, rules) if len(responses) else set()
    wave = (
        next(
            (
                w
                for w in waves(responses)
                if w in closed and w[:4].isdigit() and int(w[:4]) <= until_year
            ),
            None,
        )
        if len(responses)
        else None
    )
    survey = (
        safety_by_area(
            responses, layer, wave, suppress_below=threshold, reveal_small=True
        ).set_index("area_code")
        if wave
        else None
    )
    shown_before = [p.survey for p in priors if p.survey_wave == wave]
    rows = []
    for code, name, zone, population in zip(
        layer["area_code"], layer["name"], layer["zone"], layer["population"], strict=True
    ):
        table = tables[code]
        i, j = table.index(TOTAL, PERIOD)
        total, status = int(table.values[i, j]), int(table.status[i, j])
        pop = None if population is None or pd.isna(population) else int(population)
        from geo.analysis.indicators import load_floors  # one set of floors: data/floors.json

        rate = (
            round(total / pop * 1000, 1)
            if pop
            and status == VISIBLE
            and load_floors().allows_rate(total, pop, min_population=rules.rate_min_population)
            else None
        )
        row = {"area_code": code, "name": name, "zone": zone, "population": pop,
               "total_text": shown_value(total, status, rules.min_count), "total": total if status == VISIBLE else None,
               "rate_per_1000": rate, "survey_wave": wave, "survey_n": None, "survey_unsafe": None,
               "survey_share": None, "survey_low": None, "survey_high": None}  # fmt: skip
        if survey is not None:
            current = (int(survey.at[code, "n"]), int(survey.at[code, "unsafe"]))
            earlier = [f[code] for f in shown_before if code in f]
            figures: tuple[int, int] | None = current
            if earlier and any(abs(current[0] - n0) < threshold for n0, _k0 in earlier):
                figures = earlier[-1]  # frozen until n has moved by the threshold
            elif current[0] < threshold:
                figures = None
            if figures is not None:
                n, k = figures
                low, high = wilson_interval(k, n)
                row.update(survey_n=n, survey_unsafe=k, survey_share=k / n, survey_low=low,
                           survey_high=high)  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


# --- Files --------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value * 100:.0f}"
    )


def _csv(columns: tuple[str, ...], rows: list[list[object]]) -> bytes:
    """Swedish Excel CSV (BOM, ``;``), every text cell neutralised against formulas."""
    from geo.io.spreadsheet import csv_rows

    return csv_rows(columns, rows)


def _site_files(
    layer: gpd.GeoDataFrame,
    areas: pd.DataFrame,
    tables: dict[str, AreaTable],
    labels: dict[str, str],
    months: tuple[str, ...],
    rules: Rules,
    *,
    synthetic: bool,
    sources: list[str],
    approximate: bool,
    boundary_source: str,
    today: dt.date,
    late: int = 0,
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    period_label = f"{months[0]}–{months[-1]}"
    period_text = f"{month_text(months[0])} – {month_text(months[-1])}"
    shown_rows = [r for r in next(iter(tables.values())).rows if r in labels]
    # Monthly CSV: every area, shown category and month, plus the whole period.
    monthly = []
    for code, table in tables.items():
        name = areas.set_index("area_code").at[code, "name"]
        for i, row in enumerate(table.rows):
            if row not in labels:
                continue  # the sensitive row is never written
            for j in table.shown_cols:
                col = table.cols[j]
                text = shown_value(
                    int(table.values[i, j]), int(table.status[i, j]), rules.min_count
                )
                monthly.append(
                    [code, name, labels[row], period_label if col == PERIOD else col, text]
                )
    area_rows = [
        [r["area_code"], r["name"], ZONE_NAMES.get(r["zone"], r["zone"]), "" if pd.isna(r["population"]) else int(r["population"]),
         r["total_text"], "" if pd.isna(r["rate_per_1000"]) else f"{r['rate_per_1000']:.1f}".replace(".", ","),
         r["survey_wave"] or "", "–" if r["survey_n"] is None else r["survey_n"], _percent(r["survey_share"]),
         _percent(r["survey_low"]), _percent(r["survey_high"])]
        for r in areas.to_dict("records")
    ]  # fmt: skip
    measures, features = _measures_and_features(
        layer, areas, tables, labels, shown_rows, rules, period_text
    )
    collection = {"type": "FeatureCollection", "features": features}
    meta = {
        "period": period_text,
        "hiddenLabel": "Dolt eller för få (se metod)",
        "months": [{"key": m, "label": month_text(m)} for m in months],
    }
    site_js = (
        "window.LAGESBILD = "
        + json.dumps(
            {"meta": meta, "measures": measures, "areas": collection},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + ";\n"
    )
    banners = []
    if synthetic:
        banners.append(
            "SYNTETISKA DEMODATA: siffrorna är påhittade för demonstration och gäller inga verkliga händelser."
        )
    if approximate:
        banners.append(
            "Ungefärliga områdesgränser: genererade av Lägesbild Falkenberg, inte SCB:s officiella gränser."
        )
    banner_html = "".join(f'<p class="banner">{html.escape(b)}</p>' for b in banners)
    survey_waves = sorted({str(w) for w in areas["survey_wave"].dropna()})
    source_text = (
        "Syntetiska demodata skapade av Lägesbild Falkenberg (inga verkliga händelser)."
        if sources == ["demo"]
        else f"Registrerade händelser från {source_names(sources)}"
        + (
            " (polisen.se:s publicerade händelser och/eller polisens egna uttag)"
            if "polis" in sources
            else ""
        )
        + "."
    )
    if survey_waves:
        source_text += f" Medborgarenkäten {', '.join(survey_waves)}."
    values = {
        "title": "Trygghet i Falkenbergs områden",
        "lead": f"Registrerade händelser och upplevd trygghet per område, {period_text}. Bara sammanställningar per område och månad – inga platser, personer eller polisiära planer.",
        "banners": banner_html,
        "footer": f"Period: {period_text}. Källor: {source_text} Antal 1–{rules.min_count - 1} visas som &lt;{rules.min_count}.",
        "period": period_text, "months": str(len(months)),
        "rate_min": formats.number(rules.rate_min_population),
        "survey": ", ".join(survey_waves) or "ingen enkät i perioden",
        "survey_min": str(max(rules.survey_min_n, 5)),
        "sources": html.escape(source_text),
        "boundaries": html.escape(
            "Gränserna är ungefärliga: de är genererade av Lägesbild Falkenberg från SCB:s uppgifter om områdenas läge och storlek, inte SCB:s officiella gränser."
            if approximate else f"Gränser: {boundary_source}."
        ),
        "population": html.escape(
            "en uppskattning: tätorternas folkmängd (SCB 2020) per område, Falkenbergs stad fördelad på "
            "stadsdelarna efter landyta och resten av kommunens invånare (SCB, utgången av 2023) på kust "
            "och inland efter landyta. Antal per 1 000 invånare är därför ungefärliga."
            if approximate else "hämtad från områdeslagret."
        ),
        "small_max": str(rules.min_count - 1), "min_count": str(rules.min_count),
        "sensitive": "sexualbrott och våld i nära relationer",
        "published": f"{MONTH_NAMES[today.month - 1]} {today.year}",
        "late": late_text(late, rules),
        "settle_days": str(rules.settle_days),
        "protection_values": str(rules.protection_values),
        "primary_values": str(rules.primary_values),
        "survey_closed_days": str(rules.survey_closed_days),
    }  # fmt: skip
    for key in ("title", "lead", "period", "survey"):
        values[key] = html.escape(values[key])
    files = {
        "index.html": _template("index.html", values),
        "metod.html": _template("metod.html", values),
        "app.js": (SITE_TEMPLATES / "app.js").read_bytes(),
        "style.css": (SITE_TEMPLATES / "style.css").read_bytes(),
        "data/site.js": site_js.encode("utf-8"),
        "data/omraden.geojson": json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        "data/omraden.csv": _csv(AREA_COLUMNS, area_rows),
        "data/handelser_per_manad.csv": _csv(MONTHLY_COLUMNS, monthly),
    }  # fmt: skip
    source = leaflet_source_dir()
    vendor = {
        f"vendor/leaflet/{n}": (source / n).read_bytes() for n in ("leaflet.js", "leaflet.css")
    }
    return files, vendor


def late_text(late: int, rules: Rules) -> str:
    """Return the "tillkommet efter publicering" line for the whole municipality.

    It counts the registrations made after the months of this release were first published (never
    per area or month).
    """
    if late <= 0:
        return "Tillkommet efter publicering: inga händelser har registrerats i efterhand för de redan publicerade månaderna."
    amount = f"&lt;{rules.min_count}" if late < rules.min_count else str(late)
    return (
        f"Tillkommet efter publicering: {amount} händelser har registrerats i efterhand för månader "
        "som redan hade publicerats (hela kommunen, alla kategorier). De ingår inte i kartan och "
        "tabellerna: en publicerad månad ändras inte."
    )


def _template(name: str, values: dict[str, str]) -> bytes:
    text = string.Template((SITE_TEMPLATES / name).read_text(encoding="utf-8")).substitute(values)
    return text.encode("utf-8")


def _measures_and_features(
    layer: gpd.GeoDataFrame,
    areas: pd.DataFrame,
    tables: dict[str, AreaTable],
    labels: dict[str, str],
    shown_rows: list[str],
    rules: Rules,
    period_text: str,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Return the map's measures and one GeoJSON feature per area (simplified, WGS84)."""
    measures: list[dict[str, object]] = [
        {"key": "total", "label": f"Alla händelser, {period_text}", "base": "Alla händelser", "monthly": True, "short": "Antal", "decimals": 0,
         "note": f"Antal registrerade händelser. 1–{rules.min_count - 1} visas som <{rules.min_count}."},
        {"key": "per1000", "label": f"Händelser per 1 000 invånare, {period_text}", "base": "Händelser per 1 000 invånare", "monthly": False, "short": "Per 1 000 inv.", "decimals": 1,
         "note": f"Visas bara för områden med minst {rules.rate_min_population} invånare och synligt antal."},
    ]  # fmt: skip
    for row in shown_rows:
        if row != TOTAL:
            measures.append({"key": f"g_{row}", "label": f"{labels[row]}, {period_text}", "base": labels[row], "monthly": True, "short": "Antal", "decimals": 0,
                             "note": f"Antal i kategorin. 1–{rules.min_count - 1} visas som <{rules.min_count}; 'dold' skyddar en annan cell."})  # fmt: skip
    wave = next((w for w in areas["survey_wave"] if w), None)
    if wave:
        measures.append({"key": "otrygg", "label": f"Känner sig otrygga (medborgarenkäten {wave})", "base": f"Känner sig otrygga (medborgarenkäten {wave})", "monthly": False, "short": "Andel otrygga", "decimals": 0, "unit": " %",
                         "note": f"Andel som känner sig ganska eller mycket otrygga ute ensam sent på kvällen, med 95 %-intervall. Bara områden med minst {max(rules.survey_min_n, 5)} svar."})  # fmt: skip
    simplified = layer[["area_code", "geometry"]].copy()
    simplified["geometry"] = shapely.coverage_simplify(np.asarray(layer.geometry), 25.0)
    shapes = gpd.GeoSeries(simplified.geometry, crs=layer.crs).to_crs(MAP_CRS).set_precision(1e-5)
    by_code = areas.set_index("area_code")
    features = []
    for code, geometry in zip(layer["area_code"], shapes, strict=True):
        table = tables[code]
        figures = by_code.loc[code]
        matt: dict[str, dict[str, object]] = {}
        for row in shown_rows:
            i, j = table.index(row, PERIOD)
            value, status = int(table.values[i, j]), int(table.status[i, j])
            key = "total" if row == TOTAL else f"g_{row}"
            text = shown_value(value, status, rules.min_count)
            matt[key] = {"text": text, "varde": value if status == VISIBLE else None}
        # The same counts per published month (the CSV's cells), for the month picker.
        manader: dict[str, dict[str, dict[str, object]]] = {}
        for j in table.shown_cols:
            if table.cols[j] == PERIOD:
                continue
            per_month: dict[str, dict[str, object]] = {}
            for row in shown_rows:
                i = table.rows.index(row)
                value, status = int(table.values[i, j]), int(table.status[i, j])
                per_month["total" if row == TOTAL else f"g_{row}"] = {
                    "text": shown_value(value, status, rules.min_count),
                    "varde": value if status == VISIBLE else None,
                }
            manader[table.cols[j]] = per_month
        rate = figures["rate_per_1000"]
        has_rate = rate is not None and not pd.isna(rate)
        matt["per1000"] = {
            "text": f"{rate:.1f}".replace(".", ",") if has_rate else "–",
            "varde": float(rate) if has_rate else None,
        }
        share = figures["survey_share"]
        if wave:
            has_share = share is not None and not pd.isna(share)
            matt["otrygg"] = {
                "text": f"{_percent(share)} % ({_percent(figures['survey_low'])}–{_percent(figures['survey_high'])} %, n = {int(figures['survey_n'])})"
                if has_share else f"färre än {max(rules.survey_min_n, 5)} svar",
                "varde": round(float(share) * 100) if has_share else None,
            }  # fmt: skip
        features.append({
            "type": "Feature",
            "properties": {"kod": code, "namn": str(figures["name"]), "zon": ZONE_NAMES.get(str(figures["zone"]), str(figures["zone"])), "matt": matt, "manader": manader},
            "geometry": shapely.geometry.mapping(geometry),
        })  # fmt: skip
    return measures, features
