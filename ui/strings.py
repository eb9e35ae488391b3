"""Every Swedish UI text in one place, so it can be reviewed and translated."""

APP_TITLE = "Lägesbild Falkenberg"
APP_SUBTITLE = "Medborgarlöftet: Falkenbergs kommun, Region Halland och lokalpolisområde Falkenberg"

ROLE_LABELS = {
    "polis": "Polis (lokalpolisområde Falkenberg)",
    "samverkan": "Samverkan (kommun, region, kommunpolis)",
    "publik": "Allmänheten",
    "admin": "Administratör (användare och åtkomstlogg)",
}
ROLE_PICKER = "Roll"
LOCAL_MODE_BANNER = (
    "**Lokalt läge** – ingen inloggning är konfigurerad. Appen nås bara från den här datorn "
    "(127.0.0.1) och rollen väljs i sidomenyn. Använd inte lokalt läge på en delad server."
)
NOT_LOCAL_ERROR = (
    "**Appen startar inte:** den lyssnar på {address}, men ingen inloggning är konfigurerad. Lokalt "
    "läge (roll i sidomenyn, ingen inloggning) körs bara på den här datorn (127.0.0.1).\n\n"
    "- För en dator: starta med `./run.sh` (lyssnar på 127.0.0.1).\n"
    "- För en delad server: konfigurera inloggning via organisationernas IdP i "
    "`.streamlit/secrets.toml` (mall: `.streamlit/secrets.example.toml`, se README "
    '"Inloggning") och starta om.'
)

#: Navigation icons: Material Symbols (shipped with Streamlit as a font), not emoji, which render
#: as empty boxes on a computer without an emoji font.
PAGE_ICONS = {
    "oversikt": ":material/map:",
    "hotspots": ":material/local_fire_department:",
    "lagesbild": ":material/handshake:",
    "uppfoljning": ":material/task_alt:",
    "planera": ":material/calendar_month:",
    "narvaro": ":material/balance:",
    "importera": ":material/upload_file:",
    "publik": ":material/public:",
    "om": ":material/info:",
    "admin": ":material/admin_panel_settings:",
}
APP_FAVICON = "🗺️"
"""The browser tab's icon stays an emoji: Streamlit fetches a Material favicon from
fonts.gstatic.com, which the app must never call (offline, CSP); the tab draws emoji itself."""
PAGE_REFUSED = "Sidan kan inte visas: öppna appen från startsidan och välj en roll som får se den."
PAGE_OVERVIEW = "Översikt"
PAGE_HOTSPOTS = "Hotspots"
PAGE_PLAN = "Planera närvaro"
PAGE_NEED = "Närvaro mot behov"
POLICE_ONLY = "Endast för polisen. Närvaroplaner lämnar aldrig polisen och visas inte för samverkan eller allmänheten."
PLAN_WEEK = "Vecka (välj en dag i veckan)"
PLAN_NEW = "Ny närvaro"
PLAN_AREA = "Område"
PLAN_DAY = "Dag"
PLAN_TIME = "Starttid"
PLAN_MINUTES = "Längd (minuter)"
PLAN_UNIT = "Enhet"
PLAN_KIND = "Typ"
PLAN_PURPOSE = "Syfte"
PLAN_ACTIVITY = "Aktivitet i medborgarlöftet (frivilligt)"
PLAN_NOTES = "Anteckningar (skriv aldrig personnummer)"
PLAN_POINT = "Punkt i området (frivilligt)"
PLAN_POINT_HELP = "E N i SWEREF 99 TM, t.ex. 362198 6335363. Punkten måste ligga i området."
PLAN_ROUTE = "Rutt i området (frivilligt)"
PLAN_ROUTE_HELP = (
    "Punkter E N i SWEREF 99 TM åtskilda med semikolon, t.ex. 362198 6335363; 362400 6335500."
)
PLAN_SAVE = "Lägg till i planen"
PLAN_SAVED = "Närvaropost {id} sparad."
PLAN_NEED_PROFILE = "När händer det i området? (timme × veckodag, senaste året)"
PLAN_EMPTY = "Inget planerat denna vecka."
PLAN_EDIT = "Ändra, ställ in eller markera som genomförd"
PLAN_ENTRY = "Närvaropost"
PLAN_UPDATE = "Spara ändring"
PLAN_DONE = "Markera genomförd"
PLAN_ACTUAL_START = "Faktisk start"
PLAN_ACTUAL_MINUTES = "Faktisk längd (minuter)"
PLAN_TACTICS = "Taktik"
PLAN_EXPORTS = "Exportera veckoplanen"
PLAN_PROPOSAL = "Förslag för vecka {week}: korta besök efter behov"
PLAN_PROPOSAL_HOURS = "Patrulltimmar vecka {week}"
PLAN_INLAND_MIN = "Minst andel i inlandet (%)"
PLAN_MAX_AREA = "Högst timmar per område"
PLAN_PROPOSAL_ADD = "Lägg valda rader i planen"
PLAN_PROPOSAL_EXPLAIN = "Timmarna fördelas efter områdenas andel av det skadeviktade behovet det senaste året, med minsta andel för inlandet och tak per område, som korta besök (Koper) som tillsammans blir exakt de timmar du anger. Besöken läggs på områdets mest belastade timmar i veckan, aldrig samma timme två gånger, på varierade minuter, bara framåt i tiden och inom valda pass, fördelade på valda enheter utan dubbelbokning (med uppskattad restid mellan områden). Det som inte får plats listas med skälet. Varje rad kan ändras före den läggs in; tider är svensk tid."
PLAN_GPS = "GPS-logg → genomförd närvaro"
PLAN_GPS_FILE = "GPS-logg (CSV unit;time;lat;lon eller GPX)"
PLAN_GPS_VS_PLAN = "GPS mot plan: uppmätta minuter per område mot planerade minuter samma dagar"
PLAN_GPS_SAVE = "Spara vistelserna som genomförd närvaro"
PLAN_GPS_FOUND = "{n} vistelser på minst {minutes} minuter i ett område (genomfart räknas inte)."
# Planning with units and shifts (issue 18)
PLAN_WHO = "Planerare (ditt namn)"
PLAN_WHO_HELP = (
    "Ditt namn eller din tjänstebeteckning; sparas i närvarologgens historik. Inga personnummer."
)
PLAN_WEEK_TITLE = "Vecka {week} ({first} – {last})"
PLAN_WEEK_GRID = (
    "Enheter × dagar (svensk tid). Blått = planerad, grönt = genomförd, överstruket = inställd."
)
PLAN_UNIT_LOAD = "Enheternas belastning denna vecka"
PLAN_UNIT_LOAD_COLUMNS = {"unit": "Enhet", "kind": "Typ", "home_base": "Hemstation", "visits": "Besök",
                          "planned_hours": "Planerade timmar", "done_hours": "Genomförda timmar",
                          "booked_share": "Andel av passens tid"}  # fmt: skip
