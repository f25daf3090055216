"""Detached supervisor: ``python -m command_builder.jobs.supervise --workspace ROOT``.

It runs in its own session, so it outlives the app server or CLI that started
it, and it is the only writer of its job's outcome. It claims the oldest queued
job atomically (choice and claim in one transaction, only while fewer than
``max_running_jobs`` run), starts the runner in a new process group (argv list,
no shell, stdout+stderr to the job's log), waits, records exit code and end
time first and logs best-effort after, then starts a supervisor for the next
queued job: the queue moves with no browser open. SIGTERM/SIGINT mean "cancel":
SIGTERM to the runner's group, SIGKILL to what is left after ``job_cancel_grace_s``.

A watchdog process (``--watch``) holds the read end of a pipe whose write end
only the supervisor has: if the supervisor dies without recording the outcome
(SIGKILL, a crash), the pipe ends, and the watchdog stops the orphaned runner's
group, marks the job lost and starts the next queued job.

The job's run folder is found from the job's own processes: a folder holding
``.hydra/`` that a process of the runner's tree works in (its cwd, with
``hydra.job.chdir: true``) or holds a file open in (Hydra's job log), never
"the newest folder". This module does not import Hydra: a supervisor starts fast.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from ..commands.launchers import is_multirun
from ..settings import Settings, load_settings
from .launch import spawn_supervisor
from .procs import (
    group_alive,
    is_alive,
    process_start,
    process_tree,
    signal_group,
    terminate_group,
    working_paths,
)
from .store import (
    BROKEN,
    CANCELLED,
    FAILED,
    LOST,
    RUNNING,
    SUCCEEDED,
    Job,
    JobStore,
    JobStoreError,
)

FAST_TICK_S, SLOW_TICK_S = 0.02, 0.2  # fast while the run folder is not known yet
FAST_FOR_S = 30.0
FINISH_ATTEMPTS, FINISH_RETRY_S = 10, 3.0
MULTIRUN_MARKER = "multirun.yaml"


def find_run_dir(settings: Settings, runner_pid: int, multirun: bool) -> str | None:
    """The run folder (a multirun: its sweep folder) the runner's own processes work in.

    Relative to the root; None while no process of the tree is in one yet.
    """
    root = settings.root.resolve()
    for pid in process_tree(runner_pid):
        for path in working_paths(pid):
            folder = _run_folder(root, path)
            if folder is None:
                continue
            if multirun:
                folder = _sweep_folder(root, folder)
                if folder is None:
                    continue
            return folder.relative_to(root).as_posix()
    return None


def _run_folder(root: Path, path: Path) -> Path | None:
    """The folder at or above `path`, below the root, that holds Hydra's `.hydra/`."""
    for folder in (path, *path.parents):
        if folder == root or root not in folder.parents:
            return None
        if (folder / ".hydra").is_dir():
            return folder
    return None


def _sweep_folder(root: Path, run_folder: Path) -> Path | None:
    """The nearest folder at or above a sub-run's, inside the root, holding multirun.yaml."""
    for folder in (run_folder, *run_folder.parents):
        if root != folder and root not in folder.parents:
            return None
        if (folder / MULTIRUN_MARKER).is_file():
            return folder
    return None


class _Cancel:
    """Set by SIGTERM/SIGINT; the wait loop acts on it (no work in the handler)."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: object) -> None:
        self.requested = True


def _describe(code: int | None) -> str | None:
    if code is not None and code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return None


def _log_line(log: BinaryIO | None, text: str) -> None:
    """Best effort: a full log disk must never change a job's recorded outcome."""
    if log is None:
        return
    with suppress(OSError, ValueError):
        log.write(f"[command-builder] {text}\n".encode())


def _note(log: BinaryIO | None, write: Callable[..., None], *args: object) -> None:
    """A store write while the runner runs: a failure (full disk) must not orphan the runner."""
    try:
        write(*args)
    except JobStoreError as exc:
        _log_line(log, f"warning: {exc}")


