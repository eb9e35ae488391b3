"""The polisen.se events API (``/api/events``): parsing saved or fetched JSON, and fetching politely.

Rules (FACTS §2): de-duplicate on ``id``; the title ``"DD månad HH.MM, Typ, Plats"`` gives the local
time of the incident without a year (older titles use ``HH:MM``); the year comes from ``datetime``
(publish time), minus one when the title's month/day lies after it; since February 2026
``location.name`` is the county and the municipality is the last comma part of the title;
``location.gps`` is the municipality's or county's centroid, never the incident's place, so events
get no point (precision ``kommun`` or ``län``) unless the summary names a place (precision ``ort``).
``Sammanfattning …`` types are summaries and left out. The feed is a selection by press officers:
show it as events, never as crime statistics.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.areas.gazetteer import area_for_text
from geo.errors import GeoError, Problem
from geo.io.times import parse_local_times
from geo.taxonomy import Taxonomy, fold, normalise_text

API_URL = "https://polisen.se/api/events"
USER_AGENT = "LagesbildFalkenberg/0.1 (medborgarlöfte Falkenberg; öppen källkod)"
MIN_SECONDS_BETWEEN_CALLS = 10
MAX_CALLS_PER_HOUR = 60
MAX_CALLS_PER_DAY = 1440

MONTHS = {m: i for i, m in enumerate(
    ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
     "oktober", "november", "december"], start=1)}  # fmt: skip
_TITLE = re.compile(
    r"^\s*(?P<day>\d{1,2}) (?P<month>[a-zåäö]+) (?P<hour>\d{1,2})[.:](?P<minute>\d{2}),\s*(?P<rest>.+)$",
    re.IGNORECASE,
)
_PUBLISHED = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2}) (?P<H>\d{1,2}):(?P<M>\d{2}):(?P<S>\d{2}) (?P<off>[+-]\d{2}:\d{2})$"
)


@dataclass
class PolisenBatch:
    """Events parsed from one file: canonical rows (index = position in the file) and what was left out."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    duplicates_replaced: int = 0
    excluded_positions: list[int] = field(default_factory=list)


