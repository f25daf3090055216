"""What a Hydra launcher is, in one place: its overrides, where its sub-runs are recorded,
how their state is read and how they are cancelled.

Launchers: Hydra's `basic` (sub-runs one after the other inside the runner's own process),
`submitit_local` (a local controller process per sub-run; its job id *is* that pid) and
`submitit_slurm` (sub-runs are SLURM jobs, often array tasks `<array>_<task>`). The submitit
ones record each sub-run in `<sweep dir>/.submitit/<job id>/` (submission and result pickles,
logs). Why cancel through submitit: a SLURM sub-run lives on the cluster (killing the local
`--multirun` process leaves it running); only `scancel` (submitit's SlurmJob.cancel) ends it.
A LocalJob rebuilt in another process has no process handle (its cancel does nothing), so the
controller gets the same SIGINT from us — only after /proc confirms the pid is still that
job's submitit controller.

The launcher itself and its parameters are ordinary schema elements (`launcher` writes
`hydra/launcher=...`, `slurm_partition` writes `hydra.launcher.partition=...`): they are
fields of the plugin's structured configs, so Hydra type-checks them when the command
composes. SLURM's `additional_parameters` is the one dict field: it starts empty and in
struct mode, so a plain `hydra.launcher.additional_parameters.k=v` is refused; the form
writes the whole dict with `++hydra.launcher.additional_parameters={k:v,...}`.

Nothing here imports Hydra or submitit at module level: the detached supervisor uses
`is_multirun` and must start without them.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from ..errors import CommandError, JobError

BASIC = "basic"
SUBMITIT_LOCAL = "submitit_local"
SUBMITIT_SLURM = "submitit_slurm"
SUBMITIT_DIR = ".submitit"  # the submitit launchers' default: ${hydra.sweep.dir}/.submitit/%j
MULTIRUN_FLAGS = frozenset({"--multirun", "-m"})
_LOCAL_CONTROLLER = b"submitit.local._local"
_ARRAY_TASK = re.compile(r"^(\d+)_(\d+)$")
_SLURM_STATUS = {
    "PENDING": "pending",
    "REQUEUED": "pending",
    "CONFIGURING": "pending",
    "RUNNING": "running",
    "COMPLETING": "running",
    "CANCELLED": "cancelled",
    "PREEMPTED": "cancelled",
    "FAILED": "failed",
    "TIMEOUT": "failed",
    "NODE_FAIL": "failed",
    "OUT_OF_MEMORY": "failed",
}

# sbatch long option names (submitit writes `#SBATCH --<key>=<value>`, `_` as `-`).
_SBATCH_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class LauncherError(CommandError, ValueError):
    """A line of additional parameters that cannot be used; `message` names the line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CancelError(JobError):
    """A cancel that could not be delivered (e.g. scancel missing); the message says why."""


def _writable_key(key: str) -> bool:
    """Hydra's dict keys cannot be value tokens (`true`, `null`, `inf`...)."""
    from .overrides import format_value  # Hydra's grammar: loaded only when a form needs it

    try:
        format_value({key: ""})
    except ValueError:
        return False
    return True


def parse_additional_parameters(text: str) -> dict[str, str | bool]:
    """`key=value` lines (as typed in the form) -> the dict submitit passes to sbatch.

    A line with a key alone is a flag (`exclusive` -> `#SBATCH --exclusive`, submitit's
    rendering of True). Blank lines and `#` comments are skipped; values stay text.
    """
    parsed: dict[str, str | bool] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip().removeprefix("--")
        if not _SBATCH_KEY.fullmatch(key) or not _writable_key(key):
            raise LauncherError(
                f"line {number}: {line!r} is not key=value with an sbatch option name as key"
            )
        if key in parsed:
            raise LauncherError(f"line {number}: {key} is given twice")
        parsed[key] = value.strip() if sep else True
    return parsed


def format_additional_parameters(parameters: Mapping[str, object]) -> str:
    """Inverse of parse_additional_parameters (a flag is its key alone)."""
    return "\n".join(
        key if value is True else f"{key}={value}" for key, value in parameters.items()
    )


# --- which launcher, and is it a multirun ----------------------------------------------


def is_multirun(args: Sequence[str]) -> bool:
    """Does this command line (argv or overrides) ask Hydra for a multirun? No Hydra needed."""
    return any(a in MULTIRUN_FLAGS or a == "hydra.mode=MULTIRUN" for a in args)


def launcher_of(overrides: Sequence[str]) -> str:
    """The launcher a command's overrides choose (the last `hydra/launcher=`), else basic."""
    for text in reversed(overrides):
        if text.startswith("hydra/launcher="):
            return text.split("=", 1)[1]
    return BASIC


def submitit_dir(launcher: str, sweep_dir: Path) -> Path | None:
    """Where the launcher records its sub-runs; None for one that keeps no records."""
    return sweep_dir / SUBMITIT_DIR if launcher in (SUBMITIT_LOCAL, SUBMITIT_SLURM) else None


# --- sub-run state ---------------------------------------------------------------------


