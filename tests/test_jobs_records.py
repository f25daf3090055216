"""Job records that are always true (issue 9): real supervisors, real runners, real SQLite."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from command_builder.jobs import JobStore, list_jobs, submit_job, tail_log
from command_builder.jobs.launch import spawn_supervisor
from command_builder.jobs.procs import process_start
from command_builder.settings import Settings
from jobs_helpers import (
    alive,
    argv,
    job,
    release,
    script_workspace,
    stop_all,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.slow
FINAL = ("succeeded", "failed", "cancelled", "lost")
CLI = "import sys; from command_builder.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture
def ws(demo_settings: Settings) -> Iterator[Settings]:
    settings = script_workspace(demo_settings, max_running_jobs=1, job_cancel_grace_s=0.5)
    yield settings
    release(settings)
    stop_all(settings)


def with_settings(settings: Settings, **values: object) -> Settings:
    return script_workspace(settings, **values)


def test_two_submits_at_once_fill_both_free_slots(ws: Settings) -> None:
    """Both supervisors used to claim the same oldest job; the second slot stayed empty."""
    ws = with_settings(ws, max_running_jobs=2)
    barrier = threading.Barrier(2)
    ids: list[int] = []

    def press_run() -> None:
        barrier.wait()
        ids.append(submit_job(ws, "hold", argv(ws, "hold"), {}))

    threads = [threading.Thread(target=press_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # both run at once, while neither can end (they hold until released)
    wait_for(lambda: all(job(ws, i).status == "running" for i in ids), timeout=60)
    supervisors = {job(ws, i).supervisor_pid for i in ids}
    assert len(supervisors) == 2
    third = submit_job(ws, "ok", argv(ws, "ok"), {})
    assert job(ws, third).status == "queued"  # no third slot
    release(ws)
    assert wait_status(ws, third, *FINAL, timeout=60).status == "succeeded"


def test_three_identical_jobs_each_record_their_own_run_folder(ws: Settings) -> None:
    ws = with_settings(ws, max_running_jobs=3)
    command = argv(ws, "train", "trainer.max_epochs=1", "demo.epoch_seconds=0.2")
    barrier = threading.Barrier(3)
    ids: list[int] = []

    def press_run() -> None:
        barrier.wait()
        ids.append(submit_job(ws, "train", command, {}))

    threads = [threading.Thread(target=press_run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [wait_status(ws, i, *FINAL, timeout=120) for i in ids]
    assert [d.status for d in done] == ["succeeded"] * 3
    assert all(d.argv == tuple(command) for d in done)  # Run starts exactly what is shown
    for d in done:
        # the runner logs its own run folder: the record must name that one
        logged = re.search(r"Run folder: (\S+)", tail_log(d.log_path))
        assert logged is not None and d.run_dir is not None
        assert Path(logged.group(1)).resolve() == (ws.root / d.run_dir).resolve()
    assert len({d.run_dir for d in done}) == 3


def test_outcome_is_recorded_when_the_log_cannot_be_written(ws: Settings) -> None:
    """The log on a full disk (/dev/full: every write is ENOSPC) must not turn exit 0 into failed."""
    store = JobStore(ws)
    job_id = store.insert("silent", argv(ws, "silent", "seconds=0"), {}, str(ws.root))
    os.symlink("/dev/full", job(ws, job_id).log_path)
    spawn_supervisor(ws)
    done = wait_status(ws, job_id, *FINAL, timeout=60)
    assert (done.status, done.exit_code, done.error) == ("succeeded", 0, None)


def test_killed_supervisor_its_runner_is_stopped_and_the_queue_moves(ws: Settings) -> None:
    first = submit_job(ws, "hold", argv(ws, "hold"), {})
    second = submit_job(ws, "probe", argv(ws, "probe"), {})
    running = wait_status(ws, first, "running", timeout=60)
    runner = wait_for(lambda: job(ws, first).pid, timeout=30)
    (ws.root / "orphan.pid").write_text(str(runner))
    os.kill(running.supervisor_pid, signal.SIGKILL)  # type: ignore[arg-type]
    # nobody lists jobs here: only raw store reads
    done = wait_status(ws, second, *FINAL, timeout=60)
    assert done.status == "succeeded"
    assert (ws.root / "probe.txt").read_text() == "dead"  # stopped before the next job started
    lost = job(ws, first)
    assert lost.status == "lost" and "was stopped" in (lost.error or "")
    assert not alive(runner)


def test_reconcile_does_not_start_a_job_beside_a_live_orphan(ws: Settings) -> None:
    """Watchdog gone too: listing marks the job lost, but its runner keeps the slot."""
    first = submit_job(ws, "hold", argv(ws, "hold"), {})
    running = wait_status(ws, first, "running", timeout=60)
    runner = wait_for(lambda: job(ws, first).pid, timeout=30)
    second = submit_job(ws, "ok", argv(ws, "ok"), {})
    for pid in watchdogs(first):
        os.kill(pid, signal.SIGKILL)
    os.kill(running.supervisor_pid, signal.SIGKILL)  # type: ignore[arg-type]
    wait_for(lambda: process_start(running.supervisor_pid) is None, timeout=30)  # type: ignore[arg-type]
    listed = {j.id: j for j in list_jobs(ws)}
    assert listed[first].status == "lost" and "still running" in (listed[first].error or "")
    assert listed[second].status == "queued" and alive(runner)
    os.killpg(runner, signal.SIGKILL)
    wait_for(lambda: not alive(runner), timeout=30)
    list_jobs(ws)  # the slot is free now: the queue moves
    assert wait_status(ws, second, *FINAL, timeout=60).status == "succeeded"


def watchdogs(job_id: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"command_builder.jobs.supervise" in args and str(job_id).encode() in args:
            if b"--watch" in args:
                found.append(int(entry.name))
    return found


def test_a_failure_inside_the_supervisor_stops_the_runners_group(
    ws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection (a test fixture): the run-folder lookup raises while the runner runs."""
    from command_builder.jobs import supervise

    def broken_lookup(self: object, pid: int, log: object) -> None:
        if (ws.root / "grandchild.pid").is_file():
            raise RuntimeError("injected supervisor failure")

    monkeypatch.setattr(supervise._Run, "_look_for_run_dir", broken_lookup)
    store = JobStore(ws)
    job_id = store.insert("tree", argv(ws, "tree"), {}, str(ws.root))
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    }
    try:
        supervise.supervise(ws)  # in this process, so the fault can be injected
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    done = job(ws, job_id)
    assert done.status == "failed" and "injected supervisor failure" in (done.error or "")
    store.delete(job_id)  # its "supervisor" is this test process: keep stop_all off it
    grandchild = int((ws.root / "grandchild.pid").read_text())
    wait_for(lambda: not alive(grandchild) and not alive(done.pid), timeout=30)  # type: ignore[arg-type]


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process (its own store connection, as a user would start it)."""
    return subprocess.run(
        [sys.executable, "-c", CLI, *args, "--workspace", str(settings.root)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_truncated_store_is_moved_aside_with_its_logs(ws: Settings) -> None:
    old = submit_job(ws, "ok", argv(ws, "ok"), {})
    old_log = Path(wait_status(ws, old, *FINAL, timeout=60).log_path)
    old_text = old_log.read_text()
    store_path = ws.state_dir / "jobs.sqlite3"
    with sqlite3.connect(store_path) as conn:  # everything into the file, as at a clean shutdown
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for side in ("-wal", "-shm"):
        Path(f"{store_path}{side}").unlink(missing_ok=True)
    with open(store_path, "r+b") as handle:
        handle.truncate(store_path.stat().st_size // 2)
    truncated = store_path.read_bytes()

    listed = run_cli(ws, "jobs", "list")
    assert listed.returncode == 0, listed.stderr
    match = re.search(r"moved aside to (\S+) and its logs to (\S+);", listed.stderr)
    assert match, listed.stderr
    aside, logs_aside = Path(match.group(1)), Path(match.group(2))
    assert aside.read_bytes() == truncated  # kept as it was, not replaced
    assert (logs_aside / old_log.name).read_text() == old_text
    assert "runners/ok.py" not in listed.stdout  # a new, empty store

    made = run_cli(ws, "run", "train", "--set", "exp_name=after", "--set", "max_epochs=1")
    assert made.returncode == 0, made.stderr
    new_id = int(made.stdout.strip())
    new = wait_status(ws, new_id, *FINAL, timeout=60)
    assert new.id == old and "hello from ok" not in Path(new.log_path).read_text()
    assert (logs_aside / old_log.name).read_text() == old_text


def test_a_deleted_store_never_appends_to_an_old_log(ws: Settings) -> None:
    (ws.state_dir / "logs").mkdir(parents=True, exist_ok=True)
    (ws.state_dir / "logs" / "1.log").write_text("an old job 1\n")
    job_id = submit_job(ws, "ok", argv(ws, "ok"), {})
    done = wait_status(ws, job_id, *FINAL, timeout=60)
    assert job_id == 1 and Path(done.log_path).name != "1.log"
    assert "an old job 1" not in Path(done.log_path).read_text()
    assert (ws.state_dir / "logs" / "1.log").read_text() == "an old job 1\n"


def test_a_row_with_bad_json_shows_as_broken(ws: Settings) -> None:
    store = JobStore(ws)
    good = store.insert("ok", argv(ws, "ok"), {"a": 1}, str(ws.root))
    bad = store.insert("ok", argv(ws, "ok"), {}, str(ws.root))
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE jobs SET argv='[\"python\", ' WHERE id=?", (bad,))
        conn.execute("UPDATE jobs SET form_values='{' WHERE id=?", (good,))
    listed = {j.id: j for j in store.list()}
    assert listed[bad].status == "broken" and "argv" in (listed[bad].error or "")
    assert store.get(good).status == "broken"  # type: ignore[union-attr]
    assert store.version() > 0

    shown = run_cli(ws, "jobs", "list")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr
    rows = {line.split()[0]: line.split()[1] for line in shown.stdout.splitlines()[1:]}
    assert rows == {str(good): "broken", str(bad): "broken"}
    as_json = run_cli(ws, "jobs", "list", "--json")
    assert [j["status"] for j in json.loads(as_json.stdout)] == ["broken", "broken"]
    assert run_cli(ws, "jobs", "show", str(bad)).returncode == 0

    # a supervisor that claims a broken queued row records it as failed and moves on
    after = submit_job(ws, "ok", argv(ws, "ok"), {})
    assert wait_status(ws, after, *FINAL, timeout=60).status == "succeeded"
    assert {job(ws, good).status, job(ws, bad).status} == {"broken"}  # still undecodable
    with sqlite3.connect(store.path) as conn:
        statuses = {
            r[0] for r in conn.execute("SELECT status FROM jobs WHERE id IN (?, ?)", (good, bad))
        }
    assert statuses == {"failed"}


def test_the_supervisor_does_not_import_hydra() -> None:
    code = (
        "import sys, command_builder.jobs.supervise;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('hydra', 'omegaconf', 'submitit'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