PLAN_AREA_HOURS = "Timmar per område mot behov"
PLAN_AREA_HOURS_COLUMNS = {"name": "Område", "zone": "Zon", "need_share": "Andel av behovet", "planned_hours": "Planerade timmar",
                           "planned_share": "Andel av planen", "done_hours": "Genomförda timmar"}  # fmt: skip
PLAN_MAP_MEASURE = "Kartan visar"
PLAN_MAP_MEASURES = {
    "planned": "Planerade minuter",
    "remaining": "Kvar att genomföra (minuter)",
    "done": "Genomförda minuter",
}
PLAN_MAP_NO_HOURS = "Grå: inget planerat denna vecka."
PLAN_AREA_FACTS = "{name}: {share} av behovet senaste året · senaste genomförda närvaro: {last} · denna vecka på kartan: {week} min"
PLAN_AREA_NEVER = "aldrig i perioden"
PLAN_MAP_CLICK = "Klicka på ett område för att se dess veckoprofil, behov och senaste närvaro under Ny närvaro och planera ett besök där."
PLAN_SHIFT = "Pass"
PLAN_SHIFT_AUTO = "(passet som besöket ligger i)"
PLAN_MOVE_DAY = "Ny dag"
PLAN_MOVE_TIME = "Ny starttid"
PLAN_PROPOSAL_UNITS = "Enheter"
PLAN_PROPOSAL_SHIFTS = "Pass"
PLAN_PROPOSAL_VISIT = "Besökslängd (minuter, 10–20)"
PLAN_PROPOSAL_SUMMARY = "{placed} av {requested} minuter placerade i {n} besök."
PLAN_PROPOSAL_UNPLACED = "Kunde inte placeras: {minutes} min{area} – {reason}"
PLAN_PROPOSAL_ADDED = "{added} besök lagda i planen."
PLAN_PROPOSAL_REFUSED = "Rad {row} lades inte in: {message}"
PLAN_PROPOSAL_BAD_TIME = "Rad {row}: {value!r} är ingen tid; skriv ÅÅÅÅ-MM-DD TT:MM."
PLAN_UNITS = "Enheter och pass"
PLAN_UNITS_EXPLAIN = "Enheterna och passmönstren är data som polisen själv ändrar. Varje ändring sparas mot den version du öppnade."
PLAN_UNIT_PICK = "Enhet att ändra"
PLAN_UNIT_NEW = "(ny enhet)"
PLAN_UNIT_NAME = "Namn"
PLAN_UNIT_KIND = "Typ av enhet"
PLAN_UNIT_BASE = "Hemstation"
PLAN_UNIT_ACTIVE = "Aktiv"
PLAN_UNIT_SAVE = "Spara enheten"
PLAN_SHIFT_PICK = "Pass att ändra"
PLAN_SHIFT_NEW = "(nytt pass)"
PLAN_SHIFT_START = "Börjar (TT:MM)"
PLAN_SHIFT_END = "Slutar (TT:MM, 24:00 eller nästa dag)"
PLAN_SHIFT_SAVE = "Spara passet"
PLAN_SAVED_OK = "Sparat."
PLAN_DONE_OK = "Närvaropost {id} markerad som genomförd."
PLAN_CANCELLED_OK = "Närvaropost {id} inställd."
PLAN_IMPORT = "Importera en närvarologg (CSV eller Excel)"
PLAN_IMPORT_EXPLAIN = "Kolumner: id (tom för ny post), unit, area, start, end, kind, status, purpose, version. Tider i svensk tid (ÅÅÅÅ-MM-DD TT:MM). Allt eller inget: en enda felaktig rad stoppar hela filen och rapporten namnger raderna."
PLAN_IMPORT_FILE = "Närvarologg"
PLAN_IMPORT_CHECKED = "{n} {rows} kontrollerade: {new} nya, {changed} ändrade. Inget är sparat än."
PLAN_IMPORT_REFUSED = (
    "{file}: närvarologgen avvisades; inget sparades. Rätta raderna nedan och ladda upp filen igen."
)
PLAN_IMPORT_CONFIRM = "Importera närvarologgen"
PLAN_IMPORT_DONE = "Närvarologgen är importerad: {n} {rows}."
PLAN_IMPORT_MORE = "… och {n} till av samma slag (alla står i rapporten nedan)."
PLAN_IMPORT_WARNING = "Flaggat: {where} – {message}"
PLAN_ROUND = "Runda genom inlandet"
PLAN_ROUND_EXPLAIN = "Passets besök i ordning från enhetens hemstation och tillbaka, vald av en ruttlösare (OR-Tools) med restid och besökens längd inom passet. Restiden är {source}."
PLAN_ROUND_PICK = "Enhet, dag och pass"
PLAN_ROUND_NONE = "Inga planerade besök för enheten i passet."
PLAN_ROUND_ROW = "{arrive} {place} ({travel} min resa)"
PLAN_GPS_COLUMNS = {
    "unit": "Enhet",
    "area": "Område",
    "start": "Från",
    "end": "Till",
    "minutes": "Minuter",
}
PLAN_ROUND_SKIPPED = "Hinns inte med i passet: {places}"
PLAN_TRAVEL_FILE = "Restidstabell (CSV from,to,minutes,source) som ersätter uppskattningen"
PLAN_TRAVEL_IMPORTED = "importerad från {name} (annars {estimate})"
PLAN_ROUND_DUTY = "{unit} · {day} · {shift}"
PLAN_ENTRY_LABEL = "#{id}: {day} {start}–{end} · {area} · {unit} · {status}"
PLAN_VERSION = "Version {version}, senast ändrad av {who}"
PLAN_STATUS = "Status"
PLAN_DAYS_AGO = "{days} dagar sedan"
PLAN_EXPORT_CSV = "CSV (Excel)"
PLAN_EXPORT_ICS = "iCalendar"
PLAN_EXPORT_HTML = "Utskrift (HTML)"
PLAN_PRINT_TITLE = "Närvaroplan vecka {week}"
PLAN_PROPOSAL_IN = " i {name}"
PLAN_PROPOSAL_START_HELP = "ÅÅÅÅ-MM-DD TT:MM, svensk tid"
PLAN_GPS_VS_PLAN_COLUMNS = {
    "area_code": "Område",
    "gps_minutes": "Minuter enligt GPS",
    "planned_minutes": "Planerade minuter",
}
PLAN_GPS_SAVED = "{count} vistelser sparade som genomförd närvaro."
NEED_HOURS = "Timmar som räknas för behovet (svensk tid)"
NEED_TABLE = "Behov och levererad närvaro per område"
NEED_GAPS = "Täckningsluckor: stort behov, ingen närvaro på minst 14 dagar"
NEED_NO_GAPS = "Inga täckningsluckor i perioden."
NEED_INLAND = "Åtagandet i inlandet"
NEED_TARGET = "Mål, timmar per vecka i inlandet"
NEED_KOPER = "Besökslängder och Koperkurvan"
NEED_VISITS = "n = {n} genomförda besök, median {median} min; levererat {share} av planerad tid för dessa besök."
NEED_VISIT_MINUTES = "Besökets längd (minuter)"
NEED_VISIT_COUNT = "Besök"
ALL_HOURS = "Alla timmar"
NEED_PERIOD = "Händelser räknas {first} – {last} (till och med den sista händelsen i urvalet); närvaro räknas {first} – {presence_last}{today}."
NEED_KOPER_BINS = "Klasser i minuter, halvöppna: [10, 15) betyder från 10 till under 15 minuter, så ett besök på 15 minuter räknas i [15, 20)."
NEED_TODAY = " (i dag)"
NEED_CAPTION = (
    "{first} – {last} · behov = skadeviktade händelser{hours} · närvaro = genomförda timmar"
)
NEED_CAPTION_HOURS = " kl {hours}"
NEED_GAP_LINE = "- **{name}**: {share} av behovet, ingen närvaro på {days}"
NEED_GAP_NEVER = "aldrig i perioden"
NEED_GAP_DAYS = "{days} dagar"
NEED_SHARE_LABELS = {"need_share": "Behov", "delivered_share": "Närvaro"}
NEED_SHARE_AXES = ("Område", "Andel")
NEED_INLAND_WEEK_COLUMNS = {
    "period": "Vecka",
    "delivered_hours": "Levererat (h)",
    "target_hours": "Mål (h)",
    "met": "Uppnått",
}
NEED_INLAND_MONTH_COLUMNS = {**NEED_INLAND_WEEK_COLUMNS, "period": "Månad"}
NEED_COLUMNS = {
    "name": "Område",
    "zone": "Zon",
    "need_share": "Andel av behovet",
    "delivered_hours": "Levererade timmar",
    "delivered_share": "Andel av närvaron",
    "gap": "Skillnad",
    "days_since_presence": "Dagar sedan närvaro",
}
AREA_FILTER = "Område"
ALL_AREAS = "Hela kommunen"
COMPARE_LABEL = "Jämför med föregående period"
COMPARE_RESULT = (
    "Föregående period ({first} – {last}): {hot} hotspotrutor (99/95/90 %), nu {hot_now}. "
    "Rutor som är hotspots i båda perioderna: {both}."
)
PLAIN_COUNTS = "Antal händelser per område i stället (för få för Gi*):"
HOTSPOTS_HEADER = "Var och när: hotspots"
CELL_SIZE_LABEL = "Rutstorlek (m)"
WEIGHTED_LABEL = "Vikta med skadeindex"
POINTS_LABEL = "Visa händelser som punkter"
POINTS_TOO_MANY = "{n} händelser är för många att visa som punkter (högst {limit}); filtrera mer."
HOTSPOT_LEGEND = "Gi*-hotspots"
HOTSPOT_METHOD = (
    "Studieområde: {region} ({cells} rutor à {size} m, land inom området). Getis-Ord Gi* med rutan "
    "själv, testad mot slumpvis placering av händelserna inom studieområdet, med hänsyn till att "
    "händelser klumpar sig (överspridning φ = {phi}; exakt test och {permutations} simuleringar, "
    "frö {seed}); p-värdena är justerade för falska upptäckter "
    "(Benjamini–Hochberg) över områdets alla rutor. {without} händelser utan punkt och {outside} "
    "utanför områdets rutor ingår inte."
)
EMERGING_HEADER = "Trendklasser de senaste 12 månaderna"
EMERGING_EXPLAIN = (
    "Studieområde: {region}. Gi* per månad (FDR-justerat per månad) och Mann-Kendalls trendtest på "
    "varje rutas Gi*-z-serie, justerat för falska upptäckter över rutorna ({first} – {last}); samma "
    "klasser för kalla fläckar. Ny = bara sista månaden; "
    "sammanhängande = en obruten följd till sista månaden; ihållande/förstärkt/avtagande = minst 90 % av "
    "månaderna; sporadisk/pendlande = av och på; historisk = inte längre."
)
EMERGING_AREAS = "Områden med trendhotspots"
EMERGING_TOGGLE = "Beräkna trendklasser"
HOTSPOT_CLASS = "Klass"
HOTSPOT_CELLS = "Rutor"
EMERGING_COLUMNS = {"name": "Område", "emerging_class": HOTSPOT_CLASS, "cells": HOTSPOT_CELLS}
EMERGING_OFF = "Trendklasserna beräknas på begäran (Gi* per månad och trendtest per ruta)."
WEEK_HEADER = "När: timme och veckodag"
WEEK_CAPTION = "{first} – {last}, n = {n} · svensk tid · Källa: {source}"
WEEKDAYS = ["mån", "tis", "ons", "tor", "fre", "lör", "sön"]
HOUR = "Timme"
WEEKDAY = "Veckodag"
COUNT = "Antal"
PAGE_ABOUT = "Om lägesbilden"
PAGE_IMPORT = "Importera"

