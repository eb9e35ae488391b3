"""Presentation exports and the meeting report: real PNG and PDF files, rendered and inspected."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from sqlalchemy import Engine

from geo.analysis.joint import CLASS_COLOURS, CLASSES
from geo.commands.cli import main
from geo.errors import GeoError
from geo.outputs.report import build_report, parse_period
from geo.outputs.slides import Caption, category_figure, choropleth_figure, figure_bytes
from geo.store.database import active_layer, load_incidents


def _not_blank(image: Image.Image) -> float:
    """Share of pixels that are not (near) white."""
    pixels = np.asarray(image.convert("L"), dtype=float)
    return float((pixels < 240).mean())


def _pdf_pages(data: bytes) -> list[tuple[Image.Image, str]]:
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in document:
            text = page.get_textpage().get_text_range()
            pages.append((page.render(scale=1).to_pil(), text))
        return pages
    finally:
        document.close()


def test_map_png_and_pdf_have_title_legend_scale_and_labels(demo_store: Engine) -> None:
    _info, layer = active_layer(demo_store)
    counts = load_incidents(demo_store, columns=("area_code",))["area_code"].value_counts()
    caption = Caption("Händelser per område", "2025-01-01 – 2025-12-31", "syntetiska demodata",
                      n=int(counts.sum()), synthetic=True, approximate=True)  # fmt: skip
    png = figure_bytes(choropleth_figure(layer, counts, caption, legend_title="Antal"), "png")
    image = Image.open(io.BytesIO(png))
    assert image.size == (1920, 1080)  # a full-HD 16:9 slide
    assert 0.1 < _not_blank(image) < 0.9
    pdf = figure_bytes(choropleth_figure(layer, counts, caption, legend_title="Antal"), "pdf")
    [(rendered, text)] = _pdf_pages(pdf)
    assert _not_blank(rendered) > 0.1
    for expected in ("Händelser per område", "Period: 2025-01-01 – 2025-12-31", "n = ", "10 km", "N",
                     "Ungefärliga områdesgränser", "SYNTETISKA", "Antal"):  # fmt: skip
        assert expected in text, expected


def test_category_map_outlines_focus_areas(demo_store: Engine) -> None:
    _info, layer = active_layer(demo_store)
    classes = dict.fromkeys(layer["area_code"], "inget_avvikande") | {
        "1382R001": "otrygg_lite_anmalt"
    }
    caption = Caption("Upplevd mot registrerad trygghet", "2025", "demodata", synthetic=True)
    fig = category_figure(layer, pd_series(classes), CLASS_COLOURS, CLASSES, caption,
                          legend_title="Bedömning", outlined={"1382R001"})  # fmt: skip
    [(rendered, text)] = _pdf_pages(figure_bytes(fig, "pdf"))
    words = " ".join(text.split())  # legend labels are wrapped to fit the slide
    assert "Fokusområde" in words and CLASSES["otrygg_lite_anmalt"] in words
    assert _not_blank(rendered) > 0.02


def pd_series(mapping: dict[str, str]):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.Series(mapping)


def test_report_for_police_and_partners(demo_store: Engine) -> None:
    period = parse_period("2025")
    police = _pdf_pages(build_report(demo_store, period, "polis"))
    partners = _pdf_pages(build_report(demo_store, period, "samverkan"))
    assert len(police) == len(partners) + 1  # the presence page is for the police only
    for image, _text in police + partners:
        assert _not_blank(image) > 0.01  # every page has content
    police_text = " ".join(t for _i, t in police)
    partner_text = " ".join(t for _i, t in partners)
    for heading in (
        "mötesunderlag",
        "störst förändring",
        "Hotspots",
        "Medborgarenkäten",
        "Medborgarlöftet 2025",
    ):
        assert heading in police_text and heading in partner_text, heading
    assert "Levererad närvaro mot behov" in police_text
    assert "Levererad närvaro mot behov" not in partner_text
    assert "Dagar sedan närvaro" not in partner_text and "Patrull" not in partner_text
    assert "summerade per område (inga rutor eller punkter)" in partner_text
    assert "Studieområde: hela kommunen" in " ".join(partner_text.split())
    # The data start in January 2025: no fake "increase from zero" against December 2024.
    assert "ingen jämförelse görs" in partner_text


def test_report_periods_and_refusals(demo_store: Engine) -> None:
    assert parse_period("2025-Q3").label == "2025-07-01 – 2025-09-30"
    assert parse_period("2025-02").label == "2025-02-01 – 2025-02-28"
    assert parse_period("2025-11..2026-02").label == "2025-11-01 – 2026-02-28"
    with pytest.raises(GeoError, match="går inte att läsa"):
        parse_period("förra året")
    with pytest.raises(GeoError, match="Okänd mottagare"):
        build_report(demo_store, parse_period("2025"), "allmänheten")
    with pytest.raises(GeoError, match="Inga händelser"):
        build_report(demo_store, parse_period("2019"), "polis")


def test_cli_report(demo_store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(demo_store.url))
    out = tmp_path / "rapport.pdf"
    assert (
        main(["report", "--period", "2025-Q4", "--audience", "samverkan", "--out", str(out)]) == 0
    )
    pages = _pdf_pages(out.read_bytes())
    assert len(pages) == 5 and "2025-10-01 – 2025-12-31" in pages[0][1]
    assert main(["report", "--period", "2025-13", "--out", str(out)]) == 2


@pytest.fixture(scope="module")
def store_to_november(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Two years of demo data ending with November 2025 (the year 2025 is not over)."""
    from geo.demo import load_demo
    from tests.conftest import new_store

    engine = new_store(tmp_path_factory.mktemp("november"))
    load_demo(engine, years=2, seed=3, end=dt.date(2025, 12, 1))
    yield engine
    engine.dispose()


