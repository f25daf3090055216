"""What the demo runners share: their checkpoint format and their error exit.

An installed module rather than a file beside the runners: submitit's workers
unpickle the runners' task functions by reference to the modules they use, and
they have the app's environment on sys.path, not `runners/`.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import NoReturn

from omegaconf import DictConfig, OmegaConf

CHECKPOINT_FORMAT = "command-builder-demo-checkpoint/1"

log = logging.getLogger(__name__)


def fail(message: str) -> NoReturn:
    """A usage error: one clear line on stderr and a non-zero exit, no traceback."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def load_checkpoint(cfg: DictConfig, key: str = "checkpoint_path") -> dict:
    """Read the demo checkpoint at cfg[key]; refuse one trained with another architecture or encoder."""
    if OmegaConf.is_missing(cfg, key) or cfg[key] is None:
        fail(f"{key} is required: {key}=outputs/<run>/checkpoints/<file>.ckpt")
    given = cfg[key]
    if not isinstance(given, str):
        fail(f"{key} must be a checkpoint path, got {given!r}: {key}=<path of a .ckpt>")
    path = Path(given)
    if not path.is_file():
        fail(
            f"{key}={given} does not exist "
            f"(relative paths start at the workspace root {Path.cwd()})"
        )
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        state = None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        fail(f"{key}={given} is not a checkpoint written by the demo train runner")
    trained = (state["architecture"], state["encoder"])
    wanted = (cfg.model.architecture_name, cfg.model.component_overrides.encoder.model_name)
    if trained != wanted:
        fail(
            f"{key}={given} was trained with model/architectures={trained[0]} "
            f"model.component_overrides.encoder.model_name={trained[1]}, but this run composes {wanted[0]} / {wanted[1]}"
        )
    log.info(
        "Checkpoint %s: %s/%s, epoch %d, step %d",
        given,
        state["architecture"],
        state["encoder"],
        state["epoch"],
        state["global_step"],
    )
    return state
