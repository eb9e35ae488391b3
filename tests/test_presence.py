"""The presence log: validation, no lost updates with concurrent writers, an append-only audit
trail, need against delivered presence, the proposal, GPS dwell time and the police-only exports."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, exc

from geo.crs import transformer
from geo.errors import ConflictError, ImportRejected
from geo.presence.log import (
    audit_trail,
    cancel_entry,
    coverage_gaps,
    create_entry,
    dwell_sessions,
    inland_commitment,
    list_entries,
    mark_done,
    need_vs_delivered,
    propose,
    read_gps,
    update_entry,
    week_plan_csv,
    week_plan_html,
    week_plan_ics,
)
from geo.store.database import active_layer
from tests.test_screening import PNR, SAMORDNING

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


@pytest.fixture
def codes(store: Engine) -> set[str]:
    return set(active_layer(store)[1]["area_code"])


def entry(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {"area_code": "1382R011", "planned_start": T0, "planned_end": T0 + dt.timedelta(hours=1),
                               "unit": "Patrull 1", "kind": "bilpatrull", "purpose": "Riktad närvaro i inlandet"}  # fmt: skip
    base.update(changes)
    return base


NOW = dt.datetime(2026, 11, 27, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"planned_end": T0 - dt.timedelta(hours=1)}, "planerat slut är före start"), ({"planned_end": T0}, "noll minuter"),
     ({"area_code": "1380R001"}, "okänt område '1380R001'"), ({"kind": "ridpatrull"}, "okänd typ av närvaro"),
     ({"unit": " "}, "saknar enhet"),
     ({"status": "genomförd", "actual_start": T0, "actual_end": NOW + dt.timedelta(days=1)}, "slutar i framtiden"),
     ({"status": "genomförd"}, "saknar faktisk start och slut")],
    ids=["end-before-start", "zero-length", "unknown-area", "unknown-kind", "no-unit", "done-in-future", "done-without-times"],
)  # fmt: skip
def test_invalid_entries_are_refused(
    store: Engine, codes: set[str], changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ImportRejected, match=message):
        create_entry(store, entry(**changes), who="test", area_codes=codes, now=NOW)
    assert list_entries(store).empty


def test_a_unit_cannot_be_in_two_places_at_once(store: Engine, codes: set[str]) -> None:
    first = create_entry(store, entry(), who="test", area_codes=codes, now=NOW)
    overlapping = entry(
        area_code="1382R001",
        planned_start=T0 + dt.timedelta(minutes=30),
        planned_end=T0 + dt.timedelta(hours=2),
    )
    with pytest.raises(ImportRejected, match=f"redan planerad i närvaropost {first} samtidigt"):
        create_entry(store, overlapping, who="test", area_codes=codes, now=NOW)
    create_entry(store, {**overlapping, "unit": "Patrull 2"}, who="test", area_codes=codes, now=NOW)
    version = int(list_entries(store).set_index("id").at[first, "version"])
    cancel_entry(store, first, expected_version=version, who="test", area_codes=codes)
    create_entry(
        store, overlapping, who="test", area_codes=codes, now=NOW
    )  # a cancelled entry frees the unit


def test_an_edit_on_an_old_version_is_refused_showing_both(store: Engine, codes: set[str]) -> None:
    entry_id = create_entry(store, entry(), who="anna", area_codes=codes, now=NOW)
    assert (
        update_entry(
            store,
            entry_id,
            expected_version=1,
            changes={"purpose": "Annas ändring"},
            who="anna",
            area_codes=codes,
            now=NOW,
        )
        == 2
    )
    with pytest.raises(
        ConflictError,
        match=r"ändrats av anna \(version 2\).*Annas ändring.*Din ändring: purpose = Bertils ändring",
    ):
        update_entry(
            store,
            entry_id,
            expected_version=1,
            changes={"purpose": "Bertils ändring"},
            who="bertil",
            area_codes=codes,
            now=NOW,
        )
    assert list_entries(store)["purpose"].tolist() == ["Annas ändring"]


def test_two_concurrent_writers_never_lose_an_update(store: Engine, codes: set[str]) -> None:
    entry_id = create_entry(store, entry(), who="test", area_codes=codes, now=NOW)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def writer(name: str) -> None:
        barrier.wait()
        try:
            update_entry(
                store,
                entry_id,
                expected_version=1,
                changes={"purpose": f"ändrad av {name}"},
                who=name,
                area_codes=codes,
                now=NOW,
            )
            outcomes.append(f"ok:{name}")
        except ConflictError:
            outcomes.append("conflict")
        except (
            exc.OperationalError
        ):  # "database is locked" would also be a refusal, never a lost update
            outcomes.append("locked")

    threads = [threading.Thread(target=writer, args=(f"polis{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if o.startswith("ok:")]
    assert len(winners) == 1 and len(outcomes) == 8
    stored = list_entries(store).iloc[0]
    assert stored["version"] == 2 and stored["purpose"] == f"ändrad av {winners[0][3:]}"
    actions = audit_trail(store, entry_id)["action"].tolist()
    assert actions == ["skapad", "ändrad"] + ["konflikt"] * outcomes.count("conflict")


def test_audit_trail_is_complete_and_append_only(store: Engine, codes: set[str]) -> None:
    with pytest.raises(ImportRejected, match="anteckningar innehåller ett personnummer"):
        create_entry(store, entry(notes=f"Kontakt {PNR}"), who="anna", area_codes=codes, now=NOW)
    entry_id = create_entry(
        store, entry(notes="Kontakt med butiken"), who="anna", area_codes=codes, now=NOW
    )
    mark_done(store, entry_id, expected_version=1, actual_start=T0, actual_end=T0 + dt.timedelta(minutes=40),
              tactics="Fotpatrull vid torget", notes="Lugnt", who="bertil", area_codes=codes, now=NOW)  # fmt: skip
    trail = audit_trail(store, entry_id)
    assert trail["action"].tolist() == ["skapad", "genomförd"]
    assert trail["changed_by"].tolist() == ["anna", "bertil"]
    assert (
        '"status": "genomförd"' in trail["after_json"].iloc[1]
        and '"status": "planerad"' in trail["before_json"].iloc[1]
    )
    assert PNR not in "".join(trail["after_json"].astype(str))  # the note with a number was refused
    with (
        pytest.raises(exc.DatabaseError, match=r"append-only|permission denied"),
        store.begin() as connection,
    ):
        connection.exec_driver_sql("UPDATE presence_audit SET changed_by = 'någon annan'")
    with (
        pytest.raises(exc.DatabaseError, match=r"append-only|permission denied"),
        store.begin() as connection,
    ):
        connection.exec_driver_sql("DELETE FROM presence_audit")


def _done(area: str, start: dt.datetime, hours: float, unit: str = "P") -> dict[str, object]:
    return {"area_code": area, "status": "genomförd", "actual_start": pd.Timestamp(start), "actual_end": pd.Timestamp(start + dt.timedelta(hours=hours)),
            "planned_start": pd.Timestamp(start), "planned_end": pd.Timestamp(start + dt.timedelta(hours=hours)), "unit": unit}  # fmt: skip


def test_need_against_delivered_and_coverage_gaps(store: Engine) -> None:
    _info, areas = active_layer(store)
    incidents = pd.DataFrame({
        "occurred_at": pd.to_datetime(["2026-11-01 21:00", "2026-11-02 21:00", "2026-11-03 10:00", "2026-11-03 22:00"], utc=True),
        "area_code": ["1382R001", "1382R001", "1382R011", "1382R011"], "harm": [4.0, 4.0, 2.0, 10.0],
    })  # fmt: skip
    entries = pd.DataFrame(
        [_done("1382R001", T0, 3.0), _done("1382R001", T0 + dt.timedelta(days=1), 1.0)]
    )
    table = need_vs_delivered(
        incidents, entries, areas, end=dt.datetime(2026, 11, 27, tzinfo=UTC)
    ).set_index("area_code")
    assert table.at["1382R001", "need_share"] == pytest.approx(8 / 20) and table.at[
        "1382R011", "need_share"
    ] == pytest.approx(12 / 20)
    assert (
        table.at["1382R001", "delivered_share"] == 1.0
        and table.at["1382R001", "delivered_hours"] == 4.0
    )
    assert table.at["1382R011", "gap"] == pytest.approx(0.6)
    evening = need_vs_delivered(incidents, entries, areas, end=NOW, hours=(22, 23)).set_index(
        "area_code"
    )  # local time
    assert evening.at["1382R011", "need_share"] == pytest.approx(10 / 18)
    early = need_vs_delivered(incidents, entries, areas, end=dt.datetime(2026, 11, 10, tzinfo=UTC))
    assert coverage_gaps(early)["area_code"].tolist() == [
        "1382R011"
    ]  # centrum had presence 7 days ago
    assert coverage_gaps(table.reset_index())["area_code"].tolist() == [
        "1382R011",
        "1382R001",
    ]  # 24 days later


def test_need_without_any_presence_says_never(store: Engine) -> None:
    _info, areas = active_layer(store)
    incidents = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(["2026-11-01 21:00"], utc=True),
            "area_code": ["1382R001"],
            "harm": [4.0],
        }
    )
    empty = pd.DataFrame(
        columns=[
            "area_code",
            "status",
            "actual_start",
            "actual_end",
            "planned_start",
            "planned_end",
        ]
    )
    for column in ("actual_start", "actual_end", "planned_start", "planned_end"):
        empty[column] = pd.to_datetime(empty[column], utc=True)
    table = need_vs_delivered(incidents, empty, areas, end=NOW)
    assert table["days_since_presence"].isna().all() and table["delivered_hours"].sum() == 0
    assert coverage_gaps(table)["area_code"].tolist() == ["1382R001"]


def test_inland_commitment_per_week_against_target(store: Engine) -> None:
    _info, areas = active_layer(store)
    monday = dt.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    entries = pd.DataFrame([_done("1382R011", monday, 6.0), _done("1382R012", monday + dt.timedelta(days=1), 5.0),
                            _done("1382R001", monday, 8.0), _done("1382R011", monday + dt.timedelta(days=7), 2.0)])  # fmt: skip
    weekly = inland_commitment(entries, areas, target_hours_per_week=10).set_index("period")
    assert weekly.at["2026-V45", "delivered_hours"] == 11.0 and bool(weekly.at["2026-V45", "met"])
    assert weekly.at["2026-V46", "delivered_hours"] == 2.0 and not bool(
        weekly.at["2026-V46", "met"]
    )


def test_proposal_follows_need_respects_inland_minimum_and_cap() -> None:
    need = pd.DataFrame({"area_code": ["T1", "T2", "I1"], "name": ["Torget", "Hamnen", "Byn"], "zone": ["tätort", "tätort", "inland"],
                         "need_share": [0.6, 0.3, 0.1]})  # fmt: skip
    profile = pd.DataFrame(0, index=range(24), columns=range(7))
    profile.loc[22, 5] = 9  # Saturday 22:00
    plan = propose(
        need,
        {"T1": profile},
        week_start=dt.date(2026, 11, 30),
        total_hours=20,
        inland_min_share=0.3,
        max_hours_per_area=8,
    )
    hours = (
        pd.Series([p.hours for p in plan], index=[p.area_code for p in plan]).groupby(level=0).sum()
    )
    assert hours.sum() <= 20 and hours.max() <= 8
    assert hours["I1"] >= 6  # 30 % of 20 h
    first_town = next(p for p in plan if p.area_code == "T1" and "lör kl 22" in p.reason)
    assert first_town.start.isoformat().startswith("2026-12-05T22:00")
    assert all(p.reason for p in plan)


def test_gps_dwell_ignores_driving_through(store: Engine) -> None:
    _info, areas = active_layer(store)
    inside = areas.set_index("area_code").geometry["1382R011"].representative_point()
    other = areas.set_index("area_code").geometry["1382R012"].representative_point()
    times = pd.date_range("2026-11-02 18:00", periods=40, freq="30s", tz="UTC")
    positions = pd.DataFrame(
        {
            "unit": "Bil 1",
            "time": times,
            "x": [inside.x] * 30 + [other.x] * 10,
            "y": [inside.y] * 30 + [other.y] * 10,
        }
    )
    stays = dwell_sessions(positions, areas, min_stay_minutes=10)
    assert stays["area_code"].tolist() == [
        "1382R011"
    ]  # 14.5 min stay; the 4.5 min in R012 is driving through
    assert stays["minutes"].iloc[0] == pytest.approx(14.5)


def test_gps_csv_and_gpx_are_read_and_bad_lines_named(tmp_path: Path) -> None:
    lon, lat = transformer("EPSG:3006", "EPSG:4326").transform(362198, 6335363)
    good = tmp_path / "bil1.csv"
    good.write_text(
        f"unit;time;lat;lon\nBil 1;2026-11-02T18:00:00Z;{lat:.6f};{lon:.6f}\n", encoding="utf-8"
    )
    frame = read_gps(good)
    assert frame["x"].iloc[0] == pytest.approx(362198, abs=1) and frame["time"].iloc[
        0
    ] == pd.Timestamp("2026-11-02 18:00", tz="UTC")
    gpx = tmp_path / "bil2.gpx"
    gpx.write_text(
        f"""<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Bil 2</name><trkseg>