IMPORT_HEADER = "Importera händelser"
IMPORT_INTRO = (
    "Filen kontrolleras först i sin helhet. Bara en fil utan fel kan importeras, och då allt på en "
    "gång; vid minsta fel sparas ingenting. Personnummer i fritext tas bort innan något sparas."
)
IMPORT_FILE = "Fil (CSV, Excel, GeoJSON, GeoPackage eller polisen.se-JSON)"
IMPORT_SOURCE = "Källa"
SOURCE_LABELS = {"polis": "Polisen", "kommun": "Falkenbergs kommun", "region": "Region Halland"}
IMPORT_PROFILE = "Importprofil"
IMPORT_CRS = "Koordinatsystem för x/y"
IMPORT_PROFILE_HELP = (
    "Vilka kolumnnamn och vilka datum- och talformat filen har. Profilerna ligger i "
    "data/import_profiles/ (på kommandoraden: --profile och filens namn)."
)
CRS_CHOICES = {
    "": "Automatiskt (x/y = SWEREF 99 TM, lat/lon = WGS84)",
    "EPSG:3006": "SWEREF 99 TM (EPSG:3006)",
    "EPSG:4326": "WGS84 (EPSG:4326)",
    "EPSG:3021": "RT 90 2,5 gon V (EPSG:3021)",
}
IMPORT_EXCLUDE = "Undanta rader (frivilligt)"
IMPORT_EXCLUDE_HELP = "Radnummer som i rapporten, t.ex. 12,15-18. Undantagen sparas i importloggen."
IMPORT_BY = "Importeras av"
IMPORT_BY_HELP = "Ditt namn eller din tjänstebeteckning, för importloggen."
IMPORT_CHECKING = "Kontrollerar filen …"
IMPORT_RUNNING = "Importerar …"
IMPORT_PREVIEW = "Förhandsgranskning (de första raderna som de tolkats)"
IMPORT_REPORT = "Kontrollrapport"
PREVIEW_LINE = "Rad"
PREVIEW_COLUMNS = {
    "source_id": "Id",
    "occurred_at": "Tidpunkt (svensk tid)",
    "ended_at": "Sluttid",
    "raw_type": "Typ",
    "category": "Kategori",
    "harm_weight": "Skadevikt",
    "area_code": "Område",
    "location_precision": "Platsnoggrannhet",
    "x": "E (SWEREF 99 TM)",
    "y": "N (SWEREF 99 TM)",
    "description": "Beskrivning (granskad)",
}
IMPORT_REJECTED = "Filen kan inte importeras: rätta felen ovan eller undanta raderna uttryckligen. Inget har sparats."
IMPORT_CONFIRM = "Importera"
IMPORT_DONE = "Importen är klar: {new} nya, {updated} uppdaterade, {unchanged} fanns redan."
# --- Importera: column choice, unknown types, outside points, templates, limits (issue W2 1/7) ---
IMPORT_LIMIT = "Största fil: {mb} MB (inställningen LAGESBILD_MAX_IMPORT_MB)."
IMPORT_TEMPLATE = "Mall att fylla i"
IMPORT_TEMPLATE_CSV = "Ladda ner mall (CSV, semikolon)"
IMPORT_TEMPLATE_XLSX = "Ladda ner mall (Excel)"
IMPORT_SWEDISH_DATES = "Svenska datum (dag/månad/år)"
IMPORT_SWEDISH_DATES_HELP = "Kryssa i om datum skrivs 10/01/2026 eller 10.01.2026 för 10 januari."
IMPORT_OUTSIDE = "Punkter strax utanför alla områden (högst 500 m, t.ex. i en hamn)"
IMPORT_OUTSIDE_CHOICES = {
    "fråga": "Visa dem som fel (välj sedan)",
    "närmaste": "Räkna till närmaste område",
    "undanta": "Undanta",
}
IMPORT_MAP_HEADER = "Välj kolumner själv"
IMPORT_MAP_INTRO = (
    "Alla fält hittades inte bland filens rubriker. Välj vilken kolumn som innehåller vad; de "
    "första raderna står nedan exakt som de lästes. Tid anges antingen i en kolumn (tidpunkt) "
    "eller som datum + klockslag. Plats anges med x/y, lat/lon, områdeskod eller områdesnamn."
)
IMPORT_MAP_NONE = "(ingen)"
IMPORT_MAP_RAW = "Filens första rader (som de lästes)"
IMPORT_MAP_APPLY = "Kontrollera med detta kolumnval"
IMPORT_MAP_SAVE_NAME = "Spara kolumnvalet som importprofil (namn)"
IMPORT_MAP_SAVE = "Spara profilen"
IMPORT_MAP_SAVED = "Profilen {name!r} är sparad i {path} och finns nu i listan Importprofil."
IMPORT_TYPES_HEADER = "Okända händelsetyper"
IMPORT_TYPES_INTRO = (
    "Taxonomin känner inte till typerna nedan. Välj en kategorigrupp för varje typ; skadevikten "
    "blir då medianen för gruppens typer. Valen kan sparas så att nästa import känner igen dem."
)
IMPORT_TYPES_CHOOSE = "(välj grupp)"
IMPORT_TYPES_LABEL = "{value!r} ({n} {rows})"
IMPORT_TYPES_REMEMBER = "Kom ihåg valen till nästa import"
IMPORT_TYPES_APPLY = "Kontrollera med dessa grupper"
IMPORT_UNEXPECTED = (
    "Ett oväntat fel inträffade vid {file}. Inget har ändrats i databasen. Felet är ett programfel, "
    "inte ett fel i filen; detaljerna är loggade på servern. Kontakta den som förvaltar tjänsten."
)

