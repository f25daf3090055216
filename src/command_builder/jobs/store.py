"""SQLite job records shared by app sessions, CLI processes and supervisors.

One file per workspace (``state_dir/jobs.sqlite3``) in WAL mode, so readers
never wait for a writer. Every write is one short ``BEGIN IMMEDIATE``
transaction and no lock is held between calls, so any number of threads and
processes can use the store at once. Each process keeps one connection per
store, used under a lock. A trigger bumps a counter on every change; a poller
can read ``version()`` (one indexed read) and re-read the list only when it moved.

A store file that SQLite cannot read (truncated, overwritten) is never replaced
silently: it is moved aside with its logs folder under one unique suffix, and
the fresh store records a notice saying where they went (``notices()``).
A row that cannot be decoded is shown as a ``broken`` job, never a crash.
"""

from __future__ import annotations

import builtins
import errno
import fcntl
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import JobError
from ..settings import Settings
from .procs import is_alive

DB_NAME = "jobs.sqlite3"
LOGS_DIR = "logs"
BUSY_TIMEOUT_S = 10.0
MIN_FREE_BYTES = 1 << 20  # below this, a write error is reported as a full disk

INIT_LOCK = "jobs.lock"  # flock held while a process checks or creates the store file

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, LOST = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    "lost",
)
BROKEN = "broken"  # shown for a row that cannot be decoded; never written
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, LOST, BROKEN)
FINAL_STATUSES = frozenset({SUCCEEDED, FAILED, CANCELLED, LOST, BROKEN})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: log files are named by id
    page TEXT NOT NULL,
    argv TEXT NOT NULL,                    -- JSON list of strings
    form_values TEXT NOT NULL,             -- JSON object
    cwd TEXT NOT NULL,
    status TEXT NOT NULL,
    pid INTEGER, pgid INTEGER, pid_start INTEGER,
    supervisor_pid INTEGER, supervisor_start INTEGER,
    created_at REAL NOT NULL, started_at REAL, ended_at REAL,
    exit_code INTEGER,
    log_path TEXT NOT NULL,
    run_dir TEXT,
    error TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('version', 0);
CREATE TRIGGER IF NOT EXISTS jobs_ins AFTER INSERT ON jobs
    BEGIN UPDATE meta SET value = value + 1 WHERE key = 'version'; END;
CREATE TRIGGER IF NOT EXISTS jobs_upd AFTER UPDATE ON jobs
    BEGIN UPDATE meta SET value = value + 1 WHERE key = 'version'; END;
CREATE TRIGGER IF NOT EXISTS jobs_del AFTER DELETE ON jobs
    BEGIN UPDATE meta SET value = value + 1 WHERE key = 'version'; END;
