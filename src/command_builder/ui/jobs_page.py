"""The Jobs page: what runs and what ran, live, with the selected job's log tail.

Everything below the title is one fragment that reruns every
``REFRESH_S`` seconds on its own, so a status change reaches the page
within that time without rerunning the app. Each run costs two SQLite
queries (reconcile + list), a /proc read per running job and a bounded
read of the end of a few logs: no file scans, whatever the logs' size. A
selected multirun job also lists its sub-runs (one scandir of its sweep folder,
each sub-run's records parsed once) with the chosen sub-run's own log.
"""

from __future__ import annotations

import time

import streamlit as st

from ..commands.command_line import display_command
from ..commands.launchers import MULTIRUN_FLAGS
from ..jobs import (
    Job,
    JobStore,
    JobStoreError,
    LogUnavailable,
    Multirun,
    cancel_job,
    delete_job,
    job_multirun,
    list_jobs,
    parse_progress,
    rerun_job,
    tail_log,
)
from ..settings import Settings
from . import light, nav
from .text import md

REFRESH_S = 0.5  # status must show within 1 s of its change
PROGRESS_TAIL_BYTES = 8 * 1024
LOG_LINES = 300
LIST_LIMIT = 100
SELECTED_KEY = "jobs_selected"
SUBRUN_KEY = "jobs_subrun"
SUBRUN_LOG_LINES = 200
MESSAGE_KEY = "jobs_message"
CONFIRM_DELETE_KEY = "jobs_confirm_delete"
LOG_KEY = "jobs_log"  # the log's container: CSS keeps it scrolled to the newest line
# A column-reverse scroll box starts at its bottom and stays there as lines are added,
# unless the user scrolled up (the browser keeps that position): a log that follows.
LOG_CSS = f"""<style>
.st-key-{LOG_KEY} [data-testid="stCode"] pre {{
  display: flex; flex-direction: column-reverse; overflow-anchor: none;
}}
</style>"""
PENDING_FORM_KEY = "pending_form_load"  # consumed by the form pages
JOB_COLUMNS = ("Job", "Page", "Status", "Started", "Duration", "Progress", "Exit", "Run folder")
SUBRUN_COLUMNS = ("#", "Status", "Overrides", "Submitit job", "Run folder")


def render(settings: Settings) -> None:
    st.title("Jobs")
    _panel(settings)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _progress(job: Job) -> float | str:
    """A running job's fraction done, from its log's last epoch line (the table draws a
    bar), else no text."""
    if job.status != "running":
        return ""
    try:
        progress = parse_progress(tail_log(job.log_path, PROGRESS_TAIL_BYTES))
    except LogUnavailable:
        return ""
    return progress.fraction if progress else ""


def _started(job: Job) -> str:
    if not job.started_at:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(job.started_at))


def _table(jobs: list[Job], now: float) -> None:
    rows = [
        (
            f"#{job.id}",
            job.page,
            job.status,
            _started(job),
            _duration(job.duration(now)),
            _progress(job),
            "" if job.exit_code is None else str(job.exit_code),
            job.run_dir or "",
        )
        for job in jobs
    ]
    light.table("jobs_table", "Jobs", JOB_COLUMNS, rows)


def _act(action, settings: Settings, job_id: int, done: str) -> None:
    """Button callback: run the action, keep a message for the next fragment run."""
    try:
        result = action(settings, job_id)
    except (JobStoreError, OSError, ValueError) as exc:
        st.session_state[MESSAGE_KEY] = ("error", md(exc))  # markdown source: data escaped
        return
    if action is rerun_job:
        _select(result)
        done = f"{done} as job #{result}"
    st.session_state[MESSAGE_KEY] = ("success", done)


def _select(job_id: int) -> None:
    """Make `job_id` the selected job, in the URL too (the URL is what a reload selects)."""
    st.session_state[SELECTED_KEY] = job_id
    st.query_params["job"] = str(job_id)


def _selected_changed() -> None:
    st.query_params["job"] = str(st.session_state[SELECTED_KEY])


def _ask_delete(job_id: int | None) -> None:
    st.session_state[CONFIRM_DELETE_KEY] = job_id


def _actions(settings: Settings, job: Job) -> None:
    cancel, delete, rerun, builder = st.columns(4)
    cancel.button(
        "Cancel",
        key="jobs_cancel",
        width="stretch",
        disabled=job.status not in ("queued", "running", "lost"),
        on_click=_act,
        args=(cancel_job, settings, job.id, f"Cancel sent to job #{job.id}"),
        help="SIGTERM to the job's process group, SIGKILL after the grace period",
    )
    delete.button(
        "Delete",
        key="jobs_delete",
        width="stretch",
        disabled=job.status == "running",
        on_click=_ask_delete,
        args=(job.id,),
        help="Asks first",
    )
    rerun.button(
        "Re-run",
        key="jobs_rerun",
        width="stretch",
        on_click=_act,
        args=(rerun_job, settings, job.id, f"Re-ran job #{job.id}"),
    )
    if builder.button(
        "Open in builder",
        key="jobs_open",
        width="stretch",
        disabled=job.page not in nav.builder_page_names(),
        help="Restore this job's form on its page",
    ):
        st.session_state[PENDING_FORM_KEY] = {
            "page": job.page,
            "command": display_command(job.argv),
            "values": dict(job.form_values),
        }
        st.switch_page(nav.page(job.page))
    if st.session_state.get(CONFIRM_DELETE_KEY) == job.id:
        _confirm_delete(settings, job)


