"""Place names in Falkenberg → area: places an event whose text names a place unambiguously.

Built from FACTS §1.3: the SCB localities (with a representative point, joined to the active
layer) and the town's neighbourhoods and villages whose RegSO is known from the RegSO names.
Names are matched on a folded key (case, å/ä→a, ö→o) as whole words, longest first. Traps are left
out on purpose: "Falkenberg" (the whole town, seven areas), "Ätran" (also the river through the
town) and "Fegen" (also a lake). Call it only for events already known to be in Falkenberg, since
Ljungby, Heberg, Skogstorp and Glommen exist elsewhere too.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from geo.areas.falkenberg import LOCALITIES_2020, MAIN_TOWN
from geo.areas.join import area_codes_for_points
from geo.taxonomy import fold

AMBIGUOUS = frozenset({MAIN_TOWN, "Ätran", "Fegen"})

#: Neighbourhoods and villages whose RegSO code is known from FACTS §1.1 (no point needed).
NAMED_AREAS: dict[str, str] = {
    "Falkenbergs centrum": "1382R001", "centrala Falkenberg": "1382R001",
    "Herting": "1382R002", "Hjortsberg": "1382R002", "Kristineslätt": "1382R002",
    "Slätten": "1382R002", "Näset": "1382R002",
    "Skogstorp": "1382R006", "Skrea": "1382R007", "Skrea strand": "1382R007",
    "Stafsinge": "1382R009", "Gruebäcken": "1382R009",
    "Tröingeberg": "1382R010", "Fajans": "1382R010",
    "Västra Gärdet": "1382R014", "Ljungby": "1382R013",
}  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A place we can match: a point (EPSG:3006) or a known area code."""

    name: str
    e: float | None = None
    n: float | None = None
    area_code: str | None = None


@functools.lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    """Every matchable place, longest name first."""
    found = [
        Place(loc.name, e=loc.e, n=loc.n) for loc in LOCALITIES_2020 if loc.name not in AMBIGUOUS
    ]
    found += [Place(name, area_code=code) for name, code in NAMED_AREAS.items()]
    return tuple(sorted(found, key=lambda p: -len(p.name)))


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names = "|".join(re.escape(fold(p.name)) for p in places())
    return re.compile(rf"(?<!\w)({names})(?!\w)")


def find_places(text: str) -> list[Place]:
    """Places named in a text (each once, in order of appearance)."""
    by_key = {fold(p.name): p for p in places()}
    seen: dict[str, Place] = {}
    for match in _pattern().finditer(fold(text)):
        seen.setdefault(match.group(1), by_key[match.group(1)])
    return list(seen.values())


def area_for_text(text: str, layer: gpd.GeoDataFrame) -> str | None:
    """Return the one area a text's place names point to, or ``None`` (no place, or several)."""
    codes = set()
    known = set(layer["area_code"])
    for place in find_places(text):
        if place.area_code is not None:
            if place.area_code in known:
                codes.add(place.area_code)
            continue
        code = area_codes_for_points(np.array([place.e]), np.array([place.n]), layer)[0]
        if code is not None:
            codes.add(str(code))
    return codes.pop() if len(codes) == 1 else None
