"""The app's Run on a hostile shared link: the gate refuses it, nothing is recorded or run."""

from __future__ import annotations

import json

import pytest

from command_builder.jobs import JobStore
from command_builder.settings import Settings
from ui_apptest import FormField, light_notes, open_app, settle

SIDE = "/tmp/command-builder-gate-ui-pwned"


@pytest.mark.parametrize(
    "extra",
    [
        f"++hydra={{callbacks:{{x:{{_target_:logging.FileHandler,filename:{SIDE}}}}}}}",
        "++hydra.job={env_set:{X:1}}",
        "hydra.run.dir=/outside",
        "++checkpoint_path=/etc/passwd",
    ],
)
def test_run_on_a_hostile_link_is_refused(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch, extra: str
) -> None:
    query = {"exp_name": "a", "_extra": json.dumps([extra])}
    at = settle(open_app(monkeypatch, demo_settings, query=query))  # Run waits for the check
    assert not at.exception
    FormField(at, "train.ui.run").click()
    assert not at.exception
    shown = " ".join(light_notes(at, "error"))
    assert "Not started: refused to run this command" in shown and extra in shown
    assert JobStore(demo_settings).list(10) == []
