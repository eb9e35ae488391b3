"""The page boundary: what a user sees when a page fails, instead of Streamlit's exception box.

``dashboard.py`` runs the chosen page through :func:`run_page`. A full or read-only disk or
database is a Swedish sentence saying what the operator must fix (:func:`geo.errors.storage_error`);
any other unexpected exception is logged on the server (``<data dir>/logs/fel.log``) and the user
reads that nothing was changed. Streamlit's own stop/rerun signals are ``BaseException`` and pass.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

import streamlit as st

from geo.errors import GeoError, log_unexpected, storage_error
from ui import strings


def run_page(run: Callable[[], object]) -> None:
    """Run a page (``navigation.run``) and turn what escapes it into a Swedish message."""
    try:
        run()
    except GeoError as error:  # a refusal the page did not catch itself: it says what to fix
        st.error(strings.md_lines(error))
    except Exception as error:
        storage = storage_error(error)
        if storage is not None:
            logging.getLogger("lagesbild").warning("storage refused a page: %s", error)
            st.error(strings.md_lines(storage))
            return
        text = traceback.format_exc()
        logging.getLogger("lagesbild").error("unexpected error on a page:\n%s", text)
        log_unexpected(text)
        st.error(strings.PAGE_UNEXPECTED)
