"""Publik karta's view: what the page says about the publication that was just made or refused.

Publishing is a write (``ui.state.public_site``: once per data version and month, the access log
records it); the view only reads its result.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.public.publish import Refusal, SiteInfo
from ui import state, strings


@dataclass(frozen=True)
class PublicView:
    """The page's texts: the public's notice, the refusal's detail for staff, the facts."""

    address: str
    """The published site, with the data version so that a browser never shows an old copy."""
    notice: str | None = None
    """For everyone when a publication was refused: the map is not updated yet, since when."""
    problems: str | None = None
    """The refusal's problems (markdown list, escaped) for the police only; never a hidden value."""
    way_forward: str = ""
    stop: bool = False
    """Refused with no earlier publication: there is no site to show."""
    facts: str | None = None
    """The publication's period, size and hidden cells (for staff)."""


def public_view(site: SiteInfo | Refusal, *, version: str, polis: bool) -> PublicView:
    """The view of a publication's result (``polis``: the police see the detail and the facts)."""
    address = f"/app/static/publik/index.html?v={version}"
    if isinstance(site, Refusal):
        notice = (
            strings.PUBLIC_NOT_UPDATED.format(when=site.last.local_date_text)
            if site.last is not None
            else strings.PUBLIC_NOT_YET
        )
        stop = not state.public_site_exists()
        if not polis:
            return PublicView(address, notice, stop=stop)
        problems = "\n".join(f"- {strings.md(problem)}" for problem in site.problems)
        return PublicView(address, notice, problems, strings.md(site.way_forward), stop=stop)
    if not polis:
        return PublicView(address)
    facts = strings.PUBLIC_FACTS.format(
        first=site.first_month,
        last=site.last_month,
        kb=round(site.bytes / 1000),
        hidden=site.hidden_cells,
    )
    return PublicView(address, facts=facts)
