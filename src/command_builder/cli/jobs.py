"""`command-builder run` and `command-builder jobs`: the job store from a terminal.

`run` builds the command through the same form engine as the pages (so a
`--set` that the form would reject is rejected here, exit 1) and submits it
through the same store; the job runs under its detached supervisor, so it
outlives this process unless `--wait` is given and the job is cancelled.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..commands.command_line import display_command
from ..jobs import (
    DEFAULT_TAIL_BYTES,
    Job,
    JobStore,
    JobStoreError,
    LogUnavailable,
    cancel_job,
    get_job,
    job_multirun,
    list_jobs,
    parse_progress,
    submit_job,
    tail_log,
)
from ..jobs.logs import tail_offset
from ..jobs.store import BROKEN
from ..settings import Settings, WorkspaceError, resolve_workspace
from . import EXIT_ERRORS, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from ..form import BuiltCommand

FOLLOW_POLL_S = 0.2
FOLLOW_CHUNK = 1 << 16
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # local time; --json keeps epoch seconds
TIME_FIELDS = ("created_at", "started_at", "ended_at")


def _pipe_safe(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """`jobs list | head`: a reader that stops early ends the output quietly, no traceback."""

    @functools.wraps(handler)
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BrokenPipeError:
            # Python flushes stdout again at exit: point it at /dev/null so that flush is quiet.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_OK

    return wrapped


def _when(timestamp: float | None) -> str:
    return "" if timestamp is None else time.strftime(TIME_FORMAT, time.localtime(timestamp))


def _settings(args: argparse.Namespace) -> Settings | None:
    try:
        return resolve_workspace(args.workspace)
    except WorkspaceError as exc:
        print(f"command-builder: {exc}", file=sys.stderr)
        return None


def _fail(message: str, code: int = EXIT_ERRORS) -> int:
    print(f"command-builder: {message}", file=sys.stderr)
    return code


@_pipe_safe
def cmd_run(args: argparse.Namespace) -> int:
    from ..form import build_view
    from ..service import command_of
    from .build import form_from_args

    settings, context, state = form_from_args(args)
    built = command_of(settings, build_view(context.schema, context.catalog, context.index, state))
    for warning in built.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if built.errors:
        for error in built.errors:
            print(f"error: {error}", file=sys.stderr)
        return _fail(f"not run: the {args.page} form has errors")
    if built.needs_confirmation and not args.yes:
        return _fail(
            f"not run: this sweep makes {built.run_count} runs, more than "
            f"{settings.sweep_confirm_threshold}; add --yes to start them all"
        )
    refused = _compose_refusal(settings, args.page, built)
    if refused:
        return _fail(refused)
    job_id = submit_job(settings, args.page, built.argv, dict(state.values))
    if args.json:
        print(json.dumps(_job_json(get_job(settings, job_id))), flush=True)
    else:
        print(job_id, flush=True)
    if not args.wait:
        return EXIT_OK
    return _follow(settings, job_id, show_output=not args.json)


def _compose_refusal(settings: Settings, page: str, built: BuiltCommand) -> str | None:
    """Run = what the app's Run does: nothing starts unless Hydra composes this very command."""
    from ..commands.validate import compose_check

    result = compose_check(settings, page, built.overrides, multirun=built.multirun)
    if result.ok:
        return None
    for issue in result.issues:
        print(
            f"error: {issue.override + ': ' if issue.override else ''}{issue.message}",
            file=sys.stderr,
        )
    return f"not run: Hydra does not compose this command: {built.command}"


def _job_json(job: Job | None) -> dict[str, object] | None:
    return None if job is None else _job_data(job)


def _job_data(job: Job) -> dict[str, object]:
    data = job.to_dict()
    data["command"] = display_command(job.argv)
    return data


def _exit_code(job: Job) -> int:
    """0 for success; the runner's code when it is a normal one; 1 otherwise."""
    if job.status == "succeeded":
        return EXIT_OK
    code = job.exit_code
    return code if code is not None and 0 < code < 256 else EXIT_ERRORS


def _follow(
    settings: Settings, job_id: int, show_output: bool = True, log_path: str | None = None
) -> int:
    """Print the log (`log_path`, else the job's) as it grows until the job ends.

    It starts with the log's last DEFAULT_TAIL_BYTES, like `jobs logs`: a 2 GB log is not
    printed from its start. Exits with the job's code.
    """
    job = get_job(settings, job_id)
    path = Path(log_path or (job.log_path if job else ""))
    offset = tail_offset(path)
    try:
        while job is not None:
            offset = _print_new(path, offset) if show_output else offset
            if job.finished:
                offset = _print_new(path, offset) if show_output else offset
                break
            time.sleep(FOLLOW_POLL_S)
            job = get_job(settings, job_id)
    except KeyboardInterrupt:
        print(
            f"\njob {job_id} keeps running; stop it with: command-builder jobs cancel {job_id}",
            file=sys.stderr,
        )
        return 130
    if job is None:
        return _fail(f"job {job_id} was deleted")
    print(
        f"job {job_id} {job.status}"
        + (f" (exit code {job.exit_code})" if job.exit_code is not None else ""),
        file=sys.stderr,
    )
    return _exit_code(job)