def pending_job_ids(job_ids: Sequence[str]) -> dict[int, str]:
    """Sweep index -> SLURM array task id (`<array>_<task>`; arrays in submission order)."""
    arrays: dict[int, list[tuple[int, str]]] = {}
    for job_id in job_ids:
        match = _ARRAY_TASK.match(job_id)
        if match:
            arrays.setdefault(int(match.group(1)), []).append((int(match.group(2)), job_id))
    by_index, offset = {}, 0
    for array in sorted(arrays):
        for task, job_id in sorted(arrays[array]):
            by_index[offset + task] = job_id
        offset += len(arrays[array])
    return by_index


def basic_state(is_newest: bool, parent_running: bool, parent_status: str | None) -> str:
    """Hydra's basic launcher runs sub-runs one after the other, in the job's own process."""
    if parent_running:
        return "running" if is_newest else "ended"
    return "succeeded" if parent_status == "succeeded" else "ended"


def submitit_state(
    folder: Path, job_id: str, launcher: str, parent_status: str | None
) -> tuple[str, tuple[Path, ...]]:
    """Status from submitit: its result pickle, else the live controller / SLURM's state."""
    from submitit.core.utils import JobPaths

    paths = JobPaths(folder / "%j", job_id=job_id, task_id=0)
    logs = tuple(sorted(paths.folder.glob(f"{job_id}_*_log.out"))) + tuple(
        sorted(paths.folder.glob(f"{job_id}_*_log.err"))
    )
    try:
        st = paths.result_pickle.stat()
    except OSError:
        st = None
    if st is not None:
        return _result_status(str(paths.result_pickle), st.st_mtime_ns), logs
    if launcher == SUBMITIT_LOCAL:
        alive = _local_controller_alive(folder, job_id)
        if alive is None:
            return "unknown", logs
        if alive:
            return "running", logs
        return ("cancelled" if parent_status == "cancelled" else "failed"), logs
    if launcher == SUBMITIT_SLURM:
        from submitit.slurm.slurm import SlurmJob

        state = SlurmJob(folder / "%j", job_id).state.split(" ")[0].upper()
        return _SLURM_STATUS.get(state, "unknown"), logs
    return "unknown", logs


@lru_cache(maxsize=1024)
def _result_status(result_pickle: str, mtime_ns: int) -> str:
    """succeeded/failed from submitit's result pickle (read once per file version).

    Read directly, not through `Job.result()`: that waits up to submitit's result timeout
    (15 s and more) for a job it believes unfinished. The pickle holds ("success", Hydra's
    JobReturn) or ("error", traceback); Hydra catches the task's exception, so a failed
    run is a success for submitit and its JobReturn's status says it failed.
    """
    import pickle

    from hydra.core.utils import JobStatus

    try:
        with open(result_pickle, "rb") as handle:
            outcome, result = pickle.load(handle)  # noqa: S301 (submitit's own file, in the sweep)
    except Exception:  # unreadable, truncated, or not submitit's tuple
        return "failed"
    if outcome != "success":
        return "failed"
    return "failed" if getattr(result, "status", None) == JobStatus.FAILED else "succeeded"


def _local_controller_alive(folder: Path, job_id: str) -> bool | None:
    """True if pid `job_id` is still submitit's local controller for this folder.

    None when /proc cannot tell (not Linux): then nothing is signalled.
    """
    if not job_id.isdigit():
        return False
    try:
        argv = Path(f"/proc/{job_id}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return False
    except OSError:
        return None
    if _LOCAL_CONTROLLER not in argv or len(argv) < 2:
        return False
    target = os.fsdecode(argv[-2] if argv[-1] == b"" else argv[-1])
    return os.path.realpath(target) == os.path.realpath(folder / "%j")


# --- cancelling ------------------------------------------------------------------------


def cancel_jobs(launcher: str, folder: Path | None, job_ids: Sequence[str]) -> tuple[str, ...]:
    """Cancel a sweep's submitit jobs; returns the job ids signalled.

    SLURM: submitit's SlurmJob.cancel (scancel). Local: SIGINT to each live controller,
    as submitit's LocalJob.cancel does; the controller then stops its tasks (SIGINT,
    SIGKILL a second later). Hydra's basic launcher runs sub-runs inside the job's own
    process, so cancelling the job (its process group) is all there is to do.
    """
    if folder is None:
        return ()
    cancelled = []
    for job_id in job_ids:
        if launcher == SUBMITIT_SLURM and _cancel_slurm(folder, job_id):
            cancelled.append(job_id)
        elif launcher == SUBMITIT_LOCAL and _local_controller_alive(folder, job_id):
            try:
                os.kill(int(job_id), signal.SIGINT)
            except ProcessLookupError:
                continue
            cancelled.append(job_id)
    return tuple(cancelled)


def _cancel_slurm(folder: Path, job_id: str) -> bool:
    from submitit.slurm.slurm import SlurmJob

    job: SlurmJob[object] = SlurmJob(folder / "%j", job_id)
    if job.paths.result_pickle.exists():
        return False
    try:
        job.cancel(check=False)
    except OSError as exc:
        raise CancelError(f"cannot cancel SLURM job {job_id}: {exc}") from exc
    return True
