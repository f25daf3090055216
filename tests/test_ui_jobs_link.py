"""AppTest: the Run button (a real background job) and the Jobs page's "Open in builder"."""

from __future__ import annotations

import time

import pytest

from command_builder.commands.command_line import build_argv, display_command
from command_builder.jobs import get_job
from command_builder.settings import Settings
from ui_apptest import FormField, command, open_app, settle


def test_run_is_disabled_while_the_form_has_errors(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = open_app(monkeypatch, demo_settings, page="test")  # no checkpoint chosen yet
    assert FormField(at, "test.ui.run").disabled


def test_run_starts_a_job_and_links_to_it(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = open_app(monkeypatch, demo_settings, query={"exp_name": "from_ui", "max_epochs": "1"})
    at = settle(at)
    assert not FormField(at, "train.ui.run").disabled
    FormField(at, "train.ui.run").click()
    job_id = at.session_state["train.ui.last_job"]
    assert isinstance(job_id, int)
    job = get_job(demo_settings, job_id)
    assert job is not None and job.page == "train"
    assert " ".join(job.argv) == command(at)
    assert job.form_values["exp_name"] == "from_ui"
    deadline = time.monotonic() + 60
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.2)
        job = get_job(demo_settings, job_id)
    assert job.status == "succeeded", job


def test_open_in_builder_restores_a_jobs_exact_command(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    """Sweeps and overrides the form has no field for come back too: the command is the truth."""
    at = open_app(monkeypatch, demo_settings, page="test")
    argv = build_argv(
        demo_settings,
        "train",
        (
            "exp_name=again",
            "model/architectures=craft",
            "trainer.max_epochs=range(1,4)",
            "+trainer.deterministic=true",
        ),
        multirun=True,
    )
    at.session_state["pending_form_load"] = {
        "page": "train",
        "command": display_command(argv),
        "values": {"exp_name": "again"},
    }
    at.session_state["test_page"] = "train"
    at.run()
    assert FormField(at, "train.field.exp_name").value == "again"
    assert "model/architectures=craft" in command(at)
    assert "--multirun" in command(at) and "trainer.max_epochs=range(1,4,1)" in command(at)
    assert command(at).endswith("+trainer.deterministic=true")


def test_open_in_builder_falls_back_to_the_recorded_values(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    """A command that no longer parses (another runner prefix, say) still restores the fields."""
    at = open_app(monkeypatch, demo_settings, page="test")
    at.session_state["pending_form_load"] = {
        "page": "train",
        "command": "python 'unbalanced",
        "values": {"exp_name": "again", "architecture": "craft", "max_epochs": 3},
    }
    at.session_state["test_page"] = "train"
    at.run()
    assert FormField(at, "train.field.exp_name").value == "again"
    assert "model/architectures=craft" in command(at)
    assert "model.component_overrides.encoder.model_name=vgg16_bn" in command(
        at
    )  # untouched: the metadata default
    assert "trainer.max_epochs=3" in command(at)
