"""Bounded work wherever input arrives: sweeps, the Hydra lock, links, uploads, workspace YAML.

Each case ends with a clear error naming the field, parameter, file or limit; none with a
traceback, a RecursionError or a wait without end. No timing is asserted: a case that
expanded its input would not finish at all.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from command_builder import form, service
from command_builder.cli import main
from command_builder.commands import validate
from command_builder.commands.overrides import HYDRA_LOCK
from command_builder.commands.sweeps import MAX_RUNS, SweepError, parse_sweep_spec
from command_builder.export import SubmissionError, load_submission, to_competition_csv
from command_builder.form.query import MAX_EXTRA, MAX_PARAM_CHARS, QueryError, decode_query
from command_builder.settings import Settings
from command_builder.workspace import build_catalog
from command_builder.workspace.yaml_files import MAX_YAML_DEPTH, YamlLimitError, read_text

HUGE_RANGE = "range(0,1e9,1e-9)"


def test_validate_refuses_a_huge_sweep_from_its_spec(
    read_only_demo: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    command = f"python runners/train.py --multirun model.optimizer.lr={HUGE_RANGE}"
    code = main(["validate", command, "--workspace", str(read_only_demo.root)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"model.optimizer.lr={HUGE_RANGE}" in out and "more than the limit of 10,000" in out


def test_a_huge_sweep_in_a_link_is_a_field_error(read_only_demo: Settings) -> None:
    context = service.page_context(read_only_demo, "train")
    params = {"exp_name": "x", "_sweeps": json.dumps({"learning_rate": "range(0,1e9,3e-9)"})}
    state = decode_query(context.schema, context.catalog, params)
    view = form.build_view(context.schema, context.catalog, context.index, state)
    assert "more than the limit of 10,000" in view.errors["learning_rate"]
    swept = ("model.optimizer.lr=range(0,1e9,3e-9)",)
    result = validate.compose_check(read_only_demo, "train", swept, multirun=True)
    assert not result.ok and result.issues[0].override == swept[0]
    assert "more than the limit" in result.issues[0].message


def test_sweeps_over_the_cap_together_are_a_form_error(read_only_demo: Settings) -> None:
    context = service.page_context(read_only_demo, "train")
    state = form.initial_state(context.schema, context.catalog)
    state = form.apply_sweep(context.schema, state, "learning_rate", "range(1e-5,1e-2,1e-5)")
    state = form.with_extra_overrides(state, ["seed=range(0,100)"])
    view = form.build_view(context.schema, context.catalog, context.index, state)
    assert view.run_count > MAX_RUNS
    assert any("more than the limit of 10,000" in e for e in view.errors.values())


def test_parse_sweep_spec_refuses_a_range_over_the_cap() -> None:
    with pytest.raises(SweepError, match="more than the limit"):
        parse_sweep_spec("range(0,20000)", numeric=True)
    assert parse_sweep_spec("range(0,10000)", numeric=True).count() == MAX_RUNS


def test_a_busy_hydra_lock_gives_a_not_cached_busy_result(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another thread holds the lock for the whole first check, so it is busy whatever the
    timeout (0: no wait); the retry holds the lock itself (HYDRA_LOCK is reentrant), so no
    leftover background check of an earlier test can make it busy too."""
    monkeypatch.setattr(validate, "COMPOSE_LOCK_TIMEOUT_S", 0)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with HYDRA_LOCK:
            held.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(60)
    try:
        busy = validate.compose_check(demo_settings, "train", ("exp_name=busy",))
    finally:
        release.set()
        holder.join()
    assert validate.is_busy(busy) and not busy.ok
    with HYDRA_LOCK:
        again = validate.compose_check(demo_settings, "train", ("exp_name=busy",))
    assert again.ok and not validate.is_busy(again)


# --- links --------------------------------------------------------------------------------


