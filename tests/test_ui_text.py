"""User text inside Streamlit markdown is escaped: shown as text, never rendered or fetched."""

from __future__ import annotations

import re

from ui.strings import md, md_lines


def test_markdown_injection_is_neutralised() -> None:
    hostile = (
        "![spår](https://example.org/x.png) [länk](javascript:alert(1)) **fet** :red[röd] <b>x</b>"
    )
    escaped = md(hostile)
    # No unescaped markdown syntax remains: every special character has a backslash before it.
    assert not re.search(r"(?<!\\)[!\[\]()*:<>]", escaped)
    assert escaped.replace("\\", "").replace("\u2060", "") == hostile  # the text itself is kept


def test_lines_are_kept_apart() -> None:
    assert md_lines("Fel:\n  - rad 2") == "Fel\\:\u2060  \n  \\- rad 2"
