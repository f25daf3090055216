"""`command-builder run` starts nothing Hydra does not compose (the rule of the app's Run)."""

from __future__ import annotations

import pytest

from command_builder.cli import main
from command_builder.jobs import JobStore
from command_builder.settings import Settings


def test_run_refuses_a_command_hydra_does_not_compose(
    demo_settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    trainer = demo_settings.configs_dir / "trainer" / "default.yaml"
    text = trainer.read_text(encoding="utf-8")
    trainer.write_text(text.replace("max_epochs: 10\n", ""), encoding="utf-8")  # form still sets it
    code = main(
        ["run", "train", "--set", "exp_name=x", "--set", "max_epochs=2"]
        + ["--workspace", str(demo_settings.root)]
    )
    err = capfd.readouterr().err
    assert code == 1
    assert "Hydra does not compose this command" in err and "trainer.max_epochs=2" in err
    assert JobStore(demo_settings).list() == []
