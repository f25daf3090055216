"""Jobs: run workspace commands in the background, follow them, survive restarts.

API (everything returns at once; no Streamlit here):

- ``submit_job(settings, page, argv, form_values) -> int`` — refuses (``JobRefused``) any argv
  the gate does not allow; records the job as ``queued`` and starts a detached supervisor when
  fewer than ``settings.max_running_jobs`` run. The argv is run exactly as given.
- ``list_jobs(settings, limit=200) -> list[Job]`` newest first; ``get_job(settings, id) -> Job | None``.
  Both reconcile first: a ``running`` job whose supervisor (pid + start time) is gone becomes
  ``lost``, and a free slot is filled at once.
- ``cancel_job(settings, id) -> Job`` — queued: cancelled at once; running: SIGTERM to its
  supervisor, which SIGTERMs the runner's process group and SIGKILLs it after
  ``settings.job_cancel_grace_s``. The status turns ``cancelled`` when the supervisor records it.
- ``delete_job(settings, id)`` removes the record and its log (refused while running);
  ``rerun_job(settings, id) -> int`` submits the same argv and form values again.
- ``JobStore(settings)``: the SQLite store (``state_dir/jobs.sqlite3``); ``.version()`` changes on
  every write (poll it), ``.list()``, ``.get(id)``, ``.notices()`` (what the store did on its
  own: an unreadable file moved aside, with the new names). ``JobStoreError``: unwritable state
  folder, full disk, unknown job — with a message that says so.
- ``Job`` (frozen): id, page, argv, form_values, cwd, status, pid, pgid, supervisor_pid,
  created_at, started_at, ended_at (epoch seconds), exit_code, log_path, run_dir (relative to
  the root, when found), error, cancel_requested; ``.finished``, ``.duration(now)``, ``.to_dict()``.
  Statuses: queued, running, succeeded, failed, cancelled, lost, and ``broken`` for a row that
  cannot be decoded (no argv; ``error`` names the field) — shown, never a crash.
- ``tail_log(path, max_bytes=DEFAULT_TAIL_BYTES) -> str`` reads only the end of the log
  (``LogUnavailable`` when it was deleted); ``parse_progress(text) -> Progress | None`` (epoch,
  total, step, steps, fraction) from the last ``Epoch E/N`` line.
- ``reconcile(settings) -> list[int]`` marks lost jobs (list_jobs/get_job call it).
- Supervisor: ``python -m command_builder.jobs.supervise --workspace ROOT`` (see supervise.py);
  it imports no Hydra.
- Multiruns (multirun.py): a ``--multirun`` command is one job; its run_dir is the sweep folder.
  ``job_multirun(settings, job) -> Multirun | None`` lists its sub-runs from Hydra's and submitit's
  own records: ``Multirun(sweep_dir, launcher, subruns, submitit_dir, job_ids)``,
  ``SubRun(index, overrides, status, run_dir, job_id, logs)`` (statuses: pending, running,
  succeeded, failed, cancelled, ended, not_run, unknown). Cancelling the job first cancels every
  submitit job of the sweep (``commands/launchers.py`` knows how, per launcher).

Design: one detached supervisor per running job (own session, survives the app and the CLI);
the runner in its own process group. The queue needs no daemon: each supervisor claims the
oldest queued job in the same transaction that marks it running (so racing supervisors take
different jobs) and, when its job ends, starts a supervisor for the next one. Each supervisor
has a watchdog process that notices its death (a pipe only the supervisor writes to ends),
stops the orphaned runner's group, marks the job lost and moves the queue on; a lost job whose
runner still lives keeps its slot. A job's run folder is found from its own processes (their
working folder or open files inside a folder with ``.hydra/``), never "the newest folder".
Sub-runs are not stored: they are read from the sweep folder when shown.
"""

from .logs import DEFAULT_TAIL_BYTES, LogUnavailable, Progress, parse_progress, tail_log
from .multirun import Multirun, SubRun, job_multirun
from .runner import (
    JobRefused,
    cancel_job,
    delete_job,
    get_job,
    list_jobs,
    reconcile,
    rerun_job,
    submit_job,
)
from .store import FINAL_STATUSES, STATUSES, Job, JobStore, JobStoreError

__all__ = [
    "DEFAULT_TAIL_BYTES",
    "FINAL_STATUSES",
    "STATUSES",
    "Job",
    "JobRefused",
    "JobStore",
    "JobStoreError",
    "LogUnavailable",
    "Multirun",
    "Progress",
    "SubRun",
    "cancel_job",
    "delete_job",
    "get_job",
    "list_jobs",
    "job_multirun",
    "parse_progress",
    "reconcile",
    "rerun_job",
    "submit_job",
    "tail_log",
]
