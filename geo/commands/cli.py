"""The command line: thin commands over library functions. Exit 0 on success, 2 when refused."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from geo import formats
from geo.areas.falkenberg import ZONES
from geo.commands.cli_help import SwedishArgumentParser
from geo.config import ENVIRONMENT, Settings, load_settings
from geo.errors import GeoError
from geo.store.database import (
    active_layer,
    count_rows,
    current_revision,
    head_revision,
    make_engine,
    migrate,
)


def _say(message: str) -> None:
    print(message, flush=True)


def initialise(
    engine: Engine, settings: Settings, *, demo_if_empty: bool, years: int, seed: int
) -> None:
    """Migrate, activate the built-in layer if there is none, and add demo data if asked."""
    from geo.areas.layers import activate_builtin_layer
    from geo.demo import load_demo

    before = current_revision(engine)
    if before != head_revision():
        _say(f"Databasen uppgraderas ({before or 'tom'} → {head_revision()}) …")
        migrate(engine)
    try:
        active_layer(engine)
    except GeoError:
        _say("Aktiverar det inbyggda områdeslagret (14 RegSO, ungefärliga gränser) …")
        activate_builtin_layer(engine)
    _seed_followup(engine, settings.promise_path)
    if demo_if_empty and count_rows(engine, "incidents") == 0:
        _say("Databasen saknar händelser: skapar syntetiska demodata (första start) …")
        load_demo(engine, years=years, seed=seed, progress=lambda m: _say(f"  {m}"))


def _seed_followup(engine: Engine, promise_path: Path) -> None:
    """Start this year's follow-up with the promise's activities (data/promise.json)."""
    from geo.analysis.followup import ensure_year
    from geo.analysis.joint import load_promise

    added = ensure_year(engine, load_promise(promise_path), dt.date.today().year)
    if added:
        _say(
            f"Uppföljningen för {dt.date.today().year} startad med {added} aktiviteter ur medborgarlöftet."
        )


def _cmd_init(args: argparse.Namespace, engine: Engine) -> int:
    from geo.io.uploads import UploadArea

    initialise(
        engine, args.settings, demo_if_empty=args.demo_if_empty, years=args.years, seed=args.seed
    )
    swept = UploadArea().sweep()  # run before every start: uploads a stopped server left behind
    if swept.files:
        _say(f"Tog bort {swept.files} kvarlämnade uppladdade filer (avbrutna kontroller).")
    incidents = count_rows(engine, "incidents")
    info, layer = active_layer(engine)
    _say(f"Databasen är klar: {len(layer)} områden ({info.name}), {incidents} händelser.")
    return 0


def _cmd_demo(args: argparse.Namespace, engine: Engine) -> int:
    from geo.demo import load_demo

    initialise(engine, args.settings, demo_if_empty=False, years=args.years, seed=args.seed)
    end = dt.date.fromisoformat(args.end + "-01") if args.end else None
    counts = load_demo(
        engine, years=args.years, seed=args.seed, end=end, replace=args.replace, progress=_say
    )
    _say(
        f"{counts['incidents']} syntetiska händelser och {counts['survey_responses']} enkätsvar sparade."
    )
    return 0


def _ask_zone(code: str, name: str) -> str:
    while True:
        answer = input(f"Zon för {code} ({name}) [{'/'.join(ZONES)}]: ").strip()
        if answer in ZONES:
            return answer
        print(f"  Svara med en av: {', '.join(ZONES)}")


def _cmd_areas_import(args: argparse.Namespace, engine: Engine) -> int:
    from geo.areas.layers import import_area_layer, read_zone_table

    initialise(engine, args.settings, demo_if_empty=False, years=3, seed=1)
    zones = read_zone_table(Path(args.zones)) if args.zones else None
    result = import_area_layer(
        engine,
        Path(args.path),
        crs=args.crs,
        code_field=args.code_field,
        name_field=args.name_field,
        zones=zones,
        ask_zone=_ask_zone if sys.stdin.isatty() and not args.zones else None,
        imported_by=args.by,
    )
    _say(
        f"Områdeslagret ersatt: {result.areas} områden aktiva (lager {result.layer_id}); "
        f"zon behållen för {result.zones_kept}, angiven för {result.zones_given}."
    )
    return 0


def _cmd_areas_builtin(args: argparse.Namespace, engine: Engine) -> int:
    from geo.areas.layers import activate_builtin_layer

    initialise(engine, args.settings, demo_if_empty=False, years=3, seed=1)
    layer_id = activate_builtin_layer(engine)
    _say(f"Det inbyggda områdeslagret är aktivt igen (lager {layer_id}).")
    return 0


def _cmd_areas_generate(args: argparse.Namespace, _engine: Engine | None) -> int:
    from geo.areas.builtin import write_builtin_layer

    path = write_builtin_layer()
    _say(f"Skrev {path}")
    return 0


def _cmd_areas_list(args: argparse.Namespace, engine: Engine) -> int:
    info, layer = active_layer(engine)
    _say(
        f"Aktivt lager: {info.name} — {'UNGEFÄRLIGA gränser' if info.approximate else 'officiella gränser'}"
    )
    for row in layer.itertuples():
        population = (
            "okänd" if row.population is None or str(row.population) == "<NA>" else row.population
        )
        _say(f"  {row.area_code}  {row.name:<32} {row.zone:<7} befolkning {population}")
    return 0


def _cmd_import_incidents(args: argparse.Namespace, engine: Engine) -> int:
    from geo.io.columns import parse_column_map
    from geo.io.ingest import ImportOptions, import_incidents, parse_line_list

    initialise(engine, args.settings, demo_if_empty=False, years=3, seed=1)
    settings = args.settings
    options = ImportOptions(
        source=args.source,
        format=args.format,
        crs=args.crs,
        profile=args.profile,
        exclude=parse_line_list(args.exclude or ""),
        imported_by=args.by,
        max_bytes=settings.max_import_bytes,
        column_map=tuple(parse_column_map(args.map or []).items()),
        outside=args.outside,
        user_dir=settings.data_dir,
        swedish_dates=args.svenska_datum,
        type_groups=tuple(parse_column_map(args.group or [], what="grupp").items()),
    )
    last_shown = [-1.0]

    def progress(fraction: float, message: str) -> None:
        if fraction - last_shown[0] >= 0.1 or fraction >= 1.0:
            last_shown[0] = fraction
            print(f"  {fraction:4.0%}  {message}", file=sys.stderr, flush=True)

    report = import_incidents(
        engine, Path(args.path), options, dry_run=args.dry_run, progress=progress
    )
    _say(report.text())
    return 0 if report.accepted else 2


def _cmd_import_polisen_api(args: argparse.Namespace, engine: Engine) -> int:
    import json
    import tempfile

    from geo.io.ingest import ImportOptions, import_incidents
    from geo.io.polisen import CallLog, fetch_events

    initialise(engine, args.settings, demo_if_empty=False, years=3, seed=1)
    settings = args.settings
    _say("Hämtar händelser från polisen.se (högst ett anrop var tionde sekund) …")
    records = fetch_events(
        call_log=CallLog(settings.data_dir / "polisen_api_calls.json"), date_filter=args.date
    )
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / f"polisen_{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
        saved.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        report = import_incidents(
            engine,
            saved,
            ImportOptions(
                format="polisen", imported_by=args.by, max_bytes=settings.max_import_bytes
            ),
            dry_run=args.dry_run,
        )
    _say(report.text())
    return 0 if report.accepted else 2


def _cmd_import_survey(args: argparse.Namespace, engine: Engine) -> int:
    from geo.io.surveys import SurveyOptions, import_survey

    initialise(engine, args.settings, demo_if_empty=False, years=3, seed=1)
    options = SurveyOptions(
        codebook=Path(args.codebook) if args.codebook else None,
        wave=args.wave,
        crs=args.crs,
        source=args.source,
        imported_by=args.by,
        layout=args.layout,
    )
    report = import_survey(engine, Path(args.path), options, dry_run=args.dry_run)
    _say(report.text())
    return 0 if report.accepted else 2


def _cmd_import_indicators(args: argparse.Namespace, engine: Engine) -> int:
    from geo.io.partners import IndicatorOptions, import_indicators

    initialise(engine, args.settings, demo_if_empty=False, years=3, seed=1)
    report = import_indicators(
        engine, Path(args.path), IndicatorOptions(imported_by=args.by), dry_run=args.dry_run
    )
    _say(report.text())
    return 0 if report.accepted else 2


def _cmd_publish(args: argparse.Namespace, engine: Engine) -> int:
    from geo.public.publish import publish

    initialise(engine, args.settings, demo_if_empty=False, years=3, seed=1)
    _say("Bygger den publika kartan och kontrollerar varje cell mot röjandereglerna …")
    site = publish(engine, Path(args.out), months=args.months)
    _say(
        f"Publicerat i {site.folder}: {site.first_month} – {site.last_month}, "
        f"{site.bytes / 1000:.0f} kB, {site.hidden_cells} celler dolda eller ej redovisade"
        + (" (SYNTETISKA demodata)." if site.synthetic else ".")
    )
    return 0


def _cmd_hotspots(args: argparse.Namespace, engine: Engine) -> int:
    from geo.analysis.hotspots import CLASS_LABELS, hotspots_from_store, write_cells
    from geo.outputs.report import last_closed_months, parse_period

    period = parse_period(args.period) if args.period else last_closed_months(dt.date.today())
    start, end = period.utc()
    result, without = hotspots_from_store(
        engine, start=start, end=end, zones=tuple(args.zone or ()), area_codes=tuple(args.area or ()),
        cell_size=args.cell, weighted=args.harm,
    )  # fmt: skip
    out = Path(args.out or "hotspots.geojson")
    write_cells(result, str(out))
    counts = result.cells["hotspot_class"].value_counts()
    found = ", ".join(
        f"{CLASS_LABELS[c]}: {int(counts[c])}" for c in CLASS_LABELS if c != "none" and c in counts
    )
    _say(f"Skrev {out}: {len(result.cells)} rutor à {result.cell_size} m i {result.region}, {period.label}, "
         f"n = {result.n_incidents} ({without} utan punkt, {result.outside} utanför rutorna). {found or 'Inga signifikanta rutor.'}")  # fmt: skip
    return 0


def _cmd_report(args: argparse.Namespace, engine: Engine) -> int:
    from geo.outputs.report import build_report, last_closed_months, parse_period

    initialise(engine, args.settings, demo_if_empty=False, years=3, seed=1)
    period = parse_period(args.period) if args.period else last_closed_months(dt.date.today())
    name = args.period or f"{period.start:%Y-%m}..{period.end - dt.timedelta(days=1):%Y-%m}"
    _say(f"Skriver mötesunderlaget för {period.label} ({args.audience}) …")
    from geo.analysis.followup import ensure_year
    from geo.analysis.joint import load_promise

    # The report reads the year's activities; a year nobody has started gets the promise's own.
    ensure_year(engine, load_promise(args.settings.promise_path), period.start.year)
    pdf = build_report(engine, period, args.audience, promise_path=args.settings.promise_path)
    out = Path(args.out or f"lagesbild_{name.replace('..', '_')}_{args.audience}.pdf")
    out.write_bytes(pdf)
    _say(f"Skrev {out} ({len(pdf) / 1000:.0f} kB).")
    return 0


def _cmd_presence_propose(args: argparse.Namespace, engine: Engine) -> int:
    from geo.commands.presence import proposal_csv, propose_for_week

    units = [u.strip() for u in args.units.split(",")] if args.units else None
    shifts = [s.strip() for s in args.shifts.split(",")] if args.shifts else None
    run = propose_for_week(engine, args.week, hours=args.hours, units=units, shifts=shifts,
                           inland_min=args.inland_min, max_hours_per_area=args.max_area)  # fmt: skip
    proposal = run.proposal
    _say(f"Förslag för vecka {args.week}: {proposal.placed_minutes} av {proposal.requested_minutes} minuter "
         f"i {len(proposal.visits)} besök.")  # fmt: skip
    for item in proposal.unplaced:
        _say(
            f"  Kunde inte placeras: {item.minutes} min{' i ' + item.name if item.name else ''} – {item.reason}"
        )
    if args.out:
        Path(args.out).write_bytes(proposal_csv(run.table))
        _say(f"Skrev {args.out}.")
    else:
        _say(run.table.drop(columns="Varför").to_string(index=False))
    return 0


def _cmd_presence_import(args: argparse.Namespace, engine: Engine) -> int:
    from geo.commands.presence import import_file

    report = import_file(engine, Path(args.path), who=args.by, dry_run=args.dry_run,
                         swedish_dates=args.svenska_datum)  # fmt: skip
    _say(report.text())
    return 0 if report.accepted else 2


def _cmd_presence_export(args: argparse.Namespace, engine: Engine) -> int:
    from geo.commands.presence import export_week

    data = export_week(engine, args.week, args.format)
    if args.out:
        Path(args.out).write_bytes(data)
        _say(f"Skrev {args.out}.")
    else:
        sys.stdout.buffer.write(data)
    return 0


def _cmd_backup(args: argparse.Namespace, engine: Engine) -> int:
    from geo.store.backup import backup, default_backup_path, prune_backups

    folder = args.settings.data_dir / "backups"
    out = Path(args.out) if args.out else default_backup_path(folder, engine.dialect.name)
    info = backup(engine, out)
    _say(
        f"Säkerhetskopia skriven: {info.path} ({formats.number(info.size_bytes / 1e6, 1)} MB, schema {info.revision})."
    )
    if args.keep_days:
        removed = prune_backups(out.parent, keep_days=args.keep_days)
        _say(f"{len(removed)} säkerhetskopior äldre än {args.keep_days} dagar borttagna.")
    return 0


def _cmd_restore(args: argparse.Namespace, engine: Engine) -> int:
    from geo.store.backup import restore

    if not args.yes:
        raise GeoError(
            f"restore ersätter hela databasen med innehållet i {args.path}. Stoppa tjänsten "
            "(systemctl stop lagesbild), ta en säkerhetskopia av nuläget och kör igen med --yes."
        )
    info = restore(engine, Path(args.path))
    _say(
        f"Databasen återställd från {info.path} (schema {info.revision}, nu uppgraderad till senaste)."
    )
    return 0


def _cmd_retention(args: argparse.Namespace, engine: Engine) -> int:
    from geo.store.retention import apply_retention, parse_age

    months = parse_age(args.older_than)
    report = apply_retention(engine, months=months, who=args.by, dry_run=args.dry_run,
                             log_dir=args.settings.data_dir / "logs")  # fmt: skip
    _say(report.text())
    return 0


def _cmd_settings(args: argparse.Namespace, _engine: Engine | None) -> int:
    settings = args.settings
    for name, meaning in ENVIRONMENT.items():
        _say(f"{name}\n    {meaning}")
    _say(f"\nI kraft nu: datamapp {settings.data_dir}, databas {settings.database_url}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (also used to document the commands)."""
    parser = SwedishArgumentParser(prog="python -m geo", description="Lägesbild Falkenberg")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="skapa eller uppgradera databasen")
    init.add_argument(
        "--demo-if-empty", action="store_true", help="skapa demodata om databasen saknar händelser"
    )
    init.add_argument("--years", type=int, default=3)
    init.add_argument("--seed", type=int, default=1)
    init.set_defaults(handler=_cmd_init)

    demo = commands.add_parser("demo", help="skapa syntetiska demodata")
    demo.add_argument("--years", type=int, default=3)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--end", help="första månad som INTE ingår, ÅÅÅÅ-MM (standard: innevarande)")
    demo.add_argument("--replace", action="store_true", help="ersätt tidigare demodata")
    demo.set_defaults(handler=_cmd_demo)

    areas = commands.add_parser("areas", help="områdeslager").add_subparsers(
        dest="areas_command", required=True
    )
    area_import = areas.add_parser("import", help="importera ett officiellt områdeslager")
    area_import.add_argument("path")
    area_import.add_argument(
        "--crs",
        help="filens koordinatsystem om den saknar eller har fel: EPSG:4326, EPSG:3006, EPSG:3021",
    )
    area_import.add_argument("--code-field", help="kolumn med områdeskod")
    area_import.add_argument("--name-field", help="kolumn med områdesnamn")
    area_import.add_argument("--zones", help="CSV med area_code;zone[;population] för nya koder")
    area_import.add_argument(
        "--by", default=getpass.getuser(), help="vem som importerar (för importloggen)"
    )
    area_import.set_defaults(handler=_cmd_areas_import)
    builtin = areas.add_parser("use-builtin", help="gå tillbaka till det inbyggda lagret")
    builtin.set_defaults(handler=_cmd_areas_builtin)
    generate = areas.add_parser(
        "generate-builtin", help="generera om data/areas/builtin_regso.geojson"
    )
    generate.set_defaults(handler=_cmd_areas_generate, needs_db=False)
    listing = areas.add_parser("list", help="visa det aktiva lagret")
    listing.set_defaults(handler=_cmd_areas_list)

    importing = commands.add_parser("import", help="importera data").add_subparsers(
        dest="import_command", required=True
    )
    incident_import = importing.add_parser(
        "incidents", help="importera händelser ur en fil (allt eller inget)"
    )
    incident_import.add_argument("path")
    incident_import.add_argument("--source", choices=("polis", "kommun", "region"), default="polis")
    incident_import.add_argument("--format", choices=("csv", "xlsx", "geojson", "gpkg", "polisen"))
    incident_import.add_argument(
        "--crs",
        help="koordinatsystem för x/y: EPSG:4326, EPSG:3006 (standard för x/y) eller EPSG:3021",
    )
    incident_import.add_argument(
        "--profile", default="standard", help="importprofil i data/import_profiles/"
    )
    incident_import.add_argument(
        "--exclude",
        help="rader (CSV/Excel) eller objekt (GeoJSON, polisen.se) att undanta, med numren felmeddelandena anger, t.ex. 12,15-18",
    )
    incident_import.add_argument(
        "--map",
        action="append",
        metavar="FÄLT=KOLUMN",
        help="välj kolumn för ett fält när rubriken inte känns igen, t.ex. --map raw_type=Brottskategori "
        "(fält: occurred_at, date, time, tz, raw_type, x, y, lon, lat, area_code, area_name, description, source_id)",
    )
    incident_import.add_argument(
        "--svenska-datum",
        action="store_true",
        help="datum med snedstreck eller punkter är dag/månad/år (t.ex. 10/01/2026 = 10 januari)",
    )
    incident_import.add_argument(
        "--group",
        action="append",
        metavar="TYP=GRUPP",
        help="lägg en okänd händelsetyp i en kategorigrupp, t.ex. --group Nedskräpning=ordning",
    )
    incident_import.add_argument(
        "--outside",
        choices=("fråga", "närmaste", "undanta"),
        default="fråga",
        help="punkter högst 500 m utanför alla områden: fråga (fel med närmaste område), närmaste eller undanta",
    )
    incident_import.add_argument(
        "--dry-run", action="store_true", help="kontrollera bara; spara inget"
    )
    incident_import.add_argument(
        "--by", default=getpass.getuser(), help="vem som importerar (för importloggen)"
    )
    incident_import.set_defaults(handler=_cmd_import_incidents)
    api_import = importing.add_parser(
        "polisen-api", help="hämta och importera händelser från polisen.se"
    )
    api_import.add_argument("--date", help="DateTime-filter, t.ex. 2026-11 eller 2026-11-26")
    api_import.add_argument("--dry-run", action="store_true")
    api_import.add_argument("--by", default=getpass.getuser())
    api_import.set_defaults(handler=_cmd_import_polisen_api)
    survey_import = importing.add_parser(
        "survey", help="importera enkätsvar (CSV/Excel) med en kodbok (allt eller inget)"
    )
    survey_import.add_argument("path")
    survey_import.add_argument(
        "--codebook",
        help="kodbok (JSON); standard data/survey_codebook.json (NTU-koder), "
        "data/survey_codebook_1_5.json för en 1–5-skala",
    )
    survey_import.add_argument(
        "--layout",
        choices=("auto", "long", "wide"),
        default="auto",
        help="long = en rad per respondent och fråga (svar_id, omrade, fraga, svar), "
        "wide = en rad per respondent; standard: avgörs av rubrikerna",
    )
    survey_import.add_argument("--wave", help="enkätomgång (år) om filen saknar en kolumn för den")
    survey_import.add_argument(
        "--crs", help="koordinatsystem för x/y: EPSG:4326, EPSG:3006 eller EPSG:3021"
    )
    survey_import.add_argument("--source", default="medborgarenkät", help="enkätens namn")
    survey_import.add_argument("--dry-run", action="store_true", help="kontrollera bara")
    survey_import.add_argument("--by", default=getpass.getuser())
    survey_import.set_defaults(handler=_cmd_import_survey)
    indicator_import = importing.add_parser(
        "indicators",
        help="importera indikatorer från kommun/region: area_code, period, indicator, value, unit, source",
    )
    indicator_import.add_argument("path")
    indicator_import.add_argument("--dry-run", action="store_true", help="kontrollera bara")
    indicator_import.add_argument("--by", default=getpass.getuser())
    indicator_import.set_defaults(handler=_cmd_import_indicators)

    publish = commands.add_parser(
        "publish", help="skriv den publika kartan (statisk webbplats) bakom röjandekontrollen"
    )
    publish.add_argument("--out", required=True, help="mapp att skriva webbplatsen till")
    publish.add_argument(
        "--months", type=int, default=12, help="antal hela, avslutade månader (standard 12)"
    )
    publish.set_defaults(handler=_cmd_publish)

    hotspots = commands.add_parser(
        "hotspots", help="skriv Gi*-hotspots per ruta (GeoJSON eller CSV) för QGIS/ArcGIS"
    )
    hotspots.add_argument(
        "--period",
        help="2025, 2025-Q3, 2025-09 eller 2025-01..2025-06 (standard: de senaste 12 avslutade månaderna)",
    )
    where = hotspots.add_mutually_exclusive_group()
    where.add_argument(
        "--area", nargs="+", metavar="CODE", help="studieområde: ett eller flera områden"
    )
    where.add_argument(
        "--zone", nargs="+", choices=("tätort", "kust", "inland"), help="studieområde: zon"
    )
    hotspots.add_argument("--cell", type=int, default=250, help="rutstorlek i meter (standard 250)")
    hotspots.add_argument("--harm", action="store_true", help="vikta med skadeindex")
    hotspots.add_argument(
        "--out", help="cells.geojson eller cells.csv (standard: hotspots.geojson)"
    )
    hotspots.set_defaults(handler=_cmd_hotspots)
    report = commands.add_parser("report", help="skriv mötesunderlaget som PDF")
    report.add_argument(
        "--period",
        help="2025, 2025-Q3, 2025-09 eller 2025-01..2025-06 (standard: de senaste 12 avslutade månaderna)",
    )
    report.add_argument("--audience", choices=("samverkan", "polis"), default="samverkan")
    report.add_argument(
        "--out", help="PDF-fil att skriva (standard: lagesbild_PERIOD_MOTTAGARE.pdf)"
    )
    report.set_defaults(handler=_cmd_report)

    presence = commands.add_parser("presence", help="närvaroplanering (polis)").add_subparsers(
        dest="presence_command", required=True
    )
    propose = presence.add_parser(
        "propose", help="föreslå veckans korta besök per område och enhet"
    )
    propose.add_argument("--week", required=True, help="ISO-vecka, t.ex. 2026-W50")
    propose.add_argument("--hours", type=float, required=True, help="patrulltimmar att fördela")
    propose.add_argument("--units", help="enheter, kommaseparerade (standard: alla aktiva)")
    propose.add_argument("--shifts", help="pass, kommaseparerade (standard: alla)")
    propose.add_argument(
        "--inland-min", type=float, default=0.3, help="minsta andel i inlandet (0–1)"
    )
    propose.add_argument("--max-area", type=float, default=8.0, help="högst timmar per område")
    propose.add_argument("--out", help="skriv förslaget som CSV (Excel) hit")
    propose.set_defaults(handler=_cmd_presence_propose)
    presence_import = presence.add_parser(
        "import", help="importera en närvarologg (allt eller inget)"
    )
    presence_import.add_argument("path")
    presence_import.add_argument("--dry-run", action="store_true", help="kontrollera bara")
    presence_import.add_argument("--by", default=getpass.getuser(), help="vem som importerar")
    presence_import.add_argument(
        "--svenska-datum",
        action="store_true",
        help="datum med snedstreck eller punkter är dag/månad/år (t.ex. 28/12/2026 20:00)",
    )
    presence_import.set_defaults(handler=_cmd_presence_import)
    export = presence.add_parser("export", help="exportera veckans plan")
    export.add_argument("--week", required=True, help="ISO-vecka, t.ex. 2026-W50")
    export.add_argument("--format", choices=("csv", "ics"), default="csv")
    export.add_argument("--out", help="fil att skriva (standard: standard ut)")
    export.set_defaults(handler=_cmd_presence_export)

    backup = commands.add_parser(
        "backup", help="säkerhetskopiera databasen (SQLite online, PostgreSQL med pg_dump)"
    )
    backup.add_argument(
        "--out",
        help="fil att skriva (standard: <datamapp>/backups/lagesbild-ÅÅÅÅMMDD-TTMMSS.db|.dump)",
    )
    backup.add_argument(
        "--keep-days",
        type=int,
        help="ta sedan bort säkerhetskopior äldre än så många dagar i samma mapp",
    )
    backup.set_defaults(handler=_cmd_backup)
    restore = commands.add_parser(
        "restore", help="ersätt databasen med en säkerhetskopia (stoppa tjänsten först)"
    )
    restore.add_argument("path", help="säkerhetskopian (.db för SQLite, .dump för PostgreSQL)")
    restore.add_argument("--yes", action="store_true", help="ja, ersätt hela databasen")
    restore.set_defaults(handler=_cmd_restore)
    retention = commands.add_parser(
        "retention", help="gallra händelser äldre än policyn (med en rad i importloggen)"
    )
    retention.add_argument(
        "--older-than", required=True, help="policyn, t.ex. 36m (månader) eller 3y; minst 24m"
    )
    retention.add_argument("--dry-run", action="store_true", help="räkna bara; radera inget")
    retention.add_argument("--by", default=getpass.getuser(), help="vem som gallrar (för loggen)")
    retention.set_defaults(handler=_cmd_retention)

    settings = commands.add_parser("settings", help="visa inställningar och miljövariabler")
    settings.set_defaults(handler=_cmd_settings, needs_db=False)

    serve = commands.add_parser(
        "serve", help="starta appen (vägrar en adress som andra datorer når utan inloggning)"
    )
    serve.add_argument("--address", default="127.0.0.1", help="adressen servern lyssnar på")
    serve.add_argument("--port", type=int, default=8501, help="porten (8501)")
    serve.add_argument(
        "--secrets-file", action="append", default=[], metavar="FIL",
        help="hemligheter för inloggningen utanför repot, t.ex. /etc/lagesbild/secrets.toml",
    )  # fmt: skip
    serve.set_defaults(handler=_cmd_serve, needs_db=False)
    return parser


