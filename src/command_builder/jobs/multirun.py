"""Sub-runs of a Hydra multirun, read from Hydra's and submitit's own records.

Why records and not our own bookkeeping: the runner's sweeper and launcher already
write everything — each sub-run's `.hydra/hydra.yaml` (job number, submitit job id,
overrides, launcher), submitit's `.submitit/<job id>/` folder (logs, submission and
result pickles). Reading them works for jobs started by any process, after restarts.
What each launcher records and how its sub-runs are cancelled is `commands/launchers.py`.

Sub-run statuses: pending (not started), running, succeeded, failed (also: ended
without a result while nobody cancelled, e.g. the runner called sys.exit(1)),
cancelled, ended (Hydra's basic launcher does not record a sub-run's outcome),
not_run (the multirun ended before it started), unknown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..commands import launchers
from ..commands.launchers import CancelError
from ..settings import Settings
from .store import Job

_INTERPOLATION = re.compile(r"\$\{[^}]*\}")
_PARENT_RUNNING = ("queued", "running")

try:
    _YAML_LOADER: type = yaml.CSafeLoader
except AttributeError:  # PyYAML without libyaml
    _YAML_LOADER = yaml.SafeLoader


MultirunError = CancelError  # a cancel that could not be delivered; the message says why


@dataclass(frozen=True)
class SubRun:
    """One job of a sweep: Hydra's job number, its overrides, status and log files."""

    index: int
    overrides: tuple[str, ...]
    status: str
    run_dir: Path | None = None
    job_id: str | None = None  # submitit's job id (local: controller pid; SLURM: job id)
    logs: tuple[Path, ...] = ()  # submitit's *_log.out / *_log.err, then Hydra's <job>.log

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view (CLI --json)."""
        return {
            "index": self.index,
            "overrides": list(self.overrides),
            "status": self.status,
            "run_dir": str(self.run_dir) if self.run_dir else None,
            "job_id": self.job_id,
            "logs": [str(p) for p in self.logs],
        }


@dataclass(frozen=True)
class Multirun:
    """A multirun as found on disk; `job_ids` are all its submitit jobs, started or not.

    `sweep_dir` is None while it is not known (the runner has not written it yet).
    """

    sweep_dir: Path | None
    launcher: str
    subruns: tuple[SubRun, ...]
    submitit_dir: Path | None = None
    job_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Recorded:
    """What a sub-run's .hydra/hydra.yaml says about it."""

    run_dir: Path
    num: int
    job_id: str
    overrides: tuple[str, ...]
    launcher: str
    mtime: float


# --- finding the sweep folder ----------------------------------------------------------


def find_sweep_dir(root: Path, template: str, *, since: float) -> Path | None:
    """The sweep folder of a multirun started at `since` (epoch seconds).

    `template` is the composed, unresolved `hydra.sweep.dir` (e.g.
    `multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}`): each interpolation becomes a glob `*`,
    and the earliest matching folder whose multirun.yaml was written since then wins.
    """
    pattern = _INTERPOLATION.sub("*", template)
    base = Path(pattern) if Path(pattern).is_absolute() else root / pattern
    if "*" not in pattern:
        return base if (base / "multirun.yaml").is_file() else None
    anchor = Path(base.anchor)
    fresh = []
    for candidate in anchor.glob(str(base.relative_to(anchor))):
        try:
            mtime = (candidate / "multirun.yaml").stat().st_mtime
        except OSError:
            continue
        if mtime >= since - 1.0:
            fresh.append((mtime, candidate))
    return min(fresh)[1] if fresh else None


def locate_sweep_dir(
    settings: Settings, page: str, overrides: Sequence[str], since: float
) -> Path | None:
    """The sweep folder of `page`'s multirun with `overrides`, started at `since`.

    The template comes from the command's own composed config (compose_check, cached),
    so a workspace's or a command's `hydra.sweep.dir` is honoured.
    """
    from ..commands.validate import compose_check

    result = compose_check(settings, page, overrides, multirun=True)
    template = ((result.config or {}).get("hydra") or {}).get("sweep", {}).get("dir")
    if not isinstance(template, str):
        return None
    return find_sweep_dir(settings.root, template, since=since)