SYNTHETIC_WARNING = (
    "**Syntetiska demodata** – händelser och enkätsvar är påhittade för demonstration, "
    "inte verkliga händelser i Falkenberg."
)
APPROXIMATE_BOUNDARIES = "Ungefärliga gränser (genererade, inte SCB:s)"
OFFICIAL_BOUNDARIES = "Områdesgränser: {source}"

PERIOD_LABEL = "Period"
PERIOD_HELP = "Hela dagar i svensk tid. Standard: de senaste tolv hela månaderna med data."
PERIOD_INVALID = "Välj både start- och slutdatum."
NO_DATA = "Det finns inga händelser i databasen. Kör `python -m geo init --demo-if-empty`."

OVERVIEW_HEADER = "Händelser per område"
GROUPS_LABEL = "Kategorier"
ZONES_LABEL = "Zoner"
CHOOSE = "Välj …"
"""Placeholder of every multiselect (Streamlit's own is "Choose options")."""
ZONE_LABELS = {"tätort": "Tätorten", "kust": "Kusten", "inland": "Inlandet"}
MEASURE_LABEL = "Färg efter"
MEASURES = {
    "count": "Antal händelser",
    "harm_index": "Skadeindex",
    "rate_per_1000": "Händelser per 1 000 invånare",
    "per_km2": "Händelser per km²",
}
MEASURE_DECIMALS = {"count": 0, "harm_index": 1, "rate_per_1000": 1, "per_km2": 1}
MEASURE_HELP = (
    "Antal: alla händelser. Skadeindex: händelserna vägda efter hur allvarliga de är. Per 1 000 "
    "invånare: bara där området har tillräckligt många invånare och händelser för en ärlig takt "
    "(annars grått). Per km²: antal delat med områdets yta, så att stora glesa områden som "
    "inlandet inte ser mörkast ut bara för att de är stora."
)
MEASURE_NO_RATE = "Grått: för få invånare eller händelser för en takt"
EXCLUDE_PI_LABEL = "Utan polisinitierade brott i skadeindex"
EXCLUDE_PI_HELP = "Narkotikainnehav, trafikbrott m.fl. mäter polisens egen aktivitet mer än skada."
KEY_HARM = "Skadeindex"
KEY_VS_PREVIOUS = "mot föregående period"
KEY_NO_PREVIOUS = (
    "Ingen jämförelse: föregående period ligger före de första uppgifterna i databasen."
)
TREND_HEADER = "Utveckling per månad och zon"
TREND_CAPTION = "Källa: {source}. Hela perioden i databasen, per kalendermånad i svensk tid."
CHANGES_HEADER = "Största förändringarna"
CHANGES_NONE = (
    "Ingen förändring är statistiskt säker i vald period (exakt Poissontest, justerat för att alla "
    "områden och jämförelser testas samtidigt)."
)
CHANGES_EXPLAIN = (
    "Förändringar prövas mot slumpen med ett exakt test för antal och jämför alltid lika långa "
    "perioder: {now} mot {previous} (perioden före) och mot {last_year} (samma period i fjol). "
    "Eftersom {family} jämförelser görs samtidigt är p-värdena justerade för det, så att högst "
    "5 % av det som listas väntas vara slump. Riktningen avgörs av antal per dag. Små tal visas som "
    "antal – en ökning från 2 till 4 är inte en säker förändring."
)
RATE_NOTE = (
    "Per 1 000 invånare visas bara där befolkningen (uppskattad) är minst {min_population} och "
    "antalet minst {min_count} (samma golv i mötesunderlaget och på den publika kartan)."
)
INDICATOR_COLUMNS = {
    "name": "Område",
    "zone": "Zon",
    "count": "Antal",
    "harm_index": "Skadeindex",
    "rate_per_1000": "Per 1 000 inv.",
    "rate_note": "Varför ingen takt",
    "change_previous": "Mot föregående period",
    "change_last_year": "Mot samma period i fjol",
}
TABLE_COLUMNS = {
    "name": "Område",
    "zone": "Zon",
    "count": "Antal händelser",
    "population": "Befolkning (uppskattning)",
}
CAPTION = "Period {start} – {end} · n = {n} händelser · Källa: {source}"
OUTSIDE_AREAS = "{n} händelser ligger utanför alla områden och räknas inte per område."
SOURCE_DEMO = "syntetiska demodata (Lägesbild Falkenberg)"
SOURCE_STORE = "händelser i databasen ({sources})"
POPULATION_NOTE_LABEL = "Om befolkningen"
KEY_TOTAL = "Händelser i perioden"
KEY_INLAND = "Varav i inlandet"

