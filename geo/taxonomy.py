"""The incident taxonomy: category groups, polisen.se event types and harm weights.

The data lives in ``data/taxonomy.json`` (versioned, with the basis of every harm weight);
this module loads it and matches raw type strings against it.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from geo.config import REFERENCE_DIR
from geo.errors import SchemaError

TAXONOMY_PATH = REFERENCE_DIR / "taxonomy.json"

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_WHITESPACE = re.compile(r"\s+")
_FOLD_TABLE = str.maketrans("åäöéü", "aaoeu")


def normalise_text(value: str) -> str:
    """NFC, no zero-width characters or soft hyphens, single spaces, trimmed."""
    value = unicodedata.normalize("NFC", value)
    value = _ZERO_WIDTH.sub("", value)
    return _WHITESPACE.sub(" ", value).strip()


def fold(value: str) -> str:
    """Return a matching key: normalised, lower case, å/ä→a, ö→o (FACTS §1.3)."""
    return normalise_text(value).casefold().translate(_FOLD_TABLE)


@dataclass(frozen=True)
class CategoryGroup:
    """A group of event types shown together (e.g. ``vald`` = Våld)."""

    key: str
    label: str
    sensitive: bool


@dataclass(frozen=True)
class EventType:
    """One event type with its group and harm weight."""

    name: str
    group: str
    harm_weight: float
    harm_basis: str
    police_initiated: bool


@dataclass(frozen=True)
class Taxonomy:
    """The loaded taxonomy; match raw strings with :meth:`classify`."""

    version: str
    groups: tuple[CategoryGroup, ...]
    types: tuple[EventType, ...]
    summary_prefix: str
    missing_values: frozenset[str]
    aliases: dict[str, str]

    @functools.cached_property
    def _by_key(self) -> dict[str, EventType]:
        index = {fold(t.name): t for t in self.types}
        by_name = {t.name: t for t in self.types}
        for alias, name in self.aliases.items():
            index[fold(alias)] = by_name[name]
        return index

    def group(self, key: str) -> CategoryGroup:
        """Return the group with this key (raises KeyError for an unknown key)."""
        for group in self.groups:
            if group.key == key:
                return group
        raise KeyError(key)

    def group_labels(self) -> dict[str, str]:
        """Group key → Swedish label, in display order."""
        return {g.key: g.label for g in self.groups}

    def is_missing(self, raw: str | None) -> bool:
        """Whether a raw value means "no value" (empty, NULL, -, okänd …), never "Övrigt"."""
        return raw is None or fold(raw) in self.missing_values

    def is_summary(self, raw: str) -> bool:
        """Whether a polisen.se type is a summary (``Sammanfattning natt`` …), not an incident."""
        return fold(raw).startswith(fold(self.summary_prefix))

    def classify(self, raw: str) -> EventType | None:
        """Return the event type a raw string names (through the alias table), or ``None``."""
        return self._by_key.get(fold(raw))

    def type_named(self, name: str) -> EventType:
        """Return the event type with exactly this name (raises KeyError)."""
        for event_type in self.types:
            if event_type.name == name:
                return event_type
        raise KeyError(name)


@functools.lru_cache(maxsize=4)
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """Load and check the taxonomy file.

    Raises
    ------
    SchemaError
        When a type names an unknown group, an alias an unknown type, or a weight is negative.
    """
    raw = json.loads(path.read_text(encoding="utf-8"))
    groups = tuple(CategoryGroup(**g) for g in raw["groups"])
    types = tuple(EventType(**t) for t in raw["types"])
    group_keys = {g.key for g in groups}
    type_names = {t.name for t in types}
    problems = [
        f"typ {t.name!r}: okänd grupp {t.group!r}" for t in types if t.group not in group_keys
    ]
    problems += [f"typ {t.name!r}: negativ skadevikt" for t in types if t.harm_weight < 0]
    problems += [
        f"alias {alias!r} pekar på okänd typ {name!r}"
        for alias, name in raw["aliases"].items()
        if name not in type_names
    ]
    if problems:
        raise SchemaError(f"{path}: " + "; ".join(problems))
    return Taxonomy(
        version=str(raw["version"]),
        groups=groups,
        types=types,
        summary_prefix=str(raw["summary_prefix"]),
        missing_values=frozenset(fold(v) for v in raw["missing_values"]),
        aliases=dict(raw["aliases"]),
    )