def _cancel_subruns(
    settings: Settings, job: Job, run_dir: str | None, since: float, log: BinaryIO | None
) -> None:
    """A multirun's SLURM sub-runs outlive the runner's group: cancel them through submitit first."""
    if not is_multirun(job.argv):
        return
    from .multirun import cancel_multirun  # Hydra and submitit: only when a sweep is cancelled

    try:
        cancelled = cancel_multirun(settings, job.argv, run_dir, since)
    except Exception as exc:  # the runner's group is stopped regardless
        _log_line(log, f"could not cancel the sub-runs: {exc}")
        return
    if cancelled:
        _log_line(log, f"cancelled sub-runs (submitit jobs {', '.join(cancelled)})")


def _finish(store: JobStore, job_id: int, status: str, code: int | None, error: str | None) -> None:
    """Record the outcome, retrying a while: a full disk may be freed in time."""
    for attempt in range(FINISH_ATTEMPTS):
        try:
            store.finish(job_id, status, code, error)
            return
        except JobStoreError:
            if attempt == FINISH_ATTEMPTS - 1:
                raise  # the watchdog marks the job lost, with the reason in supervisor.log
            time.sleep(FINISH_RETRY_S)


def _open_log(path: Path) -> BinaryIO | None:
    """The job's log for appending; None if it cannot be opened (the runner then gets none)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "ab", buffering=0)  # noqa: SIM115 (closed by the caller)
    except OSError:
        return None


class _Run:
    """One runner under supervision: start it, wait, find its run folder, honour cancel."""

    def __init__(self, settings: Settings, store: JobStore, job: Job, cancel: _Cancel) -> None:
        self.settings, self.store, self.job, self.cancel = settings, store, job, cancel
        self.multirun = is_multirun(job.argv)
        self.run_dir: str | None = None
        self.kill_at: float | None = None

    def start(self, log: BinaryIO | None) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            list(self.job.argv),
            cwd=self.job.cwd,
            stdin=subprocess.DEVNULL,
            stdout=log if log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )

    def wait(self, proc: subprocess.Popen[bytes], log: BinaryIO | None) -> int:
        """Wait for the runner, looking for its run folder, escalating a cancel."""
        started = time.monotonic()
        while True:
            if self.cancel.requested and self.kill_at is None:
                since = self.job.started_at or time.time()
                _cancel_subruns(self.settings, self.job, self.run_dir, since, log)
                signal_group(proc.pid, signal.SIGTERM)
                self.kill_at = time.monotonic() + self.settings.job_cancel_grace_s
            if self.kill_at is not None and time.monotonic() >= self.kill_at:
                signal_group(proc.pid, signal.SIGKILL)
            self._look_for_run_dir(proc.pid, log)
            fast = self.run_dir is None and time.monotonic() - started < FAST_FOR_S
            try:
                return proc.wait(timeout=FAST_TICK_S if fast else SLOW_TICK_S)
            except subprocess.TimeoutExpired:
                pass

    def _look_for_run_dir(self, pid: int, log: BinaryIO | None) -> None:
        if self.run_dir is not None:
            return
        self.run_dir = find_run_dir(self.settings, pid, self.multirun)
        if self.run_dir is not None:
            _note(log, self.store.set_run_dir, self.job.id, self.run_dir)

    def stop_leftovers(self, pgid: int) -> None:
        """After a cancel the runner is gone; its grandchildren in the group may not be."""
        if not self.cancel.requested:
            return
        while group_alive(pgid) and self.kill_at is not None and time.monotonic() < self.kill_at:
            time.sleep(0.05)
        signal_group(pgid, signal.SIGKILL)


def _run(
    settings: Settings, store: JobStore, job: Job, cancel: _Cancel, watchdog: int | None
) -> tuple[str, int | None, str | None]:
    """Start the runner, wait for it, return (status, exit code, error).

    Any failure after the start stops the runner's group before it propagates:
    no runner is ever left unsupervised.
    """
    log = _open_log(Path(job.log_path))
    try:
        _log_line(log, f"job {job.id}: {shlex.join(job.argv)}")
        run = _Run(settings, store, job, cancel)
        try:
            proc = run.start(log)
        except OSError as exc:
            message = f"cannot start {job.argv[0]}: {exc}"
            _log_line(log, message)
            return FAILED, None, message
        try:
            if watchdog is not None:
                with suppress(OSError):
                    os.write(watchdog, f"{proc.pid}\n".encode())
            _note(log, store.set_child, job.id, proc.pid, proc.pid, process_start(proc.pid))
            code = run.wait(proc, log)
            run.stop_leftovers(proc.pid)
        except BaseException:
            terminate_group(proc.pid, settings.job_cancel_grace_s)
            raise
        status = CANCELLED if cancel.requested else SUCCEEDED if code == 0 else FAILED
        return status, code, _describe(code)
    finally:
        if log is not None:
            with suppress(OSError):
                log.close()


def _start_watchdog(settings: Settings, job_id: int) -> int | None:
    """Start this job's watchdog; returns the pipe's write end (None if it cannot start)."""
    read_end, write_end = os.pipe()
    try:
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "command_builder.jobs.supervise",
                "--workspace",
                str(settings.root),
                "--watch",
                str(job_id),
                "--pipe",
                str(read_end),
                "--supervisor",
                str(os.getpid()),
            ],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            pass_fds=(read_end,),
        )
    except OSError:
        os.close(write_end)
        return None
    finally:
        os.close(read_end)
    return write_end


def supervise(settings: Settings) -> int:
    """Claim the oldest queued job, run and record it, then hand the slot to the next one."""
    cancel = _Cancel()
    signal.signal(signal.SIGTERM, cancel)
    signal.signal(signal.SIGINT, cancel)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    store = JobStore(settings)
    me = os.getpid()
    job = store.claim_next(me, process_start(me), settings.max_running_jobs)
    if job is None:
        return 0  # nothing queued, or no free slot: a finishing job starts the next
    if job.status == BROKEN:
        _finish(store, job.id, FAILED, None, job.error)
    else:
        watchdog = _start_watchdog(settings, job.id)
        try:
            status, code, error = _run(settings, store, job, cancel, watchdog)
        except Exception as exc:  # record *something*: a job must never stay "running"
            status, code, error = FAILED, None, f"supervisor error: {exc!r}"
        try:
            _finish(store, job.id, status, code, error)  # the record first ...
        finally:
            if watchdog is not None:
                os.close(watchdog)  # wakes the watchdog: it finds the outcome recorded
        log = _open_log(Path(job.log_path))  # ... the log line best effort
        _log_line(log, f"job {job.id} {status} (exit code {code})")
        if log is not None:
            log.close()
    _start_next(settings, store)
    return 0


def _start_next(settings: Settings, store: JobStore) -> None:
    if store.next_queued(settings.max_running_jobs) is not None:
        spawn_supervisor(settings)


def watch(settings: Settings, job_id: int, pipe: int, supervisor: int) -> int:
    """Wait until the supervisor is gone; if it left its job unrecorded, clean up after it.

    The orphaned runner's group is stopped before the job is marked lost and before the
    next queued job is started, so it never runs beside its successor.
    """
    received = b""
    while chunk := os.read(pipe, 64):
        received += chunk
    store = JobStore(settings)
    job = store.get(job_id)
    if job is None or job.supervisor_pid != supervisor or job.status not in (RUNNING, LOST):
        return 0  # recorded by its supervisor (or not ours)
    if is_alive(job.supervisor_pid, job.supervisor_start):
        return 0  # the pipe ended some other way; the supervisor still owns the job
    fields = received.split()
    pgid = job.pgid or (int(fields[0]) if fields else None)
    runner = "gone"
    if pgid is not None and group_alive(pgid):
        terminate_group(pgid, settings.job_cancel_grace_s)
        runner = "stopped"
    store.mark_lost(
        job_id,
        job.supervisor_pid,
        f"its supervisor (pid {job.supervisor_pid}) ended without recording the outcome; "
        f"the runner (pid {pgid}) was {runner} by the job's watchdog",
    )
    _start_next(settings, store)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m command_builder.jobs.supervise")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--watch", type=int, metavar="JOB_ID", help="be that job's watchdog")
    parser.add_argument("--pipe", type=int, help="the watchdog's end of the supervisor's pipe")
    parser.add_argument("--supervisor", type=int, help="the watched supervisor's pid")
    args = parser.parse_args(argv)
    settings = load_settings(args.workspace)
    if args.watch is not None and args.pipe is not None and args.supervisor is not None:
        return watch(settings, args.watch, args.pipe, args.supervisor)
    return supervise(settings)


if __name__ == "__main__":
    sys.exit(main())