ABOUT_MARKDOWN = """
### Vad är lägesbilden?
Ett verktyg för medborgarlöftet i Falkenberg: polisens, kommunens och regionens data samt
medborgarenkäten samlas per område (stadsdelarna i Falkenbergs tätort, kusten och inlandet).

### Områdena
Standardindelningen är SCB:s 14 regionala statistikområden (RegSO) i Falkenberg. Utan ett
importerat officiellt lager visas **ungefärliga gränser** som genererats ur kända mittpunkter och
ytor; de ska inte användas för exakta gränsdragningar.

### Allmänhetens karta
Allmänheten ser bara sammanställningar per område och hel avslutad månad, med små antal dolda och
sekundär röjandekontroll. Den publika kartan är en statisk webbplats som skrivs med
`python -m geo publish --out MAPP` bakom en kontroll som stoppar allt som kan röja en person, en
plats eller en plan; sidan *Publik karta* visar exakt den webbplatsen.
"""

#: Every method term the tool shows, in plain Swedish: the glossary on *Om lägesbilden* and the
#: tooltips (``help=``) where the terms appear.
GLOSSARY = {
    "Skadeindex": (
        "Summan av händelsernas skadevikter: ett mått på hur allvarliga händelserna är, inte bara "
        "hur många. Vikten är ungefär straffvärdet i månader fängelse (Polisens brottsskadeindex), "
        "så ett rån väger mycket mer än en cykelstöld."
    ),
    "Per 1 000 invånare": (
        "Antal händelser delat med befolkningen, gånger 1 000. Visas bara där befolkningen och "
        "antalet är så stora att talet säger något."
    ),
    "Statistiskt säkerställd": (
        "En skillnad eller koncentration som är så tydlig att den knappast är en slump. Det säger "
        "inget om varför den finns."
    ),
    "p-värde": (
        "Hur troligt det vore att se en så stor skillnad bara av slump. Litet p (under 0,05) betyder "
        'att slumpen är en dålig förklaring. "p < 0,001" betyder mindre än en på tusen.'
    ),
    "Justerat p-värde (FDR, Benjamini–Hochberg)": (
        'När många områden prövas samtidigt blir några "säkra" av ren slump. Justeringen '
        "(Benjamini–Hochbergs metod) gör att högst 5 % av det som listas väntas vara falsklarm; FDR "
        "är andelen falsklarm bland fynden."
    ),
    "Konfidensintervall (95 % KI, Wilson)": (
        "Felmarginalen: det intervall där det verkliga värdet med 95 % säkerhet ligger. Enkätsvar "
        "från få personer ger ett brett intervall. Wilsons metod fungerar också för små grupper."
    ),
    "Poissontest": (
        "Ett exakt test för antal händelser: prövar om ett antal är högre eller lägre än vad man "
        "kan vänta sig, eller om två perioder skiljer sig mer än slumpen förklarar."
    ),
    "Newcombes intervall": (
        "Felmarginalen för skillnaden mellan två andelar, t.ex. andelen otrygga förra och i år."
    ),
    "Hotspot (Gi*)": (
        "Getis-Ord Gi* jämför antalet händelser i en ruta och rutorna runt den med hela området. "
        '"Hotspot 99 %" är en statistiskt säkerställd koncentration av händelser (med 99 % '
        'säkerhet); "Kall 90 %" är ett område med säkerställt färre händelser än väntat (90 % '
        "säkerhet)."
    ),
    "Överspridning (φ)": (
        "Händelser kommer ofta i klungor (samma adress, samma kväll), så antalen varierar mer än ren "
        "slump skulle ge. Testen tar hänsyn till det, så att en klunga inte ser ut som en hotspot. "
        "φ = 1 betyder ingen överspridning."
    ),
    "Trendklasser": (
        "Hur en hotspot har utvecklats månad för månad det senaste året: ny, ökande, ihållande, "
        "avtagande och så vidare."
    ),
    "WDD (viktad förskjutningsskillnad)": (
        "Jämför förändringen i områden med riktad närvaro med förändringen i liknande "
        "jämförelseområden, och räknar med om brotten flyttade till grannskapet (förskjutning). "
        "Negativt värde: färre händelser än jämförelsen gav skäl att vänta (Wheeler & Ratcliffe)."
    ),
    "Små multiplar": (
        "Flera små diagram med samma områden i samma ordning, ett per källa, så att källorna kan "
        "jämföras med ögat."
    ),
    "RegSO": (
        "Regionala statistikområden: SCB:s indelning av kommunen i områden med ungefär lika många "
        "invånare. Falkenberg har 14."
    ),
    "Ungefärliga gränser": (
        "Områdesgränser som verktyget räknat fram ur kända mittpunkter och ytor när SCB:s officiella "
        "gränser inte är importerade. De duger för en överblick, inte för exakta gränsdragningar."
    ),
    "Syntetiska demodata": (
        "Påhittade händelser och enkätsvar för att visa verktyget. De är märkta överallt och "
        "beskriver inte verkliga händelser i Falkenberg."
    ),
    "Polisinitierade brott": (
        "Brott som syns när polisen själv letar, t.ex. narkotikainnehav och trafikbrott. De mäter "
        "polisens aktivitet mer än problemet, så de kan räknas bort ur skadeindex."
    ),
}


def glossary(*terms: str) -> str:
    """The glossary's explanations of ``terms`` as one tooltip text."""
    return "\n\n".join(f"**{term}**: {GLOSSARY[term]}" for term in terms)


def glossary_markdown() -> str:
    """The glossary as markdown for *Om lägesbilden*."""
    lines = ["### Ordlista", ""]
    lines += [f"**{term}**  \n{text}\n" for term, text in GLOSSARY.items()]
    return "\n".join(lines)


