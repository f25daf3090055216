"""Form engine on the demo workspace: defaults, options, validation, checkpoints, commands."""

from __future__ import annotations

import shutil

import pytest

from command_builder.commands.command_line import CommandParseError
from command_builder.form import (
    FormState,
    apply_change,
    apply_checkpoint,
    apply_use_case,
    build_view,
    decode_query,
    encode_query,
    initial_state,
    recommendations,
    same_value,
    with_extra_overrides,
)
from command_builder.form.query import QueryError
from command_builder.service import build_command, page_context, state_from_command
from command_builder.settings import Settings
from form_helpers import make_run


@pytest.fixture
def train(read_only_demo: Settings):
    return page_context(read_only_demo, "train")


def change(ctx, state: FormState, **values: object) -> FormState:
    for key, value in values.items():
        state = apply_change(ctx.schema, ctx.catalog, state, key, value)
    return state


def view_of(ctx, state: FormState):
    return build_view(ctx.schema, ctx.catalog, ctx.index, state)


def test_initial_values_are_the_composed_config_s(train) -> None:
    state = initial_state(train.schema, train.catalog)
    values = state.values
    assert (values["architecture"], values["encoder"], values["decoder"]) == (
        "dbnet",
        "resnet18",
        "unet",
    )
    assert (values["batch_size"], values["max_epochs"], values["precision"]) == (16, 10, "32-true")
    assert values["use_wandb"] is False and state.touched == frozenset()
    assert view_of(train, change(train, state, exp_name="x")).overrides == ("exp_name=x",)


def test_architecture_fills_untouched_fields_and_never_overwrites_touched(train) -> None:
    state = initial_state(train.schema, train.catalog)
    state = change(train, state, encoder="resnet50", architecture="dbnetpp")
    assert state.values["encoder"] == "resnet50"  # touched before: kept
    assert state.values["decoder"] == "dbpp_decoder" and state.values["optimizer"] == "adamw"
    assert state.values["learning_rate"] == 0.0005  # the architecture's own default wins
    state = change(train, state, architecture="dbnet")
    assert state.values["decoder"] == "unet" and state.values["optimizer"] == "adam"
    assert state.values["learning_rate"] == 0.001
    assert state.touched == {"encoder", "architecture"}


def test_optimizer_change_sets_learning_rate_unless_touched(train) -> None:
    state = change(train, initial_state(train.schema, train.catalog), architecture="dbnet")
    state = change(train, state, optimizer="sgd")
    assert state.values["learning_rate"] == 0.007
    state = change(train, state, learning_rate=0.01, optimizer="adamw")
    assert state.values["learning_rate"] == 0.01


def test_learning_rate_bounds_and_help_from_optimizer(train) -> None:
    state = change(
        train,
        initial_state(train.schema, train.catalog),
        architecture="dbnet",
        optimizer="sgd",
        learning_rate=0.5,
    )
    field = view_of(train, state).field("learning_rate")
    assert (field.min_value, field.max_value, field.step) == (1e-4, 1e-1, 1e-4)
    assert "sgd: Needs a higher learning rate" in field.help and "between" in field.error


def test_options_filtered_by_architecture_and_incompatible_value_is_an_error(train) -> None:
    state = change(train, initial_state(train.schema, train.catalog), architecture="dbnet")
    assert view_of(train, state).field("encoder").options == (
        "resnet18",
        "resnet34",
        "resnet50",
        "mobilenetv3_small_050",
        "efficientnet_b0",
    )
    state = change(train, state, encoder="resnet50", architecture="craft")
    view = view_of(train, state)
    assert state.values["encoder"] == "resnet50"  # not silently changed
    assert view.field("encoder").options == ("vgg16_bn", "resnet34", "resnet50")
    assert "encoder" not in view.errors
    state = change(train, state, decoder="unet")
    assert "not compatible with craft" in view_of(train, state).errors["decoder"]


def test_labels_and_component_summary(train) -> None:
    state = change(train, initial_state(train.schema, train.catalog), architecture="dbnetpp")
    view = view_of(train, state)
    assert view.field("architecture").option_labels["dbnetpp"] == "dbnetpp"
    assert view.field("component_summary").text.startswith("Encoder: resnet50 · Decoder: dbpp")


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("learning_rate", "abc", "expected a number"),
        ("batch_size", 2.5, "whole number"),
        ("batch_size", True, "whole number"),
        ("batch_size", 0, "between 1 and 1024"),
        ("gradient_clip_val", -1.0, "at least 0"),
        ("gradient_clip_val", float("nan"), "finite"),
        ("use_wandb", "yes", "true or false"),
        ("dataset", "nope", "not an option of config group data"),
        ("precision", "64", "not one of the options"),
        ("max_epochs", 0, "between 1 and 10000"),
        ("seed", -1, "at least 0"),
    ],
)
def test_field_errors(train, key: str, value: object, needle: str) -> None:
    state = change(train, initial_state(train.schema, train.catalog), exp_name="x")
    state = change(train, state, **{key: value})
    assert needle in view_of(train, state).errors[key]


