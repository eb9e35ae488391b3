"""The one report every import gives, and the one way an import writes.

Four importers share this module: incident files (:mod:`geo.io.ingest`), survey answers
(:mod:`geo.io.surveys`), partner indicator values (:mod:`geo.io.partners`) and presence-log files
(:mod:`geo.presence.log_import`). Each fills an :class:`ImportReport` – what was read, every
problem with its file, line and column, what would be or was stored – and each writes through
:func:`importing`, which opens the unit of work, records the import's line in the import log and,
when the block is over, keeps everything or nothing: a report with an error, or a dry run,
discards the whole unit.

The Swedish ``text()`` of the report is what the terminal prints and the *Importera* and
*Planera* pages show, so a file refused on the page is explained the same way as on the CLI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.errors import Problem
from geo.io.columns import column_list
from geo.store.database import ImportRecord, UnitOfWork, record_import, unit_of_work

EXAMPLES_PER_KIND = 20
"""How many problems of one kind the report lists; the rest are counted."""


@dataclass
class ProblemLog:
    """Problems grouped by kind: the first few of each listed, all counted."""

    listed: dict[str, list[Problem]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, problem: Problem) -> None:
        """Count a problem of ``kind`` and keep it if fewer than the examples per kind are kept."""
        self.counts[kind] += 1
        bucket = self.listed.setdefault(kind, [])
        if len(bucket) < EXAMPLES_PER_KIND:
            bucket.append(problem)

    @property
    def total(self) -> int:
        """The number of problems of every kind, listed or not."""
        return sum(self.counts.values())

    def examples(self) -> list[Problem]:
        """Return the listed problems of every kind, kind by kind in the order first seen."""
        return [problem for problems in self.listed.values() for problem in problems]

    def lines(self) -> list[str]:
        """Return the listed problems as report lines, with a count of those left out per kind."""
        out = []
        for kind, problems in self.listed.items():
            out += [f"  - {p}" for p in problems]
            hidden = self.counts[kind] - len(problems)
            if hidden > 0:
                out.append(f"    … och {hidden} till av samma slag")
        return out


@dataclass
class ImportReport:
    """What an import found and did; ``text()`` is the Swedish report for the terminal and the page.

    The fields after ``import_id`` are filled only by the importers that need them (incident files
    choose columns and types by hand; surveys add a summary); the others leave them empty and the
    report leaves their lines out.
    """

    file_name: str
    what: str = "händelser"
    """What is imported, a Swedish plural: ``händelser``, ``enkätsvar``, ``indikatorvärden``,
    ``närvaroposter``."""
    format: str = ""
    source: str = ""
    encoding: str | None = None
    separator: str | None = None
    profile: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    rows_valid: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    updates: bool = False
    """Whether this import can change stored records (incidents, presence entries): the report
    then counts new, updated and unchanged; otherwise every stored record is new."""
    skips_unchanged: bool = False
    """Whether records already stored unchanged are skipped and counted ("redan importerade": an
    incident file imported twice); a presence row always saves a new version instead."""
    stored: int | None = None
    """Records stored when that is not one per valid row (a long survey file: one per respondent)."""
    errors: ProblemLog = field(default_factory=ProblemLog)
    warnings: ProblemLog = field(default_factory=ProblemLog)
    notes: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    """Lines of the importer's own after the counts (respondents, answers per question)."""
    redacted_lines: list[int] = field(default_factory=list)
    near_miss_lines: list[int] = field(default_factory=list)
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    dry_run: bool = False
    imported: bool = False
    import_id: int | None = None
    unit: str = "rad"
    """What a line of the file is called: ``rad``, or ``objekt`` for GeoJSON features."""
    surface: str = "cli"
    """Where the report is read (``cli`` or ``sida``): the fix for an error names that surface's
    way to exclude lines."""
    excludable: bool = False
    """Whether lines can be excluded by number (incident files): the error hint says how."""
    excluded_lines: list[int] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    """The file's headers as read (for choosing columns by hand)."""
    raw_preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The first rows exactly as read, before any interpretation."""
    columns_missing: bool = False
    """A required field has no column: the page offers to choose columns by hand."""
    unknown_types: dict[str, list[int]] = field(default_factory=dict)
    """Type values the taxonomy does not know → the lines they stand on."""
    left_out_lines: list[tuple[int, str]] = field(default_factory=list)
    """Lines left out by a rule the user chose (not typed exclusions), with the reason."""

    @property
    def accepted(self) -> bool:
        """Whether the file has no errors (it can be imported)."""
        return self.errors.total == 0

    @property
    def will_store(self) -> bool:
        """Whether what the import writes is kept: no error and not a dry run."""
        return self.accepted and not self.dry_run

    @property
    def count(self) -> int:
        """How many records the import stores (or would store, on a dry run)."""
        if self.stored is not None:
            return self.stored
        return self.rows_new + self.rows_updated if self.updates else self.rows_valid

    def where(self, line: int | None, column: str | None = None) -> str:
        """``fil.csv, rad 12, kolumn 'område'`` (line 1 is the header)."""
        text = self.file_name if line is None else f"{self.file_name}, {self.unit} {line}"
        return f"{text}, kolumn {column!r}" if column else text

    def error(
        self, kind: str, line: int | None, column: str | None, message: str, fix: str = ""
    ) -> None:
        """Record an error of ``kind`` at a file line and column."""
        self.errors.add(kind, Problem(self.where(line, column), message, fix))

    def warn(
        self, kind: str, line: int | None, column: str | None, message: str, fix: str = ""
    ) -> None:
        """Record a warning of ``kind`` at a file line and column."""
        self.warnings.add(kind, Problem(self.where(line, column), message, fix))

    def text(self) -> str:
        """Return the Swedish report for the terminal and the page."""
        head = f"Import av {self.what} från {self.file_name} ({self.format or 'okänt format'}"
        if self.encoding:
            head += f", {self.encoding}, avgränsare {separator_name(self.separator)}"
        if self.source:
            head += f", källa {self.source}"
        lines = [head + ")"]
        lines += [f"  {note}" for note in self.notes]
        if self.columns:
            lines.append("  Kolumner: " + column_list(self.columns))
            unused = [h for h in self.headers if h not in self.columns.values()]
            if unused:
                shown = ", ".join(repr(h) for h in unused[:30]) + (
                    f" … och {len(unused) - 30} till" if len(unused) > 30 else ""
                )
                lines.append(f"  Kolumner som inte används: {shown}")
        lines.append(f"  Lästa {units(self.unit, 2)}: {self.rows_read}; giltiga: {self.rows_valid}")
        lines += [f"  {line}" for line in self.summary]
        if self.excluded_lines:
            lines.append(
                f"  Undantagna av användaren: {len(self.excluded_lines)} ({line_ranges(self.excluded_lines)})"
            )
        for reason, count in self.left_out.items():
            lines.append(f"  Utelämnade, {reason}: {count}")
        by_reason: dict[str, list[int]] = {}
        for line, reason in self.left_out_lines:
            by_reason.setdefault(reason, []).append(line)
        for reason, numbers in by_reason.items():
            lines.append(f"  Utelämnade, {reason}: {len(numbers)} ({line_ranges(numbers)})")
        lines += self._findings()
        if self.accepted and (self.dry_run or self.imported):
            unchanged = f", {self.rows_unchanged} redan importerade" if self.skips_unchanged else ""
            counts = (
                f" ({self.rows_new} nya, {self.rows_updated} uppdaterade{unchanged})"
                if self.updates
                else ""
            )
            if self.dry_run:
                lines.append(
                    f"Provkörning: {self.count} {self.what} kan importeras{counts}. Inget sparat."
                )
            else:
                where = f" (import {self.import_id})" if self.import_id is not None else ""
                lines.append(f"Importerat{where}: {self.count} {self.what}{counts}.")
        return "\n".join(lines)

    def _findings(self) -> list[str]:
        """Screened lines, errors (with how to fix or exclude them) and warnings."""
        lines = []
        if self.redacted_lines:
            n = len(self.redacted_lines)
            lines.append(f"  Personnummer borttagna ur fritext på {n} {units(self.unit, n)}: "
                         f"{line_ranges(self.redacted_lines)}")  # fmt: skip
        if self.near_miss_lines:
            n = len(self.near_miss_lines)
            lines.append(f"  Möjliga personnummer (fel kontrollsiffra) borttagna på {n} "
                         f"{units(self.unit, n)}: {line_ranges(self.near_miss_lines)}")  # fmt: skip
        if self.errors.total:
            lines.append(
                f"FEL ({self.errors.total}) – inget har importerats, databasen är oförändrad:"
            )
            lines += self.errors.lines()
            if self.excludable and self.surface == "sida":
                lines.append(f'  Rätta filen, eller skriv numren på {units(self.unit, 2)} som ska undantas i fältet "Undanta rader" och kontrollera igen.')  # fmt: skip
            elif self.excludable:
                lines.append(f"  Rätta filen, eller undanta {units(self.unit, 2)} uttryckligen med --exclude (t.ex. --exclude 12,15-18).")  # fmt: skip
        if self.warnings.total:
            lines.append(f"Varningar ({self.warnings.total}):")
            lines += self.warnings.lines()
        return lines


@contextmanager
def importing(
    engine: Any, report: ImportReport, record: ImportRecord | None
) -> Iterator[tuple[UnitOfWork, int | None]]:
    """Write an import all or nothing: the one way the four importers store what they read.

    Opens a unit of work and, given a ``record``, writes the import's line in the import log;
    yields the unit and that line's id (``None`` without a record) for the rows to carry. When the
    block ends, a report with an error or a dry run discards the whole unit (the rows and the
    import's line); otherwise the unit commits and the report says so (``imported``,
    ``import_id``). An exception in the block rolls back as any unit of work does.
    """
    with unit_of_work(engine) as work:
        import_id = record_import(work.connection, record) if record is not None else None
        yield work, import_id
        if not report.will_store:
            work.discard()
            return
    report.imported, report.import_id = True, import_id


def units(unit: str, count: int) -> str:
    """``rad``/``rader``, ``objekt``/``objekt`` by count."""
    if unit == "rad":
        return "rad" if count == 1 else "rader"
    return unit


def separator_name(separator: str | None) -> str:
    """Return the Swedish name of a CSV separator for a report (``;`` → ``semikolon``)."""
    return {";": "semikolon", ",": "komma", "\t": "tabb"}.get(separator or "", "–")


def line_ranges(numbers: list[int]) -> str:
    """Return line numbers as ranges for a report: ``[1, 2, 3, 7]`` → ``"1–3, 7"`` (30 at most)."""
    shown = sorted(numbers)[:30]
    parts: list[str] = []
    start = prev = None
    for n in shown:
        if start is None:
            start = prev = n
        elif prev is not None and n == prev + 1:
            prev = n
        else:
            parts.append(f"{start}–{prev}" if start != prev else f"{start}")
            start = prev = n
    if start is not None:
        parts.append(f"{start}–{prev}" if start != prev else f"{start}")
    more = f" … (+{len(numbers) - 30})" if len(numbers) > 30 else ""
    return ", ".join(parts) + more
