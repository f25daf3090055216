"""Command lines: build/display/parse round trips, and the job runner's strict gate."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from command_builder.commands import (
    CommandParseError,
    build_argv,
    display_command,
    format_override,
    is_workspace_command,
    parse_command_line,
)
from command_builder.commands.command_line import split_command_line
from command_builder.commands.sweeps import MULTIRUN_MODE
from command_builder.service import build_command, state_from_command
from command_builder.settings import Settings
from examples_budget import examples


@pytest.fixture
def ws(demo_settings: Settings) -> Settings:
    """The demo workspace with runners for every page (a helper may still be adding some)."""
    for page in ("train", "test", "predict"):
        runner = demo_settings.runners_dir / f"{page}.py"
        if not runner.exists():
            runner.write_text("# stand-in runner for tests\n", encoding="utf-8")
    return demo_settings


def test_build_argv(ws: Settings) -> None:
    argv = build_argv(ws, "train", ["exp_name=a", "seed=1"])
    assert argv == [*ws.command_prefix, "runners/train.py", "exp_name=a", "seed=1"]
    multi = build_argv(ws, "train", ["seed=1,2"], multirun=True)
    assert multi == [*ws.command_prefix, "runners/train.py", "--multirun", "seed=1,2"]


@hsettings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.text(max_size=15), max_size=4), st.booleans())
def test_round_trip(ws: Settings, values: list[str], multirun: bool) -> None:
    # The workspace is only read here, so sharing the fixture across examples is safe.
    overrides = [format_override("exp_name", v) for v in values]
    argv = build_argv(ws, "train", overrides, multirun=multirun)
    text = display_command(argv)
    assert shlex.split(text) == argv
    parsed = parse_command_line(text, ws)
    assert parsed.prefix == ws.command_prefix
    assert parsed.runner == "runners/train.py" and parsed.page == "train"
    # --multirun without a sweep is kept as Hydra's own hydra.mode=MULTIRUN (see below)
    assert parsed.overrides == tuple(overrides) + ((MULTIRUN_MODE,) if multirun else ())
    assert parsed.multirun is multirun
    assert is_workspace_command(argv, ws) is None


def test_round_trip_keeps_a_backslash_newline_inside_quotes(ws: Settings) -> None:
    # Found by test_round_trip: `\\` + newline inside '...' is text, not a continuation.
    override = format_override("exp_name", "\\\n")
    text = display_command(build_argv(ws, "train", [override]))
    assert parse_command_line(text, ws).overrides == (override,)


_SHELL_TEXT = st.text(alphabet="ab \\\n'\"", max_size=12)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash to compare with")
@hsettings(max_examples=examples(150), deadline=None)
@given(_SHELL_TEXT)
def test_split_command_line_reads_words_as_bash_does(text: str) -> None:
    shell = subprocess.run(
        ["bash", "-c", 'printf "%s\\0" _ ' + text], capture_output=True, text=True, check=False
    )
    if shell.returncode != 0 or not text.strip(" \n"):
        return  # bash refuses it (unbalanced quotes) or prints nothing to compare
    words = shell.stdout.split("\0")[1:-1]  # after the `_` that keeps printf from no args
    try:
        assert split_command_line(text) == words
    except CommandParseError as exc:
        if "lone backslash" in str(exc) and text.endswith("\\"):
            return  # refused on purpose: a paste cut after its continuation backslash
        pytest.fail(f"bash reads {text!r} as {words!r}, split_command_line refuses it")


def test_a_multirun_without_a_sweep_stays_a_multirun_in_the_form(ws: Settings) -> None:
    slurm = "python runners/train.py --multirun hydra/launcher=submitit_slurm exp_name=x"
    parsed = parse_command_line(slurm, ws)
    assert parsed.overrides[-1] == MULTIRUN_MODE and parsed.multirun
    state = state_from_command(ws, "train", slurm)
    built = build_command(ws, "train", state)
    assert built.multirun and "--multirun" in built.argv
    again = parse_command_line(built.command, ws)  # no second hydra.mode
    assert again.overrides.count(MULTIRUN_MODE) == 1
    swept = parse_command_line("python runners/train.py -m seed=1,2", ws)
    assert swept.overrides == ("seed=1,2",)


def test_pasted_commands_are_bounded(ws: Settings) -> None:
    with pytest.raises(CommandParseError, match="more than the limit"):
        parse_command_line("python runners/train.py " + "x" * 200_000, ws)
    with pytest.raises(CommandParseError, match="words, more than the limit"):
        parse_command_line("python runners/train.py " + "a=1 " * 3000, ws)


def test_prefixes_continuations_and_flags(ws: Settings) -> None:
    text = "uv run python runners/train.py \\\n  exp_name=x \\\n  -m 'model.optimizer.lr=0.1,0.01'"
    parsed = parse_command_line(text, ws)
    assert parsed.prefix == ("uv", "run", "python")
    assert parsed.overrides == ("exp_name=x", "model.optimizer.lr=0.1,0.01")
    assert parsed.multirun
    assert parse_command_line("python ./runners/test.py", ws).page == "test"
    absolute = parse_command_line(f"{sys.executable} {ws.runners_dir / 'predict.py'} seed=3", ws)
    assert (absolute.runner, absolute.page, absolute.overrides) == (
        "runners/predict.py",
        "predict",
        ("seed=3",),
    )
    assert parse_command_line("runners/train.py", ws).prefix == ()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("python runners/train.py exp_name='open", "unbalanced quotes"),
        ('python runners/train.py exp_name="open', "unbalanced quotes"),
        ("python runners/train.py exp_name=x\\", "lone backslash"),
        ("", "empty"),
        ("python -c 'print(1)'", "no runner"),
        ("python runners/other.py", "unknown runner"),
        ("python /tmp/evil.py", "outside the workspace"),
        ("python configs/train.py", "not a runner"),
        ("python runners/train.py --cfg job", "unsupported option --cfg"),
        ("python runners/train.py -c x", "unsupported option -c"),
    ],
)
def test_parse_errors(ws: Settings, text: str, needle: str) -> None:
    with pytest.raises(CommandParseError) as info:
        parse_command_line(text, ws)
    assert needle in str(info.value)


def test_gate_accepts_workspace_commands(ws: Settings) -> None:
    argv = build_argv(ws, "train", ['exp_name="a b"', "model/architectures=dbnet", "+x=1", "~seed"])
    assert is_workspace_command(argv, ws) is None
    absolute = [*ws.command_prefix, str(ws.runners_dir / "train.py"), "-m", "seed=1,2"]
    assert is_workspace_command(absolute, ws) is None
    assert (
        is_workspace_command(build_argv(ws, "train", ["hydra/launcher=submitit_local"]), ws) is None
    )


@pytest.mark.parametrize(
    ("make_argv", "needle"),
    [
        (lambda s: ["bash", "-c", "rm -rf /"], "prefix"),
        (lambda s: ["sh", "runners/train.py"], "prefix"),
        (lambda s: [*s.command_prefix, "-c", "import os"], "option -c"),
        (lambda s: [*s.command_prefix, "-m", "http.server"], "option -m"),
        (lambda s: [*s.command_prefix], "no runner"),
        (lambda s: [*s.command_prefix, "other.py"], "not a runner"),
        (lambda s: [*s.command_prefix, "/tmp/evil.py"], "not a runner"),
        (lambda s: [*s.command_prefix, "runners/../../evil.py"], "not a runner"),
        (lambda s: [*s.command_prefix, "configs/train.yaml"], "not a runner"),
        (lambda s: [*s.command_prefix, "runners/nope.py"], "does not exist"),
        (lambda s: [*s.command_prefix, "runners/train.py", "--cfg", "job"], "option --cfg"),
        (lambda s: [*s.command_prefix, "runners/train.py", "exp_name='x"], "not a Hydra override"),
        (lambda s: [*s.command_prefix, "runners/train.py", "; rm -rf /"], "not a Hydra override"),
        (
            lambda s: [
                *s.command_prefix,
                "runners/train.py",
                "+hydra.callbacks.x._target_=os.system",
            ],
            "refused",
        ),
        (
            lambda s: [*s.command_prefix, "runners/train.py", "+hydra.job.env_set.LD_PRELOAD=x"],
            "refused",
        ),
        (
            lambda s: [*s.command_prefix, "runners/train.py", "model.optimizer._target_=os.system"],
            "refused",
        ),
        (lambda s: "python runners/train.py", "list of strings"),
    ],
)
def test_gate_refuses(ws: Settings, make_argv, needle: str) -> None:
    reason = is_workspace_command(make_argv(ws), ws)
    assert reason is not None and needle in reason, reason


def test_gate_refuses_symlink_escaping_workspace(ws: Settings, tmp_path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("print('outside')\n", encoding="utf-8")
    (ws.runners_dir / "sneaky.py").symlink_to(outside)
    reason = is_workspace_command([*ws.command_prefix, "runners/sneaky.py"], ws)
    assert reason is not None
