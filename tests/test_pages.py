"""Pages through Streamlit's AppTest: what each role sees, and what it must not.

AppTest resets Streamlit's multipage mode before every run, so each run behaves like the first
request to a fresh server (see ui/auth.py): that is exactly the case the page guards are for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from geo.store.database import make_engine

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
REFUSED = "Sidan kan inte visas"


@pytest.fixture
def app_env(demo_store: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(demo_store.url))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _app(role: str | None = "polis") -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    if role:
        app.session_state["role"] = role
    app.run()
    assert not app.exception, app.exception
    return app


def _map_args(app: AppTest) -> dict[str, object]:
    """The st_folium component's arguments: the map's script and the assets it loads."""
    components = app.get("component_instance")
    assert len(components) == 1
    return dict(json.loads(components[0].proto.json_args))


@pytest.mark.usefixtures("app_env")
def test_police_see_the_overview_with_map_table_and_labels() -> None:
    app = _app()
    assert [h.value for h in app.header] == ["Händelser per område"]
    assert "Lokalt läge" in app.info[0].value
    assert any("Syntetiska demodata" in w.value for w in app.warning)
    args = _map_args(app)
    script = str(args["script"])
    assert script.count('"area_code"') == 14
    legend_text = json.dumps("Ungefärliga gränser (genererade, inte SCB:s)")[
        1:-1
    ]  # as the legend embeds it
    # The legend travels with the coloured layer (on the map, and it changes with the colouring).
    assert legend_text not in script and legend_text in str(args["feature_group"])
    assert json.dumps("Antal händelser")[1:-1] in str(args["feature_group"])
    assert args["js_links"] == ["/app/static/vendor/leaflet/leaflet.js"]
    assert args["css_links"] == ["/app/static/vendor/leaflet/leaflet.css"]
    table = app.dataframe[0].value
    assert len(table) == 14 and int(table["Antal"].sum()) > 0
    caption = " ".join(c.value for c in app.caption)
    assert "n = " in caption and "syntetiska demodata" in caption and "Period" in caption


@pytest.mark.usefixtures("app_env")
def test_partners_see_the_overview_too() -> None:
    app = _app("samverkan")
    assert [h.value for h in app.header] == ["Händelser per område"]


@pytest.mark.usefixtures("app_env")
def test_the_public_get_only_the_published_map() -> None:
    """The public role's only page is the published static site, shown exactly as written."""
    from geo.public.publish import publish
    from ui.auth import pages_for
    from ui.state import STATIC_PUBLIC_DIR

    assert pages_for("publik") == ("publik",)
    app = _app("publik")
    assert [h.value for h in app.header] == ["Trygghet i Falkenbergs områden – den publika kartan"]
    assert app.dataframe.len == 0
    frames = app.get("iframe")
    assert len(frames) == 1 and frames[0].proto.src.startswith("/app/static/publik/index.html")
    # Nothing meant for staff from the page itself: no command, no cell counts, no sizes.
    page_text = " ".join(str(c.value) for c in [*app.caption, *app.markdown])
    assert "python -m geo" not in page_text and "celler dolda" not in page_text
    assert " kB" not in page_text
    # Byte for byte what `python -m geo publish` writes from the same data.
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(os.environ["LAGESBILD_DATABASE_URL"])
        publish(engine, Path(folder) / "site")
        written = {
            p.relative_to(Path(folder) / "site"): p.read_bytes()
            for p in (Path(folder) / "site").rglob("*")
            if p.is_file()
        }
    shown = {
        p.relative_to(STATIC_PUBLIC_DIR): p.read_bytes()
        for p in STATIC_PUBLIC_DIR.rglob("*")
        if p.is_file()
    }
    assert shown == written


