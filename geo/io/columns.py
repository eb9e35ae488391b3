"""Which column of a file is which field: profile matching, content sniffing, hand mapping, templates.

An import profile (``geo.io.profiles``) names the headers a source system uses. Real files still
surprise: ``Tid`` holding only clock times next to a ``Datum``, ``Datum`` holding date *and*
time, a header nobody listed. This module turns headers plus the first rows into a
:class:`ColumnPlan` that says which column feeds which field, how (date + clock time, or one
timestamp), what is missing and the closest header for it. A user's own choices (``--map
field=column`` on the CLI, the column pickers on *Importera*) override the profile and can be
saved as a user profile in the data directory.
"""

from __future__ import annotations

import difflib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.errors import GeoError, Problem
from geo.io.profiles import FIELDS, ImportProfile, header_key

#: Fields a user can map by hand, with their Swedish label (in the order a form shows them).
MAPPABLE_FIELDS: dict[str, str] = {
    "occurred_at": "tidpunkt (datum och klockslag i en kolumn)",
    "date": "datum",
    "time": "klockslag",
    "tz": "tidszon eller UTC-offset",
    "raw_type": "händelsetyp",
    "x": "x (öst)",
    "y": "y (norr)",
    "lon": "longitud",
    "lat": "latitud",
    "area_code": "områdeskod",
    "area_name": "områdesnamn",
    "description": "beskrivning (fritext)",
    "source_id": "id (ärendenummer)",
    "ended_at": "sluttid",
}

#: Short Swedish names for the report's column list ("typ (raw_type) ← 'Brottstyp'").
SHORT_NAMES: dict[str, str] = {
    "occurred_at": "tidpunkt", "date": "datum", "time": "klockslag", "tz": "tidszon",
    "raw_type": "typ", "x": "x", "y": "y", "lon": "longitud", "lat": "latitud",
    "area_code": "områdeskod", "area_name": "områdesnamn", "description": "beskrivning",
    "source_id": "id", "ended_at": "sluttid",
}  # fmt: skip


def column_list(mapping: dict[str, str]) -> str:
    """``typ (raw_type) ← 'Brottstyp', …``: Swedish, with the name ``--map`` takes."""
    return ", ".join(
        f"{SHORT_NAMES.get(k, k)} ({k}) ← {v!r}" if SHORT_NAMES.get(k, k) != k else f"{k} ← {v!r}"
        for k, v in mapping.items()
    )


_CLOCK = re.compile(
    r"^\s*(?:kl\.?\s*)?(?P<H>\d{1,2})(?:[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2}))?|(?P<HM>\d{2}))\s*$",
    re.IGNORECASE,
)
"""A clock time on its own: ``1:40``, ``01.40``, ``kl 14.30``, ``23:30:00`` or ``2330``."""
_DATE_AND_TIME = re.compile(r"^\s*\S+[T ]+(?:kl\.?\s*)?\d{1,2}[:.]\d{2}")
_HAS_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}")
_TIME_OF_DAY = re.compile(r"[T ]+(?:kl\.?\s*)?\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?\s*$")
"""A time part after a date (Excel's ``2026-10-10 00:00:00``): the clock column decides."""
HEADERS_SHOWN = 30
"""How many of a file's headers an error message lists (a file may have thousands)."""


