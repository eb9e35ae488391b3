"""The app's server process: ``streamlit run`` plus the warm-up (what ``python -m geo serve`` runs).

``python -m ui.server dashboard.py --server.port 8501 …`` is ``python -m streamlit run
dashboard.py --server.port 8501 …`` (the same command line, Streamlit's own CLI in this
process) with :func:`ui.warmup.start_in_background` started first: once the runtime is up and the
server listens, a background thread imports what the pages import and fills the caches the first
visitors would otherwise fill (see :mod:`ui.warmup`). Start the app with ``python -m geo serve``,
which checks the address and the login configuration before it runs this.

(Streamlit's ``st.App`` has a lifespan hook for this, but in Streamlit 1.67 an ``st.App`` serves
no v1 component files, so the folium maps stay blank; ``streamlit run`` has no start hook.)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(arguments: Sequence[str]) -> None:
    """Start the warm-up thread, then Streamlit's ``run`` with ``arguments`` (does not return)."""
    from streamlit.web.cli import main as streamlit

    from ui.warmup import start_in_background

    start_in_background()
    streamlit(args=["run", *arguments], prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