def test_a_refused_publication_shows_the_public_only_that_the_map_is_not_updated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard's refusal names cells, files and rules: for staff. The public role sees one line
    ("not updated yet, last updated …") and the previous map, nothing of the refusal."""
    from geo.demo import load_demo
    from geo.presence.log import create_entry
    from geo.public.publish import last_release
    from geo.store.database import active_layer
    from tests.conftest import DEMO_END, new_store

    engine = new_store(tmp_path)
    load_demo(engine, years=1, seed=2, end=DEMO_END)
    monkeypatch.setenv("LAGESBILD_DATABASE_URL", str(engine.url))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        app = _app("publik")
        notes = [i.value for i in app.info if i.icon != "🔒"]  # not the local-mode banner
        assert len(app.get("iframe")) == 1 and notes == []
        released = last_release(engine)
        assert released is not None
        # A presence entry whose purpose is the site's own title: the guard refuses the next one.
        _info, layer = active_layer(engine)
        create_entry(
            engine,
            {"area_code": "1382R001", "planned_start": dt.datetime(2025, 7, 1, 10, tzinfo=dt.UTC),
             "planned_end": dt.datetime(2025, 7, 1, 11, tzinfo=dt.UTC), "unit": "Patrull 1",
             "kind": "fotpatrull", "purpose": "Trygghet i Falkenbergs områden"},
            who="test", area_codes=set(layer["area_code"]),
        )  # fmt: skip
        st.cache_resource.clear()
        app = _app("publik")
        assert [i.value for i in app.info if i.icon != "🔒"] == [
            f"Kartan är inte uppdaterad än, senast uppdaterad {released.local_date_text}."
        ]
        assert not app.error and not app.markdown  # no refusal detail for the public
        shown = " ".join(str(c.value) for c in [*app.caption, *app.info, *app.warning])
        assert "närvarologgen" not in shown and "index.html" not in shown
        assert "röjandekontrollen" not in shown
        frames = app.get("iframe")  # the previous map stays
        assert len(frames) == 1 and frames[0].proto.src.startswith("/app/static/publik/index.html")
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        engine.dispose()


@pytest.mark.usefixtures("app_env")
def test_a_page_opened_without_the_dashboard_is_refused() -> None:
    page = AppTest.from_file(str(ROOT / "pages" / "oversikt.py"), default_timeout=60)
    page.run()
    assert REFUSED in page.error[0].value
    assert page.get("component_instance") == [] and page.dataframe.len == 0


@pytest.mark.usefixtures("app_env")
def test_changing_role_never_runs_a_page_the_new_role_may_not_see() -> None:
    app = _app("polis")
    app.sidebar.selectbox[0].set_value("publik").run()
    assert app.get("component_instance") == []
    assert app.dataframe.len == 0


@pytest.mark.usefixtures("app_env")
def test_a_shorter_period_counts_fewer_incidents() -> None:
    app = _app()
    year_total = int(app.dataframe[0].value["Antal"].sum())
    app.sidebar.date_input[0].set_value((dt.date(2025, 7, 1), dt.date(2025, 7, 31))).run()
    july_total = int(app.dataframe[0].value["Antal"].sum())
    assert 0 < july_total < year_total / 6
    assert "2025-07-01 – 2025-07-31" in " ".join(c.value for c in app.caption)


@pytest.mark.usefixtures("app_env")
def test_refuses_to_run_reachable_from_other_computers() -> None:
    st.config.set_option("server.address", "0.0.0.0")
    try:
        app = AppTest.from_file(DASHBOARD, default_timeout=60)
        app.run()
        assert "ingen inloggning" in app.error[0].value
        assert app.get("component_instance") == [] and app.header.len == 0
    finally:
        st.config.set_option("server.address", "127.0.0.1")


@pytest.mark.usefixtures("app_env")
def test_import_page_is_for_police_only() -> None:
    from ui.auth import pages_for

    assert "importera" in pages_for("polis")
    assert "importera" not in pages_for("samverkan") and "importera" not in pages_for("publik")
    page = AppTest.from_file(str(ROOT / "pages" / "importera.py"), default_timeout=60)
    page.session_state["role"] = "samverkan"
    page.session_state["_authorised_role"] = "samverkan"
    page.run()
    assert REFUSED in page.error[0].value and page.get("file_uploader") == []


@pytest.mark.usefixtures("app_env")
def test_import_page_offers_sources_profiles_and_crs() -> None:
    page = AppTest.from_file(str(ROOT / "pages" / "importera.py"), default_timeout=60)
    page.session_state["role"] = "polis"
    page.session_state["_authorised_role"] = "polis"
    page.run()
    assert not page.exception
    assert [h.value for h in page.header] == ["Importera händelser"]
    assert page.selectbox[0].options == ["Polisen", "Falkenbergs kommun", "Region Halland"]
    assert "standard" in page.selectbox[1].options and "kommun excel" in page.selectbox[1].options
    assert len(page.get("file_uploader")) == 1


def _page(name: str, role: str = "polis") -> AppTest:
    page = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=120)
    page.session_state["role"] = role
    page.session_state["_authorised_role"] = role
    page.run()
    assert not page.exception, page.exception
    return page


@pytest.mark.usefixtures("app_env")
def test_overview_shows_key_figures_trend_and_honest_changes() -> None:
    page = _page("oversikt", "samverkan")
    labels = [m.label for m in page.metric]
    assert labels == ["Händelser i perioden", "Skadeindex", "Varav i inlandet"]
    # The default year starts with the data: no previous period to compare with, and it says so.
    assert page.metric[0].proto.delta == "" and "Ingen jämförelse" in page.metric[0].proto.help
    page.sidebar.date_input[0].set_value((dt.date(2025, 10, 1), dt.date(2025, 12, 31))).run()
    assert "mot föregående period" in page.metric[0].proto.delta
    table = page.dataframe[0].value
    assert {"Antal", "Skadeindex", "Per 1 000 inv.", "Mot föregående period"} <= set(table.columns)
    assert (
        table.loc[table["Område"] == "Falkenberg centrum", "Per 1 000 inv."].isna().all()
    )  # < 1,000 inhabitants
    assert [s.value for s in page.subheader] == [
        "Utveckling per månad och zon",
        "Största förändringarna",
    ]
    explain_caption = next(c for c in page.caption if "exakt test för antal" in c.value)
    assert "Poissontest" in explain_caption.help and "Benjamini–Hochberg" in explain_caption.help
    explain = explain_caption.value
    # Equal spans, both named, and the family of tests the list is adjusted for (14 areas × 2).
    assert "2025-10-01 – 2025-12-31 mot 2025-07-01 – 2025-09-30 (perioden före)" in explain
    assert "mot 2024-10-01 – 2024-12-31 (samma period i fjol)" in explain
    assert "28 jämförelser" in explain and "justerade" in explain
    assert any(c.value.startswith("Ullared-Inland: ") and "Gekås" in c.value for c in page.caption)


@pytest.mark.usefixtures("app_env")
def test_overview_can_colour_by_harm_and_keeps_the_base_map() -> None:
    page = _page("oversikt")
    before = json.loads(page.get("component_instance")[0].proto.json_args)
    page.sidebar.radio[0].set_value("harm_index").run()
    after = json.loads(page.get("component_instance")[0].proto.json_args)
    assert after["script"] == before["script"]  # same base map: st_folium keeps the user's zoom
    assert after["feature_group"] != before["feature_group"]
    assert json.dumps("Skadeindex")[1:-1] in after["feature_group"]


@pytest.mark.usefixtures("app_env")
def test_hotspots_page_for_police_with_method_caption_and_week_profile() -> None:
    from ui.auth import pages_for

    assert "hotspots" in pages_for("polis") and "hotspots" not in pages_for("samverkan")
    page = _page("hotspots")
    caption = " ".join(c.value for c in page.caption)
    assert "Getis-Ord Gi*" in caption and "999 simuleringar" in caption and "n = " in caption
    assert "Studieområde: hela kommunen" in caption and "Benjamini–Hochberg" in caption
    assert [s.value for s in page.subheader] == [
        "Trendklasser de senaste 12 månaderna",
        "När: timme och veckodag",
    ]
    assert page.dataframe[0].value["Klass"].tolist()[0] == "Hotspot 99 %"
    assert len(page.get("vega_lite_chart")) == 1
    # The map opens on the cells found (not on the whole municipality, where a cell is a few
    # pixels); the toggle shows the whole municipality, and back.
    opened = json.loads(page.get("component_instance")[0].proto.json_args)
    assert opened["zoom"] > 10 and opened["returned_objects"] == ["last_clicked"]
    page.sidebar.toggle(key="hotspots_whole").set_value(True).run()
    whole = json.loads(page.get("component_instance")[0].proto.json_args)
    assert whole["zoom"] == 10 and whole["script"] == opened["script"]
    page.sidebar.toggle(key="hotspots_whole").set_value(False).run()
    assert json.loads(page.get("component_instance")[0].proto.json_args)["zoom"] == opened["zoom"]


@pytest.mark.usefixtures("app_env")
def test_hotspots_page_says_when_there_are_too_few_incidents() -> None:
    page = _page("hotspots")
    groups = page.sidebar.multiselect[0]
    groups.set_value(["sexualbrott"]).run()
    assert any("räcker inte för hotspotanalys" in i.value for i in page.info)
    assert "för få för Gi*" in " ".join(c.value for c in page.caption)
    plain = page.dataframe[0].value
    assert list(plain.columns) == ["Område", "Zon", "Antal händelser"] and len(plain) == 14


@pytest.mark.usefixtures("app_env")
def test_hotspots_area_filter_and_comparison_period() -> None:
    page = _page("hotspots")
    whole = next(c.value for c in page.caption if "svensk tid" in c.value)
    page.sidebar.selectbox[0].set_value("1382R011").run()  # Ullared-Inland only
    assert not page.exception
    one_area = next(c.value for c in page.caption if "svensk tid" in c.value)
    n_whole, n_area = (
        int(text.split("n = ")[1].split(" ")[0].replace("\u202f", "")) for text in (whole, one_area)
    )
    assert 0 < n_area < n_whole
    method = " ".join(c.value for c in page.caption)
    assert "Studieområde: hela kommunen" not in method and "Studieområde: Ullared" in method
    page.sidebar.selectbox[0].set_value("")  # the whole municipality again
    page.sidebar.date_input[0].set_value((dt.date(2025, 7, 1), dt.date(2025, 12, 31)))
    page.sidebar.toggle[3].set_value(True).run()
    texts = [m.value for m in page.markdown] + [i.value for i in page.info]
    # 184 whole local days before 184 (1 July – 31 December): the period runs from summer to
    # winter time, so it is an hour longer than 184 × 24 h, and a naive subtraction started the
    # previous one on 28 December 23:00, shown as 185 days from the 28th.
    assert any("Föregående period (2024-12-29 – 2025-06-30)" in t for t in texts), texts


@pytest.mark.usefixtures("app_env")
def test_hotspots_area_outside_the_chosen_zone_says_so() -> None:
    page = _page("hotspots")
    page.sidebar.multiselect[1].set_value(["inland"])
    page.sidebar.selectbox[0].set_value("1382R005").run()  # Glommen is on the coast
    assert not page.exception, page.exception
    assert any("ligger inte i den valda zonen" in i.value for i in page.info)


@pytest.mark.usefixtures("app_env")
def test_points_only_on_request_and_as_one_layer() -> None:
    page = _page("hotspots")
    page.sidebar.multiselect[1].set_value(["inland"])
    page.sidebar.toggle[2].set_value(True).run()
    args = json.loads(page.get("component_instance")[0].proto.json_args)
    groups = args.get("feature_group") or ""
    assert "L.CircleMarker" in groups and groups.count("L.geoJson(") <= 2


@pytest.mark.usefixtures("app_env")
def test_partners_and_public_cannot_open_hotspots() -> None:
    for role in ("samverkan", "publik"):
        page = AppTest.from_file(str(ROOT / "pages" / "hotspots.py"), default_timeout=60)
        page.session_state["role"] = role
        page.session_state["_authorised_role"] = role
        page.run()
        assert REFUSED in page.error[0].value and page.get("component_instance") == []


@pytest.mark.usefixtures("app_env")
def test_presence_pages_are_police_only() -> None:
    from ui.auth import PAGE_ACCESS

    for page_key in ("planera", "narvaro"):
        assert page_key in PAGE_ACCESS["polis"]
        for role in ("samverkan", "publik"):
            assert page_key not in PAGE_ACCESS[role]
            page = AppTest.from_file(str(ROOT / "pages" / f"{page_key}.py"), default_timeout=60)
            page.session_state["role"] = role
            page.session_state["_authorised_role"] = role
            page.run()
            assert REFUSED in page.error[0].value and page.dataframe.len == 0


@pytest.mark.usefixtures("app_env")
def test_nothing_from_the_presence_log_reaches_partners_or_the_public() -> None:
    """Every page samverkan or publik can open, rendered in full, shows no presence data."""
    # The presence log's own texts (units, purposes, tactics, notes) and its column headers. The
    # word "närvaro" alone is not a marker: the promise's public activity list names "riktad
    # polisiär närvaro i inlandet", and Uppföljning shows delivered inland hours as monthly sums.
    import os

    from geo.public.publish import forbidden_texts
    from geo.store.database import make_engine
    from ui.auth import PAGE_ACCESS

    markers = (*forbidden_texts(make_engine(os.environ["LAGESBILD_DATABASE_URL"])), "Patrull",
               "Planerad start", "Enhet", "Syntetisk närvaro")  # fmt: skip
    assert "Patrull 1" in markers
    for role in ("samverkan", "publik"):
        for page_key in PAGE_ACCESS[role]:
            page = _page(page_key, role)
            text = " ".join(str(e.value) for e in page.markdown) + " ".join(
                str(e.value) for e in page.caption
            )
            frames = " ".join(df.value.to_csv() for df in page.dataframe)
            maps = " ".join(c.proto.json_args for c in page.get("component_instance"))
            for marker in markers:
                assert marker not in frames and marker not in maps, (role, page_key, marker)
            assert "Syntetisk närvaro" not in text


@pytest.mark.usefixtures("app_env")
def test_planning_a_visit_through_the_form_and_a_conflicting_edit() -> None:
    import datetime as dt

    from geo.presence.log import list_entries, update_entry
    from ui import state

    page = _page("planera")
    page.sidebar.date_input[0].set_value(dt.date(2025, 12, 1)).run()
    form_inputs = [t for t in page.text_input if t.label == "Syfte" and t.form_id == "new_presence"]
    form_inputs[0].set_value("Riktad närvaro vid varuhuset")
    page.selectbox(key="plan_area").set_value("1382R011")
    next(b for b in page.button if b.label == "Lägg till i planen").click().run()
    assert any("sparad" in s.value for s in page.success), [e.value for e in page.error]
    engine = state.engine(state.settings().database_url)
    entries = list_entries(engine)
    mine = entries[entries["purpose"] == "Riktad närvaro vid varuhuset"].iloc[0]
    assert mine["area_code"] == "1382R011" and mine["status"] == "planerad"
    # Someone else saves first; the page's edit form (opened at version 1) must be refused.
    page.sidebar.date_input[0].set_value(dt.date(2025, 12, 1)).run()
    page.selectbox(key="plan_entry").set_value(int(mine["id"])).run()
    codes = set(loaders_area_codes())
    update_entry(
        engine,
        int(mine["id"]),
        expected_version=1,
        changes={"unit": "Patrull 2"},
        who="kollega",
        area_codes=codes,
    )
    purpose_inputs = [t for t in page.text_input if t.form_id == f"edit_{int(mine['id'])}"]
    purpose_inputs[0].set_value("Min ändring")
    save = next(b for b in page.button if b.label == "Spara ändring")
    assert save.form_id == f"edit_{int(mine['id'])}", (
        save.form_id,
        page.selectbox(key="plan_entry").value,
    )
    save.click().run()
    # Error text is markdown-escaped (it quotes user input); compare without the backslashes.
    assert any(
        "har ändrats av kollega (version 2)" in e.value.replace("\\", "") for e in page.error
    ), (
        [e.value for e in page.error],
        [c.value for c in page.caption],
        [s.value for s in page.subheader],
    )
    assert (
        list_entries(engine).set_index("id").at[int(mine["id"]), "purpose"]
        == "Riktad närvaro vid varuhuset"
    )


def loaders_area_codes() -> list[str]:
    from ui import loaders, state

    return list(
        loaders.area_layer(state.settings().database_url, loaders.current_data_version())[1][
            "area_code"
        ]
    )


@pytest.mark.usefixtures("app_env")
def test_need_page_shows_need_gaps_inland_and_koper() -> None:
    page = _page("narvaro")
    assert [s.value for s in page.subheader] == [
        "Behov och levererad närvaro per område", "Täckningsluckor: stort behov, ingen närvaro på minst 14 dagar",
        "Åtagandet i inlandet", "Besökslängder och Koperkurvan",
    ]  # fmt: skip
    need = page.dataframe[0].value
    assert (
        need["Andel av behovet"].sum() == pytest.approx(1.0) and need["Levererade timmar"].sum() > 0
    )
    assert "Koperkurvan" in page.info[-1].value
    weekly = page.dataframe[1].value
    assert {"Vecka", "Levererat (h)", "Mål (h)", "Uppnått"} <= set(weekly.columns)