def _cmd_serve(args: argparse.Namespace, _engine: Engine | None) -> int:
    from geo.commands.serve import serve

    extra = ["--secrets.files", ",".join(args.secrets_file)] if args.secrets_file else []
    serve(args.address, args.port, extra)
    return 0  # not reached: serve() replaces this process with Streamlit


EXIT_REFUSED = 2
"""A GeoError: the input or the request was refused (the message says why and how to fix it)."""
EXIT_STORAGE = 3
"""The disk or the database would not store anything (full, read-only, no permission)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code.

    GeoErrors are printed in Swedish and give exit code 2, a full or read-only disk or database exit
    code 3, anything else 1 (logged).
    """
    from geo.errors import StorageError, storage_error

    args = build_parser().parse_args(argv)
    try:
        args.settings = load_settings()  # read once; every command takes them from args
        engine = (
            make_engine(args.settings.database_url) if getattr(args, "needs_db", True) else None
        )
        return int(args.handler(args, engine))
    except StorageError as error:
        print(f"Avbrutet: {error}", file=sys.stderr)
        return EXIT_STORAGE
    except GeoError as error:
        print(f"Avvisat: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as error:
        storage = storage_error(error)
        if storage is not None:
            print(f"Avbrutet: {storage}", file=sys.stderr)
            return EXIT_STORAGE
        print(unexpected_error(args), file=sys.stderr)
        return 1


def unexpected_error(args: argparse.Namespace) -> str:
    """Log the traceback of an unexpected exception to the data folder; a Swedish sentence back."""
    import logging
    import traceback

    from geo.errors import log_unexpected

    path = getattr(args, "path", None)
    log_file = log_unexpected(traceback.format_exc())
    logging.getLogger("lagesbild").debug("unexpected error logged to %s", log_file)
    where = f"det är loggat i {log_file}" if log_file else "det är loggat i tjänstens logg"
    subject = f" vid {Path(path).name}" if path else ""
    unchanged = (
        " Importen avbröts och databasen är oförändrad."
        if getattr(args, "command", "") == "import"
        else ""
    )
    return (
        f"Ett oväntat fel inträffade{subject}.{unchanged} Felet är ett programfel, inte ett fel i "
        f"din fil: {where}. Kontakta den som förvaltar Lägesbild Falkenberg."
    )
