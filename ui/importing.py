"""Glue for the Import page: saving an upload, running a check or an import with a progress bar."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.ingest import ImportOptions, ImportReport, import_incidents
from ui import state, strings


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


def upload_key(data: bytes, options: ImportOptions) -> str:
    """Identifies a file + options, so a check is not repeated on every rerun."""
    return hashlib.sha256(data).hexdigest() + repr(options)


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
