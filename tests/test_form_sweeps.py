"""Sweep fields in the form engine: run count, confirmation, multirun argv, round trips."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from command_builder.commands.sweeps import parse_sweep_spec
from command_builder.commands.validate import compose_check
from command_builder.form import (
    FormState,
    apply_change,
    apply_sweep,
    build_view,
    decode_query,
    encode_query,
    initial_state,
    with_extra_overrides,
)
from command_builder.schema import SchemaError, load_schema_file
from command_builder.service import command_of, page_context, state_from_command
from command_builder.settings import Settings
from examples_budget import examples


def start(settings: Settings, page: str = "train") -> tuple[object, FormState]:
    context = page_context(settings, page)
    state = initial_state(context.schema, context.catalog)
    return context, apply_change(context.schema, context.catalog, state, "exp_name", "sweep")


def built_of(settings: Settings, context, state: FormState):
    view = build_view(context.schema, context.catalog, context.index, state)
    return view, command_of(settings, view)


def sweeps_of(settings: Settings, context, specs: dict[str, str]):
    _, state = start(settings, context.schema.page)
    for key, spec in specs.items():
        state = apply_sweep(context.schema, state, key, spec)
    return state


def test_sweep_fields_make_a_multirun_with_its_run_count(read_only_demo: Settings) -> None:
    context, _ = start(read_only_demo)
    state = sweeps_of(
        read_only_demo,
        context,
        {
            "learning_rate": "1e-3,5e-4",
            "max_epochs": "range(10,40,10)",
            "batch_size": "8,16",
            "optimizer": "adam,adamw",
        },
    )
    view, built = built_of(read_only_demo, context, state)
    assert view.ok, view.errors
    assert view.run_count == built.run_count == 2 * 3 * 2 * 2
    assert built.multirun and built.argv[built.argv.index("runners/train.py") + 1] == "--multirun"
    assert "model.optimizer.lr=0.001,0.0005" in built.overrides
    assert "trainer.max_epochs=range(10,40,10)" in built.overrides
    assert "model/optimizers=adam,adamw" in built.overrides
    assert "batch_size=8,16" in built.overrides
    assert (
        view.field("learning_rate").sweep == "1e-3,5e-4"
        and view.field("max_epochs").sweep_count == 3
    )
    assert built.needs_confirmation  # 24 runs > the default threshold 16
    assert compose_check(read_only_demo, "train", built.overrides, multirun=True).ok


def test_confirmation_above_the_threshold(read_only_demo: Settings) -> None:
    context, _ = start(read_only_demo)
    at_limit = sweeps_of(read_only_demo, context, {"seed": "range(0,16)"})
    assert built_of(read_only_demo, context, at_limit)[1].run_count == 16
    assert not built_of(read_only_demo, context, at_limit)[1].needs_confirmation
    above = sweeps_of(read_only_demo, context, {"seed": "range(0,17)"})
    built = built_of(read_only_demo, context, above)[1]
    assert built.run_count == 17 and built.needs_confirmation
    assert built.as_dict()["needs_confirmation"] is True
    strict = replace(read_only_demo, sweep_confirm_threshold=2)
    assert built_of(strict, context, sweeps_of(strict, context, {"seed": "1,2,3"}))[
        1
    ].needs_confirmation


def test_extra_override_sweeps_count_too(read_only_demo: Settings) -> None:
    context, state = start(read_only_demo)
    state = with_extra_overrides(
        apply_sweep(context.schema, state, "seed", "1,2"), ["+trainer.benchmark=true,false"]
    )
    view, built = built_of(read_only_demo, context, state)
    assert view.run_count == 4 and built.multirun


@pytest.mark.parametrize(
    ("key", "spec", "message"),
    [
        (
            "max_epochs",
            "range(10,40",
            "Max epochs: malformed range 'range(10,40': write range(start, stop, step)",
        ),
        ("max_epochs", "range(1,5,0)", "Max epochs: range step must not be 0"),
        ("max_epochs", "1.5,2", "Max epochs: expected a whole number, got 1.5"),
        ("batch_size", "8,2048", "Batch size: 2048: must be between 1 and 1024"),
        ("max_epochs", "range(0,5)", "Max epochs: 0: must be between 1 and 10000"),
        ("learning_rate", "fast,slow", "Learning rate: fast is not a number"),
        ("precision", "32,64", "Precision: 64 is not one of the options"),
        (
            "optimizer",
            "adam,lion",
            "Optimizer: 'lion' is not an option of config group model/optimizers",
        ),
        ("seed", "1,1", "Seed: 1 is listed twice"),
    ],
)
def test_bad_sweeps_are_field_errors(
    read_only_demo: Settings, key: str, spec: str, message: str
) -> None:
    context, state = start(read_only_demo)
    view, built = built_of(read_only_demo, context, apply_sweep(context.schema, state, key, spec))
    assert view.errors[key].startswith(message), view.errors[key]
    assert not any(
        o.startswith(tuple(context.schema.by_key[key].hydra_override)) for o in built.overrides
    )


def test_compatibility_filter_applies_to_each_value(read_only_demo: Settings) -> None:
    context, state = start(read_only_demo)
    state = apply_change(context.schema, context.catalog, state, "architecture", "dbnet")
    view, _ = built_of(
        read_only_demo, context, apply_sweep(context.schema, state, "encoder", "resnet18,vgg16_bn")
    )
    assert "vgg16_bn is not compatible with dbnet" in view.errors["encoder"]


def test_apply_sweep_refuses_fields_that_cannot_sweep(read_only_demo: Settings) -> None:
    context, state = start(read_only_demo)
    with pytest.raises(ValueError, match="cannot sweep"):
        apply_sweep(context.schema, state, "exp_name", "a,b")
    with pytest.raises(KeyError):
        apply_sweep(context.schema, state, "nope", "1,2")
    swept = apply_sweep(context.schema, state, "seed", "1,2")
    assert apply_sweep(context.schema, swept, "seed", " ") == state


def test_a_pasted_multirun_fills_the_sweeps(read_only_demo: Settings) -> None:
    context, state = start(read_only_demo)
    state = sweeps_of(
        read_only_demo,
        context,
        {"batch_size": "8,16", "max_epochs": "range(1,3)", "dataset": "default,canonical"},
    )
    _, built = built_of(read_only_demo, context, state)
    back = state_from_command(read_only_demo, "train", built.command)
    assert back.extra_overrides == ()
    assert {k: parse_sweep_spec(v, numeric=k != "dataset") for k, v in back.sweeps.items()} == {
        "batch_size": (8, 16),
        "max_epochs": parse_sweep_spec("range(1,3)", numeric=True),
        "dataset": ("default", "canonical"),
    }
    assert built_of(read_only_demo, context, back)[1].overrides == built.overrides
    link = decode_query(
        context.schema, context.catalog, encode_query(context.schema, context.catalog, state)
    )
    assert link.sweeps == state.sweeps


def test_test_page_sweeps_checkpoints(demo_settings: Settings) -> None:
    from form_helpers import make_run

    make_run(demo_settings, "dbnet_run")
    make_run(demo_settings, "dbnet_run_2")
    context, _ = start(demo_settings, "test")
    context.index.refresh(force=True)
    paths = [c.path for c in context.index.checkpoints][:2]
    assert len(paths) == 2
    state = initial_state(context.schema, context.catalog)
    spec = ",".join(f"'{p}'" for p in paths)
    view, built = built_of(
        demo_settings, context, apply_sweep(context.schema, state, "checkpoint", spec)
    )
    assert "checkpoint" not in view.errors and built.run_count == 2 and built.multirun
    bad = apply_sweep(context.schema, state, "checkpoint", "'outputs/gone.ckpt','x.ckpt'")
    assert "does not exist" in built_of(demo_settings, context, bad)[0].errors["checkpoint"]


def test_schema_refuses_sweeps_on_other_types(tmp_path) -> None:
    path = tmp_path / "train.yaml"
    path.write_text(
        "page: train\ntitle: T\nelements:\n"
        "  - {key: exp_name, type: text_input, label: Name, hydra_override: exp_name, sweep: true}\n"
    )
    with pytest.raises(SchemaError, match="can sweep"):
        load_schema_file(path)


NUMERIC = {
    "learning_rate": (1e-6, 1e-2),
    "max_epochs": (1, 10000),
    "batch_size": (1, 1024),
    "seed": (0, 10**6),
    "weight_decay": (0.0, 1.0),
}


@pytest.mark.slow  # seconds of real Hydra composes; not in `make test-fast`
@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_any_valid_numeric_sweep_composes_and_reads_back(demo_settings: Settings, data) -> None:
    context, state = start(demo_settings)
    specs = {}
    for key in data.draw(
        st.lists(st.sampled_from(sorted(NUMERIC)), min_size=1, max_size=3, unique=True)
    ):
        low, high = NUMERIC[key]
        number = st.integers(int(low), int(high)) if isinstance(low, int) else st.floats(low, high)
        values = data.draw(st.lists(number, min_size=2, max_size=3, unique=True))
        specs[key] = ",".join(repr(v) for v in values)
        state = apply_sweep(context.schema, state, key, specs[key])
    view, built = built_of(demo_settings, context, state)
    assert view.ok, view.errors
    assert compose_check(demo_settings, "train", built.overrides, multirun=True).ok
    back = state_from_command(demo_settings, "train", built.command)
    assert built_of(demo_settings, context, back)[1].overrides == built.overrides


def test_pasted_overrides_that_disagree_with_a_sweep_stay_extra(read_only_demo: Settings) -> None:
    context, _ = start(read_only_demo)
    state = state_from_command(
        read_only_demo, "train", "python runners/train.py -m batch_size=8,16 batch_size=4"
    )
    assert state.sweeps["batch_size"] == "8,16" and state.extra_overrides == ("batch_size=4",)
    state = state_from_command(
        read_only_demo, "train", "python runners/train.py -m batch_size=4 batch_size=8,16"
    )
    assert "batch_size" not in state.sweeps and state.extra_overrides == ("batch_size=8,16",)
