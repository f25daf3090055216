"""Generic page speed: a runner whose primary config pulls in a 300-file config tree.

    python benchmarks/bench_generic.py [--configs 300] [--repeat 2000]

Generates the benchmark workspace (benchmarks/generate_workspace.py: the demo plus
synthetic config groups bench/gNN), adds a runner `runners/wide.py` whose primary config
selects one option of every synthetic group, then measures, per the OCR page's bars:
  derive      - discovering runners + composing the primary config + deriving the schema
                (once per config change, in the background revalidation or at warm-up)
  memo hit    - build_view for a state already seen (a page run without a change)
  fresh       - build_view after one field changed (a keystroke)
  page run    - what the UI page does: cached schema + catalog + build_view (memo hit)
  rederive    - pages.load_schema when nothing changed (a stat walk of the config tree)
  search      - the fuzzy key search over every field
Prints the field count, median and p95 in milliseconds; the goals are the OCR pages'.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from command_builder import pages  # noqa: E402
from command_builder.form import apply_change, build_view, initial_state  # noqa: E402
from command_builder.form.search import search_fields  # noqa: E402
from command_builder.settings import Settings, load_settings  # noqa: E402
from command_builder.workspace import get_catalog  # noqa: E402
from command_builder.workspace.runners import get_runners  # noqa: E402
from generate_workspace import generate_workspace  # noqa: E402

GOAL_MS = 2.0  # bench_form.py's view goal
GROUPS = 12  # groups the primary config selects (a big Lightning project has ~10)
RUNNER = (
    "import hydra\n\n\n"
    "@hydra.main(config_path='../configs', config_name='wide', version_base='1.3')\n"
    "def main(cfg):\n    print(cfg)\n"
)


def add_wide_runner(settings: Settings) -> None:
    """A primary config selecting the first option of GROUPS synthetic groups."""
    bench = settings.configs_dir / "bench"
    lines = ["defaults:", "  - _self_"]
    folders = sorted(p for p in bench.iterdir() if p.is_dir() and any(p.glob("*.yaml")))
    for group in folders[:GROUPS]:
        option = sorted(group.glob("*.yaml"))[0].stem
        lines.append(f"  - {group.relative_to(settings.configs_dir).as_posix()}: {option}")
    lines += ["", "seed: 42", "exp_name: wide", "trainer:", "  max_epochs: 3", "  lr: 0.001"]
    (settings.configs_dir / "wide.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (settings.runners_dir / "wide.py").write_text(RUNNER, encoding="utf-8")


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[math.ceil(0.95 * len(samples)) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = generate_workspace(Path(tmp) / "ws", configs=args.configs, runs=0)
        settings = load_settings(root)
        add_wide_runner(settings)
        config_files = sum(1 for _ in settings.configs_dir.rglob("*.yaml"))

        start = time.perf_counter()
        get_runners(settings, max_age_s=0.0)
        schema = pages.load_schema(settings, "wide")
        derive_ms = (time.perf_counter() - start) * 1000
        catalog = get_catalog(settings)
        state = initial_state(schema, catalog)
        build_view(schema, catalog, None, state)
        numbers = [e for e in schema.elements if e.type == "number_input"]
        print(f"{config_files} config files, {len(schema.elements)} fields on the wide page")
        print("(the synthetic groups have 3-4 options and ~6 leaves each)")
        print(f"derive (first, incl. Hydra import and compose): {derive_ms:8.1f} ms")

        counter = iter(range(10**9))

        def fresh() -> None:
            element = numbers[0]
            changed = apply_change(schema, catalog, state, element.key, next(counter))
            build_view(schema, catalog, None, changed)

        def page_run() -> None:  # the UI reads the schema from its own cache (ui/context.py)
            build_view(schema, get_catalog(settings, max_age_s=math.inf), None, state)

        rows = {
            "memo hit": _time(lambda: build_view(schema, catalog, None, state), args.repeat),
            "fresh": _time(fresh, max(1, args.repeat // 10)),
            "rederive": _time(lambda: pages.load_schema(settings, "wide"), 20),
            "page run": _time(page_run, max(1, args.repeat // 10)),
            "search": _time(
                lambda: search_fields(schema, build_view(schema, catalog, None, state), "thresh"),
                max(1, args.repeat // 10),
            ),
        }
        for name, (median, p95) in rows.items():
            print(f"{name:<10} median {median:7.3f} ms  p95 {p95:7.3f} ms  (goal {GOAL_MS} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
