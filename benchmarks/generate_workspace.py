"""Generate a large workspace for the benchmarks: the demo configs plus synthetic ones.

    python benchmarks/generate_workspace.py OUT --configs 2000 --runs 1000 --checkpoints 5

Also importable: ``generate_workspace(out, configs=300, runs=0)`` (the page-switch
benchmark reuses it). Synthetic config files go to their own groups
(``bench/gNN`` and nested ``bench/gNN/variants``) so the demo's groups and forms
stay as they are. Runs are ``outputs/run_NNNN`` with a Hydra-like ``.hydra/``
folder and ``checkpoints/epoch=E-step=S.ckpt``; their mtimes increase with the
run number so "newest first" is well defined.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from command_builder.settings import copy_demo_workspace

GROUPS = 40
ARCHITECTURES = ("dbnet", "dbnetpp", "craft")
ENCODERS = ("resnet18", "resnet34", "resnet50", "mobilenetv3_small_050")
OPTIMIZERS = ("adam", "adamw", "sgd")
BASE_TIME = 1_700_000_000  # a fixed epoch second: runs get reproducible mtimes
STEPS_PER_EPOCH = 40


def _config_text(index: int) -> str:
    return (
        f"# synthetic config {index}\n"
        f"name: option_{index:05d}\n"
        f"enabled: {str(index % 2 == 0).lower()}\n"
        f"scale: {1.0 + index / 1000:.3f}\n"
        "params:\n"
        f"  size: [{640 + index % 64}, {640 + index % 32}]\n"
        f"  threshold: {0.1 + (index % 9) / 10:.2f}\n"
        "  mode: bilinear\n"
        "  steps:\n"
        "    - {name: resize, p: 1.0}\n"
        "    - {name: normalize, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}\n"
        f'notes: "generated file number {index} for the catalog benchmark"\n'
    )


def _run_config_text(run: int) -> str:
    arch = ARCHITECTURES[run % len(ARCHITECTURES)]
    return (
        f"exp_name: bench_{run:04d}\n"
        f"seed: {run}\n"
        "model:\n"
        f"  architecture_name: {arch}\n"
        "  encoder:\n"
        f"    model_name: {ENCODERS[run % len(ENCODERS)]}\n"
        "    pretrained: true\n"
        "  component_overrides:\n"
        "    decoder: {name: unet}\n"
        "    head: {name: db_head}\n"
        "    loss: {name: db_loss}\n"
        "  optimizer:\n"
        f"    name: {OPTIMIZERS[run % len(OPTIMIZERS)]}\n"
        f"    lr: {0.001 * (1 + run % 5)}\n"
        "    weight_decay: 0.0001\n"
        "data:\n"
        "  name: default\n"
        "  image_size: [640, 640]\n"
        "dataloaders:\n"
        "  train_dataloader: {batch_size: 8, num_workers: 4}\n"
        "  val_dataloader: {batch_size: 8, num_workers: 4}\n"
        "trainer:\n"
        "  max_epochs: 10\n"
        "  precision: 32\n"
        "  accumulate_grad_batches: 1\n"
        "  gradient_clip_val: null\n"
        "logger:\n"
        "  wandb: {enabled: false, project: ocr}\n"
    )


def _hydra_text(run: int) -> str:
    return (
        "hydra:\n"
        "  mode: RUN\n"
        "  runtime:\n"
        "    version: 1.3.2\n"
        f"    output_dir: outputs/run_{run:04d}\n"
        "    choices:\n"
        f"      model/architectures: {ARCHITECTURES[run % len(ARCHITECTURES)]}\n"
        f"      model/optimizers: {OPTIMIZERS[run % len(OPTIMIZERS)]}\n"
        "      data: default\n"
        "      trainer: default\n"
        "      hydra/launcher: basic\n"
    )


def add_configs(out: Path, count: int, start: int = 0) -> None:
    """Write `count` synthetic config files spread over GROUPS groups (a third nested)."""
    for i in range(start, start + count):
        group = f"bench/g{i % GROUPS:02d}" + ("/variants" if i % 3 == 0 else "")
        folder = out / "configs" / group
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"option_{i:05d}.yaml").write_text(_config_text(i), encoding="utf-8")


def add_run(out: Path, run: int, checkpoints: int) -> Path:
    """Write one run folder like Hydra + Lightning leave it; returns the run folder."""
    run_dir = out / "outputs" / f"run_{run:04d}"
    hydra_dir = run_dir / ".hydra"
    ckpt_dir = run_dir / "checkpoints"
    hydra_dir.mkdir(parents=True, exist_ok=True)
    ckpt_dir.mkdir(exist_ok=True)
    (hydra_dir / "config.yaml").write_text(_run_config_text(run), encoding="utf-8")
    (hydra_dir / "hydra.yaml").write_text(_hydra_text(run), encoding="utf-8")
    (hydra_dir / "overrides.yaml").write_text(f"- exp_name=bench_{run:04d}\n", encoding="utf-8")
    for epoch in range(checkpoints):
        ckpt = ckpt_dir / f"epoch={epoch}-step={(epoch + 1) * STEPS_PER_EPOCH}.ckpt"
        ckpt.write_bytes(b"\0" * (256 + epoch))
        stamp = BASE_TIME + run * 60 + epoch
        os.utime(ckpt, (stamp, stamp))
    return run_dir


def generate_workspace(
    out: str | os.PathLike[str], *, configs: int = 2000, runs: int = 1000, checkpoints: int = 5
) -> Path:
    """Create (or extend) a workspace at `out`: demo configs + synthetic configs and runs."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    copy_demo_workspace(root)
    add_configs(root, configs)
    for run in range(runs):
        add_run(root, run, checkpoints)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--configs", type=int, default=2000, help="synthetic config files")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--checkpoints", type=int, default=5, help="checkpoints per run")
    args = parser.parse_args(argv)
    root = generate_workspace(
        args.out, configs=args.configs, runs=args.runs, checkpoints=args.checkpoints
    )
    print(
        f"workspace at {root}: +{args.configs} configs, {args.runs} runs x {args.checkpoints} checkpoints"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
