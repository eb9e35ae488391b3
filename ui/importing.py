"""Glue for the Import page: saving an upload, running a check or an import with a progress bar."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from geo.errors import log_unexpected, storage_error
from geo.io.columns import MAPPABLE_FIELDS, save_user_profile, save_user_type_groups
from geo.io.ingest import ImportOptions, import_incidents
from geo.io.profiles import load_profile
from geo.io.report import ImportReport
from geo.io.uploads import SWEEP_EVERY, UploadArea
from geo.periods import LOCAL_TZ
from geo.taxonomy import load_taxonomy
from ui import state, strings


@st.cache_resource
def upload_area() -> UploadArea:
    """The process's upload area (geo.io.uploads), swept when the server first uses it and then every
    ``SWEEP_EVERY`` by a background thread: abandoned checks do not keep raw data on disk."""
    area = UploadArea()
    _sweep(area)
    threading.Thread(target=_sweep_forever, args=(area,), name="lagesbild-uploads", daemon=True).start()  # fmt: skip
    return area


def _sweep(area: UploadArea) -> None:
    try:
        removed = area.sweep()
        if removed.files:
            logging.getLogger("lagesbild").info(
                "upload area: removed %d abandoned files", removed.files
            )
    except Exception:  # housekeeping must never stop the server
        log_unexpected(traceback.format_exc())


def _sweep_forever(area: UploadArea) -> None:
    while True:
        time.sleep(SWEEP_EVERY.total_seconds())
        _sweep(area)


def save_upload(name: str, data: bytes) -> Path:
    """Write an uploaded file to a private folder of the upload area, keeping a safe version of
    its name; a full or read-only disk is a Swedish :class:`~geo.errors.StorageError`."""
    try:
        return upload_area().save(name, data)
    except OSError as error:
        storage = storage_error(error)
        if storage is None:
            raise
        raise storage from error


def discard_upload(path: str | Path | None) -> None:
    """Delete an uploaded file and its private folder (after import, or when replaced)."""
    upload_area().discard(path)


def upload_path(slot: str, uploaded: UploadedFile) -> Path:
    """The slot's saved upload; saved again from the browser's copy when the sweep has removed it
    (a check left open longer than ``geo.io.uploads.MAX_AGE``)."""
    path = Path(st.session_state[f"{slot}_path"])
    if not path.exists():
        path = save_upload(uploaded.name, uploaded.getvalue())
        st.session_state[f"{slot}_path"] = str(path)
    return path


def saved_once(uploaded: UploadedFile, slot: str) -> Path:
    """Save an upload once per content (not on every rerun); replaces the slot's earlier file."""
    data = uploaded.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    if st.session_state.get(f"{slot}_digest") != digest:
        discard_upload(st.session_state.get(f"{slot}_path"))
        st.session_state[f"{slot}_path"] = str(save_upload(uploaded.name, data))
        st.session_state[f"{slot}_digest"] = digest
    return upload_path(slot, uploaded)


def preview_table(preview: pd.DataFrame) -> pd.DataFrame:
    """The parsed rows as a user reads them: Swedish local times and Swedish column names."""
    if preview.empty:
        return preview
    shown = preview.copy()
    for column in ("occurred_at", "ended_at"):
        if column in shown:
            local = pd.to_datetime(shown[column], utc=True).dt.tz_convert(LOCAL_TZ)
            shown[column] = local.dt.strftime("%Y-%m-%d %H:%M").where(local.notna(), "")
    columns = [c for c in strings.PREVIEW_COLUMNS if c in shown.columns]
    shown = shown[columns].astype(object).where(shown[columns].notna(), "")
    return shown.rename(columns=strings.PREVIEW_COLUMNS).rename_axis(strings.PREVIEW_LINE)


def run(path: Path, options: ImportOptions, *, dry_run: bool) -> ImportReport:
    """Check (dry run) or import a file, with a progress bar on the page."""
    bar = st.progress(0.0, text=strings.IMPORT_CHECKING if dry_run else strings.IMPORT_RUNNING)

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    settings = state.settings()
    engine = state.engine(settings.database_url)
    try:
        return import_incidents(engine, path, options, dry_run=dry_run, progress=progress)
    finally:
        bar.empty()


