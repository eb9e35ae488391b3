"""Glue for the Import page: saving an upload, running a check or an import with a progress bar."""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from geo.ingest import ImportOptions, ImportReport, import_incidents
from geo.tables import TableReport
from ui import state, strings

R = TypeVar("R", ImportReport, TableReport)
"""Either import report: both have accepted, imported, preview and text()."""


def save_upload(name: str, data: bytes) -> Path:
    """Write an uploaded file to a private temporary folder, keeping a safe version of its name."""
    safe = re.sub(r"[^\w.\-]", "_", Path(name).name) or "upload"
    folder = Path(tempfile.mkdtemp(prefix="lagesbild-upload-"))
    path = folder / safe
    path.write_bytes(data)
    return path


def discard_upload(path: str | Path | None) -> None:
    """Delete an uploaded file and its private folder (after import, or when replaced)."""
    import shutil

    if path:
        shutil.rmtree(Path(path).parent, ignore_errors=True)


def saved_once(uploaded: UploadedFile, slot: str) -> Path:
    """Save an upload once per content (not on every rerun); replaces the slot's earlier file."""
    data = uploaded.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    if st.session_state.get(f"{slot}_digest") != digest:
        discard_upload(st.session_state.get(f"{slot}_path"))
        st.session_state[f"{slot}_path"] = str(save_upload(uploaded.name, data))
        st.session_state[f"{slot}_digest"] = digest
    return Path(st.session_state[f"{slot}_path"])


def preview_table(preview: pd.DataFrame) -> pd.DataFrame:
    """The parsed rows as a user reads them: Swedish local times and Swedish column names."""
    if preview.empty:
        return preview
    shown = preview.copy()
    for column in ("occurred_at", "ended_at"):
        if column in shown:
            local = pd.to_datetime(shown[column], utc=True).dt.tz_convert("Europe/Stockholm")
            shown[column] = local.dt.strftime("%Y-%m-%d %H:%M").where(local.notna(), "")
    columns = [c for c in strings.PREVIEW_COLUMNS if c in shown.columns]
    return shown[columns].rename(columns=strings.PREVIEW_COLUMNS).rename_axis(strings.PREVIEW_LINE)


def run(path: Path, options: ImportOptions, *, dry_run: bool) -> ImportReport:
    """Check (dry run) or import a file, with a progress bar on the page."""
    bar = st.progress(0.0, text=strings.IMPORT_CHECKING if dry_run else strings.IMPORT_RUNNING)

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    settings = state.settings()
    engine = state.engine(settings.database_url)
    report = import_incidents(engine, path, options, dry_run=dry_run, progress=progress)
    bar.empty()
    return report


def run_table(kind: str, path: Path, options: object, *, dry_run: bool) -> TableReport:
    """Check or import a survey or indicator file (small files: a spinner is enough)."""
    from geo.partners import IndicatorOptions, import_indicators
    from geo.survey import SurveyOptions, import_survey

    engine = state.engine(state.settings().database_url)
    with st.spinner(strings.IMPORT_CHECKING if dry_run else strings.IMPORT_RUNNING):
        if kind == "survey":
            assert isinstance(options, SurveyOptions)
            return import_survey(engine, path, options, dry_run=dry_run)
        assert isinstance(options, IndicatorOptions)
        return import_indicators(engine, path, options, dry_run=dry_run)


def check_then_import(
    slot: str,
    uploaded: UploadedFile,
    options: object,
    run_check: Callable[[Path, bool], R],
    *,
    preview: Callable[[R], pd.DataFrame],
    done: Callable[[R], str],
) -> None:
    """The Import page's flow for any kind of file: save the upload once, check it (dry run) once
    per file + options, show the preview and the report, and import on confirmation.

    ``slot`` keeps each kind's state apart in the session; ``run_check(path, dry_run)`` runs it.
    """
    data = uploaded.getvalue()
    key = hashlib.sha256(data).hexdigest() + repr(options)
    if st.session_state.get(f"{slot}_checked_key") != key:
        discard_upload(st.session_state.get(f"{slot}_path"))  # the previous upload, if any
        path = save_upload(uploaded.name, data)
        st.session_state[f"{slot}_checked_key"] = key
        st.session_state[f"{slot}_path"] = str(path)
        st.session_state[f"{slot}_check"] = run_check(path, True)
        st.session_state.pop(f"{slot}_result", None)
    check: R = st.session_state[f"{slot}_check"]
    shown = preview(check)
    if not shown.empty:
        st.subheader(strings.IMPORT_PREVIEW)
        st.dataframe(shown, width="stretch")
    st.subheader(strings.IMPORT_REPORT)
    st.code(check.text(), language=None)
    if not check.accepted:
        st.error(strings.IMPORT_REJECTED)
        return
    result: R | None = st.session_state.get(f"{slot}_result")
    if result is None and st.button(strings.IMPORT_CONFIRM, type="primary", key=f"{slot}_confirm"):
        result = run_check(Path(st.session_state[f"{slot}_path"]), False)
        st.session_state[f"{slot}_result"] = result
        if result.imported:
            discard_upload(st.session_state[f"{slot}_path"])
    if result is not None:
        if result.imported:
            st.success(done(result))
        else:
            st.error(strings.IMPORT_REJECTED)
        st.code(result.text(), language=None)


def table_import(kind: str, uploaded: UploadedFile, options: object) -> None:
    """Survey and indicator files through the shared flow (comments are never previewed)."""
    check_then_import(
        kind,
        uploaded,
        options,
        lambda path, dry_run: run_table(kind, path, options, dry_run=dry_run),
        preview=lambda report: report.preview.drop(columns=["comment"], errors="ignore"),
        done=lambda report: strings.TABLE_IMPORT_DONE.format(
            n=report.rows_valid, what=report.what, import_id=report.import_id
        ),
    )


def incident_import(uploaded: UploadedFile, options: ImportOptions) -> None:
    """Incident files through the shared flow, with a progress bar and a Swedish preview."""
    check_then_import(
        "import",
        uploaded,
        options,
        lambda path, dry_run: run(path, options, dry_run=dry_run),
        preview=lambda report: preview_table(report.preview),
        done=lambda report: strings.IMPORT_DONE.format(
            new=report.rows_new, updated=report.rows_updated, unchanged=report.rows_unchanged
        ),
    )
