"""The polisen.se events JSON: title parsing, year inference, summaries, de-duplication, places,
and a polite fetcher (checked against a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from sqlalchemy import Engine

from geo.errors import GeoError
from geo.io.ingest import ImportOptions, import_incidents
from geo.io.polisen import USER_AGENT, CallLog, fetch_events
from geo.store.database import import_log, load_incidents
from tests.test_ingest import fingerprint


def event(
    event_id: int,
    published: str,
    title: str,
    event_type: str,
    summary: str = "",
    location: str = "Hallands län",
) -> dict[str, Any]:
    return {"id": event_id, "datetime": published, "name": title, "summary": summary, "url": f"/aktuellt/handelser/{event_id}/",
            "type": event_type, "location": {"name": location, "gps": "56.674,12.857"}}  # fmt: skip


FEED = [
    event(1, "2026-01-02 7:32:06 +01:00", "31 december 23.50, Misshandel, Falkenberg", "Misshandel", "Misshandel på fest i Slöinge."),
    event(2, "2026-01-03 9:05:00 +01:00", "03 januari 08.40, Rån,  försök, Falkenberg", "Rån,  försök", "Försök till rån mot en butik."),
    event(3, "2026-01-03 10:00:00 +01:00", "03 januari 09.00, Stöld, Halmstad", "Stöld", "Stöld i Halmstad."),
    event(4, "2026-01-04 6:00:00 +01:00", "04 januari 06.00, Sammanfattning natt, Hallands län", "Sammanfattning natt", "Lugn natt."),
    event(2, "2026-01-03 11:30:00 +01:00", "03 januari 08.40, Rån,  försök, Falkenberg", "Rån,  försök", "Försök till rån mot en butik i Ullared."),
    event(5, "2025-06-07 7:32:06 +02:00", "07 juni 07:10, Trafikolycka, Falkenberg", "Trafikolycka", "Trafikolycka på E6.", location="Falkenberg"),
    event(6, "2026-01-05 12:00:00 +01:00", "05 januari 11.00, Stöld, Falkenberg", "Stöld", "Stöld i Ullared, bilen hittades i Vessigebro."),
]  # fmt: skip


def save(tmp_path: Path, records: list[Any], name: str = "events.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def polisen(store: Engine, path: Path, **options: Any) -> Any:
    return import_incidents(store, path, ImportOptions(format="polisen", **options))


def test_feed_is_parsed_by_the_rules(store: Engine, tmp_path: Path) -> None:
    report = polisen(store, save(tmp_path, FEED))
    assert report.imported, report.text()
    assert report.left_out == {"andra kommuner": 1, "sammanfattningar (inte händelser)": 1}
    assert "1 äldre versioner av samma id ersattes" in report.text()
    frame = load_incidents(
        store,
        columns=(
            "source",
            "source_id",
            "occurred_at",
            "raw_type",
            "area_code",
            "location_precision",
            "description",
            "x",
        ),
    )
    frame = frame.set_index("source_id")
    assert set(frame.index) == {"1", "2", "5", "6"} and (frame["source"] == "polisen").all()
    # Title 31 december published 2 January: the year before.
    assert frame.at["1", "occurred_at"] == pd.Timestamp("2025-12-31 22:50", tz="UTC")
    assert frame.at["1", "area_code"] == "1382R008" and frame.at["1", "location_precision"] == "ort"
    # Double space normalised; the later version (naming Ullared) won.
    assert frame.at["2", "raw_type"] == "Rån, försök" and frame.at["2", "area_code"] == "1382R011"
    # Old title format HH:MM, old location = municipality: precision kommun, never a point.
    assert frame.at["5", "occurred_at"] == pd.Timestamp("2025-06-07 05:10", tz="UTC")
    assert frame.at["5", "location_precision"] == "kommun" and pd.isna(frame.at["5", "area_code"])
    # Two places in different areas: not placed.
    assert pd.isna(frame.at["6", "area_code"]) and frame.at["6", "location_precision"] == "län"
    assert frame["x"].isna().all()


def test_reimport_adds_nothing_and_a_changed_event_is_updated(
    store: Engine, tmp_path: Path
) -> None:
    path = save(tmp_path, FEED)
    assert polisen(store, path).rows_new == 4
    again = polisen(store, path)
    assert again.imported and again.rows_new == 0 and again.rows_unchanged == 4
    changed = [
        *FEED,
        event(
            6,
            "2026-01-05 15:00:00 +01:00",
            "05 januari 11.00, Stöld, Falkenberg",
            "Stöld",
            "Stöld i Ullared.",
        ),
    ]
    third = polisen(store, save(tmp_path, changed, "events2.json"))
    assert third.rows_updated == 1 and third.rows_new == 0
    frame = load_incidents(store, columns=("source_id", "area_code")).set_index("source_id")
    assert len(frame) == 4 and frame.at["6", "area_code"] == "1382R011"


def test_bad_records_are_named_and_nothing_is_written(store: Engine, tmp_path: Path) -> None:
    before = fingerprint(store)
    records = [
        FEED[0],
        {"id": 9, "name": "x"},
        event(8, "2026-01-05 12:00:00 +01:00", "Stöld i Falkenberg", "Stöld"),
    ]
    report = polisen(store, save(tmp_path, records))
    text = report.text()
    assert not report.accepted
    assert "events.json, objekt 2: saknar något av fälten" in text
    assert "events.json, objekt 3 (id 8): kan inte tolka rubriken 'Stöld i Falkenberg'" in text
    assert fingerprint(store) == before


def test_dst_time_from_title_is_an_error_and_a_new_type_only_a_warning(
    store: Engine, tmp_path: Path
) -> None:
    records = [
        event(10, "2026-03-29 9:00:00 +02:00", "29 mars 02.30, Stöld, Falkenberg", "Stöld"),
        event(11, "2026-01-05 12:00:00 +01:00", "05 januari 11.00, Rymning, Falkenberg", "Rymning"),
    ]
    text = polisen(store, save(tmp_path, records)).text()
    assert "objekt 1 (id 10): tid ur rubriken: '2026-03-29 02:30' finns inte i svensk tid" in text
    assert "ny händelsetyp 'Rymning' (1 st) finns inte i taxonomin; sparad som Övrigt" in text
    # Without the impossible time the feed imports, the new type kept under Övrigt:
    report = polisen(store, save(tmp_path, records[1:]))
    assert report.imported, report.text()
    stored = load_incidents(store, columns=("raw_type", "category"))
    assert stored.iloc[0].tolist() == ["Rymning", "ovrigt"]


def test_every_polisen_event_type_is_in_the_taxonomy() -> None:
    """The types polisen.se publishes (FACTS §2 and the issue's real feed) are all known."""
    from geo.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    published = ["Trafikkontroll", "Försvunnen person", "Arbetsplatsolycka", "Kontroll person/fordon",
                 "Brand automatlarm", "Anträffad död", "Larm inbrott", "Polisinsats/kommendering",
                 "Olaga intrång/hemfridsbrott", "Alkohollagen", "Motorfordon, stöld", "Trafikhinder",
                 "Räddningsinsats", "Sjukdom/olycksfall", "Misshandel, grov", "Stöld, ringa",
                 "Rån,  försök", "Trafikolycka, smitning från", "Skottlossning, misstänkt", "Bedrägeri"]  # fmt: skip
    assert [t for t in published if taxonomy.classify(t) is None] == []


def test_events_are_excluded_by_the_object_number_messages_name(
    store: Engine, tmp_path: Path
) -> None:
    # Object 6 is the event with id 5: messages say "objekt 6 (id 5)", so 6 is what --exclude takes.
    report = polisen(store, save(tmp_path, FEED), exclude=frozenset({6}))
    assert report.imported and report.excluded_lines == [6], report.text()
    assert "5" not in set(load_incidents(store, columns=("source_id",))["source_id"])
    log = import_log(store).iloc[0]
    assert log["source"] == "polisen" and log["rows_excluded"] == 1
    assert json.loads(log["exclusions"]) == [
        {"line": 6, "unit": "objekt", "reason": "undantagen av användaren"}
    ]
    # A number the file does not have is an error, not silently ignored:
    report = polisen(store, save(tmp_path, FEED), exclude=frozenset({10}))
    assert not report.imported and "objekt 10 som ska undantas finns inte i filen" in report.text()


def test_broken_json_names_line_and_column(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "trasig.json"
    path.write_text('[\n {"id": 1,\n  "name": }\n]', encoding="utf-8")
    with pytest.raises(GeoError, match=r"trasig.json, rad 3, kolumn 11: ogiltig JSON"):
        polisen(store, path)


# --- Fetching -----------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        _Handler.seen.append({"path": self.path, "agent": self.headers.get("User-Agent", "")})
        body = json.dumps(FEED).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def local_api() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.seen.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/events"
    server.shutdown()


class Clock:
    """A clock the test moves by hand; sleeping advances it."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_fetch_sends_user_agent_and_filters(local_api: str, tmp_path: Path) -> None:
    clock = Clock()
    records = fetch_events(
        call_log=CallLog(tmp_path / "calls.json"),
        date_filter="2026-01",
        base_url=local_api,
        clock=clock,
        sleep=clock.sleep,
    )
    assert len(records) == len(FEED)
    assert _Handler.seen[0]["agent"] == USER_AGENT
    assert "locationname=Falkenberg%3BHallands+l%C3%A4n" in _Handler.seen[0]["path"]
    assert "DateTime=2026-01" in _Handler.seen[0]["path"]


def test_fetch_waits_ten_seconds_between_calls_across_runs(local_api: str, tmp_path: Path) -> None:
    clock = Clock()
    log = CallLog(tmp_path / "calls.json")
    fetch_events(call_log=log, base_url=local_api, clock=clock, sleep=clock.sleep)
    clock.now += 3
    fetch_events(
        call_log=CallLog(tmp_path / "calls.json"),
        base_url=local_api,
        clock=clock,
        sleep=clock.sleep,
    )
    assert clock.slept == [pytest.approx(7.0)]
    assert len(json.loads((tmp_path / "calls.json").read_text())) == 2


def test_fetch_refuses_over_sixty_calls_an_hour(local_api: str, tmp_path: Path) -> None:
    clock = Clock()
    log = CallLog(tmp_path / "calls.json")
    log.save([clock.now - 3000 + 20 * i for i in range(60)])
    with pytest.raises(GeoError, match="Högst 60 anrop per timme"):
        fetch_events(call_log=log, base_url=local_api, clock=clock, sleep=clock.sleep)
    assert _Handler.seen == []


def test_fetch_refuses_plain_http_to_other_hosts(tmp_path: Path) -> None:
    with pytest.raises(GeoError, match="bara anropas över HTTPS"):
        fetch_events(call_log=CallLog(tmp_path / "c.json"), base_url="http://polisen.se/api/events")
