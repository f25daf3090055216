"""Launcher fields -> overrides that compose with every parameter in `hydra.launcher`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from command_builder.commands.launchers import (
    LauncherError,
    format_additional_parameters,
    parse_additional_parameters,
)
from command_builder.commands.overrides import HYDRA_LOCK
from command_builder.commands.validate import compose_check
from command_builder.form import (
    BuiltCommand,
    apply_change,
    build_view,
    initial_state,
)
from command_builder.service import command_of, page_context, state_from_command
from command_builder.settings import Settings

SLURM = {
    "slurm_partition": ("partition", "gpu"),
    "slurm_nodes": ("nodes", 2),
    "slurm_gpus_per_node": ("gpus_per_node", 4),
    "slurm_tasks_per_node": ("tasks_per_node", 4),
    "slurm_cpus_per_task": ("cpus_per_task", 8),
    "slurm_mem_gb": ("mem_gb", 64),
    "slurm_timeout_min": ("timeout_min", 120),
    "slurm_account": ("account", "ocr team"),
    "slurm_qos": ("qos", "high"),
    "slurm_constraint": ("constraint", "a100|h100"),
}
EXTRA = "mail-user=ocr@example.org\nmail_type=BEGIN,END\n# a comment\n\nexclusive"
EXTRA_DICT = {"mail-user": "ocr@example.org", "mail_type": "BEGIN,END", "exclusive": True}


def build(settings: Settings, page: str, values: dict[str, object]) -> BuiltCommand:
    context = page_context(settings, page)
    state = initial_state(context.schema, context.catalog)
    for key, value in values.items():
        state = apply_change(context.schema, context.catalog, state, key, value)
    return command_of(settings, build_view(context.schema, context.catalog, context.index, state))


def slurm_values() -> dict[str, object]:
    values: dict[str, object] = {"exp_name": "cluster", "launcher": "submitit_slurm"}
    values.update({key: value for key, (_, value) in SLURM.items()})
    values["slurm_additional_parameters"] = EXTRA
    return values


def composed_launcher(settings: Settings, overrides: tuple[str, ...]) -> dict:
    """hydra.launcher as Hydra's compose API builds it (return_hydra_config=True)."""
    with (
        HYDRA_LOCK,
        initialize_config_dir(config_dir=str(settings.configs_dir), version_base="1.3"),
    ):
        cfg = compose("train", overrides=list(overrides), return_hydra_config=True)
    launcher = OmegaConf.to_container(cfg.hydra.launcher, resolve=False)
    assert isinstance(launcher, dict)
    return launcher


def test_slurm_command_composes_with_every_parameter(read_only_demo: Settings) -> None:
    built = build(read_only_demo, "train", slurm_values())
    assert not built.errors, built.errors
    assert "hydra/launcher=submitit_slurm" in built.overrides
    assert "hydra.launcher.partition=gpu" in built.overrides
    assert (
        "++hydra.launcher.additional_parameters="
        '{mail-user:ocr@example.org,mail_type:"BEGIN,END",exclusive:true}'
    ) in built.overrides

    launcher = composed_launcher(read_only_demo, built.overrides)
    assert launcher["_target_"].endswith("SlurmLauncher")
    for _, (param, value) in SLURM.items():
        assert launcher[param] == value, param
    assert launcher["additional_parameters"] == EXTRA_DICT

    result = compose_check(read_only_demo, "train", built.overrides)
    assert result.ok, result.issues
    assert result.config is not None and result.config["hydra"]["launcher"]["partition"] == "gpu"


def test_slurm_fields_round_trip_through_a_pasted_command(read_only_demo: Settings) -> None:
    built = build(read_only_demo, "train", slurm_values())
    back = state_from_command(read_only_demo, "train", built.command)
    assert back.extra_overrides == ()
    assert back.values["launcher"] == "submitit_slurm"
    assert back.values["slurm_mem_gb"] == 64
    assert parse_additional_parameters(back.values["slurm_additional_parameters"]) == EXTRA_DICT


def test_slurm_parameters_reach_sbatch(
    read_only_demo: Settings, tmp_path: Path, monkeypatch
) -> None:
    """What the plugin hands to submitit becomes #SBATCH lines (a stub srun lets submitit start)."""
    import submitit
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf

    (tmp_path / "bin").mkdir()
    srun = tmp_path / "bin" / "srun"
    srun.write_text("#!/bin/sh\nexit 0\n")
    srun.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")

    launcher = composed_launcher(
        read_only_demo, build(read_only_demo, "train", slurm_values()).overrides
    )
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
        "#SBATCH --partition=gpu",
        "#SBATCH --nodes=2",
        "#SBATCH --gpus-per-node=4",
        "#SBATCH --ntasks-per-node=4",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH --mem=64GB",
        "#SBATCH --time=120",
        "#SBATCH --account='ocr team'",
        "#SBATCH --qos=high",
        "#SBATCH --constraint='a100|h100'",
        "#SBATCH --mail-user=ocr@example.org",
        "#SBATCH --mail-type=BEGIN,END",
        "#SBATCH --exclusive",
    ]:
        assert line in script.splitlines(), line


def test_additional_parameters_cannot_be_assigned_plainly(read_only_demo: Settings) -> None:
    """Why the form writes `++...={...}`: the plugin's empty dict is in struct mode."""
    with pytest.raises(Exception, match="append"):
        composed_launcher(
            read_only_demo,
            ("hydra/launcher=submitit_slurm", "hydra.launcher.additional_parameters.qos=x"),
        )


@pytest.mark.parametrize("page", ["train", "test", "predict"])
def test_local_launchers(read_only_demo: Settings, page: str) -> None:
    values = {"launcher": "submitit_local", "slurm_partition": "ignored"}
    built = build(read_only_demo, page, values)
    assert "hydra/launcher=submitit_local" in built.overrides
    assert not any(o.startswith("hydra.launcher.") for o in built.overrides)  # SLURM fields hidden
    assert not any(
        o.startswith("hydra/launcher") for o in build(read_only_demo, page, {}).overrides
    )
    context = page_context(read_only_demo, page)
    view = build_view(
        context.schema,
        context.catalog,
        context.index,
        initial_state(context.schema, context.catalog),
    )
    assert view.field("launcher").option_labels["basic"] == "Local (plain process)"


def test_slurm_field_errors(read_only_demo: Settings) -> None:
    values = slurm_values() | {
        "slurm_nodes": 0,
        "slurm_additional_parameters": "mail-user=a\nmail-user=b",
    }
    built = build(read_only_demo, "train", values)
    assert built.field_errors["slurm_nodes"] == "Nodes: must be at least 1"
    assert built.field_errors["slurm_additional_parameters"] == (
        "Additional sbatch parameters: line 2: mail-user is given twice"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mail-user=a\nmail-user=b", "line 2: mail-user is given twice"),
        ("=x", "line 1: '=x' is not key=value"),
        ("two words=x", "is not key=value"),
        ("true=1", "is not key=value"),
    ],
)
def test_additional_parameters_errors(text: str, message: str) -> None:
    with pytest.raises(LauncherError) as caught:
        parse_additional_parameters(text)
    assert message in caught.value.message


def test_additional_parameters_round_trip() -> None:
    parsed = parse_additional_parameters(EXTRA + "\n--requeue\n")
    assert parsed == EXTRA_DICT | {"requeue": True}
    assert parse_additional_parameters(format_additional_parameters(parsed)) == parsed
