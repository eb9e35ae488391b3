"""Swedish on every page for every role (issue 15, point 4): no English UI words, no numbers
written the English way, labels rather than keys, and a Swedish ``--help``.

Every page each role may open is rendered through dashboard.py with AppTest, and every text the
browser would show is read from the element protos: markdown, captions, labels, help texts,
options, placeholders, metric values, table headers and cells (as displayed: the Styler texts of
ui/tables.py, or what Streamlit's grid makes of a bare number), chart titles and tooltips, and
the number formats of inputs. Streamlit's own chrome that the app cannot change is named below
with the reason it is left out.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from google.protobuf.message import Message
from sqlalchemy import Engine
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")

#: English words a user has met in this app or would meet from Streamlit's defaults. Whole words,
#: case-sensitive where the Swedish word differs only in case (months are lower case in Swedish).
ENGLISH_WORDS = (
    "Deploy", "Choose", "options", "option", "Clear", "Select", "No results", "Download",
    "Upload", "Browse files", "Drag and drop", "Search", "Submit", "Cancel", "Loading", "Running",
    "Settings", "Print", "Rerun", "usage", "value", "index", "color", "count", "Count", "Total",
    "hours", "None", "NaN", "nan", "null", "January", "February", "March", "May", "June", "July",
    "August", "October", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "Small multiples",
)  # fmt: skip
_ENGLISH = re.compile(r"(?<![\w/.])(" + "|".join(map(re.escape, ENGLISH_WORDS)) + r")(?![\w/])")

#: Numbers written the English way: a decimal point (not inside a date like 10.01.2026 or a
#: dotted id), a comma between thousands ("1,000"; "0,001" is a Swedish decimal), a percent
#: sign without a space.
_ENGLISH_NUMBER = re.compile(
    r"(?<![\d.\w])\d+\.\d+(?![\d.\w])"
    r"|(?<![\d,])[1-9]\d{0,2},\d{3}(?![\d,])"
    r"|\d%"
)
#: A key where a label belongs: snake_case (``utsatta_omraden``, ``survey_unsafe``), except in a
#: file name or path (``data/survey_codebook.json``) or an environment variable (upper case).
_KEY = re.compile(r"(?<![\w./-])[a-zåäö]+(?:_[a-zåäö0-9]+)+(?![\w./-])")

#: Method words partners should meet only explained: in a tooltip (``help``), never in the text
#: itself, on every samverkan page but *Om lägesbilden* (its glossary explains them).
JARGON = ("Gi*", "Getis", "FDR", "WDD", "Små multiplar", "Benjamini", "Wilson", "Newcombe",
          "Poisson", "överspridning", "Kall 9", "Hotspot 9")  # fmt: skip
_JARGON = re.compile("|".join(map(re.escape, JARGON)), re.IGNORECASE)

#: Proto fields that carry shown text (everything else is ids, urls, types, data).
TEXT_FIELDS = {"body", "label", "help", "options", "placeholder", "caption", "delta", "title",
               "text", "display_value", "prefix", "suffix"}  # fmt: skip

#: Streamlit's own chrome, which the app cannot change. Left out on purpose:
#: - the file uploader's "Drag and drop file here", "Browse files" and "Limit … per file" (not
#:   parameters in Streamlit 1.67; the label above it says in Swedish what to upload);
#: - the calendar of st.date_input (month and weekday names follow no locale option; the field
#:   itself shows YYYY-MM-DD, checked below);
#: - "No results" in a searched selectbox and the data grid's column menu ("Sort ascending" …);
#: - the app menu is hidden (client.toolbarMode = "minimal", checked below), so "Deploy",
#:   "Settings", "Print" and "Rerun" never show.
#: Columns that show a record as stored, not text written for reading: the access log's details
#: (JSON with the filter keys, for the administrator who audits it; tests/test_auth_pages.py).
RAW_COLUMNS = {("admin", "Detaljer")}


def _strings(message: Message, path: str = "") -> Iterator[tuple[str, str]]:
    for field, value in message.ListFields():
        name = f"{path}.{field.name}" if path else field.name
        items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        if field.type == field.TYPE_MESSAGE:
            for item in items:
                if isinstance(item, Message):
                    yield from _strings(item, name)
        elif field.type == field.TYPE_STRING and field.name in TEXT_FIELDS:
            for item in items:
                yield name, str(item)


def _shown_table(proto: Any) -> tuple[list[str], dict[str, list[str]]]:
    """A table's headers (and an editor's choices) and its cells by header, as the grid shows
    them."""
    arrow = proto.arrow_data
    data = dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.data)
    config = json.loads(proto.columns or "{}")
    shown = None
    if arrow.HasField("styler") and arrow.styler.display_values:
        shown = dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.styler.display_values)
    headers: list[str] = []
    cells: dict[str, list[str]] = {}
    for position, column in enumerate(data.columns):
        settings = config.get(str(column), {})
        if settings.get("hidden"):
            continue
        header = str(settings.get("label") or column)
        headers.append(header)
        type_config = settings.get("type_config", {})
        headers.extend(str(o) for o in type_config.get("options", []))  # editor choices
        number_format = type_config.get("format")
        series = data[column]
        if number_format and pd.api.types.is_numeric_dtype(series):
            cells[header] = [f"<format {number_format}>"]
        elif shown is not None:
            cells[header] = list(shown.iloc[:, position].astype(str))
        elif pd.api.types.is_float_dtype(series):  # the grid shows up to four decimals, a dot
            cells[header] = [
                "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else f"{v:.4g}")
                for v in series
            ]
        elif pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            cells[header] = ["" if v is None or v != v else str(v) for v in series]
    return headers, cells


def _chart_texts(spec: dict[str, Any]) -> Iterator[str]:
    """Titles, axis formats and tooltip titles of a Vega-Lite spec."""
    for key, value in spec.items():
        if key in ("title", "format") and isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from _chart_texts(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from _chart_texts(item)


def page_problems(app: AppTest, where: str, *, plain: bool = False) -> list[str]:
    """Everything on the rendered page that is not Swedish (``plain``: nor jargon outside tooltips)."""
    problems: list[str] = []

    def check(text: str, element: str) -> None:
        if plain and not element.endswith(".help"):
            for found in _JARGON.finditer(text):
                problems.append(
                    f"{where} [{element}] fackord utan förklaring {found.group(0)!r} i {text[:160]!r}"
                )
        for pattern, kind in ((_ENGLISH, "engelskt ord"), (_ENGLISH_NUMBER, "engelskt tal"),
                              (_KEY, "nyckel i stället för etikett")):  # fmt: skip
            for found in pattern.finditer(text):
                problems.append(f"{where} [{element}] {kind} {found.group(0)!r} i {text[:160]!r}")

    for node in app._tree:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if (
            proto is None
            or not isinstance(proto, Message)
            or kind in ("component_instance", "iframe")
        ):
            continue  # maps are checked in tests/test_maps.py; the site in its own tests
        if kind in ("arrow_data_frame", "dataframe"):
            headers, cells = _shown_table(proto)
            for header in headers:
                check(header, "tabellrubrik")
            page = where.split("/")[-1]
            for header, texts in cells.items():
                if (page, header) in RAW_COLUMNS:
                    continue
                for text in set(texts):
                    if str(text).startswith("<format "):
                        fmt = str(text)[8:-1]
                        if fmt in ("percent", "localized") or re.search(r"%[^d%]*\.\d*f", fmt):
                            problems.append(
                                f"{where} [tabell] talformat {fmt!r} ger engelsk decimalpunkt eller webbläsarens språk"
                            )
                    else:
                        check(str(text), f"tabellcell {header}")
            continue
        if kind in ("arrow_vega_lite_chart", "vega_lite_chart"):
            spec = json.loads(proto.spec)
            if "locale" not in spec.get("config", {}):
                problems.append(f"{where} [diagram] utan svensk locale (ui.charts.swedish)")
            for text in _chart_texts(spec):
                if text.startswith(("%", ",", ".")):
                    continue  # a d3 format, rendered with the Swedish locale
                check(text, "diagram")
            continue
        for name, text in _strings(proto):
            if kind in ("markdown", "html"):  # what is read, not the tags and their styles
                text = re.sub(r"<[^>]*>", " ", text)
            check(text, f"{kind}.{name}")
        if kind == "multiselect" and not proto.placeholder.strip():
            problems.append(
                f"{where} [multiselect {proto.label!r}] utan placeholder: Streamlit skriver 'Choose options'"
            )
        if kind == "selectbox" and not proto.HasField("default") and not proto.placeholder.strip():
            problems.append(
                f"{where} [selectbox {proto.label!r}] utan placeholder: Streamlit skriver 'Choose an option'"
            )
        if kind == "number_input" and re.search(r"\.\d*f", proto.format):
            problems.append(
                f"{where} [number_input {proto.label!r}] format {proto.format!r} visar decimalpunkt"
            )
        if kind == "date_input" and proto.format != "YYYY-MM-DD":
            problems.append(
                f"{where} [date_input {proto.label!r}] format {proto.format!r}, inte ÅÅÅÅ-MM-DD"
            )
    return problems


@pytest.fixture
def app_env(demo_store: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(demo_store.url))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize("role", ["publik", "samverkan", "polis", "admin"])
@pytest.mark.usefixtures("app_env")
def test_every_page_is_swedish_for_every_role(role: str) -> None:
    from ui.auth import pages_for

    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    app.session_state["role"] = role
    app.run()
    assert not app.exception, app.exception
    problems: list[str] = []
    rendered = []
    for page in pages_for(role):
        app.switch_page(f"pages/{page}.py").run()
        assert not app.exception, (page, app.exception)
        assert app.header.len >= 1, page  # the page itself rendered, not a refusal
        rendered.append(page)
        problems += page_problems(app, f"{role}/{page}", plain=role == "samverkan" and page != "om")
    assert rendered == list(pages_for(role))
    assert not problems, "\n".join(problems)


def test_the_check_finds_what_users_saw() -> None:
    """The patterns catch the issue's examples and pass their Swedish forms."""
    english = ["Deploy", "December 2025", "5.2 h", "p = 0.001", "1,000 händelser", "26%",
               "10.00", "Choose options", "usage: geo", "utsatta_omraden", "survey_unsafe_share"]  # fmt: skip
    swedish = ["december 2025", "5,2\u00a0h", "p = 0,001", "p < 0,001", "1\u202f000 händelser",
               "26\u00a0%", "10,00", "Välj", "2025-12-01", "10.01.2026", "data/survey_codebook.json",
               "LAGESBILD_MAX_IMPORT_MB", "EPSG:3006", "kl. 07:40"]  # fmt: skip
    for text in english:
        assert any(p.search(text) for p in (_ENGLISH, _ENGLISH_NUMBER, _KEY)), text
    for text in swedish:
        assert not any(p.search(text) for p in (_ENGLISH, _ENGLISH_NUMBER, _KEY)), text
    for text in ("Små multiplar", "Gi* hot 99 %", "Kall 90 %", "FDR", "WDD = −12,0"):
        assert _JARGON.search(text), text
    assert not _JARGON.search("statistiskt säkerställd koncentration av händelser")


