"""Pure helpers of benchmarks/page_switch.py: percentiles, JSON, profile summary, wrapper parsing."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

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


def _entry(idle: tuple[float, float], visible: tuple[float, float], first: float | None) -> dict:
    """A result entry as analyse() makes it: (median, p95) of idle and visible, first page."""
    return {
        "idle": {"median": idle[0], "p95": idle[1]},
        "visible": {"median": visible[0], "p95": visible[1]},
        "first_page": {"visible_s": first, "title_s": first},
    }


def test_headline_compares_against_the_tuned_floor_with_the_issues_lines() -> None:
    results = {"floor": {"kind": "floor"}, "floor-tuned": {"kind": "floor"}}
    assert page_switch.baseline_name(results) == "floor-tuned"
    assert page_switch.baseline_name({"floor": {}}) == "floor"
    goals = page_switch.GOALS["switch"]
    floor = _entry((30.0, 40.0), (30.0, 40.0), 3.0)
    met = page_switch.headline(_entry((45.0, 64.0), (50.0, 65.0), 3.3), floor, goals)
    assert met["idle_p95_ratio"] == 1.6 and met["idle_ok"] and not met["idle_stretch_ok"]
    assert met["visible_p95_delta_ms"] == 25.0 and met["visible_ok"]
    assert met["idle_median_ratio"] == 1.5 and met["visible_median_delta_ms"] == 20.0
    assert round(met["first_page_delta_s"], 6) == 0.3 and met["first_page_ok"]
    missed = page_switch.headline(_entry((45.0, 64.1), (50.0, 65.1), None), floor, goals)
    assert not missed["idle_ok"] and not missed["visible_ok"]
    assert missed["first_page_delta_s"] is None and missed["first_page_ok"] is None


def test_edit_goals_are_looser_on_idle_only() -> None:
    edit, switch = page_switch.GOALS["edit"], page_switch.GOALS["switch"]
    assert (edit["idle_ratio"], switch["idle_ratio"]) == (2.0, 1.6)
    assert edit["visible_delta_ms"] == switch["visible_delta_ms"] == 25.0


def test_edit_values_are_distinct_and_never_a_prefix_of_another() -> None:
    values = [page_switch.edit_value(i) for i in range(200)]
    assert len(set(values)) == len(values)
    assert not any(a != b and b.startswith(a) for a in values for b in values)
    assert all(v.isidentifier() for v in values)  # a Hydra value and a shell word as they are


def test_real_workspace_is_a_copy_of_the_fixture_with_schemas_where_the_project_keeps_them(
    tmp_path: Path,
) -> None:
    fixture = tmp_path / "fixture"
    for name in ("configs/train.yaml", "runners/train.py", "schemas/train.yaml"):
        (fixture / name).parent.mkdir(parents=True, exist_ok=True)
        (fixture / name).write_text(name, encoding="utf-8")
    root = page_switch.copy_ocr_fixture(fixture, tmp_path / "copy")
    assert (root / "configs/train.yaml").read_text(encoding="utf-8") == "configs/train.yaml"
    assert (root / "ui/apps/command_builder/schemas/train.yaml").exists()
    assert not (root / "schemas").exists()
    with pytest.raises(SystemExit, match="realproject"):
        page_switch.copy_ocr_fixture(tmp_path / "missing", tmp_path / "other")


def test_first_run_after_reads_the_line_a_cold_start_wrote(tmp_path: Path) -> None:
    timings = tmp_path / "timings.jsonl"
    timings.write_text('{"run_ms": 9.0}\n', encoding="utf-8")
    offset = timings.stat().st_size  # an earlier start's lines come before it
    assert page_switch.first_run_after(timings, offset) == {}  # nothing written yet
    with timings.open("a", encoding="utf-8") as handle:
        handle.write('{"run_ms": 115.0, "cpu_ms": 88.0}\n{"run_ms": 12.0}\n')
    assert page_switch.first_run_after(timings, offset) == {"run_ms": 115.0, "cpu_ms": 88.0}
    assert page_switch.first_run_after(tmp_path / "none.jsonl", 0) == {}
