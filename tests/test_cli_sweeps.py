"""`command-builder build|validate` with sweeps and launcher fields."""

from __future__ import annotations

import json

import pytest

from command_builder.settings import Settings
from form_helpers import run_cli


@pytest.mark.slow  # seconds of real Hydra composes; not in `make test-fast`
def test_build_with_sweeps(read_only_demo: Settings, capsys) -> None:
    code, out, err = run_cli(
        capsys,
        "build",
        "train",
        "--workspace",
        str(read_only_demo.root),
        "--set",
        "exp_name=x",
        "--sweep",
        "learning_rate=1e-3,5e-4",
        "--sweep",
        "max_epochs=range(10,40,10)",
        "--json",
    )
    payload = json.loads(out)
    assert code == 0, err
    assert payload["run_count"] == 6 and payload["multirun"] and not payload["needs_confirmation"]
    assert payload["argv"][2] == "--multirun"
    assert "model.optimizer.lr=0.001,0.0005" in payload["overrides"]
    assert "trainer.max_epochs=range(10,40,10)" in payload["overrides"]

    code, _, err = run_cli(
        capsys,
        "build",
        "train",
        "--workspace",
        str(read_only_demo.root),
        "--set",
        "exp_name=x",
        "--sweep",
        "seed=range(0,100)",
    )
    assert code == 0 and "sweep: 100 runs" in err


def test_malformed_range_is_a_field_error(read_only_demo: Settings, capsys) -> None:
    code, _, err = run_cli(
        capsys,
        "build",
        "train",
        "--workspace",
        str(read_only_demo.root),
        "--set",
        "exp_name=x",
        "--sweep",
        "max_epochs=range(10,40",
    )
    assert code == 1
    assert "Max epochs: malformed range 'range(10,40': write range(start, stop, step)" in err


def test_sweep_of_a_field_that_cannot_is_a_usage_error(read_only_demo: Settings, capsys) -> None:
    code, _, err = run_cli(
        capsys, "build", "train", "--workspace", str(read_only_demo.root), "--sweep", "exp_name=a,b"
    )
    assert code == 2 and "'exp_name' cannot sweep; fields that can: encoder" in err


def test_build_slurm_command(read_only_demo: Settings, capsys) -> None:
    code, out, err = run_cli(
        capsys,
        "build",
        "train",
        "--workspace",
        str(read_only_demo.root),
        "--set",
        "exp_name=x",
        "--set",
        "launcher=submitit_slurm",
        "--set",
        "slurm_partition=gpu",
        "--set",
        "slurm_gpus_per_node=4",
        "--set",
        "slurm_additional_parameters=exclusive",
        "--json",
    )
    payload = json.loads(out)
    assert code == 0, err
    assert payload["overrides"][-4:] == [
        "hydra/launcher=submitit_slurm",
        "hydra.launcher.partition=gpu",
        "hydra.launcher.gpus_per_node=4",
        "++hydra.launcher.additional_parameters={exclusive:true}",
    ]


def test_validate_checks_each_swept_value(read_only_demo: Settings, capsys) -> None:
    command = "python runners/train.py -m exp_name=x batch_size=8,2000"
    code, out, _ = run_cli(capsys, "validate", command, "--workspace", str(read_only_demo.root))
    assert code == 1
    assert "[batch_size]: Batch size: 2000: must be between 1 and 1024" in out
