"""argparse in Swedish, for ``python -m geo`` (geo/commands/cli.py builds its parser from this class).

"användning:", "argument", "flaggor", "visa den här hjälpen och avsluta" and Swedish error
messages.

argparse takes its own words from gettext, and the machines this runs on have no Swedish
catalogue for it, so the words are replaced here instead: the usage prefix in the formatter, the
group titles and the help flag in the parser, and the common error messages in ``error``.
Every sub-command's parser is the same class (argparse makes sub-parsers of the parent's type).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

HELP_TEXT = "visa den här hjälpen och avsluta"

#: argparse's error messages (Python 3.11–3.13) and their Swedish form.
_ERRORS = (
    (re.compile(r"the following arguments are required: (.*)"), r"de här argumenten krävs: \1"),
    (re.compile(r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)"),
     r"argument \1: ogiltigt val: \2 (välj bland \3)"),
    (re.compile(r"argument (.*?): invalid (\w+) value: (.*)"), r"argument \1: ogiltigt värde (\2): \3"),
    (re.compile(r"argument (.*?): expected one argument"), r"argument \1: ett värde behövs"),
    (re.compile(r"argument (.*?): expected at least one argument"), r"argument \1: minst ett värde behövs"),
    (re.compile(r"argument (.*?): not allowed with argument (.*)"), r"argument \1: går inte ihop med \2"),
    (re.compile(r"unrecognized arguments: (.*)"), r"okända argument: \1"),
    (re.compile(r"ambiguous option: (.*?) could match (.*)"), r"tvetydig flagga: \1 kan vara \2"),
)  # fmt: skip


def swedish_error(message: str) -> str:
    """Translate argparse's English error message to Swedish (unknown ones are left as they are)."""
    for pattern, replacement in _ERRORS:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


#: Placeholders for the values of flags without their own ``metavar`` (argparse would print
#: the English ``dest`` in capitals: ``--years YEARS``, ``path``).
METAVARS = {
    "address": "ADRESS", "by": "VEM", "cell": "METER", "code_field": "FÄLT", "codebook": "FIL",
    "crs": "EPSG", "date": "DATUM", "end": "ÅÅÅÅ-MM", "exclude": "RADER", "hours": "TIMMAR",
    "inland_min": "ANDEL", "keep_days": "DAGAR", "max_area": "TIMMAR", "months": "MÅNADER",
    "name_field": "FÄLT", "older_than": "DAGAR", "out": "FIL", "path": "fil", "period": "PERIOD",
    "port": "PORT", "profile": "PROFIL", "seed": "FRÖ", "shifts": "PASS", "source": "KÄLLA",
    "units": "ENHETER", "wave": "ÅR", "week": "VECKA", "years": "ÅR", "zones": "FIL",
}  # fmt: skip


class SwedishHelpFormatter(argparse.HelpFormatter):
    """Help with "användning:" instead of "usage:" and Swedish placeholders."""

    def _get_default_metavar_for_optional(self, action: argparse.Action) -> str:
        return METAVARS.get(action.dest, action.dest.upper())

    def _get_default_metavar_for_positional(self, action: argparse.Action) -> str:
        return METAVARS.get(action.dest, action.dest)

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        """Add the usage line with the Swedish prefix "användning: "."""
        super().add_usage(usage, actions, groups, "användning: " if prefix is None else prefix)


class SwedishArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose own words are Swedish (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", SwedishHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        kwargs["add_help"] = False  # the help flag is added below with a Swedish text
        super().__init__(*args, **kwargs)
        self._positionals.title = "argument"
        self._optionals.title = "flaggor"
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP_TEXT
            )

    def error(self, message: str) -> NoReturn:
        """Usage and a Swedish message on stderr, exit 2 (as argparse)."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fel: {swedish_error(message)}\n")