# --- Gemensam lägesbild ---------------------------------------------------------------------------
PAGE_JOINT = "Gemensam lägesbild"
JOINT_HEADER = "Gemensam lägesbild: anmält, upplevt och partnernas indikatorer"
JOINT_INTRO = (
    "Polisens registrerade händelser, medborgarenkätens trygghetsfråga och kommunens och regionens "
    "indikatorer per område, sida vid sida. Kartan ställer upplevd mot registrerad trygghet – med "
    "osäkerheten synlig."
)
JOINT_NO_SURVEY = "Det finns inga enkätsvar i databasen. Importera en enkät på sidan Importera."
JOINT_WAVE = "Enkätomgång (september)"
JOINT_FOCUS = "Fokusområden att markera"
JOINT_FOCUS_HELP = (
    "Förval från medborgarlöftets inställningar ({path}). Vilka områden som hör till ett "
    "fokusområde bestämmer parterna."
)
JOINT_CLUSTERS = "Visa platser där svarande känner sig otrygga (kluster)"
JOINT_MAP_TITLE = "Upplevd mot registrerad trygghet"
JOINT_MAP_NOTES = (
    "Upplevd: andelen otrygga i området, med felmarginal, jämfört med kommunens andel.",
    "Registrerad: antal händelser jämfört med vad områdets andel av befolkningen ger.",
    "Streckad kant, blek fyllning: osäkert. Tjock svart kant: fokusområde.",
)
JOINT_CAPTION = (
    "Händelser {start} – {end} (n = {n}; {source}; polisinitierade brott ingår inte i skadeindex). "
    "Enkät {wave}: n = {survey_n} svar (exkl. vet ej), kommunens andel otrygga {share} "
    "(95 % KI {low}–{high}). Områden med färre än {min_n} svar visas inte{polis_note}."
)
JOINT_POLIS_NOTE = " för andra än polisen (de syns här, markerade)"
JOINT_TABLE_HEADER = "Per område"
JOINT_MULTIPLES_HEADER = "Samma områden i flera källor"
JOINT_ITEMS_HEADER = "Problem i området (andel som svarar ganska eller mycket stort problem)"
JOINT_ITEMS_NOTE = (
    "Andel av dem som svarat på frågan (exkl. vet ej), med 95 %-intervall. Vi räknar inte ut "
    "polisens problemindex (0–6): formeln är inte offentlig."
)
JOINT_ITEMS_AREA = "Område för problemfrågorna"
JOINT_CHANGE_HEADER = "Förändring sedan förra enkäten"
JOINT_CHANGE_NONE = "Ingen förändring i otrygghetsandel som är säkerställd (95 %) i något område."
JOINT_CHANGE_NOTE = (
    "Skillnad i procentenheter med felmarginal; en förändring räknas bara när hela felmarginalen "
    "ligger på samma sida om noll."
)
JOINT_COMMENTS = "Fritextkommentarer (endast polisen; personnummer borttagna vid import)"
JOINT_CLUSTER_NOTE = (
    "Otrygga platser visas bara som rutor om {cell} m med minst {min_n} svar; {hidden} platser "
    "i glesare rutor visas inte."
)
JOINT_INDICATOR_NONE = "Inga indikatorer från kommunen eller regionen är importerade."
SUPPRESSED_TEXT = "färre än {min_n} svar"
JOINT_COLUMNS = {
    "name": "Område",
    "zone_label": "Zon",
    "focus": "Fokusområde",
    "count": "Händelser",
    "harm_index": "Skadeindex",
    "expected": "Väntat efter befolkning",
    "recorded": "Registrerat",
    "p_recorded_text": "Justerat p (registrerat)",
    "n": "Enkätsvar (n)",
    "share_text": "Otrygga",
    "interval_text": "95 % KI",
    "perceived": "Upplevt",
    "p_perceived_text": "Justerat p (upplevt)",
    "klass_label": "Bedömning",
}
ITEM_LABELS = {
    "fortkörning": "Fortkörning", "buskörning_moped": "Buskörning med moped",
    "nedskräpning": "Nedskräpning", "skadegörelse": "Skadegörelse", "klotter": "Klotter",
    "dålig_belysning": "Dålig belysning", "störande_ungdomsgäng": "Störande ungdomsgäng",
    "bråk_slagsmål": "Bråk och slagsmål", "narkotikaförsäljning": "Narkotikaförsäljning",
    "berusade_personer": "Berusade personer", "oro_inbrott": "Oro för inbrott",
    "oro_misshandel": "Oro för misshandel",
}  # fmt: skip

# --- Import of surveys and partner indicators -----------------------------------------------------
IMPORT_KIND = "Vad vill du importera?"
IMPORT_KINDS = {
    "incidents": "Händelser",
    "survey": "Enkätsvar (medborgarenkät)",
    "indicators": "Indikatorer från kommun eller region",
}
SURVEY_FILE = (
    "Enkätfil (CSV eller Excel; en rad per respondent, eller en rad per respondent och fråga)"
)
SURVEY_INTRO = (
    "Svaren kodas med kodboken (standard: data/survey_codebook.json) och placeras i område via "
    "områdeskod, områdesnamn eller koordinater. Svar utanför skalan, dubbla respondenter och okända "
    "områdesnamn stoppar hela importen. Fritext granskas för personnummer och visas bara för polisen."
)
SURVEY_WAVE = "Enkätomgång (år), om filen saknar kolumnen 'omgång'"
SURVEY_CODEBOOK = "Egen kodbok (JSON, frivilligt)"
# Survey layout and codebook choice (geo.io.surveys.SurveyOptions.layout / .codebook).
SURVEY_LAYOUT = "Filens format"
SURVEY_LAYOUTS = {
    "auto": "Avgör av rubrikerna",
    "wide": "Brett: en rad per respondent, en kolumn per fråga",
    "long": "Långt: en rad per respondent och fråga (svar_id, omrade, fraga, svar)",
}
SURVEY_LAYOUT_HELP = (
    "Enkätverktyg exporterar ofta i långt format. Varje fel anges med raden i originalfilen; "
    "samma fråga två gånger för samma respondent, eller olika område på en respondents rader, stoppar importen."
)
SURVEY_CODEBOOK_CHOICE = "Kodbok"
SURVEY_CODEBOOK_HELP = (
    "standard: NTU-koder (trygghet 1–5 och 9 = vet ej; problemfrågor 1 = inget problem … 4 = mycket stort). "
    "trygghetsmätning 1–5: problemfrågor 1 = mycket stort problem … 4 = inget problem, 5 = vet ej "
    "(omvänd ordning). Välj den som stämmer med enkätens svarslista."
)
SURVEY_BLANKS_NOTE = (
    "Tomma svar räknas som 'ej svar': de listas per fråga med radnummer i rapporten, räknas inte i n "
    "och sparas som obesvarade."
)
SURVEY_FLAGGED_NOTE = (
    "Kommentarer som kan nämna en person eller en adress sparas märkta '[granska: …]' och visas "
    "bara för polisen."
)
INDICATOR_FILE = "Indikatorfil (CSV eller Excel)"
INDICATOR_INTRO = (
    "En rad per värde med kolumnerna area_code, period, indicator, value, unit, source – t.ex. "
    "anmälningar om skadegörelse och klotter från kommunen eller våldsrelaterade akutbesök från "
    "regionen. Period: år (2025), kvartal (2025-Q3) eller månad (2025-09)."
)
TABLE_IMPORT_DONE = "Importen är klar: {n} {what} sparade (import {import_id})."