def _print_new(path: Path, offset: int) -> int:
    """Copy the log from `offset` to stdout; returns the new offset."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            while chunk := handle.read(FOLLOW_CHUNK):
                sys.stdout.buffer.write(chunk)
                offset += len(chunk)
    except FileNotFoundError:
        return offset
    sys.stdout.buffer.flush()
    return offset


def _duration(job: Job) -> str:
    seconds = job.duration()
    return "" if seconds is None else f"{seconds:.0f}s"


def _progress(job: Job) -> str:
    if job.status != "running":
        return ""
    try:
        progress = parse_progress(tail_log(job.log_path, 8192))
    except LogUnavailable:
        return ""
    return f"{progress.fraction:.0%}" if progress else ""


@_pipe_safe
def cmd_list(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return EXIT_USAGE
    try:
        jobs = list_jobs(settings, args.limit)
        notices = JobStore(settings).notices()
    except JobStoreError as exc:
        return _fail(str(exc))
    for notice in notices:
        print(f"warning: {notice}", file=sys.stderr)
    if args.json:
        print(json.dumps([_job_json(j) for j in jobs], indent=2))
        return EXIT_OK
    rows = [("ID", "STATUS", "PAGE", "STARTED", "DURATION", "PROGRESS", "COMMAND")]
    for job in jobs:
        rows.append(
            (
                str(job.id),
                job.status,
                job.page,
                _when(job.started_at),
                _duration(job),
                _progress(job),
                display_command(job.argv) if job.status != BROKEN else job.error or "",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        )
    return EXIT_OK


def _one(args: argparse.Namespace) -> tuple[Settings, Job] | int:
    settings = _settings(args)
    if settings is None:
        return EXIT_USAGE
    try:
        job = get_job(settings, args.job_id)
    except JobStoreError as exc:
        return _fail(str(exc))
    if job is None:
        return _fail(f"no job {args.job_id}")
    return settings, job


@_pipe_safe
def cmd_show(args: argparse.Namespace) -> int:
    found = _one(args)
    if isinstance(found, int):
        return found
    settings, job = found
    data = _job_data(job)
    multirun = job_multirun(settings, job)
    if args.json:
        if multirun is not None:
            data["subruns"] = [s.to_dict() for s in multirun.subruns]
        print(json.dumps(data, indent=2))
        return EXIT_OK
    for key, value in data.items():
        if key in TIME_FIELDS:
            print(f"{key:>16}: {_when(value if isinstance(value, int | float) else None)}")
        elif key not in ("argv", "form_values"):
            print(f"{key:>16}: {'' if value is None else value}")
    print(f"{'form_values':>16}: {json.dumps(job.form_values)}")
    if multirun is not None:
        print(f"{'sub-runs':>16}: {len(multirun.subruns)} ({multirun.launcher} launcher)")
        for subrun in multirun.subruns:
            print(f"{'#' + str(subrun.index):>16}: {subrun.status:<9} {' '.join(subrun.overrides)}")
            for log in subrun.logs:
                print(f"{'':>16}  log: {log}")
    return EXIT_OK


@_pipe_safe
def cmd_logs(args: argparse.Namespace) -> int:
    found = _one(args)
    if isinstance(found, int):
        return found
    settings, job = found
    log_path = job.log_path
    if args.subrun is not None:
        multirun = job_multirun(settings, job)
        subrun = (
            next((s for s in multirun.subruns if s.index == args.subrun), None)
            if multirun
            else None
        )
        if subrun is None:
            return _fail(f"job {job.id} has no sub-run {args.subrun}")
        if not subrun.logs:
            return _fail(f"sub-run {args.subrun} of job {job.id} has no log yet ({subrun.status})")
        log_path = str(subrun.logs[0])
    if args.follow:
        return _follow(settings, job.id, log_path=log_path)
    try:
        text = tail_log(log_path, args.bytes or DEFAULT_TAIL_BYTES)
    except LogUnavailable as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps({"id": job.id, "status": job.status, "log_path": log_path, "tail": text}))
    else:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    return EXIT_OK


@_pipe_safe
def cmd_cancel(args: argparse.Namespace) -> int:
    found = _one(args)
    if isinstance(found, int):
        return found
    settings, job = found
    if job.finished and job.status != "lost":  # a lost job's runner may still be stoppable
        return _fail(f"job {job.id} already ended ({job.status})")
    try:
        job = cancel_job(settings, job.id)
    except (JobStoreError, OSError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(_job_json(job)))
    else:
        print(f"job {job.id}: cancel requested ({job.status})")
    return EXIT_OK
