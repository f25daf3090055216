"""Launcher choice -> overrides that compose with every parameter in `hydra.launcher`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from command_builder.commands.launchers import (
    LauncherChoice,
    LauncherError,
    format_additional_parameters,
    launcher_overrides,
    parse_additional_parameters,
)
from command_builder.commands.overrides import HYDRA_LOCK
from command_builder.commands.validate import compose_check
from command_builder.settings import Settings

SLURM = {
    "partition": "gpu",
    "nodes": 2,
    "gpus_per_node": 4,
    "tasks_per_node": 4,
    "cpus_per_task": 8,
    "mem_gb": 64,
    "timeout_min": 120,
    "account": "ocr team",
    "qos": "high",
    "constraint": "a100|h100",
}
EXTRA = "mail-user=ocr@example.org\nmail_type=BEGIN,END\n# a comment\n\nexclusive\n"


def composed_launcher(settings: Settings, overrides: tuple[str, ...]) -> dict:
    """hydra.launcher as Hydra's compose API builds it (return_hydra_config=True)."""
    with HYDRA_LOCK, initialize_config_dir(config_dir=str(settings.configs_dir), version_base="1.3"):
        cfg = compose("train", overrides=list(overrides), return_hydra_config=True)
    launcher = OmegaConf.to_container(cfg.hydra.launcher, resolve=False)
    assert isinstance(launcher, dict)
    return launcher


def test_slurm_command_composes_with_every_parameter(demo_settings: Settings) -> None:
    extra = parse_additional_parameters(EXTRA)
    overrides = launcher_overrides(LauncherChoice("submitit_slurm", SLURM, extra))
    assert overrides[0] == "hydra/launcher=submitit_slurm"
    assert "hydra.launcher.partition=gpu" in overrides
    assert "+hydra.launcher.additional_parameters.mail-user=ocr@example.org" in overrides

    launcher = composed_launcher(demo_settings, overrides)
    assert launcher["_target_"].endswith("SlurmLauncher")
    for key, value in SLURM.items():
        assert launcher[key] == value, key
    assert launcher["additional_parameters"] == {
        "mail-user": "ocr@example.org", "mail_type": "BEGIN,END", "exclusive": True,
    }
    result = compose_check(demo_settings, "train", (*overrides, "trainer.max_epochs=1,2"), multirun=True)
    assert result.ok, result.issues
    assert result.config is not None and result.config["hydra"]["launcher"]["partition"] == "gpu"


def test_slurm_parameters_reach_sbatch(demo_settings: Settings, tmp_path: Path, monkeypatch) -> None:
    """What the plugin hands to submitit becomes #SBATCH lines (a stub srun lets submitit start)."""
    import submitit
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf

    (tmp_path / "bin").mkdir()
    srun = tmp_path / "bin" / "srun"
    srun.write_text("#!/bin/sh\nexit 0\n")
    srun.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")

    extra = parse_additional_parameters(EXTRA)
    launcher = composed_launcher(demo_settings, launcher_overrides(LauncherChoice("submitit_slurm", SLURM, extra)))
    # The mapping of BaseSubmititLauncher.launch(): shared keys as-is, the rest slurm_<key>.
    base = set(OmegaConf.structured(BaseQueueConf).keys())
    params = {
        k if k in base else f"slurm_{k}": v
        for k, v in launcher.items()
        if k not in {"_target_", "submitit_folder", "max_num_timeout"}
    }
    params["name"] = "train"
    executor = submitit.AutoExecutor(folder=tmp_path / "submitit" / "%j", cluster="slurm")
    executor.update_parameters(**params)
    script = executor._executor._make_submission_file_text("python runners/train.py", "uid")
    for line in [
        "#SBATCH --partition=gpu", "#SBATCH --nodes=2", "#SBATCH --gpus-per-node=4",
        "#SBATCH --ntasks-per-node=4", "#SBATCH --cpus-per-task=8", "#SBATCH --mem=64GB",
        "#SBATCH --time=120", "#SBATCH --account='ocr team'", "#SBATCH --qos=high",
        "#SBATCH --constraint='a100|h100'", "#SBATCH --mail-user=ocr@example.org",
        "#SBATCH --mail-type=BEGIN,END", "#SBATCH --exclusive",
    ]:
        assert line in script.splitlines(), line


def test_additional_parameters_must_be_appended(demo_settings: Settings) -> None:
    """Why `+`: the plugin's empty additional_parameters dict is in struct mode."""
    with pytest.raises(Exception, match="append"):
        composed_launcher(demo_settings, ("hydra/launcher=submitit_slurm", "hydra.launcher.additional_parameters.qos=x"))


def test_local_launchers() -> None:
    assert launcher_overrides(LauncherChoice()) == ()
    assert launcher_overrides(LauncherChoice("submitit_local", SLURM)) == ("hydra/launcher=submitit_local",)
    assert launcher_overrides(LauncherChoice("submitit_slurm", {"partition": "", "nodes": None})) == (
        "hydra/launcher=submitit_slurm",
    )


def test_submitit_local_composes(demo_settings: Settings) -> None:
    launcher = composed_launcher(demo_settings, launcher_overrides(LauncherChoice("submitit_local")))
    assert launcher["_target_"].endswith("LocalLauncher")


@pytest.mark.parametrize(
    ("choice", "key", "message"),
    [
        (LauncherChoice("kubernetes"), "launcher", "unknown launcher 'kubernetes'"),
        (LauncherChoice("submitit_slurm", {"nodes": 0}), "nodes", "positive whole number"),
        (LauncherChoice("submitit_slurm", {"mem_gb": "64"}), "mem_gb", "positive whole number"),
        (LauncherChoice("submitit_slurm", {"partition": 3}), "partition", "must be text"),
        (LauncherChoice("submitit_slurm", {"gres": "gpu:1"}), "gres", "not a SLURM parameter"),
        (LauncherChoice("submitit_slurm", {}, {"bad key": "x"}), "additional_parameters", "not an sbatch option"),
    ],
)
def test_launcher_errors(choice: LauncherChoice, key: str, message: str) -> None:
    with pytest.raises(LauncherError) as caught:
        launcher_overrides(choice)
    assert caught.value.key == key and message in caught.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mail-user=a\nmail-user=b", "line 2: mail-user is given twice"),
        ("=x", "line 1: '=x' is not key=value"),
        ("two words=x", "is not key=value"),
    ],
)
def test_additional_parameters_errors(text: str, message: str) -> None:
    with pytest.raises(LauncherError) as caught:
        parse_additional_parameters(text)
    assert message in caught.value.message


def test_additional_parameters_round_trip() -> None:
    parsed = parse_additional_parameters(EXTRA + "--requeue\n")
    assert parsed == {"mail-user": "ocr@example.org", "mail_type": "BEGIN,END", "exclusive": True, "requeue": True}
    assert parse_additional_parameters(format_additional_parameters(parsed)) == parsed