def _decode(settings: Settings, params: dict[str, str]) -> form.FormState:
    context = service.page_context(settings, "train")
    return decode_query(context.schema, context.catalog, params)


def test_a_json_object_for_a_text_field_names_the_field(read_only_demo: Settings) -> None:
    with pytest.raises(QueryError, match="exp_name: the field takes a single value"):
        _decode(read_only_demo, {"exp_name": '{"a":[1,2]}'})


@pytest.mark.parametrize(
    ("params", "limit"),
    [
        ({"exp_name": "x" * (MAX_PARAM_CHARS + 1)}, "characters long"),
        ({"_extra": json.dumps(["seed=1"] * (MAX_EXTRA + 1))}, "overrides, more than"),
        ({f"p{i}": "1" for i in range(500)}, "parameters, more than"),
    ],
    ids=["long value", "many extras", "many parameters"],
)
def test_links_are_bounded(read_only_demo: Settings, params: dict[str, str], limit: str) -> None:
    with pytest.raises(QueryError, match=limit):
        _decode(read_only_demo, params)


def test_deep_json_in_a_link_stays_text(read_only_demo: Settings) -> None:
    state = _decode(read_only_demo, {"exp_name": "[" * 5000 + "]" * 5000})
    assert state.values["exp_name"] == "[" * 5000 + "]" * 5000


# --- uploads ------------------------------------------------------------------------------


def _submission(name: str, points: str = "[[0,0],[1,0],[1,1]]") -> bytes:
    body = f'{{"images": {{{json.dumps(name)}: {{"words": {{"1": {{"points": {points}}}}}}}}}}}'
    return body.encode()


def test_deep_json_upload_is_a_clear_error() -> None:
    with pytest.raises(SubmissionError, match="nested far deeper"):
        load_submission(b"[" * 100_000 + b"]" * 100_000, 50)


def test_a_5000_digit_number_is_a_clear_error() -> None:
    with pytest.raises(SubmissionError, match="a number of 5,000 characters"):
        load_submission(_submission("a.jpg", f"[[{'1' * 5000},0],[1,0],[1,1]]"), 50)


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0.jpg", "+1.jpg", "-2.jpg", "@SUM(1).jpg"])
def test_formula_like_image_names_are_text_in_the_csv(name: str) -> None:
    csv_text = to_competition_csv(load_submission(_submission(name), 50))
    row = csv_text.splitlines()[1]
    assert row.lstrip('"').startswith("'" + name[:1])


def test_ordinary_image_names_are_unchanged_in_the_csv() -> None:
    csv_text = to_competition_csv(load_submission(_submission("img_001.jpg"), 50))
    assert csv_text.splitlines()[1] == "img_001.jpg,0 0 1 0 1 1"


# --- workspace YAML -----------------------------------------------------------------------


def test_a_huge_or_deep_workspace_file_is_one_issue_naming_file_and_limit(
    demo_settings: Settings,
) -> None:
    huge = demo_settings.ui_meta_dir / "architectures" / "huge.yaml"
    huge.write_text("use_cases:\n" + "  - {id: x, title: y}\n" * 60_000, encoding="utf-8")
    deep = demo_settings.configs_dir / "data" / "deep.yaml"
    deep.write_text("".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n")
    issues = {i.path: i for i in build_catalog(demo_settings).issues}
    big = issues["configs/ui_meta/architectures/huge.yaml"]
    assert "more than the limit of 1 MB" in big.message and big.line is None
    nested = issues["configs/data/deep.yaml"]
    assert f"nested more than {MAX_YAML_DEPTH} levels" in nested.message
    assert nested.line == MAX_YAML_DEPTH + 1
    assert len([i for i in issues.values() if "huge.yaml" in i.path]) == 1


def test_read_text_refuses_a_huge_file_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("x: 1\n" * 300_000, encoding="utf-8")
    with pytest.raises(YamlLimitError, match="more than the limit"):
        read_text(str(path))
