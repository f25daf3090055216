"""Benchmark of the effect check: what it adds to a compose check (issue 15: <= 30 ms p95).

    .venv/bin/python benchmarks/bench_effects.py [--workspace DIR] [--rounds N]

Default tree: tests/fixtures/effects_project (shaped like the OCR project's: a primary
config whose defaults list pulls presets that re-apply groups); pass --workspace with a
copy of the real project for its own figures. Per round, one composition through the
same loader compose_check uses, then the effect check on its result (defaults-tree
entries, per-override effects, run-time resolve, attribution) is timed on its own.
Prints medians and p95; shared machines are noisy, so compare within one run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from omegaconf import OmegaConf

from command_builder.commands import effects, validate
from command_builder.commands.overrides import HYDRA_LOCK, parse_override
from command_builder.settings import load_settings

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "effects_project"
COMMANDS = (
    ("model/optimizers=adam",),
    ("model/architectures=craft", "trainer.max_epochs=3"),
    ("data=preprocessing",),
    ("model.component_overrides.decoder.name=pan_decoder", "exp_name=007"),
)


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=FIXTURE)
    parser.add_argument("--page", default="train")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    settings = load_settings(args.workspace)
    compose_ms: list[float] = []
    effect_ms: list[float] = []
    with HYDRA_LOCK:
        for i in range(args.rounds + 2):
            texts = COMMANDS[i % len(COMMANDS)]
            parsed = [(t, parse_override(t)) for t in texts]
            start = time.perf_counter()
            with effects.recorded_defaults() as recorded:
                cfg = validate._compose(settings, args.page, list(texts), False)
            config = OmegaConf.to_container(cfg, resolve=False)
            middle = time.perf_counter()
            validate._effect_check(settings, cfg, config, recorded[-1], parsed, False)  # type: ignore[arg-type]
            end = time.perf_counter()
            if i >= 2:  # the first rounds build the loader and parse every file
                compose_ms.append((middle - start) * 1000)
                effect_ms.append((end - middle) * 1000)
    for name, times in (("compose (uncached)", compose_ms), ("effect check added", effect_ms)):
        median, p95 = _percentiles(times)
        print(f"{name:22s} median {median:8.2f} ms  p95 {p95:8.2f} ms")
    print(f"goal: effect check p95 <= 30 ms over the compose ({args.workspace})")


if __name__ == "__main__":
    main()