def test_overrides_order_defaults_omitted_and_extras_last(train) -> None:
    state = change(train, initial_state(train.schema, train.catalog), exp_name="run", seed=7)
    state = with_extra_overrides(state, ["trainer.devices=2"])
    overrides = view_of(train, state).overrides
    assert overrides[0] == "exp_name=run"
    assert "seed=7" in overrides and not any("precision" in o for o in overrides)
    assert overrides[-1] == "trainer.devices=2"
    assert not any("batch_size" in o for o in overrides)  # the config's value: not written


def test_bad_extra_override_is_an_error(train) -> None:
    state = with_extra_overrides(initial_state(train.schema, train.catalog), ["a=[1"])
    assert "extra_overrides" in view_of(train, state).errors


def test_profile_locks_dataset_and_emits_its_overrides(train) -> None:
    state = change(
        train,
        initial_state(train.schema, train.catalog),
        exp_name="x",
        dataset="canonical",
        preprocessing_profile="lens_style",
    )
    view = view_of(train, state)
    assert "Lens style" in view.field("dataset").locked_by
    assert "data=canonical" not in view.overrides
    assert view.overrides[-2:] == ("data=preprocessing", "data.preprocessing.mode=lens_style")


def test_view_is_memoised_per_state(train) -> None:
    state = change(train, initial_state(train.schema, train.catalog), exp_name="x")
    assert view_of(train, state) is view_of(train, change(train, state, exp_name="x"))
    assert view_of(train, state) is not view_of(train, change(train, state, seed=1))


def test_use_case_sets_exactly_its_values_and_reports_changes(train) -> None:
    state = change(
        train,
        initial_state(train.schema, train.catalog),
        exp_name="x",
        architecture="dbnet",
        max_epochs=99,
    )
    new, changed = apply_use_case(train.schema, train.catalog, state, "dbnetpp", "sgd_long")
    assert new.values["architecture"] == "dbnetpp"
    for key, value in train.catalog.architectures["dbnetpp"].use_cases[1].values.items():
        assert same_value(new.values[key], value) or new.values[key] == value
        assert key in new.use_case_keys and key not in new.touched  # set, not chosen
    assert new.values["exp_name"] == "x"
    assert {"architecture", "optimizer", "learning_rate", "max_epochs"} <= changed
    assert "exp_name" not in changed


def test_recommendations(train) -> None:
    state = initial_state(train.schema, train.catalog)
    leading = recommendations(train.schema, train.catalog, change(train, state, architecture=None))
    assert [(r.architecture, r.id) for r in leading] == [
        ("craft", "paper_recipe"),
        ("dbnet", "fast_baseline"),
        ("dbnetpp", "balanced"),
    ]
    chosen = recommendations(
        train.schema, train.catalog, change(train, state, architecture="dbnet")
    )
    assert [r.id for r in chosen] == ["fast_baseline", "accurate_resnet50", "mobile"]
    assert all(r.architecture == "dbnet" for r in chosen)
    test_ctx = page_context_for(train, "test")
    assert (
        recommendations(
            test_ctx.schema, test_ctx.catalog, initial_state(test_ctx.schema, test_ctx.catalog)
        )
        == ()
    )


def page_context_for(train, page: str):
    from command_builder.schema import load_schema_file
    from command_builder.schema.loader import DEFAULTS_DIR

    return type(train)(load_schema_file(DEFAULTS_DIR / f"{page}.yaml"), train.catalog, train.index)


def test_checkpoint_fills_components_and_warns_on_mismatch(demo_settings: Settings) -> None:
    path = make_run(
        demo_settings,
        "craft_run",
        architecture="craft",
        encoder="vgg16_bn",
        decoder="craft_decoder",
        head="craft_head",
        loss="craft_loss",
        data="craft",
    )
    ctx = page_context(demo_settings, "test")
    state, changed = apply_checkpoint(
        ctx.schema, ctx.catalog, ctx.index, initial_state(ctx.schema, ctx.catalog), path
    )
    assert state.values["architecture"] == "craft" and state.values["encoder"] == "vgg16_bn"
    assert state.values["dataset"] == "craft" and state.values["head"] == "craft_head"
    assert {"checkpoint", "architecture", "encoder", "decoder", "dataset"} <= changed
    view = build_view(ctx.schema, ctx.catalog, ctx.index, state)
    assert view.ok and "head" not in {w.split(":")[0] for w in view.warnings}
    state = apply_change(ctx.schema, ctx.catalog, state, "encoder", "resnet34")
    warnings = build_view(ctx.schema, ctx.catalog, ctx.index, state).warnings
    assert any(w.startswith("Encoder:") and "vgg16_bn" in w for w in warnings)