def run_table(kind: str, path: Path, options: object, *, dry_run: bool) -> ImportReport:
    """Check or import a survey or indicator file (small files: a spinner is enough)."""
    from geo.io.partners import IndicatorOptions, import_indicators
    from geo.io.surveys import SurveyOptions, import_survey

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
    run_check: Callable[[Path, bool], ImportReport],
    *,
    preview: Callable[[ImportReport], pd.DataFrame],
    done: Callable[[ImportReport], str],
    after_check: Callable[[ImportReport], None] | None = None,
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
        st.session_state.pop(f"{slot}_result", None)
        st.session_state.pop(f"{slot}_check", None)
        checked = guarded(uploaded.name, lambda: run_check(path, True))
        if checked is None:
            st.session_state.pop(f"{slot}_checked_key", None)  # try again on the next run
            return
        st.session_state[f"{slot}_check"] = checked
    check: ImportReport = st.session_state[f"{slot}_check"]
    if after_check is not None:
        after_check(check)
    shown = preview(check)
    if not shown.empty:
        st.subheader(strings.IMPORT_PREVIEW)
        st.dataframe(shown, width="stretch")
    st.subheader(strings.IMPORT_REPORT)
    st.code(check.text(), language=None, wrap_lines=True)
    if not check.accepted:
        st.error(strings.IMPORT_REJECTED)
        return
    result: ImportReport | None = st.session_state.get(f"{slot}_result")
    if result is None and st.button(strings.IMPORT_CONFIRM, type="primary", key=f"{slot}_confirm"):
        saved = upload_path(slot, uploaded)
        result = guarded(uploaded.name, lambda: run_check(saved, False))
        if result is None:
            return
        st.session_state[f"{slot}_result"] = result
        if result.imported:
            discard_upload(st.session_state[f"{slot}_path"])
        st.rerun()  # show the new state at once: the result, and no second Importera button
    if result is not None:
        if result.imported:
            st.success(done(result))
        else:
            st.error(strings.IMPORT_REJECTED)
        st.code(result.text(), language=None, wrap_lines=True)


def guarded(file_name: str, work: Callable[[], ImportReport]) -> ImportReport | None:
    """Run a check or an import; an unexpected exception is logged on the server (never shown)
    and the user reads a Swedish sentence saying nothing was changed. ``GeoError`` passes on."""
    from geo.errors import GeoError

    try:
        return work()
    except GeoError:
        raise
    except Exception as error:
        storage = storage_error(error)  # a full or read-only disk: say so, it is not a bug
        if storage is not None:
            logging.getLogger("lagesbild").warning("storage refused %s: %s", file_name, error)
            raise storage from error
        text = traceback.format_exc()
        logging.getLogger("lagesbild").error("unexpected error importing %s:\n%s", file_name, text)
        log_unexpected(text)
        st.error(strings.IMPORT_UNEXPECTED.format(file=strings.md(file_name)))
        return None