# --- Publik karta ---------------------------------------------------------------------------------
PAGE_PUBLIC = "Publik karta"
PUBLIC_HEADER = "Trygghet i Falkenbergs områden – den publika kartan"
PUBLIC_INTRO = (
    "Registrerade händelser och upplevd trygghet per område: bara sammanställningar per område och "
    "hel månad, små tal dolda, inga platser och inga planer. Sök på ditt område eller välj en månad "
    "i kartan."
)
PUBLIC_REFUSED = "Den publika kartan kunde inte byggas: röjandekontrollen stoppade publiceringen."
PUBLIC_FACTS = "Period {first} – {last} · {kb} kB · {hidden} celler dolda eller ej redovisade"
PUBLIC_OPEN = "Öppna webbplatsen i en egen flik"
# When the guard refuses a new publication (issue W2 5/7): the public sees only this line and the
# previous map; the detail (cell references and rules, never hidden values) is for the police.
PUBLIC_NOT_UPDATED = "Kartan är inte uppdaterad än, senast uppdaterad {when}."
PUBLIC_NOT_YET = "Kartan är inte uppdaterad än: den har inte publicerats tidigare."
PUBLIC_REFUSED_DETAIL = (
    "Bara för polisen: cellerna (område / kategori / månad) och reglerna som stoppade "
    "publiceringen. Inga dolda värden visas här."
)

# --- Uppföljning ----------------------------------------------------------------------------------
PAGE_FOLLOWUP = "Uppföljning"
FOLLOWUP_HEADER = "Uppföljning av medborgarlöftet"
FOLLOWUP_INTRO = (
    "Årets aktiviteter under löftets två fokusområden, vem som ansvarar och hur det går. Polisen "
    "redigerar; kommunen och regionen ser samma tabell. Måtten räknas fram ur verktygets data."
)
FOLLOWUP_YEAR = "År"
FOLLOWUP_SAVE = "Spara ändringarna"
FOLLOWUP_SAVED = "Sparat: {changed} ändrade och {new} nya aktiviteter."
FOLLOWUP_NOTHING = "Inga ändringar att spara."
FOLLOWUP_BY = "Sparas av"
FOLLOWUP_INDICATORS = "Mått ur data"
FOLLOWUP_INDICATOR_NOTE = (
    "Närvaro redovisas bara som summerade timmar per hela månad i inlandet – aldrig tider, platser, "
    "enheter eller planer."
)
FOLLOWUP_INDICATOR_HELP = (
    "Vilket mått ur verktygets data som följer aktiviteten (tabellen Mått ur data nedan); "
    "Inget mått i verktyget när aktiviteten följs upp på annat sätt."
)
FOLLOWUP_COLUMNS = {
    "focus": "Fokusområde", "activity": "Aktivitet", "party": "Ansvarig", "period_start": "Från",
    "period_end": "Till", "status": "Status", "indicator": "Mått", "comment": "Kommentar",
    "updated_by": "Senast ändrad av",
}  # fmt: skip
EVAL_HEADER = "Utvärdering: gav den riktade närvaron effekt? (endast polisen)"
EVAL_INTRO = (
    "Före/efter i områden med riktad närvaro mot jämförelseområden du väljer: viktad "
    "förskjutningsskillnad, WDD (Wheeler & Ratcliffe 2018) med Poissonvarians och z. Negativt värde = färre händelser "
    "än jämförelsen ger förväntat. Regel: jämförelseområdena ska ha ungefär lika många händelser före "
    "som områdena med riktad närvaro – mellan hälften och dubbelt så många (samma för "
    "förskjutningszonerna). Annars ger verktyget ingen slutsats, eftersom WDD jämför förändringar i "
    "antal: en halvering från 400 ger 200 färre, från 20 bara 10 färre."
)
EVAL_TREATED = "Områden med riktad närvaro"
EVAL_CONTROL = "Jämförelseområden"
EVAL_BEFORE = "Period före"
EVAL_AFTER = "Period efter"
EVAL_BUFFER = "Förskjutningszon runt områdena (meter, 0 = ingen)"
EVAL_HARM = "Vikta med skadeindex"
EVAL_COMPONENTS = {"name": "Del", "before": "Före", "after": "Efter", "change": "Förändring"}
EVAL_RESULT = "WDD = {wdd}, standardfel {se}, z = {z} ({p}). {verdict}"

# --- Presentation ---------------------------------------------------------------------------------
PRESENTATION_TOGGLE = "Presentationsläge"
PRESENTATION_HELP = "Döljer sidomenyn och kontrollerna och förstorar karta och text för projektor."
PRESENTATION_EXIT = "Avsluta presentationsläge"
EXPORT_LABEL = "Exportera för bildspel:"
EXPORT_PNG = "Karta som PNG"
EXPORT_PDF = "Karta som PDF"
REPORT_HEADER = "Mötesunderlag (PDF)"
REPORT_PERIOD = "Period (2025, 2025-Q3, 2025-09 eller 2025-01..2025-06)"
REPORT_AUDIENCE = "Mottagare"
REPORT_AUDIENCES = {
    "samverkan": "Samverkan (utan närvaro och punkter)",
    "polis": "Polisen (med närvaro mot behov)",
}
REPORT_DOWNLOAD = "Ladda ner mötesunderlaget (PDF)"
HOTSPOT_EXPORT_TITLE = "Hotspots (Gi*, {size} m-rutor, FDR)"


def md(text: object) -> str:
    """User-supplied text made safe inside Streamlit markdown (captions, st.write): every markdown,
    directive and emoji character is backslash-escaped, so an imported name like
    ``![x](https://…)`` is shown as text and never fetched or rendered.

    Escapes are not enough for what Streamlit replaces in the text *after* markdown has read them
    (``:material/icon:``, ``:streamlit:``, emoji short codes, bare links such as
    ``https://…``, ``www.…`` and ``namn@example.com``): an invisible word joiner (U+2060) after
    every ``:`` and ``@`` and inside ``www.`` keeps those patterns from matching, and the text
    reads the same."""
    import re

    escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])", r"\\\1", str(text))
    escaped = escaped.replace(":", ":\u2060").replace("@", "@\u2060")
    return re.sub(r"(?i)(www)(\\\.)", "\\1\u2060\\2", escaped)


def md_lines(text: object) -> str:
    """Like :func:`md`, keeping the text's line breaks (error messages listing problems)."""
    return "  \n".join(md(line) for line in str(text).splitlines())


