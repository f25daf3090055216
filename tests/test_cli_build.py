"""`command-builder build` / `validate`: exit codes, JSON shape, messages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from command_builder.settings import Settings
from form_helpers import make_run, run_cli


def test_build_prints_the_command(read_only_demo: Settings, capsys) -> None:
    code, out, err = run_cli(
        capsys,
        "build",
        "train",
        "--workspace",
        str(read_only_demo.root),
        "--set",
        "exp_name=my run",
        "--set",
        "architecture=dbnet",
        "--set",
        "batch_size=8",
        "--set",
        "precision=bf16-mixed",
    )
    assert code == 0, err
    assert "runners/train.py" in out and "'exp_name=\"my run\"'" in out
    assert "batch_size=8" in out and "trainer.precision=bf16-mixed" in out


def test_build_json_shape(read_only_demo: Settings, capsys) -> None:
    code, out, _ = run_cli(
        capsys,
        "build",
        "train",
        "--workspace",
        str(read_only_demo.root),
        "--set",
        "exp_name=x",
        "--json",
    )
    payload = json.loads(out)
    assert code == 0
    assert isinstance(payload["argv"], list) and isinstance(payload["command"], str)
    assert payload["overrides"][0] == "exp_name=x"
    assert payload["errors"] == [] and payload["warnings"] == []


def test_validation_errors_exit_1(read_only_demo: Settings, capsys) -> None:
    code, out, _ = run_cli(
        capsys, "build", "predict", "--workspace", str(read_only_demo.root), "--json"
    )
    assert code == 1 and json.loads(out)["errors"] == ["Checkpoint: required"]
    code, _, err = run_cli(
        capsys,
        "build",
        "train",
        "--workspace",
        str(read_only_demo.root),
        "--set",
        "exp_name=x",
        "--set",
        "architecture=dbnet",
        "--set",
        "learning_rate=5",
    )
    assert code == 1 and "Learning rate" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--set", "nope=1"], "valid keys: exp_name"),
        (["--set", "batch_size=eight"], "whole number"),
        (["--set", "use_wandb=maybe"], "true or false"),
        (["--set", "component_summary=x"], "unknown key"),
        (["--from-command", "python runners/train.py 'exp_name=x"], "unbalanced quotes"),
        (["--from-command", "python runners/test.py"], "not the train runner"),
    ],
)
def test_usage_errors_exit_2(
    read_only_demo: Settings, capsys, args: list[str], needle: str
) -> None:
    code, _, err = run_cli(capsys, "build", "train", "--workspace", str(read_only_demo.root), *args)
    assert code == 2 and needle in err


def test_bad_page_and_workspace_exit_2(tmp_path, capsys) -> None:
    assert run_cli(capsys, "build", "nope")[0] == 2
    code, _, err = run_cli(capsys, "build", "train", "--workspace", str(tmp_path))
    assert code == 2 and "not a workspace" in err


def test_from_command_then_set(read_only_demo: Settings, capsys) -> None:
    code, out, _ = run_cli(
        capsys,
        "build",
        "train",
        "--workspace",
        str(read_only_demo.root),
        "--json",
        "--from-command",
        "python runners/train.py exp_name=a model/architectures=craft +x.y=1",
        "--set",
        "seed=5",
    )
    payload = json.loads(out)
    overrides = payload["overrides"]
    assert overrides[:2] == ["exp_name=a", "model/architectures=craft"]
    assert "seed=5" in overrides and overrides[-1] == "+x.y=1"
    # another architecture: the components it does not name follow it (what its preset builds)
    assert "model.component_overrides.decoder.name=craft_decoder" in overrides
    assert code == 0 and payload["errors"] == []  # `+` adds a new key: Hydra accepts it


def test_set_checkpoint_fills_components(demo_settings: Settings, capsys) -> None:
    path = make_run(
        demo_settings,
        "r1",
        architecture="dbnetpp",
        encoder="resnet50",
        decoder="dbpp_decoder",
        head="dbpp_head",
    )
    code, out, err = run_cli(
        capsys,
        "build",
        "test",
        "--workspace",
        str(demo_settings.root),
        "--set",
        f"checkpoint={path}",
        "--json",
    )
    payload = json.loads(out)
    assert code == 0, payload
    assert "model/architectures=dbnetpp" in payload["overrides"]
    assert "model.component_overrides.head.name=dbpp_head" in payload["overrides"]


def test_validate_reports_per_override(read_only_demo: Settings, capsys) -> None:
    command = (
        "python runners/train.py exp_name=x model/architectures=nope "
        "model.optimizer.lr=abc trainer.nokey=1"
    )
    code, out, _ = run_cli(
        capsys, "validate", command, "--workspace", str(read_only_demo.root), "--json"
    )
    payload = json.loads(out)
    assert code == 1 and payload["page"] == "train" and not payload["ok"]
    by_override = {i["override"]: i for i in payload["issues"]}
    assert by_override["model.optimizer.lr=abc"]["field"] == "learning_rate"
    assert by_override["model/architectures=nope"]["field"] == "architecture"
    assert any(i["override"] == "trainer.nokey=1" and i["field"] is None for i in payload["issues"])


def test_validate_ok_and_malformed(read_only_demo: Settings, capsys) -> None:
    root = str(read_only_demo.root)
    code, out, _ = run_cli(
        capsys, "validate", "python runners/test.py checkpoint_path=x.ckpt", "--workspace", root
    )
    assert code == 1 and "does not exist" in out  # the form's checkpoint check
    code, out, _ = run_cli(
        capsys, "validate", "python runners/train.py seed=3", "--workspace", root
    )
    assert code == 0 and "composes" in out
    code, out, _ = run_cli(
        capsys, "validate", "python runners/train.py 'seed=3", "--workspace", root
    )
    assert code == 1 and "unbalanced quotes" in out


@pytest.mark.slow
def test_real_subprocess(demo_settings: Settings) -> None:
    cli = [
        sys.executable,
        "-c",
        "import sys; from command_builder.cli import main; sys.exit(main())",
    ]
    result = subprocess.run(
        [
            *cli,
            "build",
            "train",
            "--workspace",
            str(demo_settings.root),
            "--set",
            "exp_name=sub",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["overrides"][0] == "exp_name=sub"
    bad = subprocess.run(
        [*cli, "build", "train", "--workspace", str(demo_settings.root), "--set", "bogus=1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2 and "valid keys" in bad.stderr
