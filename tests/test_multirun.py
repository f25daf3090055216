"""Multirun sub-runs found from Hydra's and submitit's records; cancel through submitit."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from command_builder.commands.launchers import SUBMITIT_SLURM
from command_builder.jobs.multirun import (
    MultirunError,
    cancel_subruns,
    discover_multirun,
    find_sweep_dir,
    locate_sweep_dir,
)
from command_builder.settings import Settings
from jobs_helpers import alive, children

pytestmark = pytest.mark.slow


def start_sweep(settings: Settings, overrides: list[str]) -> subprocess.Popen[bytes]:
    """`python runners/train.py --multirun ...` in the workspace, in its own process group."""
    log = (settings.root / "parent.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "runners/train.py", "--multirun", *overrides],
        cwd=settings.root,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # As the job supervisor does (its SIGINT handler is reset on exec): a test run started
        # in the background (`make test &`) ignores SIGINT, and an ignored signal is inherited,
        # so submitit's controllers would never take the cancel's SIGINT.
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def test_two_value_sweep_through_submitit_local_runs_two_trainings(demo_settings: Settings) -> None:
    overrides = [
        "hydra/launcher=submitit_local",
        "trainer.max_epochs=1,2",
        "demo.epoch_seconds=0.05",
    ]
    since = time.time()
    parent = start_sweep(demo_settings, overrides)
    try:
        assert parent.wait(120) == 0, (demo_settings.root / "parent.log").read_text()
    finally:
        stop_group(parent)
    sweep_dir = locate_sweep_dir(demo_settings, "train", overrides, since)
    assert sweep_dir == demo_settings.outputs_dir  # the demo's hydra.sweep.dir

    multirun = discover_multirun(sweep_dir, overrides, since=since, parent_status="succeeded")
    assert multirun.launcher == "submitit_local"
    assert [s.index for s in multirun.subruns] == [0, 1]
    assert [s.overrides for s in multirun.subruns] == [
        ("trainer.max_epochs=1", "demo.epoch_seconds=0.05"),
        ("trainer.max_epochs=2", "demo.epoch_seconds=0.05"),
    ]
    assert [s.status for s in multirun.subruns] == ["succeeded", "succeeded"]
    assert sorted(multirun.job_ids) == sorted(s.job_id for s in multirun.subruns)
    for subrun, epochs in zip(multirun.subruns, (1, 2), strict=True):
        assert subrun.run_dir is not None and subrun.run_dir.parent == demo_settings.outputs_dir
        assert len(list((subrun.run_dir / "checkpoints").glob("*.ckpt"))) == epochs
        names = [p.name for p in subrun.logs]
        assert names[:2] == [f"{subrun.job_id}_0_log.out", f"{subrun.job_id}_0_log.err"]
        assert names[2] == "train.log"
        assert f"Epoch {epochs}/{epochs}" in subrun.logs[0].read_text()

    # An older sweep in the same shared folder is not this one's.
    assert (
        discover_multirun(sweep_dir, overrides, since=time.time() + 5).subruns[0].status
        == "pending"
    )
    assert discover_multirun(None, overrides, parent_status="failed").subruns[1].status == "not_run"


def test_failed_subrun_is_failed(demo_settings: Settings) -> None:
    overrides = [
        "hydra/launcher=submitit_local",
        "trainer.max_epochs=1",
        "demo.epoch_seconds=0.05",
        "checkpoint_path=null,missing.ckpt",
    ]
    since = time.time()
    parent = start_sweep(demo_settings, overrides)
    try:
        # Not parent.wait(): the failed task leaves no result, and the launcher then waits out
        # submitit's result timeout (15 s and more) before it exits. The records say it sooner.
        def both_ended():
            found = discover_multirun(
                demo_settings.outputs_dir, overrides, since=since, parent_status="running"
            )
            statuses = [s.status for s in found.subruns]
            return found if "running" not in statuses and "pending" not in statuses else None

        multirun = wait_for(both_ended, timeout=120, what="both sub-runs to end")
    finally:
        stop_group(parent)
    assert [s.status for s in multirun.subruns] == ["succeeded", "failed"]
    assert "missing.ckpt does not exist" in multirun.subruns[1].logs[1].read_text()


def test_cancelling_a_running_sweep_ends_every_subrun(demo_settings: Settings) -> None:
    overrides = ["hydra/launcher=submitit_local", "trainer.max_epochs=500", "seed=1,2"]
    since = time.time()
    parent = start_sweep(demo_settings, overrides)
    try:

        def both_running():
            found = discover_multirun(
                demo_settings.outputs_dir, overrides, since=since, parent_status="running"
            )
            return found if [s.status for s in found.subruns] == ["running", "running"] else None

        multirun = wait_for(both_running, what="two running sub-runs")
        controllers = [int(s.job_id) for s in multirun.subruns if s.job_id]
        tasks = [child for pid in controllers for child in children(pid)]
        assert len(controllers) == 2 and len(tasks) == 2 and all(map(alive, controllers + tasks))

        assert sorted(cancel_subruns(multirun)) == sorted(multirun.job_ids)
        # submitit's controller stops its tasks (SIGINT, then SIGKILL); on a loaded machine
        # with other test workers that took longer than 15 s once: a bound, not a speed goal.
        wait_for(lambda: not any(map(alive, controllers + tasks)), what="sub-runs to end")
        after = discover_multirun(
            demo_settings.outputs_dir, overrides, since=since, parent_status="cancelled"
        )
        assert [s.status for s in after.subruns] == ["cancelled", "cancelled"]
        assert cancel_subruns(after) == ()  # nothing left to signal
    finally:
        stop_group(parent)


def test_basic_launcher_subruns(demo_settings: Settings) -> None:
    overrides = ["trainer.max_epochs=1", "demo.epoch_seconds=0.05", "seed=1,2"]
    since = time.time()
    parent = start_sweep(demo_settings, overrides)
    try:
        assert parent.wait(120) == 0
    finally:
        stop_group(parent)
    multirun = discover_multirun(
        demo_settings.outputs_dir, overrides, since=since, parent_status="succeeded"
    )
    assert multirun.launcher == "basic" and multirun.submitit_dir is None
    assert [s.status for s in multirun.subruns] == ["succeeded", "succeeded"]
    assert [s.logs[0].name for s in multirun.subruns] == ["train.log", "train.log"]
    assert cancel_subruns(multirun) == ()


def test_find_sweep_dir_with_time_interpolations(tmp_path: Path) -> None:
    template = "multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}"
    old = tmp_path / "multirun" / "2026-01-01" / "10-00-00"
    new = tmp_path / "multirun" / "2026-01-02" / "11-00-00"
    for folder in (old, new):
        folder.mkdir(parents=True)
        (folder / "multirun.yaml").write_text("hydra: {}\n")
    os.utime(old / "multirun.yaml", (1000, 1000))
    assert find_sweep_dir(tmp_path, template, since=time.time() - 5) == new
    assert find_sweep_dir(tmp_path, template, since=time.time() + 60) is None


def test_slurm_subruns_cancel_through_scancel(tmp_path: Path, monkeypatch) -> None:
    """Not-yet-started SLURM array tasks are listed and cancelled with submitit's SlurmJob.cancel."""
    calls = tmp_path / "scancel.calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "scancel").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "scancel").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    sweep_dir = tmp_path / "sweep"
    for job_id in ("4242_0", "4242_1", "4242_2"):
        folder = sweep_dir / ".submitit" / job_id
        folder.mkdir(parents=True)
        (folder / f"{job_id}_submitted.pkl").write_bytes(b"")
    with (sweep_dir / ".submitit" / "4242_2" / "4242_2_0_result.pkl").open("wb") as f:
        pickle.dump(("success", None), f)  # this task already ended

    overrides = ["hydra/launcher=submitit_slurm", "hydra.launcher.partition=gpu", "seed=1,2,3"]
    multirun = discover_multirun(sweep_dir, overrides, parent_status="running")
    assert multirun.launcher == SUBMITIT_SLURM
    assert [(s.index, s.job_id, s.overrides) for s in multirun.subruns] == [
        (0, "4242_0", ("seed=1",)),
        (1, "4242_1", ("seed=2",)),
        (2, "4242_2", ("seed=3",)),
    ]
    assert [s.status for s in multirun.subruns] == [
        "unknown",
        "unknown",
        "succeeded",
    ]  # no sacct here
    assert cancel_subruns(multirun) == ("4242_0", "4242_1")
    assert calls.read_text().split() == ["4242_0", "4242_1"]

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(MultirunError, match="cannot cancel SLURM job 4242_0"):
        cancel_subruns(multirun)