def _confirm_delete(settings: Settings, job: Job) -> None:
    """Delete is final (the record and its log): one more click, or Keep."""
    with st.container(border=True):
        st.warning(f"Delete job #{job.id} and its log? This cannot be undone.")
        yes, keep, _ = st.columns([1, 1, 2])
        yes.button(
            "Yes, delete",
            key="jobs_delete_yes",
            type="primary",
            on_click=_delete,
            args=(settings, job.id),
        )
        keep.button("Keep", key="jobs_delete_keep", on_click=_ask_delete, args=(None,))


def _delete(settings: Settings, job_id: int) -> None:
    _ask_delete(None)
    if st.query_params.get("job") == str(job_id):
        del st.query_params["job"]
    _act(delete_job, settings, job_id, f"Deleted job #{job_id} and its log")


def _subruns(multirun: Multirun) -> None:
    """A multirun's sub-runs (Hydra's job numbers) and the chosen one's own log files."""
    st.markdown(
        f"**Sub-runs** · {len(multirun.subruns)} · {md(multirun.launcher)} launcher"
        + (f" · sweep folder {md(multirun.sweep_dir)}" if multirun.sweep_dir else "")
    )
    rows = [
        (
            str(s.index),
            s.status,
            " ".join(s.overrides),
            s.job_id or "",
            s.run_dir.name if s.run_dir else "",
        )
        for s in multirun.subruns
    ]
    light.table("jobs_subruns", "Sub-runs", SUBRUN_COLUMNS, rows)
    by_index = {s.index: s for s in multirun.subruns}
    if st.session_state.get(SUBRUN_KEY) not in by_index:
        st.session_state[SUBRUN_KEY] = multirun.subruns[0].index
    chosen = by_index[
        st.selectbox(
            "Sub-run log",
            list(by_index),
            key=SUBRUN_KEY,
            format_func=lambda i: (
                f"#{i} · {by_index[i].status} · {' '.join(by_index[i].overrides)}"
            ),
        )
    ]
    if not chosen.logs:
        st.caption(f"Sub-run #{chosen.index} has no log yet ({md(chosen.status)}).")
    for path in chosen.logs:
        try:
            text = tail_log(str(path))
        except LogUnavailable as exc:
            st.caption(md(exc))
            continue
        lines = text.rstrip("\n").splitlines()[-SUBRUN_LOG_LINES:]
        st.caption(md(path.name))
        st.code("\n".join(lines) or "(empty)", language=None, height=240)


def _details(settings: Settings, job: Job) -> None:
    st.code(display_command(job.argv), language="bash", wrap_lines=True)
    facts = [f"Job #{job.id}: **{md(job.status)}**"]
    if job.exit_code is not None:
        facts.append(f"exit code {md(job.exit_code)}")
    if job.run_dir:
        facts.append(f"run folder {md(job.run_dir)}")
    st.markdown(" · ".join(facts))
    if job.error:
        st.error(md(job.error))
    multirun = job_multirun(settings, job) if MULTIRUN_FLAGS.intersection(job.argv) else None
    if multirun is not None and multirun.subruns:
        _subruns(multirun)
    try:
        text = tail_log(job.log_path)
    except LogUnavailable as exc:
        if not job.finished:  # a queued or just started job has no log file yet
            text = ""
        else:
            st.warning(md(exc))
            return
    lines = text.rstrip("\n").splitlines()[-LOG_LINES:]
    st.html(LOG_CSS)
    with st.container(key=LOG_KEY):
        st.code("\n".join(lines) or "(no output yet)", language=None, height=420)


def _wanted(by_id: dict[int, Job], newest: int) -> int:
    """The job the URL names (?job=N: a Run link, a reload, a fresh browser), else the
    session's last choice, else the newest. The URL is the truth: a choice updates it."""
    wanted = st.query_params.get("job", "")
    if wanted.isdigit() and int(wanted) in by_id:
        return int(wanted)
    chosen = st.session_state.get(SELECTED_KEY)
    return chosen if chosen in by_id else newest


@st.fragment(run_every=REFRESH_S)
def _panel(settings: Settings) -> None:
    try:
        jobs = list_jobs(settings, LIST_LIMIT)
    except JobStoreError as exc:
        st.error(md(exc))
        return
    for notice in JobStore(settings).notices():  # e.g. an unreadable store moved aside
        st.warning(md(notice))
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        getattr(st, message[0])(message[1])
    if not jobs:
        st.info("No jobs yet: press Run on Train, Test or Predict, or use `command-builder run`.")
        return
    _table(jobs, time.time())
    by_id = {job.id: job for job in jobs}
    st.session_state[SELECTED_KEY] = _wanted(by_id, jobs[0].id)
    selected = st.selectbox(
        "Job",
        list(by_id),
        key=SELECTED_KEY,
        format_func=lambda i: f"#{i} · {by_id[i].page} · {by_id[i].status}",
        on_change=_selected_changed,
    )
    job = by_id[selected]
    _actions(settings, job)
    _details(settings, job)
