"""DEMO RUNNER: synthetic stand-in for the OCR project's prediction (no torch, no model).

Reads a checkpoint written by the demo train runner and writes
outputs/<run>/submissions/<timestamp>.json in the competition's format
``{"images": {"<file>.jpg": {"words": {"0001": {"points": [[x, y], ...]}}}}}``
with made-up word boxes, so the command builder's Predict page and CSV export have real input.

    python runners/predict.py checkpoint_path=outputs/<run>/checkpoints/epoch=9-step=2050.ckpt

What the runners share (checkpoint format, error exit) is in command_builder.demo.runtime.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from datetime import datetime
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from command_builder.demo.runtime import load_checkpoint

IMAGE_WIDTH, IMAGE_HEIGHT = 960, 1280  # a portrait receipt photo

log = logging.getLogger(__name__)


def predict_words(rng: random.Random, include_confidence: bool) -> dict:
    """Made-up text lines of a receipt: one axis-aligned quadrilateral per word, top to bottom."""
    words: dict[str, dict] = {}
    y = rng.randint(40, 120)
    while y < IMAGE_HEIGHT - 80 and len(words) < 20:
        height = rng.randint(18, 34)
        x = rng.randint(30, 120)
        for _ in range(rng.randint(1, 4)):
            width = rng.randint(40, 220)
            if x + width > IMAGE_WIDTH - 20:
                break
            word: dict[str, object] = {
                "points": [[x, y], [x + width, y], [x + width, y + height], [x, y + height]]
            }
            if include_confidence:
                word["confidence"] = round(rng.uniform(0.5, 0.99), 4)
            words[f"{len(words) + 1:04d}"] = word
            x += width + rng.randint(10, 40)
        y += height + rng.randint(6, 30)
    return {"words": words}


@hydra.main(config_path="../configs", config_name="predict", version_base="1.3")
def main(cfg: DictConfig) -> None:
    """DEMO RUNNER: synthetic prediction that writes a competition submission (see module docstring)."""
    log.info(
        "DEMO RUNNER predict: synthetic stand-in for the OCR project's prediction (no torch, no real model)"
    )
    load_checkpoint(cfg)  # refuses a missing or foreign checkpoint
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    rng = random.Random(f"{cfg.seed}-{cfg.checkpoint_path}")
    count = cfg.data.splits.test.num_images
    images: dict[str, dict] = {}
    for index in range(count):
        images[f"drp.en_ko.in_house.selectstar_{index:06d}.jpg"] = predict_words(
            rng, cfg.include_confidence
        )
        if (index + 1) % max(1, count // 4) == 0 or index + 1 == count:
            time.sleep(cfg.demo.epoch_seconds / 4)
            log.info(
                "Predicting DataLoader 0: %3d%% %d/%d", 100 * (index + 1) // count, index + 1, count
            )
    folder = run_dir / "submissions"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now():%Y%m%d_%H%M%S}.json"
    submission = {"images": images}
    if cfg.minified_json:
        text = json.dumps(submission, separators=(",", ":"))
    else:
        text = json.dumps(submission, indent=2)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    words = sum(len(image["words"]) for image in images.values())
    log.info("Wrote %s: %d images, %d words", os.path.relpath(path), count, words)


if __name__ == "__main__":
    main()
