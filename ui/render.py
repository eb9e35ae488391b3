"""Drawing the parts of a view that several pages share: key figures, notes, Swedish errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import streamlit as st

from ui import strings
from ui.views import Metric


def metrics(figures: Sequence[Metric]) -> None:
    """Key figures side by side, one column each (a delta is never coloured: up is not good)."""
    for column, figure in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(figure.label, figure.value, delta=figure.delta, delta_color="off",
                      help=figure.help)  # fmt: skip


def captions(notes: Sequence[str]) -> None:
    """One caption per note, in order."""
    for note in notes:
        st.caption(note)


@contextlib.contextmanager
def errors_shown() -> Iterator[None]:
    """Show a :class:`geo.errors.GeoError` raised inside as a Swedish error on the page (its
    message names the problem and the fix; user text in it is escaped) and go on below it."""
    from geo.errors import GeoError

    try:
        yield
    except GeoError as error:
        st.error(strings.md_lines(error))
