"""DEMO RUNNER: synthetic stand-in for the OCR project's Lightning test loop (no torch, no model).

Reads a checkpoint written by the demo train runner and prints precision / recall / hmean
derived from it, as Lightning's test table does, so the command builder's Test page has a real
command to run: a missing or foreign checkpoint fails with a clear message and exit code 1.

    python runners/test.py checkpoint_path=outputs/<run>/checkpoints/epoch=9-step=2050.ckpt

What the runners share (checkpoint format, error exit) is in command_builder.demo.runtime.
"""

from __future__ import annotations

import logging
import math
import random
import time

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from command_builder.demo.runtime import load_checkpoint

log = logging.getLogger(__name__)


@hydra.main(config_path="../configs", config_name="test", version_base="1.3")
def main(cfg: DictConfig) -> None:
    """DEMO RUNNER: synthetic evaluation of a demo checkpoint (see module docstring)."""
    log.info(
        "DEMO RUNNER test: synthetic stand-in for the OCR project's evaluation (no torch, no real model)"
    )
    state = load_checkpoint(cfg)
    log.info("Run folder: %s", HydraConfig.get().runtime.output_dir)
    images = cfg.data.splits.val.num_images
    batches = math.ceil(images / cfg.dataloaders.val_dataloader.batch_size)
    for quarter in range(1, 5):
        time.sleep(cfg.demo.epoch_seconds / 4)
        done = batches * quarter // 4
        log.info("Testing DataLoader 0: %3d%% %d/%d", 100 * done // batches, done, batches)
    rng = random.Random(f"{cfg.seed}-{cfg.checkpoint_path}")
    hmean = state["metrics"]["val/hmean"]
    spread = rng.uniform(0.0, 0.04)
    precision, recall = min(0.99, hmean + spread), max(0.0, hmean - spread)
    hmean = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    log.info("Test metric         DataLoader 0")
    for name, value in (
        ("test/precision", precision),
        ("test/recall", recall),
        ("test/hmean", hmean),
    ):
        log.info("%-18s  %.4f", name, value)


if __name__ == "__main__":
    main()