JOINT_ANSWERS = "Svar per svarsalternativ (trygghetsfrågan)"
ANSWER_LABELS = {
    "name": "Område", "n": "n (exkl. vet ej)", "mycket_trygg": "Mycket trygg", "ganska_trygg": "Ganska trygg",
    "ganska_otrygg": "Ganska otrygg", "mycket_otrygg": "Mycket otrygg", "går_aldrig_ut": "Går aldrig ut",
    "vet_ej": "Vet ej", "unsafe": "Otrygga", "suppressed": "Dold för andra än polisen",
}  # fmt: skip

# --- Analysis you can stand behind: study regions, adjusted tests, floors (issue W2 2/7) -------
DENOMINATOR_NOTE = "{name}: {note}"
CHANGES_PARTIAL = (
    "Perioden slutar efter de senaste data ({data_end}); jämförelserna gäller därför bara "
    "{now}, mot lika långa perioder."
)
JOINT_FDR_NOTE = (
    "Högre/lägre än kommunen avgörs med exakta test för antal anmälda händelser och för andelen "
    "otrygga, och p-värdena är justerade för att {family} test görs samtidigt; en enstaka "
    "avvikelse bland många områden är ofta slump."
)
JOINT_CHANGE_FDR = (
    "Förändringen räknas bara när den håller också efter justering för att {family} områden "
    "testas samtidigt."
)
JOINT_DENOMINATOR_HEADER = "Där invånarna är fel nämnare"

# --- Login through the organisations' identity providers, the admin page (issue 16) ----------
PAGE_ADMIN = "Administration"
LOGIN_TITLE = "Logga in"
LOGIN_INTRO = (
    "Lägesbild Falkenberg är till för polisen, kommunen och regionen i Falkenberg. Logga in med "
    "din organisations inloggning."
)
LOGIN_BUTTON = "Logga in – {label}"
LOGIN_PUBLIC_NOTE = (
    "Allmänheten hittar den publika kartan på kommunens webbplats; den kräver ingen inloggning."
)
LOGGED_IN_AS = "Inloggad som **{who}** · {role}"
LOGOUT = "Logga ut"
NO_ROLE_TITLE = "Ingen behörighet"
LOGIN_EXPIRED = "Inloggningen är äldre än {hours} timmar. Logga in igen för att fortsätta."
LOGIN_AGAIN = "Logga in igen – {label}"
LOGIN_CONFIG_ERROR = "Inloggningen är felkonfigurerad; ingen kan logga in förrän den är rättad."
LOCAL_NOT_REMOTE = (
    "**Lokalt läge nås bara från den här datorn.** Begäran kom via {via}; lokalt läge får inte "
    'ligga bakom en proxy eller nås från ett nätverk. Konfigurera inloggning (README "Inloggning").'
)
WHO_SAVED_AS = "Sparas som **{who}**"
ADMIN_USERS = "Användare"
ADMIN_USERS_INTRO = (
    "Listan avgör roll och organisation för den som finns här; andra får rollen från sin "
    "organisations IdP (anspråket roles eller groups). Rollerna polis och admin ges bara till "
    "personer från Polisen. Stäng av i stället för att ta bort: loggen behåller vem personen var."
)
ADMIN_LOGIN = "Inloggningsnamn (e-postadress eller sub, aldrig personnummer)"
ADMIN_ORGANISATION = "Organisation"
ADMIN_ROLE = "Roll"
ADMIN_ACTIVE = "Aktiv"
ADMIN_PICK = "Ändra"
ADMIN_NEW = "Ny användare"
ADMIN_SAVE = "Spara användaren"
ADMIN_SAVED = "Sparat: {login} är {role} ({organisation}), version {version}."
ADMIN_EMPTY = "Listan är tom: alla får sin roll från sin IdP."
ADMIN_LOG = "Åtkomstlogg"
ADMIN_LOG_INTRO = (
    "Vem som har sett, exporterat eller ändrat vilka data. Loggen kan bara skrivas till: databasen "
    "vägrar ändra eller ta bort rader."
)
ADMIN_LOG_DAYS = "Dagar bakåt"
ADMIN_LOG_USER = "Användare innehåller"
ADMIN_LOG_ACTION = "Handling"
ADMIN_LOG_ALL = "alla"
ADMIN_LOG_EXPORT = "Exportera loggen (CSV)"
ADMIN_LOG_COUNT = "{shown} rader visas (högst {limit})."
ADMIN_LOCAL_MODE = "Lokalt läge: listan används först när inloggning är konfigurerad."

# --- The page boundary (ui/boundary.py) ------------------------------------------------------------
PAGE_UNEXPECTED = (
    "Sidan kunde inte visas på grund av ett oväntat fel. Inget har ändrats. Felet är loggat på "
    "servern; kontakta den som förvaltar Lägesbild Falkenberg om det återkommer."
)


def profile_label(name: str) -> str:
    """An import profile's name as read ("kommun excel"; on the command line ``--profile`` takes
    the file name)."""
    return name.replace("_", " ")


# The panel beside a map (ui/details.py): one clicked area's figures for the period.
DETAILS_HINT = "Klicka på ett område på kartan för att se dess siffror för perioden här."
DETAILS_HINT_CELL = (
    "Klicka på en ruta eller ett område på kartan för att se rutans klass och områdets siffror här."
)
DETAILS_OUTSIDE = (
    "Punkten du klickade på ligger utanför kommunens områden. Klicka inne i ett område."
)
DETAILS_CAPTION = "{zone} · {first} – {last} · n = {n} · Källa: {source}"
DETAILS_SYNTHETIC = "Syntetiska demodata, inte verkliga händelser."
DETAILS_GROUP = "Grupp"
DETAILS_MONTHS = "Händelser per månad i perioden"
DETAILS_WEEK = "Händelser per veckodag (svensk tid)"
DETAILS_SURVEY = (
    "**Trygghetsenkäten {wave}:** {share} känner sig otrygga (95 % KI {low}–{high}), n = {n} svar."
)
DETAILS_SURVEY_SMALL = (
    "**Trygghetsenkäten {wave}:** för få svar i området (färre än {min_n}) för att visa en andel."
)
DETAILS_NO_SURVEY = "Ingen trygghetsenkät finns inläst."
DETAILS_PRESENCE = "**Senaste genomförda närvaro:** {when}"
DETAILS_NO_PRESENCE = "**Senaste genomförda närvaro:** ingen registrerad före periodens slut."
DETAILS_CELL = "**Vald ruta ({size} m):** {label}, {n} händelser i rutan under perioden."
HOTSPOT_WHOLE = "Visa hela kommunen på kartan"
DETAILS_CELL_WEIGHTED = "**Vald ruta ({size} m):** {label}, skadeindex {n} i rutan under perioden."
HOTSPOT_FOCUS_NOTE = (
    "Kartan öppnar på den största gruppen rutor i den starkaste hotspotklassen. "
    "Slå på ”Visa hela kommunen på kartan” i sidopanelen för att se alla rutor."
)
UPLOAD_BUTTON = "Välj fil"
UPLOAD_INSTRUCTIONS = "eller dra en fil hit · högst {size} per fil"
