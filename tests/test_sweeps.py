"""Sweeps: user-typed specs, Hydra sweep override text, and run counts as Hydra makes them."""

from __future__ import annotations

import pytest
from hydra.core.override_parser.types import RangeSweep
from hypothesis import given, settings
from hypothesis import strategies as st

from command_builder.commands import sweeps
from command_builder.commands.overrides import format_value, override_value, parse_override
from command_builder.commands.sweeps import (
    SweepError,
    SweepRange,
    count_runs,
    count_values,
    expand_runs,
    field_sweep_overrides,
    follows,
    override_runs,
    parse_sweep_spec,
    sweep_override,
)
from command_builder.commands.validate import compose_check
from examples_budget import examples


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("1e-3,5e-4", {"numeric": True}, (0.001, 0.0005)),
        (" 8, 16 ,32 ", {"numeric": True}, (8, 16, 32)),
        ("range(10,40,10)", {"numeric": True}, SweepRange(10, 40, 10)),
        ("range(5)", {"numeric": True}, SweepRange(0, 5, 1)),
        ("range(0.1,0.5,0.1)", {"numeric": True}, SweepRange(0.1, 0.5, 0.1)),
        ("adam,adamw", {}, ("adam", "adamw")),
        ("32,bf16-mixed", {}, (32, "bf16-mixed")),
        ("'a b',\"c,d\"", {}, ("a b", "c,d")),
        ("3", {"numeric": True}, (3,)),
    ],
)
def test_parse_sweep_spec(text: str, kwargs: dict, expected: object) -> None:
    assert parse_sweep_spec(text, **kwargs) == expected


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        (
            "range(10,40",
            {"numeric": True},
            "malformed range 'range(10,40': write range(start, stop, step)",
        ),
        ("range(a,b,c)", {"numeric": True}, "malformed range"),
        ("range(1,5,0)", {"numeric": True}, "range step must not be 0"),
        ("range(5,1)", {"numeric": True}, "'range(5,1)' has no values"),
        ("", {"numeric": True}, "no values: give values separated by commas"),
        ("   ", {}, "no values"),
        ("1e-3,fast", {"numeric": True}, "fast is not a number"),
        ("range(1,3)", {}, "range() needs a number field"),
        ("8,8", {"numeric": True}, "8 is listed twice"),
        ("glob(*)", {}, "only lists of values and range() can sweep here"),
        ("interval(0,1)", {"numeric": True}, "only lists of values and range() can sweep here"),
        ("a,,b", {}, "cannot read 'a,,b'"),
    ],
)
def test_parse_sweep_spec_errors_are_clear(text: str, kwargs: dict, message: str) -> None:
    with pytest.raises(SweepError) as caught:
        parse_sweep_spec(text, **kwargs)
    assert message in caught.value.message


def test_sweep_override_uses_hydra_grammar() -> None:
    assert sweep_override("model.optimizer.lr", (1e-3, 5e-4)) == "model.optimizer.lr=0.001,0.0005"
    assert (
        sweep_override("trainer.max_epochs", SweepRange(1, 5, 2))
        == "trainer.max_epochs=range(1,5,2)"
    )
    assert sweep_override("model/architectures", ("dbnet", "craft"), kind="group") == (
        "model/architectures=dbnet,craft"
    )
    assert sweep_override("exp_name", ("only",)) == "exp_name=only"  # one value: no sweep
    with pytest.raises(ValueError):
        sweep_override("model/architectures", SweepRange(1, 3), kind="group")


def test_sweep_elements_are_quoted_like_single_values() -> None:
    values = ("a b", "x,y", "${oc.env:HOME}", "it's", "1e-3", "ünï", "back\\slash")
    text = sweep_override("exp_name", values)
    assert text == "exp_name=" + ",".join(format_value(v) for v in values)
    assert override_value(parse_override(text)) == values


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=4, unique=True))
def test_any_strings_sweep_back_exactly(values: list[str]) -> None:
    text = sweep_override("exp_name", tuple(values))
    assert override_value(parse_override(text)) == tuple(values)
    assert count_runs([text]) == len(values)
    assert parse_sweep_spec(text.split("=", 1)[1]) == tuple(values)


@settings(max_examples=examples(300), deadline=None)
@given(
    st.integers(-50, 50),
    st.integers(-50, 50),
    st.integers(-7, 7).filter(bool),
    st.booleans(),
)
def test_range_count_matches_hydra_iteration(
    start: int, stop: int, step: int, floats: bool
) -> None:
    if floats:
        start_f, stop_f, step_f = start / 10, stop / 10, step / 10
        sweep = RangeSweep(start=start_f, stop=stop_f, step=step_f)
        ours = SweepRange(start_f, stop_f, step_f)
    else:
        sweep = RangeSweep(start=start, stop=stop, step=step)
        ours = SweepRange(start, stop, step)
    assert ours.count() == len(list(sweep.range()))
    assert count_runs([f"a={ours.text()}"]) == ours.count()


