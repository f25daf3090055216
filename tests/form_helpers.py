"""Helpers for the form tests: a fake recorded run with one checkpoint."""

from __future__ import annotations

import pytest
import yaml

from command_builder.cli import main
from command_builder.settings import Settings


def make_run(
    settings: Settings,
    name: str,
    *,
    architecture: str = "dbnet",
    encoder: str = "resnet18",
    decoder: str = "unet",
    head: str = "db_head",
    loss: str = "db_loss",
    data: str = "default",
) -> str:
    """outputs/<name> with .hydra/{config,hydra}.yaml and one checkpoint; returns its path."""
    run = settings.outputs_dir / name
    (run / ".hydra").mkdir(parents=True)
    (run / "checkpoints").mkdir()
    config = {
        "exp_name": name,
        "model": {
            "architecture_name": architecture,
            "component_overrides": {
                "encoder": {"model_name": encoder},
                "decoder": {"name": decoder},
                "head": {"name": head},
                "loss": {"name": loss},
            },
        },
    }
    (run / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config))
    choices = {"model/architectures": architecture, "data": data}
    (run / ".hydra" / "hydra.yaml").write_text(
        yaml.safe_dump({"hydra": {"runtime": {"choices": choices}}})
    )
    (run / "checkpoints" / "epoch=2-step=30.ckpt").write_bytes(b"x")
    return f"outputs/{name}/checkpoints/epoch=2-step=30.ckpt"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`command-builder ARGV` in-process: exit code (argparse's too), stdout, stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def recorded_run(
    settings: Settings,
    name: str,
    *,
    epoch: int = 2,
    values: dict[str, object] | None = None,
    **make: str,
) -> str:
    """make_run, plus dotted `values` in the run's config.yaml and a checkpoint of `epoch`."""
    path = make_run(settings, name, **make)
    run = settings.outputs_dir / name
    config_file = run / ".hydra" / "config.yaml"
    config = yaml.safe_load(config_file.read_text())
    for dotted, value in (values or {}).items():
        node = config
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    config_file.write_text(yaml.safe_dump(config))
    old = settings.root / path
    new = old.with_name(f"epoch={epoch}-step={10 * (epoch + 1)}.ckpt")
    old.rename(new)
    return new.relative_to(settings.root).as_posix()