CREATE TABLE IF NOT EXISTS notices (id INTEGER PRIMARY KEY, at REAL NOT NULL, text TEXT NOT NULL);
"""

_initialized: set[Path] = set()
_identities: dict[Path, tuple[int, int] | None] = {}  # the file our connection has open
_connections: dict[Path, sqlite3.Connection] = {}
_locks: dict[Path, threading.Lock] = {}
_registry_lock = threading.Lock()


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode): a store moved aside by another process is a different file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _lock_for(path: Path) -> threading.Lock:
    with _registry_lock:
        return _locks.setdefault(path, threading.Lock())


class JobStoreError(JobError):
    """The store cannot be read or written (unwritable folder, full disk, ...)."""


@dataclass(frozen=True)
class Job:
    """One row of the store, as plain values."""

    id: int
    page: str
    argv: tuple[str, ...]
    form_values: Mapping[str, object]
    cwd: str
    status: str
    pid: int | None
    pgid: int | None
    pid_start: int | None
    supervisor_pid: int | None
    supervisor_start: int | None
    created_at: float
    started_at: float | None
    ended_at: float | None
    exit_code: int | None
    log_path: str
    run_dir: str | None
    error: str | None
    cancel_requested: bool

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    def duration(self, now: float | None = None) -> float | None:
        """Seconds run so far (or in total once ended); None before it starts."""
        if self.started_at is None:
            return None
        end = self.ended_at if self.ended_at is not None else (now or time.time())
        return max(0.0, end - self.started_at)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view (CLI --json)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["argv"] = list(self.argv)
        data["form_values"] = dict(self.form_values)
        return data


def _row_to_job(row: sqlite3.Row) -> Job:
    """Decode a row; one that cannot be decoded becomes a `broken` job naming the field."""
    data = dict(row)
    try:
        argv = _decoded(data, "argv", list)
        values = _decoded(data, "form_values", dict)
        if not all(isinstance(a, str) for a in argv):
            raise ValueError("argv: not a list of strings")
        data.update(argv=tuple(argv), form_values=values)
        data["cancel_requested"] = bool(data["cancel_requested"])
        return Job(**data)
    except (TypeError, ValueError, KeyError) as exc:
        return _broken_job(data, exc)


def _decoded(data: dict[str, object], field: str, kind: type) -> Any:
    raw = data[field]
    try:
        if not isinstance(raw, str | bytes):
            raise TypeError(f"a JSON text is str or bytes, not {type(raw).__name__}")
        value = json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}: not valid JSON ({exc})") from exc
    if not isinstance(value, kind):
        raise ValueError(f"{field}: not a JSON {kind.__name__}")
    return value


def _broken_job(data: dict[str, object], exc: Exception) -> Job:
    """A stand-in for an undecodable row: its id and times, no command, the reason as error."""

    def number(key: str) -> float | None:
        value = data.get(key)
        return float(value) if isinstance(value, (int, float)) else None

    raw_id = data.get("id")
    return Job(
        id=raw_id if isinstance(raw_id, int) else -1,
        page=str(data.get("page") or ""),
        argv=(),
        form_values={},
        cwd=str(data.get("cwd") or ""),
        status=BROKEN,
        pid=None,
        pgid=None,
        pid_start=None,
        supervisor_pid=None,
        supervisor_start=None,
        created_at=number("created_at") or 0.0,
        started_at=number("started_at"),
        ended_at=number("ended_at"),
        exit_code=None,
        log_path=str(data.get("log_path") or ""),
        run_dir=None,
        error=f"broken record (stored as {data.get('status')!r}): {exc}",
        cancel_requested=False,
    )


def _busy_slots(conn: sqlite3.Connection) -> int:
    """Running jobs, plus lost ones whose orphaned runner still lives: it holds its slot."""
    running = int(
        conn.execute("SELECT count(*) FROM jobs WHERE status=?", (RUNNING,)).fetchone()[0]
    )
    orphans = conn.execute(
        "SELECT pid, pid_start FROM jobs WHERE status=? AND pid IS NOT NULL", (LOST,)
    ).fetchall()
    return running + sum(1 for pid, start in orphans if is_alive(pid, start))


class JobStore:
    """Job records of one workspace; cheap to construct (the connection is per process)."""

    def __init__(self, settings: Settings) -> None:
        self.state_dir = settings.state_dir
        self.path = self.state_dir / DB_NAME
        self.logs_dir = self.state_dir / LOGS_DIR
        if self.path not in _initialized or _identities.get(self.path) != _identity(self.path):
            self._initialize()  # first use here, or the file was deleted or replaced

    def _error(self, exc: BaseException) -> JobStoreError:
        hint = ""
        text = str(exc).lower()
        if "full" in text or getattr(exc, "errno", None) == errno.ENOSPC or self._disk_full():
            hint = " (the disk is full: free some space; existing records are kept)"
        elif isinstance(exc, (PermissionError, NotADirectoryError, FileExistsError)) or (
            "readonly" in text or "read-only" in text or "unable to open" in text
        ):
            hint = f" (the state folder {self.state_dir} must be a writable folder)"
        return JobStoreError(f"job store {self.path}: {exc}{hint}")

    def _disk_full(self) -> bool:
        """SQLite often reports ENOSPC as a plain "disk I/O error": ask the file system."""
        try:
            return shutil.disk_usage(self.state_dir).free < MIN_FREE_BYTES
        except OSError:
            return False

    def _initialize(self) -> None:
        """Create folder, file and schema once per process (again if the file was deleted).

        Under an inter-process lock, so no process moves aside a file another one is
        creating; a file SQLite cannot read is moved aside, never reused or replaced silently.
        """
        with _lock_for(self.path):
            current = _identity(self.path)
            if self.path in _initialized and current and _identities.get(self.path) == current:
                return  # another thread just did it
            stale = _connections.pop(self.path, None)  # its file is gone
            if stale is not None:
                stale.close()
            try:
                self.logs_dir.mkdir(parents=True, exist_ok=True)
                lock = open(self.state_dir / INIT_LOCK, "ab")  # noqa: SIM115 (held below)
            except OSError as exc:
                raise self._error(exc) from exc
            with lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                notice = self._set_aside_if_unreadable()
                conn = self._create()
                if notice:
                    with suppress(sqlite3.Error):
                        conn.execute(
                            "INSERT INTO notices (at, text) VALUES (?, ?)", (time.time(), notice)
                        )
            _connections[self.path] = conn
            _identities[self.path] = _identity(self.path)
            _initialized.add(self.path)

    def _create(self) -> sqlite3.Connection:
        conn, _ = self._open(read_only=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            conn.close()
            raise self._error(exc) from exc
        return conn

    def _set_aside_if_unreadable(self) -> str | None:
        """Move an unreadable store file (and its logs) aside; the notice says where."""
        try:
            if not self.path.exists() or self._readable():
                return None
        except OSError as exc:
            raise self._error(exc) from exc
        suffix = f"unreadable-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        aside = self.path.with_name(f"{self.path.name}.{suffix}")
        logs_aside = self.logs_dir.with_name(f"{self.logs_dir.name}.{suffix}")
        try:
            for extra in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + extra)
                if side.exists():
                    side.rename(aside.with_name(aside.name + extra))
            self.path.rename(aside)
            self.logs_dir.rename(logs_aside)
            self.logs_dir.mkdir()
        except OSError as exc:
            raise self._error(exc) from exc
        return (
            f"the job store {self.path} could not be read, so it was moved aside to {aside} "
            f"and its logs to {logs_aside}; a new, empty store was started"
        )

    def _readable(self) -> bool:
        """Does SQLite read this file as a sound database? (An empty file is a truncated one.)"""
        if self.path.stat().st_size == 0:
            return False
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error:
            return False
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise OSError(f"cannot check the store: {exc}") from exc
            return False
        finally:
            conn.close()

    def _open(self, read_only: bool) -> tuple[sqlite3.Connection, bool]:
        """(connection, is_snapshot)."""
        try:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA synchronous=NORMAL")  # first touch: opens the WAL files
            conn.row_factory = sqlite3.Row
            return conn, False
        except sqlite3.Error as exc:
            if not (read_only and self._disk_full()):
                raise self._error(exc) from exc
        # A full disk cannot even create the WAL index: read the checkpointed file as-is,
        # so the list still shows every record (possibly without the last few writes).
        try:
            uri = f"{self.path.resolve().as_uri()}?immutable=1"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        conn.row_factory = sqlite3.Row
        return conn, True

    @contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[sqlite3.Connection]:
        """The process's connection to this store, held under its lock for one short use.

        One connection per process, not one per call: closing the last connection
        checkpoints and deletes the WAL, which would cost an fsync on every call.
        Any SQLite error drops it (the next call reopens) and becomes JobStoreError.
        """
        with _lock_for(self.path):
            conn = _connections.get(self.path)
            snapshot = False
            if conn is None:
                conn, snapshot = self._open(read_only)
                if not snapshot:
                    _connections[self.path] = conn
            try:
                yield conn
            except sqlite3.Error as exc:
                _connections.pop(self.path, None)
                conn.close()
                raise self._error(exc) from exc
            finally:
                if snapshot:
                    conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taken up front so it never deadlocks on upgrade."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- reads -------------------------------------------------------------

    def version(self) -> int:
        """Bumped by every insert/update/delete; poll this, re-read on change."""
        with self._connect(read_only=True) as conn:
            return int(conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()[0])

    def notices(self) -> builtins.list[str]:
        """What the store had to do on its own (e.g. moving an unreadable file aside)."""
        with self._connect(read_only=True) as conn:
            return [r[0] for r in conn.execute("SELECT text FROM notices ORDER BY id")]

    def get(self, job_id: int) -> Job | None:
        with self._connect(read_only=True) as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        return _row_to_job(row) if row else None

    def list(self, limit: int = 200) -> list[Job]:
        """Newest first."""
        with self._connect(read_only=True) as conn:
            rows = conn.execute("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [_row_to_job(r) for r in rows]

    def with_status(self, status: str) -> builtins.list[Job]:  # `list` is the method here
        with self._connect(read_only=True) as conn:
            rows = conn.execute(
                "SELECT * FROM jobs WHERE status=? ORDER BY id", (status,)
            ).fetchall()
        return [_row_to_job(r) for r in rows]

    # --- writes ------------------------------------------------------------

    def insert(
        self, page: str, argv: Sequence[str], form_values: Mapping[str, object], cwd: str
    ) -> int:
        """A new queued job; its log path is fixed here: logs/<id>.log, or a free variant."""
        try:
            values_json = json.dumps(dict(form_values), default=str)
        except (TypeError, ValueError) as exc:
            raise JobStoreError(f"form values are not storable: {exc}") from exc
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO jobs (page, argv, form_values, cwd, status, created_at, log_path)"
                " VALUES (?, ?, ?, ?, ?, ?, '')",
                (page, json.dumps(list(argv)), values_json, cwd, QUEUED, time.time()),
            )
            job_id = int(cur.lastrowid or 0)
            conn.execute("UPDATE jobs SET log_path=? WHERE id=?", (self._new_log(job_id), job_id))
        return job_id

    def _new_log(self, job_id: int) -> str:
        """A log name no file has: a store recreated by hand must not append to an old log."""
        path, n = self.logs_dir / f"{job_id}.log", 1
        while path.exists():
            n += 1
            path = self.logs_dir / f"{job_id}-{n}.log"
        return str(path)

    def claim_next(
        self, supervisor_pid: int, supervisor_start: int | None, max_running: int
    ) -> Job | None:
        """The oldest queued job, marked running for this supervisor, if a slot is free.

        Choice and claim are one transaction: racing supervisors get different jobs.
        """
        with self._write() as conn:
            if _busy_slots(conn) >= max_running:
                return None
            row = conn.execute(
                "SELECT id FROM jobs WHERE status=? ORDER BY id LIMIT 1", (QUEUED,)
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE jobs SET status=?, supervisor_pid=?, supervisor_start=?, started_at=?"
                " WHERE id=?",
                (RUNNING, supervisor_pid, supervisor_start, time.time(), row[0]),
            )
            claimed = conn.execute("SELECT * FROM jobs WHERE id=?", (row[0],)).fetchone()
        return _row_to_job(claimed)

    def next_queued(self, max_running: int) -> int | None:
        """The oldest queued job, when a slot is free for it."""
        with self._connect(read_only=True) as conn:
            if _busy_slots(conn) >= max_running:
                return None
            row = conn.execute(
                "SELECT id FROM jobs WHERE status=? ORDER BY id LIMIT 1", (QUEUED,)
            ).fetchone()
        return int(row[0]) if row else None

    def set_child(self, job_id: int, pid: int, pgid: int, pid_start: int | None) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE jobs SET pid=?, pgid=?, pid_start=? WHERE id=?",
                (pid, pgid, pid_start, job_id),
            )

    def set_run_dir(self, job_id: int, run_dir: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE jobs SET run_dir=? WHERE id=?", (run_dir, job_id))

    def finish(
        self, job_id: int, status: str, exit_code: int | None, error: str | None = None
    ) -> None:
        """Record the outcome; the supervisor's real result wins even over a `lost` mark."""
        with self._write() as conn:
            conn.execute(
                "UPDATE jobs SET status=?, exit_code=?, error=coalesce(?, error), ended_at=?"
                " WHERE id=?",
                (status, exit_code, error, time.time(), job_id),
            )

    def request_cancel(self, job_id: int) -> Job | None:
        """Queued jobs are cancelled here; running ones are flagged for their supervisor."""
        with self._write() as conn:
            conn.execute(
                "UPDATE jobs SET status=?, ended_at=?, cancel_requested=1 WHERE id=? AND status=?",
                (CANCELLED, time.time(), job_id, QUEUED),
            )
            conn.execute(
                "UPDATE jobs SET cancel_requested=1 WHERE id=? AND status=?", (job_id, RUNNING)
            )
            row = conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        return _row_to_job(row) if row else None

    def mark_lost(self, job_id: int, supervisor_pid: int | None, error: str) -> bool:
        """running (or lost: a better reason) -> lost, only if the same supervisor owns it.

        Conditional, so it never overwrites the supervisor's own outcome (no race with finish).
        """
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE jobs SET status=?, error=?, ended_at=coalesce(ended_at, ?)"
                " WHERE id=? AND status IN (?, ?) AND supervisor_pid IS ?",
                (LOST, error, time.time(), job_id, RUNNING, LOST, supervisor_pid),
            )
            return cur.rowcount == 1

    def delete(self, job_id: int) -> Job | None:
        """Remove the row unless it is running; returns the deleted job."""
        with self._write() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
            if row is None:
                return None
            job = _row_to_job(row)
            if job.status == RUNNING:
                raise JobStoreError(f"job {job_id} is running: cancel it before deleting it")
            conn.execute("DELETE FROM jobs WHERE id=?", (job_id,))
        return job