# --- discovery -------------------------------------------------------------------------


def multirun_command(settings: Settings, argv: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """(page, overrides) of a `--multirun` job's argv; None for a single run."""
    from ..commands.command_line import CommandParseError, display_command, parse_command_line

    if not launchers.is_multirun(argv):
        return None
    try:
        parsed = parse_command_line(display_command(argv), settings)
    except CommandParseError:
        return None
    if not parsed.multirun or parsed.page is None:
        return None
    return parsed.page, parsed.overrides


def sweep_run_dir(settings: Settings, argv: Sequence[str], since: float) -> str | None:
    """A multirun job's run_dir: its sweep folder (relative to the root when inside it)."""
    command = multirun_command(settings, argv)
    found = None if command is None else locate_sweep_dir(settings, *command, since)
    if found is None:
        return None
    try:
        return found.resolve().relative_to(settings.root.resolve()).as_posix()
    except ValueError:
        return str(found)


def cancel_multirun(
    settings: Settings, argv: Sequence[str], run_dir: str | None, since: float
) -> tuple[str, ...]:
    """Cancel the submitit jobs of a running multirun job (cancel_subruns); () for a single run."""
    command = multirun_command(settings, argv)
    if command is None:
        return ()
    page, overrides = command
    sweep_dir = (
        settings.root / run_dir if run_dir else locate_sweep_dir(settings, page, overrides, since)
    )
    return cancel_subruns(
        discover_multirun(sweep_dir, overrides, since=since, parent_status="running")
    )


def job_multirun(settings: Settings, job: Job) -> Multirun | None:
    """A job's sub-runs (None if it is not a multirun). Its run_dir is the sweep folder."""
    command = multirun_command(settings, job.argv)
    if command is None:
        return None
    page, overrides = command
    sweep_dir = settings.root / job.run_dir if job.run_dir else None
    if sweep_dir is None and job.started_at is not None:
        sweep_dir = locate_sweep_dir(settings, page, overrides, job.started_at)
    return discover_multirun(sweep_dir, overrides, since=job.started_at, parent_status=job.status)


def discover_multirun(
    sweep_dir: Path | None,
    overrides: Sequence[str],
    *,
    since: float | None = None,
    parent_status: str | None = None,
) -> Multirun:
    """Sub-runs of the multirun launched with `overrides` into `sweep_dir`.

    `overrides`: the command's overrides (sweeps included) — Hydra's BasicSweeper turns
    them into the expected job list, so sub-runs not started yet are listed too.
    `since`: the multirun's start; older folders in a shared sweep folder (the demo
    sweeps straight into outputs/) are someone else's. `parent_status`: the job's
    status, which decides between pending and not_run, and the basic launcher's states.
    """
    from ..commands.sweeps import SweepError, expand_runs

    try:
        expected = [tuple(run) for run in expand_runs(overrides)]
    except SweepError:
        expected = []
    recorded = _recorded_subruns(sweep_dir, since, expected) if sweep_dir else {}
    launcher = _launcher(recorded, overrides)
    submitit_dir = None if sweep_dir is None else launchers.submitit_dir(launcher, sweep_dir)
    job_ids = _submitit_job_ids(submitit_dir, since) if submitit_dir else ()
    parent_running = parent_status in _PARENT_RUNNING or parent_status is None
    newest = max(recorded, key=lambda n: (recorded[n].mtime, n), default=None)
    pending_ids = launchers.pending_job_ids(job_ids)
    subruns = []
    for index in range(max(len(expected), max(recorded, default=-1) + 1)):
        found = recorded.get(index)
        if found is None:
            subruns.append(_not_started(index, expected, pending_ids, submitit_dir, parent_running))
            continue
        if submitit_dir is not None:
            status, logs = launchers.submitit_state(
                submitit_dir, found.job_id, launcher, parent_status
            )
        else:
            status = launchers.basic_state(index == newest, parent_running, parent_status)
            logs = ()
        logs += tuple(sorted(found.run_dir.glob("*.log")))
        subruns.append(SubRun(index, found.overrides, status, found.run_dir, found.job_id, logs))
    return Multirun(sweep_dir, launcher, tuple(subruns), submitit_dir, job_ids)


def _recorded_subruns(
    sweep_dir: Path, since: float | None, expected: list[tuple[str, ...]]
) -> dict[int, _Recorded]:
    """Job number -> the earliest sub-run folder (since `since`) recording that job."""
    found: dict[int, _Recorded] = {}
    try:
        entries = list(os.scandir(sweep_dir))
    except OSError:
        return found
    for entry in entries:
        hydra_yaml = Path(entry.path) / ".hydra" / "hydra.yaml"
        try:
            st = hydra_yaml.stat()
        except OSError:
            continue
        if since is not None and st.st_mtime < since - 1.0:
            continue
        record = _read_hydra_yaml(str(hydra_yaml), st.st_mtime_ns, st.st_size)
        if record is None:
            continue
        if expected and (record.num >= len(expected) or expected[record.num] != record.overrides):
            continue
        known = found.get(record.num)
        if known is None or record.mtime < known.mtime:
            found[record.num] = record
    return found


@lru_cache(maxsize=4096)
def _read_hydra_yaml(path: str, mtime_ns: int, size: int) -> _Recorded | None:
    """Parse a sub-run's hydra.yaml once per (path, mtime, size); None if not a multirun job."""
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.load(f, Loader=_YAML_LOADER)
        hydra = data["hydra"]
        if hydra.get("mode") != "MULTIRUN":
            return None
        job = hydra["job"]
        return _Recorded(
            run_dir=Path(hydra["runtime"]["output_dir"]),
            num=int(job["num"]),
            job_id=str(job["id"]),
            overrides=tuple(str(o) for o in hydra["overrides"]["task"] or ()),
            launcher=str(hydra["runtime"]["choices"].get("hydra/launcher") or launchers.BASIC),
            mtime=mtime_ns / 1e9,
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError):
        return None


def _launcher(recorded: dict[int, _Recorded], overrides: Sequence[str]) -> str:
    """The launcher Hydra recorded, else the one the command chooses."""
    for record in recorded.values():
        return record.launcher
    return launchers.launcher_of(overrides)


def _submitit_job_ids(submitit_dir: Path, since: float | None) -> tuple[str, ...]:
    """Job folders submitit created for this multirun (submission pickle since `since`)."""
    ids = []
    try:
        entries = list(os.scandir(submitit_dir))
    except OSError:
        return ()
    for entry in entries:
        try:
            st = (Path(entry.path) / f"{entry.name}_submitted.pkl").stat()
        except OSError:
            continue
        if since is None or st.st_mtime >= since - 1.0:
            ids.append(entry.name)
    return tuple(
        sorted(ids, key=lambda i: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", i)])
    )


def _not_started(
    index: int,
    expected: list[tuple[str, ...]],
    pending_ids: dict[int, str],
    submitit_dir: Path | None,
    parent_running: bool,
) -> SubRun:
    overrides = expected[index] if index < len(expected) else ()
    job_id = pending_ids.get(index)
    if job_id is not None and submitit_dir is not None:
        status, logs = launchers.submitit_state(
            submitit_dir, job_id, launchers.SUBMITIT_SLURM, None
        )
        return SubRun(index, overrides, status, None, job_id, logs)
    return SubRun(index, overrides, "pending" if parent_running else "not_run")


# --- cancelling ------------------------------------------------------------------------


def cancel_subruns(multirun: Multirun) -> tuple[str, ...]:
    """Cancel every submitit job of the multirun (launchers.cancel_jobs); the ids signalled."""
    return launchers.cancel_jobs(multirun.launcher, multirun.submitit_dir, multirun.job_ids)
