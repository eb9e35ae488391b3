"""Falkenberg's documented facts (FACTS §1): RegSO areas, municipality outline and localities.

Sources: SCB (RegSO 2018, tätorter 2020, population 2023-12-31). Coordinates are approximate and
were gathered from public sources; they seed the generated built-in area layer and the gazetteer.
"""

from __future__ import annotations

from dataclasses import dataclass

KOMMUN_CODE = "1382"
POPULATION_TOTAL = 47_108
"""Inhabitants on 2023-12-31 (SCB)."""
POPULATION_DATE = "2023-12-31"

ZONES = ("tätort", "kust", "inland")
"""Zone of an area: districts of Falkenberg town, coastal countryside, or the inland."""
ZONE_LABELS = {"tätort": "Tätorten", "kust": "Kusten", "inland": "Inlandet"}
E6_APPROX: tuple[tuple[float, float], ...] = (
    (56.8150, 12.6400), (56.8500, 12.6200), (56.8800, 12.5700), (56.9100, 12.5300),
    (56.9500, 12.4950), (56.9900, 12.4700), (57.0300, 12.4400),
)  # fmt: skip
"""The E6 through the municipality as (lat, lon), south-east to north-west: approximate, drawn from
FACTS ("runs north–south just east of the town") for the map's reference layer and the demo."""
"""The zones as people read them (labels, never keys, on maps, charts and the public site)."""


@dataclass(frozen=True)
class AreaFact:
    """One SCB RegSO (2018) of Falkenberg as FACTS §1.1 gives it."""

    area_code: str
    name: str
    zone: str
    lat: float
    lon: float
    km2: float
    """Approximate area including water and near-shore sea."""


REGSO_2018: tuple[AreaFact, ...] = (
    AreaFact("1382R001", "Falkenberg centrum", "tätort", 56.9067, 12.4875, 1.1),
    AreaFact("1382R002", "Falkenberg södra", "tätort", 56.8866, 12.5070, 11.2),
    AreaFact("1382R006", "Skogstorp", "tätort", 56.9094, 12.4382, 9.2),
    AreaFact("1382R007", "Skrea", "tätort", 56.8819, 12.5557, 14.1),
    AreaFact("1382R009", "Stafsinge-Gruebäcken", "tätort", 56.9161, 12.4898, 3.7),
    AreaFact("1382R010", "Tröingeberg-Fajans", "tätort", 56.9155, 12.5240, 6.9),
    AreaFact("1382R014", "Västra gärdet", "tätort", 56.8954, 12.4686, 5.8),
    AreaFact("1382R003", "Falkenbergs norra kustområde", "kust", 56.9575, 12.4060, 100.1),
    AreaFact("1382R004", "Falkenbergs södra kustområde", "kust", 56.8595, 12.6221, 100.0),
    AreaFact("1382R005", "Glommen", "kust", 56.9417, 12.3654, 11.8),
    AreaFact("1382R008", "Slöinge", "inland", 56.8527, 12.6953, 7.2),
    AreaFact("1382R011", "Ullared-Inland", "inland", 57.1394, 12.8153, 598.6),
    AreaFact("1382R012", "Vessigebro-Årstad", "inland", 56.9471, 12.7485, 277.9),
    AreaFact("1382R013", "Vinberg-Ljungby", "inland", 56.9826, 12.5597, 69.7),
)

# Generalised land outline in SWEREF 99 TM (EPSG:3006), clockwise from the north-west, 100 m
# rounding (FACTS §1.2). The west edge follows the coast.
OUTLINE_3006: tuple[tuple[float, float], ...] = (
    (353200, 6332100), (356300, 6333800), (355500, 6336900), (357400, 6337900),
    (356000, 6341300), (356800, 6343800), (359500, 6344700), (367300, 6351700),
    (370800, 6349200), (375200, 6349000), (376500, 6345600), (375200, 6344700),
    (375500, 6338900), (379800, 6339800), (382600, 6338900), (381900, 6336600),
    (383400, 6335600), (385100, 6336900), (387100, 6335500), (384100, 6333200),
    (384300, 6329700), (380800, 6327900), (379100, 6323800), (375000, 6325000),
    (372200, 6321500), (370200, 6321500), (368500, 6316500), (374000, 6313500),
    (371700, 6310700), (370900, 6305400), (367700, 6303300), (363100, 6303300),
    (357000, 6298700), (354700, 6295600), (355000, 6301000), (351500, 6304100),
    (346900, 6307800), (342300, 6309500), (339300, 6313200), (340300, 6316800),
    (340200, 6319700), (347600, 6321200), (350300, 6318900), (352000, 6321800),
    (355400, 6322800), (352600, 6325500), (353500, 6327700), (353200, 6332100),
)  # fmt: skip

COASTAL_BUFFER_M = 500.0
"""How far outside the generalised outline a point may lie and still count as in the municipality."""


@dataclass(frozen=True)
class Locality:
    """An SCB tätort (2020) with its population and a representative point (FACTS §1.3)."""

    code: str
    name: str
    population: int
    e: float
    n: float
    lat: float
    lon: float


LOCALITIES_2020: tuple[Locality, ...] = (
    Locality("1382TC102", "Falkenberg", 28747, 347857, 6309022, 56.8999, 12.5019),
    Locality("1382TB114", "Slöinge", 1095, 359373, 6303195, 56.8512, 12.6940),
    Locality("1382TB104", "Glommen", 1085, 339787, 6313647, 56.9387, 12.3666),
    Locality("1382TB116", "Vessigebro", 836, 357356, 6317314, 56.9773, 12.6530),
    Locality("1382TB115", "Ullared", 748, 362198, 6335363, 57.1408, 12.7227),
    Locality("1382TB117", "Vinberg", 654, 350714, 6314467, 56.9497, 12.5455),
    Locality("1382TB107", "Långås", 584, 345035, 6317765, 56.9774, 12.4502),
    Locality("1382TB105", "Heberg", 463, 355655, 6307117, 56.8853, 12.6309),
    Locality("1382TB120", "Älvsered", 441, 371290, 6346260, 57.2413, 12.8672),
    Locality("1382TB108", "Långasand och Ugglarp", 417, 354314, 6300655, 56.8269, 12.6126),
    Locality("1382TB121", "Ätran", 405, 375888, 6332873, 57.1224, 12.9500),
    Locality("1382TB109", "Morup", 331, 341979, 6318199, 56.9803, 12.3998),
    Locality("1382TB119", "Årstad", 280, 358760, 6310671, 56.9181, 12.6798),
    Locality("1382TB101", "Bergagård", 257, 352698, 6318089, 56.9828, 12.5760),
    Locality("1382TB103", "Fegen", 242, 381202, 6330915, 57.1062, 13.0387),
    Locality("1382TB141", "Olofsbo", 234, 341209, 6311622, 56.9210, 12.3912),
    Locality("1382TB106", "Köinge", 219, 357146, 6327016, 57.0644, 12.6441),
)

MAIN_TOWN = "Falkenberg"
"""The locality whose population is spread over the town districts (zone ``tätort``)."""