def parse_events(
    records: list[Any],
    *,
    file_name: str,
    taxonomy: Taxonomy,
    layer: gpd.GeoDataFrame,
    kommun: str = "Falkenberg",
    exclude_positions: frozenset[int] = frozenset(),
) -> PolisenBatch:
    """Turn polisen.se event records into canonical incident rows for one municipality.

    ``exclude_positions`` are object numbers (1 = the first record), the numbers every message
    names ("objekt 10"), so what a report points at is what can be left out.
    """
    problems: list[Problem] = []
    left_out: dict[str, int] = {}
    excluded: list[int] = []
    rows: list[dict[str, Any]] = []
    want = fold(kommun)
    for position, record in enumerate(records, start=1):
        where = f"{file_name}, objekt {position}"
        if position in exclude_positions:
            excluded.append(position)
            continue
        if not isinstance(record, dict) or not all(
            k in record for k in ("id", "datetime", "name", "type")
        ):
            problems.append(
                Problem(
                    where,
                    "saknar något av fälten id, datetime, name, type",
                    "använd polisen.se:s JSON oförändrad",
                )
            )
            continue
        event_id = str(record["id"])
        where = f"{file_name}, objekt {position} (id {event_id})"
        raw_type = normalise_text(str(record["type"]))
        if taxonomy.is_summary(raw_type):
            left_out["sammanfattningar (inte händelser)"] = (
                left_out.get("sammanfattningar (inte händelser)", 0) + 1
            )
            continue
        title = _TITLE.match(normalise_text(str(record["name"])))
        published = _PUBLISHED.match(str(record["datetime"]).strip())
        if title is None or published is None:
            problems.append(Problem(where, f"kan inte tolka rubriken {record['name']!r} eller tiden {record['datetime']!r}",
                                    "väntat: \"DD månad HH.MM, Typ, Plats\" och \"ÅÅÅÅ-MM-DD H:MM:SS +HH:MM\""))  # fmt: skip
            continue
        place = title.group("rest").rsplit(",", 1)[-1].strip()
        location = record.get("location") or {}
        location_name = normalise_text(str(location.get("name", "")))
        if fold(place) != want and fold(location_name) != want:
            left_out["andra kommuner"] = left_out.get("andra kommuner", 0) + 1
            continue
        month = MONTHS.get(title.group("month").lower())
        if month is None:
            problems.append(
                Problem(
                    where,
                    f"okänd månad {title.group('month')!r} i rubriken",
                    "kontrollera rubriken",
                )
            )
            continue
        day = int(title.group("day"))
        year = int(published.group("y"))
        if (month, day) > (int(published.group("m")), int(published.group("d"))):
            year -= 1  # published in January about December, etc.
        summary = normalise_text(str(record.get("summary", "")))
        area_code = area_for_text(summary, layer)
        precision = (
            "ort" if area_code else ("län" if location_name.lower().endswith("län") else "kommun")
        )
        rows.append({
            "_position": position, "source_id": event_id, "raw_type": raw_type,
            "local_time": f"{year:04d}-{month:02d}-{day:02d} {int(title.group('hour')):02d}:{title.group('minute')}",
            "published": f"{published.group('y')}-{published.group('m')}-{published.group('d')}T{int(published.group('H')):02d}:{published.group('M')}:{published.group('S')}{published.group('off')}",
            "area_code": area_code, "location_precision": precision, "description": summary,
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    replaced = 0
    if not frame.empty:
        # De-duplicate on id: the latest published version wins.
        frame["_published"] = pd.to_datetime(frame["published"], utc=True, format="ISO8601")
        before = len(frame)
        frame = frame.sort_values(["source_id", "_published", "_position"]).drop_duplicates(
            "source_id", keep="last"
        )
        replaced = before - len(frame)
        frame = frame.set_index(pd.Index(frame["_position"], name="line")).sort_index()
        occurred, time_problems = parse_local_times(frame["local_time"])
        for problem in time_problems:
            problems.append(Problem(f"{file_name}, objekt {problem.label} (id {frame.at[problem.label, 'source_id']})",
                                    f"tid ur rubriken: {problem.message}", problem.fix))  # fmt: skip
        frame["occurred_at"] = occurred
        frame = frame.drop(columns=["_position", "_published", "published", "local_time"])
    return PolisenBatch(
        frame=frame, problems=problems, left_out=left_out, duplicates_replaced=replaced,
        excluded_positions=excluded,
    )  # fmt: skip


def read_events_file(path: Path) -> list[Any]:
    """Read a saved polisen.se events file (a JSON array).

    Raises
    ------
    GeoError
        With the line and column of a JSON syntax error.
    """
    try:
        records = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise GeoError(
            f"{path.name}, rad {error.lineno}, kolumn {error.colno}: ogiltig JSON ({error.msg})."
        ) from error
    if not isinstance(records, list):
        raise GeoError(f"{path.name}: polisen.se-filen ska vara en JSON-lista med händelser.")
    return records


# --- Fetching -----------------------------------------------------------------------------------


@dataclass
class CallLog:
    """Times of earlier API calls, kept in a small JSON file so that limits hold across runs."""

    path: Path

    def load(self) -> list[float]:
        """Return the times of earlier calls (none when the file does not exist yet)."""
        if not self.path.exists():
            return []
        return [float(t) for t in json.loads(self.path.read_text(encoding="utf-8"))]

    def save(self, calls: list[float]) -> None:
        """Write the times of the calls, creating the folder if needed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(calls), encoding="utf-8")


def fetch_events(
    *,
    call_log: CallLog,
    location: str = "Falkenberg;Hallands län",
    date_filter: str | None = None,
    base_url: str = API_URL,
    opener: Callable[..., Any] = urllib.request.urlopen,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Any]:
    """Fetch events from the API, keeping its rules.

    The rules: HTTPS, a User-Agent, ≥10 s between calls, ≤60 calls an hour and ≤1,440 a day
    (the limits are kept across runs in ``call_log``).

    Raises
    ------
    GeoError
        When a limit would be broken, the URL is not HTTPS, or the answer is not a JSON list.
    """
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme != "https" and parts.hostname not in {"127.0.0.1", "localhost"}:
        raise GeoError(f"polisen.se-API:t får bara anropas över HTTPS, inte {base_url}.")
    now = clock()
    calls = [t for t in call_log.load() if now - t < 86_400]
    if len(calls) >= MAX_CALLS_PER_DAY:
        raise GeoError(
            f"Högst {MAX_CALLS_PER_DAY} anrop per dygn till polisen.se; försök igen senare."
        )
    if sum(1 for t in calls if now - t < 3_600) >= MAX_CALLS_PER_HOUR:
        raise GeoError(
            f"Högst {MAX_CALLS_PER_HOUR} anrop per timme till polisen.se; försök igen senare."
        )
    if calls and now - max(calls) < MIN_SECONDS_BETWEEN_CALLS:
        sleep(MIN_SECONDS_BETWEEN_CALLS - (now - max(calls)))
        now = clock()
    query = {"locationname": location}
    if date_filter:
        query["DateTime"] = date_filter
    url = f"{base_url}?{urllib.parse.urlencode(query)}"
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked above
    call_log.save([*calls, now])
    with opener(request, timeout=30) as answer:
        body = answer.read()
    records = json.loads(body.decode("utf-8"))
    if not isinstance(records, list):
        raise GeoError("polisen.se svarade inte med en lista av händelser.")
    return records
