"""What a page switch costs the browser's main thread, per target (Chrome DevTools metrics).

    .venv/bin/python benchmarks/browser_cost.py --rounds 12 \
        --script none=benchmarks/layout_variants/elements.py::none,8 \
        --script selectbox=benchmarks/layout_variants/elements.py::selectbox,8 \
        --script light_select=benchmarks/layout_variants/elements.py::light_select,8
    .venv/bin/python benchmarks/browser_cost.py --app --workspace-size real --mode edit

Wall-clock switch times (page_switch.py) swing with the machine's load; the main thread's
work per switch (`Performance.getMetrics`: task, script, layout and style time) is steadier
and adds up per element, so it says what an element kind costs: with 8 copies of one kind
per page, (task - the `none` script's task) / 8. Targets run one after the other, each
after warm-up rounds; the tuned floor is always measured too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "browser"))

import streamlit_harness as harness  # noqa: E402

import page_switch  # noqa: E402

METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
ROTATION = ("Test", "Predict", "Train")


def _metrics(cdp: Any) -> dict[str, float]:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def measure(
    name: str, server: harness.Server, specs: dict[str, Any], args: Any, browser: Any
) -> dict[str, Any]:
    context = browser.new_context(viewport=page_switch.harness_viewport())
    page = context.new_page()
    harness.goto(page, "/", base_url=server.url, timeout_ms=60_000)
    edit = harness.EditSpec("Experiment name")

    def action(i: int) -> list[float]:
        if args.mode == "edit":
            return [harness.edit(page, edit, page_switch.edit_value(i), settle_ms=400)["idle"]]
        return [harness.switch(page, specs[title])["idle"] for title in ROTATION]

    for i in range(args.warmup):
        action(10_000 + i)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    before = _metrics(cdp)
    idle = [ms for i in range(args.rounds) for ms in action(i)]
    after = _metrics(cdp)
    context.close()
    per = {key: (after[key] - before[key]) * 1000 / len(idle) for key in METRICS}
    return {"name": name, "idle_median": statistics.median(idle), **per}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--mode", choices=("switch", "edit"), default="switch")
    parser.add_argument("--app", action="store_true", help="also measure the app")
    parser.add_argument("--workspace-size", choices=("demo", "large", "real"), default="demo")
    parser.add_argument("--script", action="append", default=[], metavar="NAME=PATH[::ARG]")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="browser-cost-"))
    (tmp / "home").mkdir()
    floor = f"{harness.FLOOR_APP}::edit" if args.mode == "edit" else str(harness.FLOOR_APP)
    targets = {
        "floor-tuned": page_switch.floor_server_for(tmp, page_switch.TUNED_FLOOR, "floor", floor)
    }
    for name, script in page_switch.parse_key_values(args.script, "--script").items():
        path, sep, arg = script.partition("::")
        resolved = f"{Path(path).resolve()}{sep}{arg}"
        targets[name] = page_switch.floor_server_for(tmp, page_switch.TUNED_FLOOR, name, resolved)
    if args.app:
        workspace = page_switch.make_workspace(args.workspace_size, tmp)
        targets["app"] = harness.app_server(workspace, tmp / "home", tmp, name="app")
    results = []
    with harness.running(list(targets.values())), sync_playwright() as playwright:
        browser = harness.launch_chromium(playwright)
        for name, server in targets.items():
            specs = harness.APP_PAGES if name == "app" else harness.FLOOR_PAGES
            results.append(measure(name, server, specs, args, browser))
        browser.close()
    print(f"{args.mode}, per action, ms ({args.rounds} rounds after {args.warmup} warm-up)")
    print(
        f"  {'target':24s} {'idle med':>9s} {'task':>8s} {'script':>8s} {'layout':>8s} {'style':>8s}"
    )
    for r in results:
        print(
            f"  {r['name']:24s} {r['idle_median']:9.1f} {r['TaskDuration']:8.1f}"
            f" {r['ScriptDuration']:8.1f} {r['LayoutDuration']:8.1f} {r['RecalcStyleDuration']:8.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