def test_deleted_checkpoint_is_a_field_error(demo_settings: Settings) -> None:
    path = make_run(demo_settings, "gone")
    ctx = page_context(demo_settings, "predict")
    state, _ = apply_checkpoint(
        ctx.schema, ctx.catalog, ctx.index, initial_state(ctx.schema, ctx.catalog), path
    )
    assert build_view(ctx.schema, ctx.catalog, ctx.index, state).ok
    shutil.rmtree(demo_settings.outputs_dir / "gone")
    ctx = page_context(demo_settings, "predict")  # the index refreshes
    errors = build_view(ctx.schema, ctx.catalog, ctx.index, state).errors
    assert "does not exist" in errors["checkpoint"]
    assert "does not exist" in build_command(demo_settings, "predict", state).errors[0]


def test_build_command_argv(read_only_demo: Settings, train) -> None:
    state = change(train, initial_state(train.schema, train.catalog), exp_name="a b")
    built = build_command(read_only_demo, "train", state)
    prefix = read_only_demo.command_prefix
    assert built.argv == (*prefix, "runners/train.py", *built.overrides)
    assert built.overrides[0] == 'exp_name="a b"'
    assert built.errors == () and built.overrides == ('exp_name="a b"',)


def test_state_from_command_maps_fields_and_keeps_extras(read_only_demo: Settings, train) -> None:
    text = (
        "uv run python runners/train.py exp_name=x model.optimizer.lr=1 "
        "batch_size=4 +trainer.foo=1 'model.optimizer.lr=abc' "
        "exp_name=123 seed=${oc.env:SEED}"
    )
    state = state_from_command(read_only_demo, "train", text)
    assert state.values["exp_name"] == "x" and same_value(state.values["learning_rate"], 1.0)
    assert state.values["batch_size"] == 4
    assert state.extra_overrides == (
        "+trainer.foo=1",
        "model.optimizer.lr=abc",
        "exp_name=123",
        "seed=${oc.env:SEED}",
    )
    assert state.touched == {"exp_name", "learning_rate", "batch_size"}


def test_pasted_profile_is_recognised(read_only_demo: Settings) -> None:
    text = (
        "python runners/train.py exp_name=x data=preprocessing data.preprocessing.mode=lens_style "
        "data.preprocessing.enhancement=office"
    )
    state = state_from_command(read_only_demo, "train", text)
    assert state.values["preprocessing_profile"] == "lens_style_office"
    assert state.extra_overrides == ()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("python runners/train.py 'exp_name=x", "unbalanced quotes"),
        ("python runners/train.py exp_name=[1", "not a Hydra override"),
        ("python runners/test.py checkpoint_path=x", "not of the train page"),
        ("python nothing here", "no runner"),
    ],
)
def test_malformed_pasted_commands(read_only_demo: Settings, text: str, needle: str) -> None:
    with pytest.raises(CommandParseError, match=needle):
        state_from_command(read_only_demo, "train", text)


def test_query_round_trip_is_exact(train) -> None:
    state = change(
        train,
        initial_state(train.schema, train.catalog),
        exp_name="32",
        architecture="craft",
        learning_rate="abc",
        precision="bf16-mixed",
        seed=True,
    )
    state = with_extra_overrides(state, ["+a=1"])
    params = encode_query(train.schema, train.catalog, state)
    assert params["architecture"] == "craft" and params["exp_name"] == '"32"'
    assert "batch_size" not in params
    back = decode_query(train.schema, train.catalog, params)
    assert back.values == state.values and back.extra_overrides == ("+a=1",)
    with pytest.raises(QueryError):
        decode_query(train.schema, train.catalog, {"_extra": "x"})
    assert decode_query(train.schema, train.catalog, {"nope": "1"}).values == (
        initial_state(train.schema, train.catalog).values
    )


def test_unknown_key_is_a_key_error(train) -> None:
    with pytest.raises(KeyError, match="fields: exp_name"):
        apply_change(
            train.schema, train.catalog, initial_state(train.schema, train.catalog), "nope", 1
        )
