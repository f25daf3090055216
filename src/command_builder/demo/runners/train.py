"""DEMO RUNNER: synthetic stand-in for the OCR project's Lightning training (no torch, no model).

The embedded demo workspace must run on a fresh machine in seconds, yet produce exactly what
the command builder reads from a real project: a Hydra run folder with .hydra/config.yaml,
per-epoch progress lines like Lightning's and checkpoints named epoch=E-step=S.ckpt.
The loss curve is a deterministic function of the seed, the model and the learning rate.

    python runners/train.py exp_name=try1 model/architectures=dbnetpp trainer.max_epochs=5

What the runners share (checkpoint format, error exit) is in command_builder.demo.runtime.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from command_builder.demo.runtime import CHECKPOINT_FORMAT, load_checkpoint

log = logging.getLogger(__name__)


def synthetic_metrics(cfg: DictConfig, epoch: int) -> dict[str, float]:
    """Losses and hmean after `epoch` (0-based): a noisy exponential decay, faster with larger lr."""
    rng = random.Random(
        f"{cfg.seed}-{cfg.model.architecture_name}-{cfg.model.component_overrides.encoder.model_name}-{epoch}"
    )
    rate = 0.15 + min(0.6, 300 * float(cfg.model.optimizer.lr))
    decay = math.exp(-rate * (epoch + 1))
    loss = 0.25 + 1.5 * decay + rng.uniform(-0.03, 0.03)
    hmean = min(0.97, 0.55 + 0.4 * (1 - decay) + rng.uniform(-0.01, 0.01))
    return {"train/loss": loss, "val/loss": loss * 1.1, "val/hmean": hmean}


def save_checkpoint(cfg: DictConfig, folder: Path, epoch: int, step: int, metrics: dict) -> Path:
    """Write epoch=E-step=S.ckpt atomically, so a reader never sees half a file."""
    path = folder / f"epoch={epoch}-step={step}.ckpt"
    state = {
        "format": CHECKPOINT_FORMAT,
        "demo": True,
        "epoch": epoch,
        "global_step": step,
        "architecture": cfg.model.architecture_name,
        "encoder": cfg.model.component_overrides.encoder.model_name,
        "decoder": cfg.model.component_overrides.decoder.name,
        "head": cfg.model.component_overrides.head.name,
        "loss": cfg.model.component_overrides.loss.name,
        "optimizer": {"target": cfg.model.optimizer._target_, "lr": cfg.model.optimizer.lr},
        "metrics": metrics,
    }
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state, indent=2), encoding="utf-8")
    os.replace(partial, path)
    return path


@hydra.main(config_path="../configs", config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> None:
    """DEMO RUNNER: synthetic training that writes real checkpoints (see module docstring)."""
    log.info(
        "DEMO RUNNER train: synthetic stand-in for the OCR project's training (no torch, no real model)"
    )
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    start_epoch, step = 0, 0
    if cfg.resume:
        state = load_checkpoint(cfg, "resume")
        start_epoch, step = state["epoch"] + 1, state["global_step"]
        log.info("Resuming from %s (epoch %d, step %d)", cfg.resume, state["epoch"], step)
    elif cfg.checkpoint_path is not None:
        load_checkpoint(cfg)
        log.info("Initialising weights from %s", cfg.checkpoint_path)

    batches = math.ceil(
        cfg.data.splits.train.num_images / cfg.dataloaders.train_dataloader.batch_size
    )
    steps_per_epoch = max(1, batches // cfg.trainer.accumulate_grad_batches)
    log.info(
        "model=%s encoder=%s decoder=%s head=%s loss=%s optimizer=%s lr=%s weight_decay=%s",
        cfg.model.architecture_name,
        cfg.model.component_overrides.encoder.model_name,
        cfg.model.component_overrides.decoder.name,
        cfg.model.component_overrides.head.name,
        cfg.model.component_overrides.loss.name,
        cfg.model.optimizer._target_,
        cfg.model.optimizer.lr,
        cfg.model.optimizer.weight_decay,
    )
    log.info(
        "data=%s batch_size=%d/%d precision=%s accumulate_grad_batches=%d gradient_clip_val=%s wandb=%s",
        cfg.data.dataset_name,
        cfg.dataloaders.train_dataloader.batch_size,
        cfg.dataloaders.val_dataloader.batch_size,
        cfg.trainer.precision,
        cfg.trainer.accumulate_grad_batches,
        cfg.trainer.gradient_clip_val,
        "requested (the demo does not contact W&B)" if cfg.logger.wandb.enabled else "off",
    )
    log.info("Run folder: %s", run_dir)
    max_epochs = cfg.trainer.max_epochs
    if start_epoch >= max_epochs:
        log.info(
            "Nothing to train: the checkpoint is at epoch %d and trainer.max_epochs=%d",
            start_epoch - 1,
            max_epochs,
        )
        return
    checkpoints = run_dir / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    for epoch in range(start_epoch, max_epochs):
        time.sleep(cfg.demo.epoch_seconds)
        step += steps_per_epoch
        metrics = synthetic_metrics(cfg, epoch)
        log.info(
            "Epoch %d/%d: 100%% %d/%d steps loss=%.3f val/loss=%.3f val/hmean=%.3f",
            epoch + 1,
            max_epochs,
            steps_per_epoch,
            steps_per_epoch,
            metrics["train/loss"],
            metrics["val/loss"],
            metrics["val/hmean"],
        )
        path = save_checkpoint(cfg, checkpoints, epoch, step, metrics)
    log.info("Training finished. Last checkpoint: %s", os.path.relpath(path))


if __name__ == "__main__":
    main()