def test_streamlits_menu_is_hidden() -> None:
    """No "Deploy", "Rerun", "Settings" or "Print": the toolbar shows only what the app sets."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "minimal"


@pytest.mark.usefixtures("app_env")
def test_om_lagesbilden_explains_every_method_term() -> None:
    """The glossary is on the page, and it explains each jargon word partners are spared."""
    from ui.strings import GLOSSARY

    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    app.session_state["role"] = "samverkan"
    app.run()
    app.switch_page("pages/om.py").run()
    text = " ".join(m.value for m in app.markdown)
    assert "Ordlista" in text
    for term, explanation in GLOSSARY.items():
        assert term in text and explanation[:40] in text, term
    for word in JARGON:
        assert word.lower() in text.lower(), word


@pytest.mark.usefixtures("app_env")
def test_navigation_icons_are_material_symbols() -> None:
    """Emoji render as empty boxes on a computer without an emoji font; Material symbols ship
    with Streamlit."""
    from ui.strings import PAGE_ICONS

    text = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    from ui.auth import PAGE_ACCESS

    assert set(PAGE_ICONS) == set(re.findall(r'"(\w+)": _page\("\1"', text))
    assert set(PAGE_ICONS) == {page for pages in PAGE_ACCESS.values() for page in pages}
    for key, icon in PAGE_ICONS.items():
        assert re.fullmatch(r":material/[a-z_]+:", icon), (key, icon)
    assert "icon=strings.PAGE_ICONS[key]" in text and "page_icon=strings.APP_FAVICON" in text
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    app.session_state["role"] = "polis"
    app.run()
    shown = {Path(str(p["script_path"])).stem: p["icon"] for p in app._registered_pages.values()
             if p.get("script_path")}  # fmt: skip
    assert shown and all(shown[key] == PAGE_ICONS[key] for key in shown), shown


def _help(*arguments: str) -> str:
    done = subprocess.run([sys.executable, "-m", "geo", *arguments, "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return done.stdout


@pytest.mark.parametrize(
    "command", [(), ("import", "incidents"), ("presence", "propose"), ("demo",)]
)
def test_the_command_line_help_is_swedish(command: tuple[str, ...]) -> None:
    text = _help(*command)
    assert text.startswith("användning: python -m geo"), text[:80]
    for english in ("usage:", "options:", "positional arguments", "show this help message",
                    "and exit"):  # fmt: skip
        assert english not in text, (english, text)
    assert "visa den här hjälpen och avsluta" in text
    assert not _ENGLISH_NUMBER.search(text), _ENGLISH_NUMBER.search(text)


def test_sources_are_named_not_keyed() -> None:
    """The public site and every caption name the sources ("Källor: … från demo, polis" before)."""
    from geo.public.publish import source_names
    from ui.loaders import source_text

    assert (
        source_names(["demo", "polis"]) == "Polisen och syntetiska demodata (Lägesbild Falkenberg)"
    )
    assert (
        source_names(["region", "polis", "kommun"])
        == "Polisen, Falkenbergs kommun och Region Halland"
    )
    assert "demo" not in source_text(["polis", "demo"]).replace("demodata", "")