@dataclass(frozen=True)
class ColumnPlan:
    """Which column feeds which canonical field, and how times are put together.

    Attributes
    ----------
    mapping
        Canonical field → the file's header.
    time_mode
        ``"timestamp"`` (one column), ``"date+clock"`` (two columns) or ``"missing"``.
    notes
        Swedish sentences for the report about choices made from the content.
    problems
        Missing or unusable columns, each with the closest header as a fix.
    """

    mapping: dict[str, str]
    time_mode: str
    notes: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every required field found a column (no problems)."""
        return not self.problems


@dataclass
class _Draft:
    mapping: dict[str, str]
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _share(values: pd.Series, pattern: re.Pattern[str]) -> float:
    present = values.dropna().astype(str).str.strip()
    present = present[present != ""].head(200)
    if present.empty:
        return 0.0
    return float(present.map(lambda v: bool(pattern.match(v))).mean())


def plan_columns(
    headers: list[str],
    sample: pd.DataFrame | None,
    profile: ImportProfile,
    *,
    file_name: str,
    column_map: dict[str, str] | None = None,
    geometry_columns: bool = False,
) -> ColumnPlan:
    """Decide which column is which field, from the profile, the user's map and the first rows.

    Parameters
    ----------
    headers
        The file's headers as read.
    sample
        The first rows (text columns), used to tell a clock-time column from a timestamp.
    profile
        The import profile whose aliases are tried first.
    file_name
        For messages.
    column_map
        The user's own choices (field → header); they win over the profile.
    geometry_columns
        The reader supplies ``_x``/``_y`` (GeoJSON, GeoPackage): no place columns are needed.
    """
    draft = _Draft(mapping=profile.match_columns(headers))
    by_key = {header_key(h): h for h in headers}
    for field_name, column in (column_map or {}).items():
        if field_name not in FIELDS:
            draft.problems.append(Problem(file_name, f"okänt fält {field_name!r} i kolumnvalet",
                                          f"använd ett av: {', '.join(MAPPABLE_FIELDS)}"))  # fmt: skip
            continue
        header = column if column in headers else by_key.get(header_key(column))
        if header is None:
            draft.problems.append(Problem(file_name, f"kolumnen {column!r} (vald för {field_name}) finns inte i filen",
                                          closest_hint(column, headers)))  # fmt: skip
            continue
        # A column chosen by hand for one field is taken away from any other field.
        for other, chosen in list(draft.mapping.items()):
            if chosen == header and other != field_name:
                del draft.mapping[other]
        draft.mapping[field_name] = header
    chosen_by_hand = set(column_map or {})
    _sniff_times(draft, sample, chosen_by_hand)
    if geometry_columns:
        draft.mapping["x"], draft.mapping["y"] = "_x", "_y"
    time_mode = _check_required(draft, headers, profile, file_name)
    return ColumnPlan(
        mapping=draft.mapping, time_mode=time_mode, notes=tuple(draft.notes), problems=tuple(draft.problems)
    )  # fmt: skip


def _sniff_times(draft: _Draft, sample: pd.DataFrame | None, by_hand: set[str]) -> None:
    """Fix what headers alone get wrong about time columns, saying so in the notes."""
    mapping = draft.mapping
    if sample is None or sample.empty:
        return
    stamp = mapping.get("occurred_at")
    # A "Tid" beside a date column is the clock unless its values carry a date themselves: one odd
    # value must not turn a column of clock times into a column of bad timestamps.
    clock_only = stamp is not None and (
        _share(sample[stamp], _CLOCK) >= 0.8
        or ("date" in mapping and _share(sample[stamp], _HAS_DATE) < 0.5)
    )
    if stamp is not None and clock_only and "occurred_at" not in by_hand and "time" not in mapping:
        # "Tid" with only clock times: it is the clock, not the timestamp.
        mapping["time"] = stamp
        del mapping["occurred_at"]
        draft.notes.append(
            f"Kolumnen {stamp!r} innehåller bara klockslag; den används som klockslag."
        )
    date = mapping.get("date")
    if (
        "occurred_at" not in mapping
        and date is not None
        and "time" not in mapping
        and _share(sample[date], _DATE_AND_TIME) >= 0.8
    ):
        mapping["occurred_at"] = date
        del mapping["date"]
        draft.notes.append(
            f"Kolumnen {date!r} innehåller både datum och klockslag; den används som tidpunkt."
        )


def _check_required(
    draft: _Draft, headers: list[str], profile: ImportProfile, file_name: str
) -> str:
    mapping = draft.mapping
    if "occurred_at" in mapping:
        time_mode = "timestamp"
    elif "date" in mapping and "time" in mapping:
        time_mode = "date+clock"
    else:
        time_mode = "missing"
    shown = [h for h in headers if not h.startswith("_")]
    listed = ", ".join(repr(h) for h in shown[:HEADERS_SHOWN])
    if len(shown) > HEADERS_SHOWN:
        listed += f" … och {len(shown) - HEADERS_SHOWN} till"
    unused = [h for h in shown if h not in mapping.values()]

    def missing(label: str, field_name: str) -> None:
        aliases = ", ".join(profile.columns.get(field_name, ())[:8])
        guess = _closest(field_name, profile, unused)
        fix = (
            f"närmast är kolumnen {guess!r}: välj den för {label}"
            if guess
            else f"döp om en kolumn till t.ex. {aliases}"
        )
        draft.problems.append(Problem(file_name, f"hittar ingen kolumn för {label}; filens kolumner: {listed}",
                                      f"{fix} (kolumnval på sidan Importera, eller --map {field_name}=KOLUMN)"))  # fmt: skip

    if "raw_type" not in mapping:
        missing("händelsetyp", "raw_type")
    if time_mode == "missing":
        if "date" in mapping:
            missing("klockslag (datumet finns i " + repr(mapping["date"]) + ")", "time")
        elif "time" in mapping:
            missing("datum (klockslaget finns i " + repr(mapping["time"]) + ")", "date")
        else:
            missing("tidpunkt (eller datum och klockslag)", "occurred_at")
    has_point = ("x" in mapping and "y" in mapping) or ("lon" in mapping and "lat" in mapping)
    if not has_point and "area_code" not in mapping and "area_name" not in mapping:
        missing("plats (x/y, lat/lon, områdeskod eller områdesnamn)", "area_name")
    return time_mode


def _closest(field_name: str, profile: ImportProfile, headers: list[str]) -> str | None:
    """Return the header most like one of the field's aliases (``None`` when nothing is close)."""
    keys = {header_key(h): h for h in headers}
    best: tuple[float, str] | None = None
    for alias in (*profile.columns.get(field_name, ()), field_name):
        for match in difflib.get_close_matches(header_key(alias), list(keys), n=1, cutoff=0.6):
            score = difflib.SequenceMatcher(None, header_key(alias), match).ratio()
            if best is None or score > best[0]:
                best = (score, keys[match])
    return best[1] if best else None


