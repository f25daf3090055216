"""Jobs with real subprocesses: the demo runners and tiny scripts, each under its supervisor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from command_builder.jobs import (
    JobRefused,
    JobStoreError,
    cancel_job,
    delete_job,
    get_job,
    list_jobs,
    parse_progress,
    rerun_job,
    submit_job,
    tail_log,
)
from command_builder.jobs.procs import is_alive, process_start
from command_builder.settings import Settings
from jobs_helpers import (
    argv,
    job,
    read_pid,
    release,
    script_workspace,
    stop_all,
    wait_for,
    wait_status,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def ws(demo_settings: Settings) -> Iterator[Settings]:
    settings = script_workspace(demo_settings, max_running_jobs=1, job_cancel_grace_s=0.5)
    yield settings
    release(settings)
    stop_all(settings)


def test_demo_training_succeeds_with_progress_and_run_dir(ws: Settings) -> None:
    job_id = submit_job(
        ws,
        "train",
        argv(ws, "train", "trainer.max_epochs=3", "demo.epoch_seconds=0.05"),
        {"max_epochs": 3},
    )
    done = wait_status(ws, job_id, "succeeded", "failed")
    assert done.status == "succeeded" and done.exit_code == 0
    assert done.started_at and done.ended_at and done.ended_at >= done.started_at
    assert done.form_values == {"max_epochs": 3}
    text = tail_log(done.log_path)
    assert "Epoch 3/3" in text
    progress = parse_progress(text)
    assert progress is not None and (progress.epoch, progress.total) == (3, 3)
    assert progress.fraction == 1.0
    assert done.run_dir is not None and done.run_dir.startswith("outputs/")
    assert (ws.root / done.run_dir / ".hydra" / "config.yaml").is_file()


def test_failure_records_exit_code_and_stderr(ws: Settings) -> None:
    job_id = submit_job(ws, "fail", argv(ws, "fail"), {})
    done = wait_status(ws, job_id, "succeeded", "failed")
    assert (done.status, done.exit_code) == ("failed", 3)
    assert "boom" in tail_log(done.log_path)


def test_cancel_kills_the_whole_process_tree(ws: Settings) -> None:
    job_id = submit_job(ws, "tree", argv(ws, "tree"), {})
    running = wait_status(ws, job_id, "running")
    grandchild = read_pid(ws.root / "grandchild.pid")
    wait_for(lambda: "grandchild up" in tail_log(running.log_path))
    runner = wait_for(lambda: job(ws, job_id).pid)
    assert is_alive(grandchild, None) and is_alive(runner, None)

    cancel_job(ws, job_id)
    done = wait_status(ws, job_id, "cancelled", timeout=10)
    assert done.cancel_requested
    # the grandchild ignores SIGTERM: it must have been SIGKILLed after the grace period
    wait_for(lambda: process_start(grandchild) is None, timeout=5)
    assert process_start(runner) is None


def test_supervisor_outlives_the_submitting_process(ws: Settings) -> None:
    """Like an app server restart: the submitter exits, the job still ends with its status."""
    code = (
        "import sys; from command_builder.settings import load_settings;"
        "from command_builder.jobs import submit_job;"
        "s = load_settings(sys.argv[1]);"
        "print(submit_job(s, 'hold', [*s.command_prefix, 'runners/hold.py'], {}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ws.root)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    job_id = int(out.stdout.strip())
    running = wait_status(ws, job_id, "running")
    assert get_job(ws, job_id).status == "running"  # reconcile keeps it: its supervisor lives
    assert is_alive(running.supervisor_pid, running.supervisor_start)
    release(ws)
    done = wait_status(ws, job_id, "succeeded", "failed", "lost", timeout=60)
    assert (done.status, done.exit_code) == ("succeeded", 0)


def test_supervisor_killed_means_lost_never_running_forever(ws: Settings) -> None:
    job_id = submit_job(ws, "hold", argv(ws, "hold"), {})
    running = wait_status(ws, job_id, "running")
    runner_pid = wait_for(lambda: job(ws, job_id).pid)
    os.kill(running.supervisor_pid, signal.SIGKILL)  # type: ignore[arg-type]
    # its watchdog stops the orphaned runner and records why, without anyone listing jobs
    lost = wait_status(ws, job_id, "lost", timeout=60)
    assert "supervisor" in (lost.error or "") and "was stopped" in (lost.error or "")
    wait_for(lambda: process_start(runner_pid) is None, timeout=30)
    (listed,) = [j for j in list_jobs(ws) if j.id == job_id]
    assert listed.status == "lost"


def test_queue_starts_the_next_job_by_itself(ws: Settings) -> None:
    first = submit_job(ws, "hold", argv(ws, "hold"), {})
    second = submit_job(ws, "ok", argv(ws, "ok"), {})
    wait_status(ws, first, "running")
    assert job(ws, second).status == "queued"  # limit 1, and the first cannot end yet
    release(ws)
    # nobody calls list_jobs/reconcile: the first supervisor hands the slot on
    done = wait_status(ws, second, "succeeded", "failed", timeout=60)
    assert done.status == "succeeded"
    assert done.started_at >= job(ws, first).ended_at  # type: ignore[operator]


def test_cancel_a_queued_job(ws: Settings) -> None:
    first = submit_job(ws, "hold", argv(ws, "hold"), {})
    second = submit_job(ws, "ok", argv(ws, "ok"), {})
    assert cancel_job(ws, second).status == "cancelled"
    cancel_job(ws, first)
    wait_status(ws, first, "cancelled")
    assert job(ws, second).started_at is None  # it never ran


def test_two_threads_submitting_at_once_record_two_jobs(ws: Settings) -> None:
    barrier = threading.Barrier(2)
    ids: list[int] = []

    def press_run() -> None:
        barrier.wait()
        ids.append(submit_job(ws, "ok", argv(ws, "ok"), {"tab": threading.get_ident()}))

    threads = [threading.Thread(target=press_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 2
    for job_id in ids:
        assert wait_status(ws, job_id, "succeeded", "failed").status == "succeeded"


@pytest.mark.parametrize(
    "command",
    [
        ["bash", "-c", "echo pwned"],
        [sys.executable, "-c", "print(1)"],
        ["PREFIX", "runners/../../evil.py"],
        ["PREFIX", "runners/train.py", "hydra.callbacks.x._target_=os.system"],
        ["PREFIX", "runners/train.py", "--config-dir=/etc"],
    ],
)
def test_refuses_non_workspace_commands(ws: Settings, command: list[str]) -> None:
    if command[0] == "PREFIX":
        command = [*ws.command_prefix, *command[1:]]
    with pytest.raises(JobRefused, match="refused to run this command"):
        submit_job(ws, "train", command, {})
    assert list_jobs(ws) == []


def test_delete_refused_while_running_then_removes_record_and_log(ws: Settings) -> None:
    job_id = submit_job(ws, "hold", argv(ws, "hold"), {})
    running = wait_status(ws, job_id, "running")
    with pytest.raises(JobStoreError, match="cancel it"):
        delete_job(ws, job_id)
    cancel_job(ws, job_id)
    wait_status(ws, job_id, "cancelled")
    delete_job(ws, job_id)
    assert get_job(ws, job_id) is None
    assert not os.path.exists(running.log_path)


def test_rerun_submits_the_same_command_again(ws: Settings) -> None:
    first = submit_job(ws, "ok", argv(ws, "ok"), {"a": 1})
    wait_status(ws, first, "succeeded")
    second = rerun_job(ws, first)
    assert second != first
    again = wait_status(ws, second, "succeeded")
    assert (again.argv, again.form_values, again.page) == (job(ws, first).argv, {"a": 1}, "ok")


def test_a_succeeded_predict_jobs_submission_is_listed_first(ws: Settings) -> None:
    from command_builder.commands.overrides import format_override
    from command_builder.export import list_submissions, load_submission, to_competition_csv

    # Each runner stays 0.2 s in its run folder: the supervisor finds the folder by looking
    # at the runner's processes every 20 ms, and a run over sooner is not linked to it.
    trained = submit_job(
        ws, "train", argv(ws, "train", "trainer.max_epochs=1", "demo.epoch_seconds=0.2"), {}
    )
    train_job = wait_status(ws, trained, "succeeded", "failed")
    checkpoint = next((ws.root / train_job.run_dir / "checkpoints").glob("*.ckpt"))
    older = ws.outputs_dir / "old_run" / "submissions" / "old.json"
    older.parent.mkdir(parents=True)
    older.write_text('{"images": {}}')
    os.utime(older, (1_600_000_000, 1_600_000_000))
    predicted = submit_job(
        ws,
        "predict",
        argv(
            ws,
            "predict",
            format_override("checkpoint_path", str(checkpoint.relative_to(ws.root))),
            "demo.epoch_seconds=0.2",
        ),
        {},
    )
    done = wait_status(ws, predicted, "succeeded", "failed")
    assert done.status == "succeeded", tail_log(done.log_path)
    newest = list_submissions(ws)[0]
    assert newest.run_dir == done.run_dir
    csv_text = to_competition_csv(load_submission(ws.root / newest.path, ws.upload_limit_mb))
    assert csv_text.startswith("filename,polygons\n") and csv_text.count("\n") > 1
