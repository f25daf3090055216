"""A multirun is one job with sub-runs: `run --sweep`, `jobs show`, `jobs logs --subrun`, cancel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from command_builder.cli import main
from command_builder.commands.command_line import build_argv
from command_builder.jobs import cancel_job, get_job, job_multirun, submit_job
from command_builder.settings import Settings
from jobs_helpers import alive, children, wait_for, wait_status
from ui_apptest import light_table, texts

pytestmark = pytest.mark.slow


def cli(capfd: pytest.CaptureFixture[str], settings: Settings, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--workspace", str(settings.root)])
    out, err = capfd.readouterr()
    return code, out, err


def test_two_value_sweep_through_submitit_local(demo_settings: Settings, capfd) -> None:
    code, out, err = cli(
        capfd,
        demo_settings,
        "run",
        "train",
        "--set",
        "exp_name=sweep",
        "--set",
        "launcher=submitit_local",
        "--sweep",
        "max_epochs=1,2",
    )
    assert code == 0, err
    job_id = int(out.strip())
    job = wait_status(demo_settings, job_id, "succeeded", "failed", timeout=120)
    assert job.status == "succeeded", Path(job.log_path).read_text()
    assert "--multirun" in job.argv and job.run_dir == "outputs"  # the demo sweeps into outputs/

    multirun = job_multirun(demo_settings, get_job(demo_settings, job_id))
    assert multirun is not None and multirun.launcher == "submitit_local"
    assert [(s.index, s.status) for s in multirun.subruns] == [(0, "succeeded"), (1, "succeeded")]
    for subrun, epochs in zip(multirun.subruns, (1, 2), strict=True):
        assert f"trainer.max_epochs={epochs}" in subrun.overrides
        assert f"Epoch {epochs}/{epochs}" in subrun.logs[0].read_text()

    code, out, _ = cli(capfd, demo_settings, "jobs", "show", str(job_id))
    assert code == 0 and "sub-runs: 2 (submitit_local launcher)" in out
    assert "#0: succeeded" in out and "#1: succeeded" in out and "_0_log.out" in out
    code, out, _ = cli(capfd, demo_settings, "jobs", "show", str(job_id), "--json")
    subruns = json.loads(out)["subruns"]
    assert [s["status"] for s in subruns] == ["succeeded", "succeeded"]
    assert all(s["logs"][0].endswith("_0_log.out") for s in subruns)

    code, out, _ = cli(capfd, demo_settings, "jobs", "logs", str(job_id), "--subrun", "1")
    assert code == 0 and "Epoch 2/2" in out
    code, out, err = cli(
        capfd, demo_settings, "jobs", "logs", str(job_id), "--subrun", "1", "--follow"
    )
    assert code == 0 and "Epoch 2/2" in out and f"job {job_id} succeeded" in err  # followed
    code, _, err = cli(capfd, demo_settings, "jobs", "logs", str(job_id), "--subrun", "5")
    assert code == 1 and "has no sub-run 5" in err


def test_a_sweep_above_the_threshold_needs_yes(demo_settings: Settings, capfd) -> None:
    code, out, err = cli(
        capfd, demo_settings, "run", "train", "--set", "exp_name=big", "--sweep", "seed=range(0,17)"
    )
    assert code == 1 and out == ""
    assert "this sweep makes 17 runs, more than 16; add --yes" in err
    code, _, err = cli(
        capfd,
        demo_settings,
        "run",
        "train",
        "--set",
        "exp_name=big",
        "--sweep",
        "max_epochs=range(1,",
    )
    assert code == 1 and "Max epochs: malformed range" in err
    code, _, err = cli(capfd, demo_settings, "run", "train", "--sweep", "exp_name=a,b")
    assert code == 2 and "cannot sweep" in err


def test_cancelling_a_sweep_job_cancels_every_subrun(demo_settings: Settings, capfd) -> None:
    code, out, err = cli(
        capfd,
        demo_settings,
        "run",
        "train",
        "--set",
        "exp_name=long",
        "--set",
        "launcher=submitit_local",
        "--set",
        "max_epochs=500",
        "--sweep",
        "seed=1,2",
    )
    assert code == 0, err
    job_id = int(out.strip())

    def running():
        found = job_multirun(demo_settings, get_job(demo_settings, job_id))
        return (
            found if found and [s.status for s in found.subruns] == ["running", "running"] else None
        )

    multirun = wait_for(running, timeout=60, interval=0.2)
    controllers = [int(s.job_id) for s in multirun.subruns if s.job_id]
    tasks = [child for pid in controllers for child in children(pid)]
    assert len(controllers) == 2 and len(tasks) == 2

    cancel_job(demo_settings, job_id)
    job = wait_status(demo_settings, job_id, "cancelled", timeout=30)
    wait_for(lambda: not any(map(alive, controllers + tasks)), timeout=15)
    assert "cancelled sub-runs (submitit jobs" in Path(job.log_path).read_text()
    after = job_multirun(demo_settings, job)
    assert [s.status for s in after.subruns] == ["cancelled", "cancelled"]


def jobs_app(root: str) -> None:
    """The Jobs page, plus stand-ins for the builder pages "Open in builder" switches to."""
    import streamlit as st

    from command_builder.settings import load_settings
    from command_builder.ui import jobs_page

    settings = load_settings(root)
    pages = [
        st.Page(lambda: jobs_page.render(settings), title="Jobs", url_path="jobs", default=True)
    ]
    pages += [
        st.Page(lambda name=name: st.title(name.title()), title=name.title(), url_path=name)
        for name in ("train", "test", "predict")
    ]
    st.navigation(pages).run()


def test_jobs_page_lists_subruns_with_their_logs(demo_settings: Settings) -> None:
    from streamlit.testing.v1 import AppTest

    overrides = [
        "exp_name=page",
        "hydra/launcher=submitit_local",
        "trainer.max_epochs=1,2",
        "demo.epoch_seconds=0.05",
    ]
    job_id = submit_job(
        demo_settings, "train", build_argv(demo_settings, "train", overrides, multirun=True), {}
    )
    assert (
        wait_status(demo_settings, job_id, "succeeded", "failed", timeout=120).status == "succeeded"
    )

    at = AppTest.from_function(jobs_app, args=(str(demo_settings.root),), default_timeout=30).run()
    assert not at.exception
    assert any("**Sub-runs** · 2 · submitit_local launcher" in m for m in texts(at.markdown))
    subruns = light_table(at, "jobs_subruns")
    assert [row["#"] for row in subruns] == ["0", "1"]
    assert [row["Status"] for row in subruns] == ["succeeded", "succeeded"]
    assert "trainer.max_epochs=2" in subruns[1]["Overrides"]
    assert not at.dataframe  # no pandas, no canvas grid (ui/light.py table)
    assert "Epoch 1/1" in at.code[1].value  # sub-run #0's stdout (submitit's log)
    at.selectbox(key="jobs_subrun").select(1).run()
    assert "Epoch 2/2" in at.code[1].value
    at.button(key="jobs_open").click().run()  # the builder gets the sweep back, not one value
    assert "trainer.max_epochs=1,2" in at.session_state["pending_form_load"]["command"]
