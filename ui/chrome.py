"""Streamlit's own words, in Swedish: what its widgets print that no parameter changes.

Streamlit 1.67 writes a few English texts itself, among them the file uploader's "Upload" button
and its "200MB per file • CSV" line. There is no locale setting, so the app replaces them with
CSS: the English element is hidden (``display: none``, which also takes it out of the
accessibility tree) and the Swedish text drawn with ``::after`` on its parent, which browsers
show and read out as the element's text; the button itself stays, focusable and clickable.
Left in English: the "Skip to main content" link a keyboard user sees on the first Tab (its text
is the link's own text node, which CSS cannot hide without hiding the link). The select boxes'
screen-reader announcements ("4 options available.") are React Aria's and follow the browser's
language: a Swedish browser announces them in Swedish. The server's upload limit is applied here
too, on every run, so no uploader depends on *Importera* having been opened first.
"""

from __future__ import annotations

from string import Template

import streamlit as st

from ui import state, strings

_STYLE = """
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {
  content: "$button";
}
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after { content: "$instructions"; }
</style>
"""


def upload_limit_mb() -> int:
    """The one upload limit (LAGESBILD_MAX_IMPORT_MB), applied to the server and the widget."""
    from streamlit import config

    limit = max(1, state.settings().max_import_bytes // (1024 * 1024))
    if config.get_option("server.maxUploadSize") != limit:
        config.set_option("server.maxUploadSize", limit)
    return limit


def apply() -> None:
    """Swedish texts for Streamlit's own widget chrome, and the one upload limit (call first)."""
    limit = upload_limit_mb()
    size = f"{limit // 1024} GB" if limit >= 1024 and limit % 1024 == 0 else f"{limit} MB"
    st.html(
        Template(_STYLE).substitute(
            button=strings.UPLOAD_BUTTON,
            instructions=strings.UPLOAD_INSTRUCTIONS.format(size=size),
        )
    )