<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><time>2026-11-02T18:00:00Z</time></trkpt></trkseg></trk></gpx>""",
        encoding="utf-8",
    )
    assert read_gps(gpx)["unit"].tolist() == ["Bil 2"]
    bad = tmp_path / "fel.csv"
    bad.write_text(
        f"unit;time;lat;lon\nBil 1;igår;{lat:.6f};{lon:.6f}\nBil 1;2026-11-02T18:00:00Z;95;{lon:.6f}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ImportRejected,
        match=r"(?s)fel.csv, rad 2, kolumn 'time'.*fel.csv, rad 3, kolumn 'lat'/'lon'",
    ):
        read_gps(bad)


def test_exports_csv_ics_and_printable(store: Engine, codes: set[str]) -> None:
    create_entry(store, entry(), who="test", area_codes=codes, now=NOW)
    cancelled = create_entry(store, entry(unit="Patrull 2"), who="test", area_codes=codes, now=NOW)
    cancel_entry(store, cancelled, expected_version=1, who="test", area_codes=codes)
    entries = list_entries(store)
    names = {"1382R011": "Ullared-Inland"}
    csv_text = week_plan_csv(entries, names).decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "Id;Område;Start;Slut;Enhet;Typ;Syfte;Status"
    assert "Ullared-Inland;2026-11-02 19:00;2026-11-02 20:00" in csv_text  # Swedish time (UTC+1)
    from icalendar import Calendar

    events = Calendar.from_ical(week_plan_ics(entries, names)).walk("VEVENT")
    assert len(events) == 1 and "Ullared-Inland" in str(events[0]["summary"])
    page = week_plan_html(entries.assign(purpose="<script>x</script>"), names, title="Vecka 45")
    assert "<script>x" not in page and "&lt;script&gt;" in page and "Får inte spridas" in page


def test_demo_has_presence_with_delivery_below_plan(demo_store: Engine) -> None:
    entries = list_entries(demo_store)
    done = entries[entries["status"] == "genomförd"]
    assert len(done) > 100 and (done["synthetic"]).all()
    delivered = (done["actual_end"] - done["actual_start"]).dt.total_seconds().sum()
    planned = (done["planned_end"] - done["planned_start"]).dt.total_seconds().sum()
    assert 0.4 < delivered / planned < 0.8
    _info, areas = active_layer(demo_store)
    inland = set(areas.loc[areas["zone"] == "inland", "area_code"])
    assert 0.15 < entries["area_code"].isin(inland).mean() < 0.35
    assert np.isfinite(delivered)


def test_a_point_or_route_must_lie_inside_the_area(store: Engine, codes: set[str]) -> None:
    from geo.errors import GeoError
    from geo.presence.log import parse_point, parse_route

    _info, areas = active_layer(store)
    shapes = dict(zip(areas["area_code"], areas.geometry, strict=True))
    inside = shapes["1382R011"].representative_point()
    entry_id = create_entry(
        store, entry(x=inside.x, y=inside.y), who="test", area_codes=codes, shapes=shapes, now=NOW
    )
    assert list_entries(store).set_index("id").at[entry_id, "x"] == pytest.approx(inside.x)
    centre = shapes["1382R001"].representative_point()
    with pytest.raises(ImportRejected, match="ligger utanför området"):
        create_entry(
            store,
            entry(unit="P2", x=centre.x, y=centre.y),
            who="test",
            area_codes=codes,
            shapes=shapes,
            now=NOW,
        )
    route = parse_route(f"{inside.x} {inside.y}; {inside.x + 100} {inside.y + 100}")
    create_entry(
        store,
        entry(unit="P3", route_wkt=route),
        who="test",
        area_codes=codes,
        shapes=shapes,
        now=NOW,
    )
    away = parse_route(f"{inside.x} {inside.y}; {centre.x} {centre.y}")
    with pytest.raises(ImportRejected, match="rutten går utanför området"):
        create_entry(
            store,
            entry(unit="P4", route_wkt=away),
            who="test",
            area_codes=codes,
            shapes=shapes,
            now=NOW,
        )
    assert parse_point("347000,5 6309800") == (347000.5, 6309800.0)
    with pytest.raises(GeoError, match="minst två punkter"):
        parse_route("347000 6309800")


def test_gps_stays_against_the_plan() -> None:
    from geo.presence.log import gps_against_plan

    stays = pd.DataFrame({"area_code": ["A", "A", "B"], "minutes": [20.0, 15.0, 12.0],
                          "start": pd.to_datetime(["2026-11-02 18:00"] * 3, utc=True), "end": pd.to_datetime(["2026-11-02 19:00"] * 3, utc=True)})  # fmt: skip
    planned = pd.DataFrame(
        [
            _done("A", T0, 1.0),
            {**_done("B", T0, 2.0), "status": "inställd"},
            _done("C", T0 + dt.timedelta(days=3), 1.0),
        ]
    )
    table = gps_against_plan(stays, planned).set_index("area_code")
    assert table.at["A", "gps_minutes"] == 35 and table.at["A", "planned_minutes"] == 60
    assert table.at["B", "planned_minutes"] == 0  # cancelled plans do not count
    assert "C" not in table.index  # planned on another day


def test_local_window_is_swedish_time_and_refuses_dst_gaps() -> None:
    from geo.errors import GeoError
    from geo.presence.log import local_window

    start, end = local_window(dt.date(2026, 6, 1), dt.time(20, 0), 45)
    assert start == dt.datetime(2026, 6, 1, 18, 0, tzinfo=UTC) and end - start == dt.timedelta(
        minutes=45
    )
    with pytest.raises(GeoError, match="sommartidsomställning"):
        local_window(dt.date(2026, 3, 29), dt.time(2, 30), 30)  # does not exist
    with pytest.raises(GeoError, match="sommartidsomställning"):
        local_window(dt.date(2026, 10, 25), dt.time(2, 30), 30)  # occurs twice


def test_visit_lengths_by_koper_bins() -> None:
    from geo.presence.log import visit_lengths

    entries = pd.DataFrame(
        [
            _done("A", T0, 12 / 60),
            _done("A", T0, 0.5),
            {**_done("B", T0, 2.0), "status": "planerad"},
        ]
    )
    entries.loc[0, "planned_end"] = entries.loc[0, "planned_start"] + pd.Timedelta(
        minutes=24
    )  # delivered 12 of 24
    lengths = visit_lengths(entries)
    assert lengths is not None and lengths.n == 2
    assert (
        lengths.counts["[10, 15)"] == 1
        and lengths.counts["[30, 60)"] == 1
        and lengths.counts.sum() == 2
    )
    assert lengths.delivered_share == pytest.approx((12 + 30) / (24 + 30))
    assert visit_lengths(entries.iloc[[2]]) is None


def test_koper_bins_are_half_open() -> None:
    from geo.presence.log import visit_lengths

    entries = pd.DataFrame([_done("A", T0, m / 60) for m in (9, 10, 14, 15, 19, 20)])
    lengths = visit_lengths(entries)
    assert lengths is not None
    assert lengths.counts[["[0, 10)", "[10, 15)", "[15, 20)", "[20, 30)"]].tolist() == [1, 2, 2, 1]


def _book_in_process(url: str, barrier: object, queue: object, index: int) -> None:
    """One writer in its own process: its own engine, the same unit and time as all the others."""
    from geo.presence.log import create_entry as create
    from geo.store.database import make_engine

    engine = make_engine(url)
    codes = {"1382R011", "1382R001"}
    barrier.wait()  # type: ignore[attr-defined]
    try:
        create(engine, entry(area_code="1382R011" if index % 2 else "1382R001", purpose=f"skrivare {index}"),
               who=f"polis{index}", area_codes=codes, now=NOW)  # fmt: skip
        queue.put("ok")  # type: ignore[attr-defined]
    except ImportRejected as error:
        queue.put("refused" if "samtidigt" in str(error.problems) else f"other: {error.problems}")  # type: ignore[attr-defined]
    except Exception as error:  # reported to the parent, failing the test there
        queue.put(f"error: {error!r}")  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_ten_processes_booking_one_unit_at_once_exactly_one_wins(store: Engine) -> None:
    """Separate processes on one SQLite file: the overlap check runs under the write lock."""
    import multiprocessing

    url = str(store.url)
    store.dispose()
    context = multiprocessing.get_context("fork")  # the children create their own engines
    writers = 10
    barrier, queue = context.Barrier(writers), context.Queue()
    processes = [
        context.Process(target=_book_in_process, args=(url, barrier, queue, i))
        for i in range(writers)
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert sorted(outcomes) == ["ok"] + ["refused"] * (writers - 1), outcomes
    stored = list_entries(store)
    assert len(stored) == 1 and len(audit_trail(store)) == 1


@pytest.mark.parametrize(
    "field", ["unit", "purpose", "tactics", "notes", "promise_activity", "who"]
)
@pytest.mark.parametrize(
    "number",
    [PNR, SAMORDNING, PNR[:-1] + str((int(PNR[-1]) + 1) % 10)],
    ids=["pnr", "samordning", "near-miss"],
)
def test_a_personnummer_is_refused_in_every_text_field(
    store: Engine, codes: set[str], field: str, number: str
) -> None:
    text = f"Kontakt 19{number[:6]}-{number[6:]}" if field == "purpose" else f"x {number}"
    fields = entry() if field == "who" else entry(**{field: text})
    who = text if field == "who" else "anna"
    with pytest.raises(ImportRejected, match="personnummer"):
        create_entry(store, fields, who=who, area_codes=codes, now=NOW)
    assert list_entries(store).empty and audit_trail(store).empty
    entry_id = create_entry(store, entry(), who="anna", area_codes=codes, now=NOW)
    changes = {} if field == "who" else {field: text}
    with pytest.raises(ImportRejected, match="personnummer"):
        update_entry(
            store, entry_id, expected_version=1, changes=changes, who=who, area_codes=codes, now=NOW
        )
    trail = audit_trail(store)
    assert len(trail) == 1 and number not in trail.to_csv()


def test_csv_export_neutralises_formulas(store: Engine, codes: set[str]) -> None:
    create_entry(
        store,
        entry(purpose='=HYPERLINK("http://x")', unit="@Patrull"),
        who="t",
        area_codes=codes,
        now=NOW,
    )
    text = week_plan_csv(list_entries(store), {}).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@Patrull" in text and ";=HYPERLINK" not in text