def closest_hint(value: str, headers: list[str]) -> str:
    """Return a fix naming the closest header to a mistyped column name."""
    keys = {header_key(h): h for h in headers}
    match = difflib.get_close_matches(header_key(value), list(keys), n=1, cutoff=0.5)
    if match:
        return f"menade du {keys[match[0]]!r}?"
    return "filens kolumner: " + ", ".join(repr(h) for h in headers[:HEADERS_SHOWN])


def combine_date_and_clock(date: pd.Series, clock: pd.Series) -> tuple[pd.Series, list[int]]:
    """``2026-10-10`` (or ``2026-10-10 00:00:00`` from Excel) + ``1:40`` → ``2026-10-10 01:40``.

    Returns the combined texts (missing where either part is) and the labels of clock values
    that are not a clock time.
    """
    day = date.str.replace(_TIME_OF_DAY, "", regex=True).str.strip()
    parts = clock.str.extract(_CLOCK)
    hours = parts["H"]
    minutes = parts["M"].fillna(parts["HM"])
    four_digits = parts["HM"].notna()
    hours = hours.where(~four_digits, clock.str.strip().str[-4:-2])
    seconds = parts["S"]
    good = hours.notna() & minutes.notna()
    text = day + " " + hours.str.zfill(2) + ":" + minutes + (":" + seconds).fillna("")
    bad_clock = clock.notna() & ~good
    combined = text.where(date.notna() & good)
    return combined, [int(n) for n in clock.index[bad_clock]]


