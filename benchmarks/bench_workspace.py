"""Benchmark the workspace catalog and checkpoint index against the issue's speed goals.

    python benchmarks/bench_workspace.py [--workspace DIR] [--configs 2000] [--runs 1000]
                                         [--checkpoints 5] [--repeat 20]

Without --workspace a large workspace is generated in a temporary folder (see
generate_workspace.py). Prints median and p95 per figure with the goal next to
it. Files are in the OS page cache after generation: these are warm-cache
figures, which is what a running app sees.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from command_builder.settings import Settings, load_settings
from command_builder.workspace import CheckpointIndex, build_catalog, get_catalog
from command_builder.workspace.catalog import RACY_WINDOW_NS
from command_builder.workspace.fingerprint import scan

sys.path.insert(0, str(Path(__file__).parent))
from generate_workspace import add_run, generate_workspace  # noqa: E402


def timed(
    fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None
) -> list[float]:
    """Milliseconds of `repeat` calls of fn (setup, if any, runs untimed before each)."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float], goal_ms: float | None) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    median = statistics.median(ordered)
    goal = f"<= {goal_ms:g} ms" if goal_ms is not None else ""
    verdict = "" if goal_ms is None else ("ok" if median <= goal_ms else "OVER")
    print(f"{name:<44} {median:9.3f} {p95:9.3f}   {goal:<12} {verdict}")


def wait_until_not_racy(settings: Settings) -> None:
    """Fresh files make the catalog re-check content (see catalog.py); measure the steady state."""
    newest = scan(str(settings.configs_dir), str(settings.runners_dir)).newest_mtime_ns
    delay = (newest + RACY_WINDOW_NS - time.time_ns()) / 1e9
    if delay > 0:
        time.sleep(delay + 0.05)


def run(settings: Settings, repeat: int, runs: int) -> None:
    configs = str(settings.configs_dir)
    runners = str(settings.runners_dir)
    files = len(scan(configs, runners).config_files)
    print(f"workspace {settings.root}: {files} config files, {runs} runs")
    print(f"{'figure':<44} {'median':>9} {'p95':>9}   goal (ms)")

    report(f"catalog build ({files} files)", timed(lambda: build_catalog(settings), repeat), 300)
    report("fingerprint scan", timed(lambda: scan(configs, runners), repeat * 5), 5)
    wait_until_not_racy(settings)
    get_catalog(settings)
    report(
        "get_catalog, unchanged (scan + compare)",
        timed(lambda: get_catalog(settings), repeat * 5),
        5,
    )
    report(
        "get_catalog, throttled (max_age_s=1)",
        timed(lambda: get_catalog(settings, max_age_s=1.0), repeat * 5),
        None,
    )

    def full_build() -> None:
        CheckpointIndex(settings).refresh()

    report(
        f"checkpoint index full build ({runs} runs)", timed(full_build, max(3, repeat // 3)), 1000
    )
    index = CheckpointIndex(settings)
    index.refresh()
    time.sleep(RACY_WINDOW_NS / 1e9)  # young stamps are re-listed (checkpoints.py): let them settle
    index.refresh()
    report("checkpoint refresh, no change", timed(index.refresh, repeat * 2), 30)
    next_run = iter(range(runs, runs + repeat))
    report(
        "checkpoint refresh after one new run",
        timed(index.refresh, repeat, setup=lambda: add_run(settings.root, next(next_run), 5)),
        50,
    )
    first = index.checkpoints[-1].run_dir
    report("run_config first read (one run)", timed(lambda: index.run_config(first), 1), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workspace", type=Path, help="use this workspace instead of generating one"
    )
    parser.add_argument("--configs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--checkpoints", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    if args.workspace:
        run(load_settings(args.workspace), args.repeat, args.runs)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-workspace-") as tmp:
        root = generate_workspace(
            Path(tmp) / "ws", configs=args.configs, runs=args.runs, checkpoints=args.checkpoints
        )
        run(load_settings(root), args.repeat, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
