"""AppTest: Run starts exactly the command shown, and only once Hydra's check of it passed."""

from __future__ import annotations

import shlex
import threading

import pytest
from streamlit.testing.v1 import AppTest

from command_builder import service
from command_builder.jobs import get_job
from command_builder.settings import Settings
from command_builder.ui import compose_panel
from command_builder.ui.command_panel import quoting_fix
from ui_apptest import FormField, command, light_notes, open_app, settle, switch_on, texts

RUN = "train.ui.run"
TEXT = "train.ui.command_text"


def edit(at: AppTest, text: str) -> AppTest:
    """Type `text` into the command editor and apply it (Ctrl+Enter), then let Hydra check."""
    if "train.ui.edit" not in at.session_state or at.session_state["train.ui.edit"] is not True:
        switch_on(at, "train.ui.edit")
    at.text_area(key=TEXT).input(text).run()
    return settle(at)


def reason(at: AppTest) -> str:
    """Run's status line (why it is disabled, or that it may start)."""
    return " ".join(n for tone in ("muted", "success") for n in light_notes(at, tone))


def test_unreadable_then_refused_then_valid_runs_the_displayed_argv(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = settle(open_app(monkeypatch, demo_settings))
    at = edit(at, "python runners/train.py exp_name=fixed_name trainer.max_epochs=2")
    assert not FormField(at, RUN).disabled

    at = edit(at, """python runners/train.py exp_name="it's edited" trainer.max_epochs=3""")
    assert FormField(at, RUN).disabled  # the editor does not hold the command shown
    assert "editor holds another text" in reason(at)
    error = " ".join(texts(at.error))
    assert "Cannot read this command" in error
    assert """'exp_name="it'"'"'s edited"'""" in error  # the fix, as one shell word

    at = edit(at, "python runners/train.py exp_name=x model.optimizer.lrr=1")
    assert FormField(at, RUN).disabled
    assert "Hydra does not compose this command" in reason(at)

    at = edit(at, "python runners/train.py exp_name=valid_one trainer.max_epochs=1")
    assert not FormField(at, RUN).disabled
    shown = command(at)
    FormField(at, RUN).click()
    job_id = at.session_state["train.ui.last_job"]
    assert isinstance(job_id, int), job_id
    job = get_job(demo_settings, job_id)
    assert job is not None and list(job.argv) == shlex.split(shown)  # byte for byte


def test_the_quoting_fix_is_what_hydra_reads_as_meant(demo_settings: Settings) -> None:
    fix = quoting_fix("""python runners/train.py exp_name="it's edited" trainer.max_epochs=3""")
    assert fix == """'exp_name="it'"'"'s edited"'"""
    state = service.state_from_command(demo_settings, "train", f"python runners/train.py {fix}")
    assert state.values["exp_name"] == "it's edited"


def test_run_stays_disabled_until_the_check_of_the_shown_command_passed(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    """The check is held back (the executor is busy with a fixture task): the edit's page
    run still ends, Run says it waits for Hydra, and enables once the check is in."""
    at = settle(open_app(monkeypatch, demo_settings, query={"exp_name": "first"}))
    assert not FormField(at, RUN).disabled
    release = threading.Event()
    compose_panel._executor.submit(release.wait, 60)
    try:
        FormField(at, "train.field.exp_name").input("second")
        assert FormField(at, RUN).disabled
        assert compose_panel.PENDING in reason(at)
    finally:
        release.set()
    at = settle(at)
    assert not FormField(at, RUN).disabled
    assert "exp_name=second" in command(at)