def parse_column_map(items: list[str] | tuple[str, ...], *, what: str = "kolumn") -> dict[str, str]:
    """``["raw_type=Brottskategori", "x=Öst"]`` → ``{"raw_type": "Brottskategori", "x": "Öst"}``.

    With ``what="grupp"`` the pairs are ``TYP=GRUPP`` (``--group``) and the left side is free text.

    Raises
    ------
    GeoError
        For an item without ``=`` or an unknown field.
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.rpartition("=") if what == "grupp" else item.partition("=")
        name = name.strip()
        if not sep or not value.strip() or not name:
            flag, form, example = (
                ("--group", "typ=grupp", "--group Nedskräpning=ordning")
                if what == "grupp"
                else ("--map", "fält=kolumn", "--map raw_type=Brottskategori")
            )
            raise GeoError(f"{flag} {item!r}: skriv {form}, t.ex. {example}.")
        if what != "grupp" and name not in FIELDS:
            raise GeoError(
                f"--map {item!r}: okänt fält {name!r}; kända fält: {', '.join(MAPPABLE_FIELDS)}."
            )
        out[name] = value.strip()
    return out


# --- User profiles ------------------------------------------------------------------------------

_PROFILE_NAME = re.compile(r"^[a-zA-Z0-9_\-åäöÅÄÖ]{1,40}$")


def save_user_profile(
    user_dir: Path, name: str, base: ImportProfile, mapping: dict[str, str]
) -> Path:
    """Save the columns a user mapped as a profile in ``<data dir>/import_profiles/NAME.json``.

    The new profile is the base profile with each mapped header put first among its field's
    aliases, so the same export is recognised next time without choosing again.

    Raises
    ------
    GeoError
        For a name that is not a plain file name.
    """
    if not _PROFILE_NAME.match(name):
        raise GeoError(
            f"Profilnamnet {name!r} får bara innehålla bokstäver, siffror, - och _ (högst 40 tecken)."
        )
    columns = {k: list(v) for k, v in base.columns.items()}
    for field_name, header in mapping.items():
        if header.startswith("_"):
            continue
        aliases = [a for a in columns.get(field_name, []) if header_key(a) != header_key(header)]
        columns[field_name] = [header, *aliases]
    raw = {
        "name": name,
        "description": f"Sparad från kolumnval på sidan Importera (bygger på {base.name}).",
        "columns": columns,
        "decimal": base.decimal,
        "thousands": base.thousands,
        "date_formats": list(base.date_formats),
        "earliest": base.earliest,
    }
    folder = user_dir / "import_profiles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


# --- Type values a user placed in a group --------------------------------------------------------

USER_TYPES_FILE = "typer_lokala.json"
"""In the data directory: type values users put in a category group on *Importera*."""


def user_type_groups(user_dir: Path | None) -> dict[str, str]:
    """Raw type value → group key, as saved by users (empty when nothing is saved)."""
    if user_dir is None:
        return {}
    path = user_dir / USER_TYPES_FILE
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GeoError(f"{path} kan inte läsas ({error}); rätta eller ta bort filen.") from error
    return {str(k): str(v) for k, v in raw.get("types", {}).items()}


def save_user_type_groups(user_dir: Path, groups: dict[str, str]) -> Path:
    """Remember type values and their group for later imports (merged with what is saved)."""
    merged = {**user_type_groups(user_dir), **groups}
    user_dir.mkdir(parents=True, exist_ok=True)
    path = user_dir / USER_TYPES_FILE
    about = (
        "Händelsetyper som användare lagt i en kategorigrupp på sidan Importera. Skadevikten är "
        "medianen för gruppens typer i data/taxonomy.json. Lägg hellre in typen i taxonomin med "
        "en motiverad vikt."
    )
    path.write_text(
        json.dumps({"about": about, "types": merged}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    return path


# --- Templates ----------------------------------------------------------------------------------

TEMPLATE_COLUMNS = ("id", "tidpunkt", "typ", "x", "y", "område", "beskrivning")
TEMPLATE_ROWS = (
    ("F-2026-0001", "2026-10-10 23:30", "Misshandel", "347215", "6309614", "", "Bråk utanför krog"),
    ("F-2026-0002", "2026-10-11 03:10", "Skadegörelse", "", "", "Glommen", "Krossad ruta"),
    ("F-2026-0003", "2026-10-12 15:00", "Stöld", "", "", "Slöinge", ""),
)
TEMPLATE_NOTE = (
    "Mall för händelsefiler: id-kolumnen får tas bort (då räknas ett id fram ur innehållet); tidpunkt som "
    "ÅÅÅÅ-MM-DD TT:MM i svensk tid; x/y i SWEREF 99 TM (x = öst, y = norr) eller område med namn "
    "eller kod; typ enligt taxonomin. Raderna är påhittade exempel."
)


def template_csv() -> bytes:
    """Return the import template as a Swedish Excel CSV (``;``, UTF-8 with BOM, CRLF)."""
    lines = [";".join(TEMPLATE_COLUMNS), *(";".join(row) for row in TEMPLATE_ROWS)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def template_xlsx() -> bytes:
    """Return the import template as an Excel workbook (sheets *Händelser* and *Om mallen*)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Händelser"
    sheet.append(list(TEMPLATE_COLUMNS))
    for row in TEMPLATE_ROWS:
        sheet.append(
            [
                int(v) if v.isdigit() and k in ("x", "y") else v
                for k, v in zip(TEMPLATE_COLUMNS, row, strict=True)
            ]
        )
    about = workbook.create_sheet("Om mallen")
    about.append([TEMPLATE_NOTE])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