def test_count_is_a_product_over_keys_last_override_wins() -> None:
    overrides = [
        "model/architectures=dbnet,craft",
        "model.optimizer.lr=0.001,0.0005,0.0001",
        "trainer.max_epochs=range(10,40,10)",
        "seed=1,2",
        "seed=7",  # the last override of a key wins, as in Hydra's BasicSweeper
        "exp_name=x",
        "hydra/launcher=submitit_local",
    ]
    assert count_runs(overrides) == 2 * 3 * 3
    assert len(expand_runs(overrides)) == 18
    assert count_runs(["exp_name=x"]) == 1
    assert override_runs("exp_name=x") == ("exp_name", 1, False)
    assert override_runs("+a.b=range(1,2)") == ("+a.b", 1, True)  # one value, still a sweep
    assert count_values(SweepRange(0.0, 1.0, 0.25)) == 4 and count_values(("a", "b")) == 2


def test_huge_products_are_counted_without_enumerating(monkeypatch: pytest.MonkeyPatch) -> None:
    def listed(*args: object) -> None:  # test stand-in: listing a float range fails loudly
        raise AssertionError("a huge float range was listed to count it")

    monkeypatch.setattr(sweeps, "FloatRange", listed)
    total = count_runs(["a=range(0,1000000000)", "b=range(0.0,1000000.0,0.5)", "c=1,2,3"])
    assert total == 10**9 * 2 * 10**6 * 3
    monkeypatch.undo()
    with pytest.raises(SweepError, match="more than"):
        expand_runs(["a=range(0,1000000)"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["hydra.launcher.timeout_min=1,2"], "Hydra's own configuration (hydra.*) cannot sweep"),
        (["a=range(1,5,0)"], "a=range(1,5,0): range step must not be 0"),
        (["a=glob(*)"], "glob() sweeps cannot be counted"),
        (["a=interval(0,1)"], "basic sweeper only runs lists and range()"),
        (["a=[1,2"], "a=[1,2"),
    ],
)
def test_count_errors(overrides: list[str], message: str) -> None:
    with pytest.raises(SweepError) as caught:
        count_runs(overrides)
    assert message in caught.value.message


def test_expand_runs_writes_each_run_like_hydra() -> None:
    runs = expand_runs(
        ["exp_name='a b',c", "model/architectures=dbnet,craft", "hydra/launcher=submitit_local"]
    )
    assert runs == [
        ["exp_name='a b'", "model/architectures=dbnet"],
        ["exp_name='a b'", "model/architectures=craft"],
        ["exp_name=c", "model/architectures=dbnet"],
        ["exp_name=c", "model/architectures=craft"],
    ]


def test_a_sweep_composes_every_value(demo_settings) -> None:
    good = [
        sweep_override("model/architectures", ("dbnet", "craft"), kind="group"),
        sweep_override("model.optimizer.lr", parse_sweep_spec("1e-3,5e-4", numeric=True)),
        sweep_override("trainer.max_epochs", parse_sweep_spec("range(10,40,10)", numeric=True)),
    ]
    assert compose_check(demo_settings, "train", good, multirun=True).ok
    bad = [sweep_override("model/architectures", ("dbnet", "nope"), kind="group")]
    result = compose_check(demo_settings, "train", bad, multirun=True)
    assert not result.ok and "nope" in result.issues[0].message


def test_a_field_with_two_paths_sweeps_once(demo_settings) -> None:
    """Batch size writes train and val: val follows train, so 2 values make 2 runs, not 4."""
    paths = ["dataloaders.train_dataloader.batch_size", "dataloaders.val_dataloader.batch_size"]
    overrides = field_sweep_overrides(paths, (8, 16))
    assert overrides == (
        "dataloaders.train_dataloader.batch_size=8,16",
        "dataloaders.val_dataloader.batch_size=${dataloaders.train_dataloader.batch_size}",
    )
    assert count_runs(overrides) == 2
    assert [follows(t) for t in overrides] == [None, paths[0]]
    assert follows("exp_name=x") is None and follows("a=${b}x") is None
    result = compose_check(demo_settings, "train", overrides, multirun=True)
    assert result.ok, result.issues
    with pytest.raises(ValueError):
        field_sweep_overrides(["model/architectures", "x"], ("dbnet",), kind="group")