def template_downloads() -> None:
    """Download buttons for the import template (Swedish CSV and Excel), built only when clicked."""
    from geo.io.columns import template_csv, template_xlsx

    with st.expander(strings.IMPORT_TEMPLATE):
        left, right = st.columns(2)
        left.download_button(
            strings.IMPORT_TEMPLATE_CSV, template_csv, "mall_handelser.csv", "text/csv"
        )
        right.download_button(strings.IMPORT_TEMPLATE_XLSX, template_xlsx, "mall_handelser.xlsx",
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip


def chosen_columns() -> tuple[tuple[str, str], ...]:
    """The column choice the user applied (kept per session until a new file is uploaded)."""
    return tuple(st.session_state.get("import_column_map", ()))


def chosen_groups() -> tuple[tuple[str, str], ...]:
    """The groups the user chose for unknown type values."""
    return tuple(st.session_state.get("import_type_groups", ()))


def _column_chooser(report: ImportReport, options: ImportOptions) -> None:
    """Pick a column per field when the profile found none; preview the raw rows; save a profile."""
    if not report.headers or report.format not in ("csv", "xlsx"):
        return
    with st.expander(strings.IMPORT_MAP_HEADER, expanded=report.columns_missing):
        st.caption(strings.IMPORT_MAP_INTRO)
        if not report.raw_preview.empty:
            st.caption(strings.IMPORT_MAP_RAW)
            st.dataframe(report.raw_preview, width="stretch")
        choices = [strings.IMPORT_MAP_NONE, *report.headers]
        picked: dict[str, str] = {}
        left, right = st.columns(2)
        for number, (field_name, label) in enumerate(MAPPABLE_FIELDS.items()):
            current = report.columns.get(field_name)
            column = (left if number % 2 == 0 else right).selectbox(
                label, choices, index=choices.index(current) if current in choices else 0,
                key=f"import_map_{field_name}",
            )  # fmt: skip
            if column != strings.IMPORT_MAP_NONE:
                picked[field_name] = column
        if st.button(strings.IMPORT_MAP_APPLY, key="import_map_apply"):
            st.session_state["import_column_map"] = tuple(sorted(picked.items()))
            st.rerun()
        name = st.text_input(strings.IMPORT_MAP_SAVE_NAME, key="import_map_name").strip()
        if name and st.button(strings.IMPORT_MAP_SAVE, key="import_map_save"):
            user_dir = state.settings().data_dir
            path = save_user_profile(
                user_dir, name, load_profile(options.profile, user_dir), picked
            )
            st.success(
                strings.IMPORT_MAP_SAVED.format(name=strings.md(name), path=strings.md(path))
            )


def _type_chooser(report: ImportReport) -> None:
    """Choose a category group for each type value the taxonomy does not know."""
    if not report.unknown_types:
        return
    taxonomy = load_taxonomy()
    labels = taxonomy.group_labels()
    with st.expander(strings.IMPORT_TYPES_HEADER, expanded=True):
        st.caption(strings.IMPORT_TYPES_INTRO)
        choices = [strings.IMPORT_TYPES_CHOOSE, *labels]
        picked: dict[str, str] = {}
        for number, (value, lines) in enumerate(report.unknown_types.items()):
            group = st.selectbox(
                strings.IMPORT_TYPES_LABEL.format(value=value, n=len(lines), rows="rad" if len(lines) == 1 else "rader"), choices,
                format_func=lambda k: labels.get(k, k), key=f"import_type_{number}",
            )  # fmt: skip
            if group != strings.IMPORT_TYPES_CHOOSE:
                picked[value] = group
        remember = st.checkbox(
            strings.IMPORT_TYPES_REMEMBER, value=True, key="import_types_remember"
        )
        if st.button(strings.IMPORT_TYPES_APPLY, key="import_types_apply", disabled=not picked):
            if remember:
                save_user_type_groups(state.settings().data_dir, picked)
            st.session_state["import_type_groups"] = tuple(
                sorted({**dict(chosen_groups()), **picked}.items())
            )
            st.rerun()


def _choosers(report: ImportReport, options: ImportOptions) -> None:
    _column_chooser(report, options)
    _type_chooser(report)


def table_import(kind: str, uploaded: UploadedFile, options: object) -> None:
    """Survey and indicator files through the shared flow (comments are never previewed)."""
    check_then_import(
        kind,
        uploaded,
        options,
        lambda path, dry_run: run_table(kind, path, options, dry_run=dry_run),
        preview=lambda report: report.preview.drop(columns=["comment"], errors="ignore"),
        done=lambda report: strings.TABLE_IMPORT_DONE.format(
            n=report.count,
            what=report.what,
            import_id=report.import_id,
        ),
    )


def incident_import(uploaded: UploadedFile, options: ImportOptions) -> None:
    """Incident files through the shared flow, with a progress bar and a Swedish preview; the
    user's column and type choices (kept until another file is uploaded) go into the options."""
    from dataclasses import replace

    digest = hashlib.sha256(uploaded.getvalue()).hexdigest()
    if st.session_state.get("import_choices_for") != digest:
        st.session_state["import_choices_for"] = digest
        st.session_state.pop("import_column_map", None)
        st.session_state.pop("import_type_groups", None)
    options = replace(
        options, column_map=chosen_columns(), type_groups=chosen_groups(), surface="sida"
    )
    check_then_import(
        "import",
        uploaded,
        options,
        lambda path, dry_run: run(path, options, dry_run=dry_run),
        preview=lambda report: preview_table(report.preview),
        done=lambda report: strings.IMPORT_DONE.format(
            new=report.rows_new, updated=report.rows_updated, unchanged=report.rows_unchanged
        ),
        after_check=lambda report: _choosers(report, options),
    )
