"""The timing hook: one JSON line per run when asked, nothing at all otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc
n_callbacks = len(gc.callbacks)
from command_builder.ui import timing
with timing.script_run() as run:
    run.page = "train"
    gc.collect()
try:
    with timing.script_run() as run:
        run.page = "test"
        raise KeyError("rerun")
except KeyError:
    pass
print(timing.enabled(), len(gc.callbacks) - n_callbacks)
"""


def _run(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMMAND_BUILDER_TIMINGS")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_off_by_default_registers_nothing() -> None:
    assert _run({}) == "False 0"


def test_writes_one_line_per_run(tmp_path: Path) -> None:
    out = tmp_path / "timings.jsonl"
    assert (
        _run({"COMMAND_BUILDER_TIMINGS": str(out), "COMMAND_BUILDER_TIMINGS_OBJECTS": "1"})
        == "True 1"
    )
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["page"] == "train" and first["run_ms"] >= 0 and first["objects"] > 1000
    assert first["gc_collections"] >= 1 and "exc" not in first
    assert second["page"] == "test" and second["exc"] == "KeyError"


def test_trigger_file_counts_objects_without_the_variable(tmp_path: Path) -> None:
    out = tmp_path / "timings.jsonl"
    Path(f"{out}.objects").touch()
    _run({"COMMAND_BUILDER_TIMINGS": str(out)})
    assert all(json.loads(line)["objects"] > 1000 for line in out.read_text().splitlines())
    Path(f"{out}.objects").unlink()
    out.unlink()
    _run({"COMMAND_BUILDER_TIMINGS": str(out)})
    assert not any("objects" in json.loads(line) for line in out.read_text().splitlines())
