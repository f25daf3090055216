"""Detached supervisor of one job: ``python -m command_builder.jobs.supervise JOB_ID --workspace ROOT``.

It runs in its own session, so it outlives the app server or CLI that started
it, and it is the only writer of its job's outcome. It claims the job
atomically (queued -> running, only while fewer than ``max_running_jobs`` run),
starts the runner in a new process group (argv list, no shell, stdout+stderr to
the job's log), waits, records exit code and end time, then launches the
supervisor of the oldest queued job: the queue moves with no browser open.
SIGTERM/SIGINT mean "cancel": SIGTERM to the runner's group, SIGKILL to what is
left after ``job_cancel_grace_s``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

import yaml

from ..settings import Settings, load_settings
from .launch import spawn_supervisor
from .multirun import cancel_multirun, multirun_command, sweep_run_dir
from .procs import group_alive, process_start, signal_group
from .store import CANCELLED, FAILED, SUCCEEDED, Job, JobStore, JobStoreError

WAIT_TICK_S = 0.2
RUN_DIR_CHECKS_S = (1.0, 3.0, 10.0, 30.0, 90.0)  # seconds after start; again at the end
FINISH_ATTEMPTS, FINISH_RETRY_S = 10, 3.0


def find_run_dir(settings: Settings, job: Job, since: float) -> str | None:
    """The Hydra run folder this job created: `.hydra/` newer than its start, overrides equal.

    Looks at outputs/<run> and outputs/<a>/<b> (Hydra's default date/time layout):
    a stat per run folder, run only a few times per job, in the supervisor.
    A multirun's run folder is its sweep folder (the one holding multirun.yaml).
    """
    if multirun_command(settings, job.argv) is not None:
        return sweep_run_dir(settings, job.argv, since)
    overrides = list(job.argv[len(settings.command_prefix) + 1 :])
    candidates: list[Path] = []
    for entry in _scandir(settings.outputs_dir):
        marker = Path(entry.path) / ".hydra"
        if marker.is_dir():
            candidates.append(marker)
        else:
            candidates.extend(
                Path(sub.path) / ".hydra"
                for sub in _scandir(Path(entry.path))
                if (Path(sub.path) / ".hydra").is_dir()
            )
    fresh = []
    for marker in candidates:
        try:
            if marker.stat().st_mtime >= since - 1.0:
                fresh.append(marker)
        except OSError:
            continue
    for marker in fresh:
        try:
            recorded = yaml.safe_load((marker / "overrides.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if recorded == overrides or (not recorded and not overrides):
            return marker.parent.relative_to(settings.root).as_posix()
    return None


def _scandir(path: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as entries:
            return [e for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


class _Cancel:
    """Set by SIGTERM/SIGINT; the wait loop acts on it (no work in the handler)."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: object) -> None:
        self.requested = True


def _describe(code: int) -> str | None:
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return None


def _note(log: BinaryIO, write: Callable[..., None], *args: object) -> None:
    """A store write while the runner runs: a failure (full disk) must not orphan the runner."""
    try:
        write(*args)
    except JobStoreError as exc:
        with suppress(OSError):  # the same full disk may refuse the log line too
            log.write(f"[command-builder] warning: {exc}\n".encode())


def _cancel_subruns(
    settings: Settings, job: Job, run_dir: str | None, since: float, log: BinaryIO
) -> None:
    """A multirun's SLURM sub-runs outlive the runner's group: cancel them through submitit first."""
    try:
        cancelled = cancel_multirun(settings, job.argv, run_dir, since)
    except Exception as exc:  # the runner's group is stopped regardless
        log.write(f"[command-builder] could not cancel the sub-runs: {exc}\n".encode())
        return
    if cancelled:
        log.write(
            f"[command-builder] cancelled sub-runs (submitit jobs {', '.join(cancelled)})\n".encode()
        )


def _finish(store: JobStore, job_id: int, status: str, code: int | None, error: str | None) -> None:
    """Record the outcome, retrying a while: a full disk may be freed in time."""
    for attempt in range(FINISH_ATTEMPTS):
        try:
            store.finish(job_id, status, code, error)
            return
        except JobStoreError:
            if attempt == FINISH_ATTEMPTS - 1:
                raise  # the job will show as lost, with the reason in supervisor.log
            time.sleep(FINISH_RETRY_S)


def _run(
    settings: Settings, store: JobStore, job: Job, cancel: _Cancel
) -> tuple[str, int | None, str | None]:
    """Start the runner, wait for it, return (status, exit code, error)."""
    log_path = Path(job.log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab", buffering=0) as log:
        log.write(f"[command-builder] job {job.id}: {shlex.join(job.argv)}\n".encode())
        try:
            proc = subprocess.Popen(
                list(job.argv),
                cwd=job.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
            )
        except OSError as exc:
            message = f"cannot start {job.argv[0]}: {exc}"
            log.write(f"[command-builder] {message}\n".encode())
            return FAILED, None, message
        _note(log, store.set_child, job.id, proc.pid, proc.pid, process_start(proc.pid))
        started = time.time()
        checks = list(RUN_DIR_CHECKS_S)
        run_dir: str | None = None
        kill_at: float | None = None
        while True:
            if cancel.requested and kill_at is None:
                _cancel_subruns(settings, job, run_dir, started, log)
                signal_group(proc.pid, signal.SIGTERM)
                kill_at = time.monotonic() + settings.job_cancel_grace_s
            if kill_at is not None and time.monotonic() >= kill_at:
                signal_group(proc.pid, signal.SIGKILL)
            try:
                code = proc.wait(timeout=WAIT_TICK_S)
                break
            except subprocess.TimeoutExpired:
                pass
            if run_dir is None and checks and time.time() - started >= checks[0]:
                checks.pop(0)
                run_dir = find_run_dir(settings, job, started)
                if run_dir:
                    _note(log, store.set_run_dir, job.id, run_dir)
        if cancel.requested:
            # The runner is gone; its grandchildren in the group may not be.
            while group_alive(proc.pid) and kill_at is not None and time.monotonic() < kill_at:
                time.sleep(0.05)
            signal_group(proc.pid, signal.SIGKILL)
        if run_dir is None:
            run_dir = find_run_dir(settings, job, started)
            if run_dir:
                _note(log, store.set_run_dir, job.id, run_dir)
        status = CANCELLED if cancel.requested else SUCCEEDED if code == 0 else FAILED
        log.write(f"\n[command-builder] job {job.id} {status} (exit code {code})\n".encode())
        return status, code, _describe(code)


def supervise(settings: Settings, job_id: int) -> int:
    """Claim, run and record one job, then hand the slot to the next queued job."""
    cancel = _Cancel()
    signal.signal(signal.SIGTERM, cancel)
    signal.signal(signal.SIGINT, cancel)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    store = JobStore(settings)
    me = os.getpid()
    if not store.claim(job_id, me, process_start(me), settings.max_running_jobs):
        return 0  # not queued any more, or no free slot: a finishing job will start it
    job = store.get(job_id)
    if job is None:
        return 0
    try:
        status, code, error = _run(settings, store, job, cancel)
    except Exception as exc:  # record *something*: a job must never stay "running"
        status, code, error = FAILED, None, f"supervisor error: {exc!r}"
    _finish(store, job_id, status, code, error)
    next_id = store.next_queued(settings.max_running_jobs)
    if next_id is not None:
        spawn_supervisor(settings, next_id)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m command_builder.jobs.supervise")
    parser.add_argument("job_id", type=int)
    parser.add_argument("--workspace", required=True)
    args = parser.parse_args(argv)
    return supervise(load_settings(args.workspace), args.job_id)


if __name__ == "__main__":
    sys.exit(main())
