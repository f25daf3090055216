"""Predict: a run's submission JSON (or an uploaded one) -> preview -> the competition CSV.

Behind a toggle, so a Predict page switch renders none of it by default; inside
a fragment, so choosing a file or uploading one reruns this panel only.
"""

from __future__ import annotations

import functools
from pathlib import PurePosixPath

import streamlit as st

from ..export import (
    CSV_HEADER,
    Submission,
    SubmissionData,
    SubmissionError,
    competition_rows,
    load_submission,
    to_competition_csv,
)
from ..settings import Settings
from . import context, labels, light
from .text import md

PREVIEW_ROWS = 200
PREVIEW_KEY = "predict.ui.export_preview"
MAX_LISTED = 50
FROM_RUN, UPLOAD = "A run's submission", "Upload a JSON file"


def render(settings: Settings) -> None:
    """The export section of the Predict page (collapsed until asked for)."""
    if light.toggle("Export a submission to the competition CSV", key="predict.ui.export"):
        _panel(settings)


@st.fragment
def _panel(settings: Settings) -> None:
    source = st.radio(
        "Submission",
        (FROM_RUN, UPLOAD),
        horizontal=True,
        key="predict.ui.export_source",
        persist_state="session",
    )
    try:
        data, name = _from_run(settings) if source == FROM_RUN else _from_upload(settings)
    except SubmissionError as exc:
        st.error(f"Cannot export this submission: {md(exc)}")
        return
    if data is None:
        return
    rows = competition_rows(data)
    st.caption(
        f"{len(rows)} images, {data.word_count} words"
        + (f" (first {PREVIEW_ROWS} shown)" if len(rows) > PREVIEW_ROWS else "")
    )
    light.table(PREVIEW_KEY, "Competition CSV preview", CSV_HEADER, rows[:PREVIEW_ROWS])
    st.download_button(
        "Download competition CSV",
        data=functools.partial(to_competition_csv, data),
        file_name=f"{PurePosixPath(name).stem}.csv",
        mime="text/csv",
        on_click="ignore",
        key="predict.ui.export_download",
    )


def _from_run(settings: Settings) -> tuple[SubmissionData | None, str]:
    submissions = context.submissions(settings)
    if not submissions:
        st.info("No submission yet: run a Predict job, or upload a file.")
        return None, ""
    chosen = st.selectbox(
        "Submission file (newest first)",
        submissions[:MAX_LISTED],
        format_func=_label,
        key="predict.ui.export_file",
    )
    if chosen is None:
        return None, ""
    return _load_file(
        str(settings.inside(chosen.path)), chosen.mtime, settings.upload_limit_mb
    ), chosen.path


@functools.lru_cache(maxsize=8)
def _load_file(path: str, mtime: float, limit_mb: int) -> SubmissionData:
    """Parsed once per file version (mtime is part of the key)."""
    return load_submission(path, limit_mb)


def _from_upload(settings: Settings) -> tuple[SubmissionData | None, str]:
    upload = st.file_uploader(
        f"Submission JSON (at most {settings.upload_limit_mb} MB)",
        type=["json"],
        max_upload_size=settings.upload_limit_mb,
        key="predict.ui.export_upload",
    )
    if upload is None:
        return None, ""
    return load_submission(upload.getvalue(), settings.upload_limit_mb), upload.name


def _label(submission: Submission) -> str:
    return f"{submission.path} · {labels.stamp(submission.mtime)} · {labels.size(submission.size)}"