def test_report_compares_equal_spans_and_names_them(store_to_november: Engine) -> None:
    from geo.periods import LOCAL_TZ

    incidents = load_incidents(store_to_november, columns=("occurred_at",))["occurred_at"]
    local = incidents.dt.tz_convert(LOCAL_TZ)
    assert local.max().month == 11 and local.max().year == 2025
    pages = _pdf_pages(build_report(store_to_november, parse_period("2025"), "samverkan"))
    text = next(t for _i, t in pages if "störst förändring" in t)
    flat = " ".join(text.split())
    # January–November 2025 against January–November 2024, named; never against all of 2024.
    assert "2025-01-01 – 2025-11-30 (perioden är inte slut" in flat
    assert "samma månader året före, 2024-01-01 – 2024-11-30" in flat
    assert "2024-01-01 – 2024-12-31" not in flat
    assert "Benjamini–Hochberg" in flat
    assert "Alla 14 jämförelser" in flat  # 14 areas, the one comparison counted once
    # Every change prints both periods (the row text carries them).
    assert flat.count("(2024-01-01 – 2024-11-30 → 2025-01-01 – 2025-11-30)") >= 5


def test_report_quarter_compares_the_same_months_before(store_to_november: Engine) -> None:
    from geo.outputs.report import comparison_periods

    observed, previous, year_before = comparison_periods(
        parse_period("2025-Q4"), dt.datetime(2025, 11, 30, 18, tzinfo=dt.UTC)
    )
    assert (observed.label, previous.label, year_before.label) == (
        "2025-10-01 – 2025-11-30", "2025-07-01 – 2025-08-31", "2024-10-01 – 2024-11-30")  # fmt: skip
    pages = _pdf_pages(build_report(store_to_november, parse_period("2025-Q4"), "samverkan"))
    flat = " ".join(" ".join(t for _i, t in pages).split())
    assert (
        "lika lång period före, 2025-07-01 – 2025-08-31, och med samma period i fjol, 2024-10-01 – 2024-11-30"
        in flat
    )


@pytest.mark.parametrize(
    ("today", "label"),
    [(dt.date(2026, 12, 2), "2025-12-01 – 2026-11-30"), (dt.date(2028, 2, 29), "2027-02-01 – 2028-01-31"),
     (dt.date(2026, 1, 1), "2025-01-01 – 2025-12-31")],
    ids=["december", "leap-day", "new-year"],
)  # fmt: skip
def test_default_report_period_is_the_last_12_closed_months(today: dt.date, label: str) -> None:
    from geo.outputs.report import last_closed_months

    assert last_closed_months(today).label == label


def test_cli_report_without_period_uses_the_last_12_closed_months(
    store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.demo import load_demo
    from geo.outputs.report import last_closed_months

    today = dt.date.today()
    load_demo(store, years=1, seed=2, end=today.replace(day=1))
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(store.url))
    out = tmp_path / "standard.pdf"
    assert main(["report", "--out", str(out)]) == 0
    assert last_closed_months(today).label in _pdf_pages(out.read_bytes())[0][1]
