"""Submitting, cancelling, deleting and listing jobs: what the app and the CLI call.

Everything returns at once; the long work happens in the detached supervisor
(``supervise.py``). Listing also reconciles: a job marked running whose
supervisor is gone (pid + start time) becomes ``lost`` and its slot is handed
on, so nothing stays "running" forever.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import JobError
from ..settings import Settings
from .launch import spawn_supervisor
from .multirun import MultirunError, cancel_multirun
from .procs import is_alive, terminate_group
from .store import CANCELLED, LOST, RUNNING, Job, JobStore, JobStoreError


class JobRefused(JobError, ValueError):
    """The command may not run: not a workspace runner with its prefix, or the gate refused it.

    `problems` lists the gate's reasons (override, why), empty for the runner check.
    """

    def __init__(self, message: str, problems: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


def submit_job(
    settings: Settings, page: str, argv: Sequence[str], form_values: Mapping[str, object]
) -> int:
    """Gate the command, record the job as queued, start its supervisor when a slot is free.

    The gate (commands.gate.check_job) composes the command with Hydra and refuses
    anything unsafe; the app's Run, `command-builder run` and rerun all come through here.
    """
    # Imported here: they load Hydra, which the detached supervisor never needs.
    from ..commands.command_line import is_workspace_command
    from ..commands.gate import GateRefused, check_job

    argv = list(argv)
    try:
        check_job(settings, argv)
    except GateRefused as exc:
        raise JobRefused(f"refused to run this command: {exc}", exc.problems) from exc
    reason = is_workspace_command(argv, settings)  # a second, independent check
    if reason is not None:
        raise JobRefused(f"refused to run this command: {reason}")
    store = JobStore(settings)
    job_id = store.insert(page, argv, form_values, str(settings.root))
    _start_queued(settings, store)
    return job_id


def _start_queued(settings: Settings, store: JobStore) -> None:
    """Launch a supervisor if a job is queued and a slot is free.

    A race with another launcher is harmless: each supervisor claims the oldest
    queued job in one transaction, so two supervisors take two jobs (or one exits).
    """
    next_id = store.next_queued(settings.max_running_jobs)
    if next_id is not None:
        try:
            spawn_supervisor(settings)
        except OSError as exc:
            raise JobStoreError(f"cannot start the supervisor of job {next_id}: {exc}") from exc


def reconcile(settings: Settings, store: JobStore | None = None) -> list[int]:
    """Mark running jobs whose supervisor died as lost; returns their ids.

    Normally the job's watchdog does this first (and stops the runner). A lost job
    whose runner still lives keeps its slot, so no queued job starts beside it until
    it ends or is cancelled. Cheap: one indexed query plus a /proc read per running job.
    """
    store = store or JobStore(settings)
    lost = []
    for job in store.with_status(RUNNING):
        if is_alive(job.supervisor_pid, job.supervisor_start):
            continue
        runner = "still running" if is_alive(job.pid, job.pid_start) else "gone"
        message = (
            f"its supervisor (pid {job.supervisor_pid}) disappeared; the runner "
            f"(pid {job.pid}) is {runner}"
        )
        if store.mark_lost(job.id, job.supervisor_pid, message):
            lost.append(job.id)
    _start_queued(settings, store)  # also after an orphan ended: a free slot is filled at once
    return lost


def list_jobs(settings: Settings, limit: int = 200) -> list[Job]:
    """Newest first, reconciled."""
    store = JobStore(settings)
    reconcile(settings, store)
    return store.list(limit)


def get_job(settings: Settings, job_id: int) -> Job | None:
    store = JobStore(settings)
    reconcile(settings, store)
    return store.get(job_id)


def cancel_job(settings: Settings, job_id: int) -> Job:
    """Queued: cancelled now. Running: its supervisor is told (SIGTERM) and escalates.

    A lost job whose runner still lives is stopped here (SIGTERM to the group,
    SIGKILL after the grace period), which may block up to that period.
    """
    store = JobStore(settings)
    job = store.request_cancel(job_id)
    if job is None:
        raise JobStoreError(f"no job {job_id}")
    pid = job.supervisor_pid
    if job.status == RUNNING and pid is not None and is_alive(pid, job.supervisor_start):
        os.kill(pid, signal.SIGTERM)
    elif (
        job.status in (RUNNING, LOST) and job.pgid is not None and is_alive(job.pid, job.pid_start)
    ):
        error = "cancelled without its supervisor"
        try:  # a multirun's SLURM sub-runs outlive the group: cancel them through submitit
            cancel_multirun(settings, job.argv, job.run_dir, job.started_at or job.created_at)
        except MultirunError as exc:
            error = f"{error}; {exc}"
        terminate_group(job.pgid, settings.job_cancel_grace_s)
        store.finish(job_id, CANCELLED, None, error)
    return store.get(job_id) or job


def delete_job(settings: Settings, job_id: int) -> None:
    """Remove the record and its log; a running job must be cancelled first."""
    job = JobStore(settings).delete(job_id)
    if job is None:
        raise JobStoreError(f"no job {job_id}")
    Path(job.log_path).unlink(missing_ok=True)


def rerun_job(settings: Settings, job_id: int) -> int:
    """Submit the same command and form values again (a new job)."""
    job = JobStore(settings).get(job_id)
    if job is None:
        raise JobStoreError(f"no job {job_id}")
    return submit_job(settings, job.page, job.argv, job.form_values)
