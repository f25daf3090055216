"""Pure helpers of benchmarks/page_switch.py: percentiles, JSON, profile summary, wrapper parsing."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import page_switch  # noqa: E402
import serve_with_config  # noqa: E402


def test_p95_is_an_observed_value_by_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert page_switch.p95(values) == 95.0
    assert page_switch.p95([3.0]) == 3.0
    assert page_switch.p95([5.0, 1.0]) == 5.0
    assert math.isnan(page_switch.p95([]))


def test_summary_and_strict_json() -> None:
    report = {"a": page_switch.summary([]), "b": page_switch.summary([1.0, 2.0, 3.0])}
    text = json.dumps(page_switch.without_nan(report), allow_nan=False)
    assert json.loads(text)["a"]["median"] is None
    assert json.loads(text)["b"] == {"n": 3, "median": 2.0, "p95": 3.0, "max": 3.0}


def test_profile_summary_counts_each_function_once_per_sample(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "thread (1): ScriptRunner.scriptThread;run (threading.py:1);f (pkg/a.py:3);f (pkg/a.py:9) 3\n"
        "thread (1): ScriptRunner.scriptThread;run (threading.py:1);g (pkg/b.py:4) 1\n"
        "thread (2): MainThread;loop (asyncio/base_events.py:5) 50\n",
        encoding="utf-8",
    )
    ranked = dict((name, pct) for pct, name in page_switch.summarize_profile(raw))
    assert ranked == {"run (threading.py)": 100.0, "f (a.py)": 75.0, "g (b.py)": 25.0}


def test_serve_with_config_parsing() -> None:
    assert serve_with_config.parse_overrides(["runner.postScriptGC=false", "x.y=3", "z=1e9"]) == {
        "runner.postScriptGC": False,
        "x.y": 3,
        "z": 1e9,
    }
    assert serve_with_config.env_name("runner.postScriptGC") == "STREAMLIT_RUNNER_POST_SCRIPT_GC"
