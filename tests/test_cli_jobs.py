"""`command-builder run` and `command-builder jobs` against real jobs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from command_builder.cli import main
from command_builder.jobs import DEFAULT_TAIL_BYTES, JobStore, submit_job
from command_builder.settings import Settings
from jobs_helpers import argv, script_workspace, stop_all, wait_status

pytestmark = pytest.mark.slow


@pytest.fixture
def ws(demo_settings: Settings) -> Iterator[Settings]:
    settings = script_workspace(demo_settings, job_cancel_grace_s=0.5)
    yield settings
    stop_all(settings)


def cli(ws: Settings, *args: str) -> int:
    return main([*args, "--workspace", str(ws.root)])


def test_run_wait_follows_the_log_and_exits_with_the_jobs_code(ws: Settings, capfd) -> None:
    code = cli(ws, "run", "train", "--set", "exp_name=cli_run", "--set", "max_epochs=2", "--wait")
    out, err = capfd.readouterr()
    assert code == 0, err
    job_id = int(out.splitlines()[0])
    assert "Epoch 2/2" in out and "exp_name=cli_run" in out
    assert f"job {job_id} succeeded" in err

    assert cli(ws, "jobs", "list", "--json") == 0
    listed = json.loads(capfd.readouterr().out)
    assert [(j["id"], j["status"], j["page"]) for j in listed] == [(job_id, "succeeded", "train")]
    assert listed[0]["form_values"]["exp_name"] == "cli_run"
    assert listed[0]["run_dir"].startswith("outputs/")

    assert cli(ws, "jobs", "show", str(job_id), "--json") == 0
    shown = json.loads(capfd.readouterr().out)
    assert shown["exit_code"] == 0 and "trainer.max_epochs=2" in shown["command"]

    assert cli(ws, "jobs", "logs", str(job_id)) == 0
    assert "Training finished" in capfd.readouterr().out

    assert cli(ws, "jobs", "list") == 0
    table = capfd.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["ID", "STATUS", "PAGE"]
    assert table[1].split()[:3] == [str(job_id), "succeeded", "train"]


def test_run_without_wait_prints_the_id_at_once(ws: Settings, capfd) -> None:
    assert cli(ws, "run", "train", "--set", "exp_name=bg", "--set", "max_epochs=1") == 0
    job_id = int(capfd.readouterr().out.strip())
    assert wait_status(ws, job_id, "succeeded", "failed").status == "succeeded"


def test_form_errors_refuse_to_run(ws: Settings, capfd) -> None:
    assert cli(ws, "run", "train", "--set", "exp_name=x", "--set", "max_epochs=0") == 1
    err = capfd.readouterr().err
    assert "Max epochs" in err and "form has errors" in err
    assert JobStore(ws).list() == []


def test_unknown_field_and_bad_set_are_usage_errors(ws: Settings, capfd) -> None:
    assert cli(ws, "run", "train", "--set", "nope=1") == 2
    assert "unknown key 'nope'" in capfd.readouterr().err
    assert cli(ws, "run", "train", "--set", "exp_name") == 2
    assert "KEY=VALUE" in capfd.readouterr().err


def test_follow_a_failing_job_exits_with_its_code(ws: Settings, capfd) -> None:
    job_id = submit_job(ws, "fail", argv(ws, "fail"), {})
    assert cli(ws, "jobs", "logs", str(job_id), "--follow") == 3
    out, err = capfd.readouterr()
    assert "boom" in out and f"job {job_id} failed (exit code 3)" in err


def test_cancel_from_the_cli(ws: Settings, capfd) -> None:
    job_id = submit_job(ws, "silent", argv(ws, "silent", "seconds=60"), {})
    wait_status(ws, job_id, "running")
    assert cli(ws, "jobs", "cancel", str(job_id)) == 0
    assert "cancel requested" in capfd.readouterr().out
    wait_status(ws, job_id, "cancelled")
    assert cli(ws, "jobs", "cancel", str(job_id)) == 1
    assert "already ended (cancelled)" in capfd.readouterr().err


def test_unknown_job_and_bad_workspace(ws: Settings, tmp_path, capfd) -> None:
    assert cli(ws, "jobs", "show", "999") == 1
    assert "no job 999" in capfd.readouterr().err
    assert main(["jobs", "list", "--workspace", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capfd.readouterr().err


def test_run_with_a_checkpoint_fills_its_components(ws: Settings, capfd) -> None:
    """`run test --set checkpoint=...` reads the run's components, as the page does.

    The demo test runner refuses a checkpoint whose architecture differs from the
    command's, so a craft checkpoint only tests cleanly when the form was filled.
    """
    assert (
        cli(
            ws,
            "run",
            "train",
            "--set",
            "exp_name=ck",
            "--set",
            "architecture=craft",
            "--set",
            "max_epochs=1",
            "--wait",
        )
        == 0
    )
    checkpoint = next(ws.outputs_dir.glob("*/checkpoints/*.ckpt")).relative_to(ws.root)
    capfd.readouterr()
    assert cli(ws, "run", "test", "--set", f"checkpoint={checkpoint.as_posix()}", "--wait") == 0
    assert "model/architectures=craft" in capfd.readouterr().out


def test_times_are_human_in_text_and_epoch_seconds_in_json(ws: Settings, capfd) -> None:
    job_id = submit_job(ws, "ok", argv(ws, "ok"), {})
    done = wait_status(ws, job_id, "succeeded", "failed")
    assert cli(ws, "jobs", "show", str(job_id)) == 0
    lines = [line.split(":", 1) for line in capfd.readouterr().out.splitlines()]
    shown = {key.strip(): value.strip() for key, value in lines}
    local = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(done.created_at))
    assert shown["created_at"] == local
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", shown["ended_at"])
    assert cli(ws, "jobs", "list") == 0
    assert time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(done.started_at)) in (
        capfd.readouterr().out
    )
    assert cli(ws, "jobs", "show", str(job_id), "--json") == 0
    data = json.loads(capfd.readouterr().out)
    assert data["created_at"] == done.created_at and isinstance(data["ended_at"], float)


def test_follow_on_a_2gb_log_starts_from_its_tail(ws: Settings, capfd) -> None:
    job_id = submit_job(ws, "ok", argv(ws, "ok"), {})
    log = Path(wait_status(ws, job_id, "succeeded", "failed").log_path)
    with open(log, "r+b") as handle:  # a sparse 2 GB file: instant, and no disk used
        handle.truncate(2 << 30)
        handle.seek(0, os.SEEK_END)
        handle.write(b"".join(b"line %d\n" % n for n in range(20_000)))
    capfd.readouterr()
    assert cli(ws, "jobs", "logs", str(job_id), "--follow") == 0
    out = capfd.readouterr().out
    assert out.endswith("line 19999\n") and len(out) <= DEFAULT_TAIL_BYTES
    assert re.match(r"line \d+\n", out)  # starts at a line boundary


def test_jobs_list_into_a_closed_pipe_is_quiet(ws: Settings) -> None:
    store = JobStore(ws)
    for n in range(400):  # more than a pipe buffer of rows
        store.insert("ok", [*argv(ws, "ok"), f"comment={'x' * 300}{n}"], {}, str(ws.root))
    code = "import sys; from command_builder.cli import main; sys.exit(main(sys.argv[1:]))"
    reader = subprocess.Popen(
        [sys.executable, "-c", code, "jobs", "list", "--limit", "400", "--workspace", str(ws.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.readline().startswith(b"ID")  # like `| head -1`
    reader.stdout.close()
    err = reader.stderr.read().decode()
    assert reader.wait(60) == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
