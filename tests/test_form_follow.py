"""The form follows the user (issue 11, deliver 2 and 3) on the demo workspace.

Architecture changes move what the user did not choose, use cases replace each other
cleanly, and a checkpoint brings its run's setup with per-field warnings.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from command_builder.form import (
    FormState,
    apply_change,
    apply_checkpoint,
    apply_sweep,
    apply_use_case,
    build_view,
    initial_state,
)
from command_builder.service import PageContext, build_command, page_context
from command_builder.settings import Settings, copy_demo_workspace, load_settings
from examples_budget import examples
from form_helpers import recorded_run, run_cli

COMPONENTS = ("encoder", "decoder", "head", "loss", "optimizer")


@pytest.fixture
def train(demo_settings: Settings) -> PageContext:
    return page_context(demo_settings, "train")


def change(ctx: PageContext, state: FormState, **values: object) -> FormState:
    for key, value in values.items():
        state = apply_change(ctx.schema, ctx.catalog, state, key, value)
    return state


def use_case(ctx: PageContext, state: FormState, architecture: str, case: str) -> FormState:
    return apply_use_case(ctx.schema, ctx.catalog, state, architecture, case)[0]


def errors(ctx: PageContext, state: FormState) -> dict[str, str]:
    return dict(build_view(ctx.schema, ctx.catalog, ctx.index, state).errors)


def all_use_cases(ctx: PageContext) -> list[tuple[str, str]]:
    return [(name, u.id) for name, m in ctx.catalog.architectures.items() for u in m.use_cases]


# --- architecture and use cases -----------------------------------------------------------


def test_use_case_then_other_architecture_has_no_errors(train: PageContext) -> None:
    """The issue's reproduction: DBNet, "Mobile / CPU friendly", then CRAFT."""
    state = change(train, initial_state(train.schema, train.catalog), architecture="dbnet")
    state = use_case(train, state, "dbnet", "mobile")
    assert (state.values["encoder"], state.values["decoder"]) == (
        "mobilenetv3_small_050",
        "fpn_decoder",
    )
    state = change(train, state, architecture="craft")
    assert errors(train, state) == {}  # exp_name has its config default
    values = state.values
    assert [values[k] for k in COMPONENTS] == [
        "vgg16_bn",
        "craft_decoder",
        "craft_head",
        "craft_loss",
        "adam",
    ]
    assert values["learning_rate"] == 1e-4  # CRAFT's, not the card's 0.002
    assert values["batch_size"] == 32  # not a component: the card's value stays
    assert not state.notices  # nothing the user chose was reset


def test_own_card_after_another_architecture_has_no_errors(train: PageContext) -> None:
    state = use_case(train, initial_state(train.schema, train.catalog), "dbnet", "mobile")
    state = use_case(train, state, "craft", "paper_recipe")
    assert errors(train, state) == {}
    assert state.values["decoder"] == "craft_decoder"


@pytest.mark.parametrize("pair", ["same", "other"])
def test_a_card_after_a_card_equals_that_card_alone(train: PageContext, pair: str) -> None:
    """What the previous card set and this one does not name goes back to its default."""
    fresh = change(train, initial_state(train.schema, train.catalog), exp_name="x")
    cases = all_use_cases(train)
    for first, second in itertools.product(cases, cases):
        if (first[0] == second[0]) != (pair == "same"):
            continue
        alone = use_case(train, fresh, *second)
        after = use_case(train, use_case(train, fresh, *first), *second)
        assert after.values == alone.values, (first, second)
        assert errors(train, after) == {}, (first, second)
        assert after.use_case_keys == alone.use_case_keys


def test_card_weight_decay_does_not_linger(train: PageContext) -> None:
    state = use_case(
        train, initial_state(train.schema, train.catalog), "dbnet", "accurate_resnet50"
    )
    assert state.values["weight_decay"] == 0.01 and state.values["accumulate_grad_batches"] == 2
    back_to_adam = change(train, state, optimizer="adam")
    assert back_to_adam.values["weight_decay"] == 1e-4  # Adam's default, not the card's
    assert back_to_adam.values["learning_rate"] == 0.001  # DBNet's own with its optimizer
    other_card = use_case(train, state, "dbnet", "fast_baseline")
    assert other_card.values["weight_decay"] == 1e-4
    assert other_card.values["accumulate_grad_batches"] == 1
    assert other_card.values["precision"] == "32-true" and other_card.values["dataset"] == "default"


def test_a_value_the_user_changed_after_a_card_is_theirs(train: PageContext) -> None:
    state = use_case(
        train, initial_state(train.schema, train.catalog), "dbnet", "accurate_resnet50"
    )
    state = change(train, state, accumulate_grad_batches=4)
    assert "accumulate_grad_batches" in state.touched
    assert "accumulate_grad_batches" not in state.use_case_keys
    state = use_case(train, state, "dbnet", "fast_baseline")
    assert state.values["accumulate_grad_batches"] == 4  # not reset: the user chose it
    assert state.values["precision"] == "32-true"  # reset: only the card had set it


def test_chosen_component_the_new_architecture_lacks_is_reset_with_a_notice(
    train: PageContext,
) -> None:
    state = change(
        train,
        initial_state(train.schema, train.catalog),
        architecture="dbnet",
        encoder="resnet50",
        decoder="fpn_decoder",
    )
    state = change(train, state, architecture="craft")
    assert errors(train, state) == {}
    assert state.values["encoder"] == "resnet50"  # chosen and supported by CRAFT: kept
    assert state.values["decoder"] == "craft_decoder"
    assert state.notices.keys() == {"decoder"}
    assert "fpn" in state.notices["decoder"] and "craft" in state.notices["decoder"]
    assert "craft_decoder" in state.notices["decoder"]
    assert not change(train, state, seed=1).notices  # the notice is about the last change only


def test_card_of_another_architecture_resets_an_unsupported_choice(train: PageContext) -> None:
    state = change(
        train,
        initial_state(train.schema, train.catalog),
        architecture="dbnet",
        decoder="pan_decoder",
    )
    state, changed = apply_use_case(train.schema, train.catalog, state, "craft", "paper_recipe")
    assert errors(train, state) == {}
    assert state.values["decoder"] == "craft_decoder" and "decoder" in changed
    assert "pan" in state.notices["decoder"]


def test_unchosen_components_follow_each_architecture(train: PageContext) -> None:
    state = initial_state(train.schema, train.catalog)
    meta_key = {e.key: e.metadata_default_key for e in train.schema.elements}
    for name, meta in train.catalog.architectures.items():
        state = change(train, state, architecture=name)
        for key in COMPONENTS:
            assert state.values[key] == meta.defaults[meta_key[key]], (name, key)
        assert state.values["learning_rate"] == meta.defaults[meta_key["learning_rate"]]


def _reachable(data: st.DataObject, ctx: PageContext) -> FormState:
    """A state from a mix of user edits (only options the form offers) and use cases."""
    state = change(ctx, initial_state(ctx.schema, ctx.catalog), exp_name="x")
    keys = ("architecture", "encoder", "decoder", "head", "optimizer", "learning_rate", "seed")
    for _ in range(data.draw(st.integers(0, 6))):
        if data.draw(st.booleans()):
            state = use_case(ctx, state, *data.draw(st.sampled_from(all_use_cases(ctx))))
            continue
        field = build_view(ctx.schema, ctx.catalog, ctx.index, state).field(
            data.draw(st.sampled_from(keys))
        )
        assert field is not None
        if field.options:
            value: object = data.draw(st.sampled_from(field.options))
        else:
            value = data.draw(
                st.sampled_from([1e-4, 1e-3] if field.key == "learning_rate" else [7])
            )
        state = change(ctx, state, **{field.key: value})
    return state


_SHARED: list[PageContext] = []


def _shared_train() -> PageContext:
    if not _SHARED:
        import tempfile

        root = Path(tempfile.mkdtemp()) / "workspace"
        _SHARED.append(page_context(load_settings(copy_demo_workspace(root)), "train"))
    return _SHARED[0]


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_use_cases_and_architecture_changes_never_leave_component_errors(data) -> None:
    ctx = _shared_train()
    state = _reachable(data, ctx)
    components = {e.key for e in ctx.schema.elements if e.filter_by_architecture_key}
    for architecture in sorted(ctx.catalog.architectures):
        moved = change(ctx, state, architecture=architecture)
        assert not components & errors(ctx, moved).keys(), (architecture, errors(ctx, moved))
    for case in all_use_cases(ctx):
        applied = use_case(ctx, state, *case)
        named = applied.use_case_keys
        for key in errors(ctx, applied):  # only the user's own other values may be wrong
            assert key in state.touched and key not in named and key not in components, (
                case,
                errors(ctx, applied),
            )


# --- checkpoints --------------------------------------------------------------------------


DOCTR = {
    "data.preprocessing.mode": "doctr",
    "data.preprocessing.orientation_correction": True,
    "data.preprocessing.perspective_correction": False,
}


def pick(ctx: PageContext, state: FormState, path: str) -> FormState:
    return apply_checkpoint(ctx.schema, ctx.catalog, ctx.index, state, path)[0]


def test_checkpoint_brings_its_profile_into_the_test_command(demo_settings: Settings) -> None:
    path = recorded_run(demo_settings, "doctr_run", data="preprocessing", values=DOCTR)
    ctx = page_context(demo_settings, "test")
    state = pick(ctx, initial_state(ctx.schema, ctx.catalog), path)
    assert state.values["preprocessing_profile"] == "doctr_demo"
    assert state.values["dataset"] == "preprocessing"
    built = build_command(demo_settings, "test", state)
    assert built.errors == () and built.warnings == ()
    assert "data.preprocessing.mode=doctr" in built.overrides
    assert "data.preprocessing.orientation_correction=true" in built.overrides


def test_the_most_specific_profile_is_recognised(demo_settings: Settings) -> None:
    office = {"data.preprocessing.mode": "lens_style", "data.preprocessing.enhancement": "office"}
    runs = {
        "office": recorded_run(demo_settings, "office", data="preprocessing", values=office),
        "plain": recorded_run(demo_settings, "plain"),
        "lens": recorded_run(  # no mode override: the data file's own mode, as composed
            demo_settings,
            "lens",
            data="preprocessing",
            values={"data.preprocessing.mode": "lens_style"},
        ),
    }
    ctx = page_context(demo_settings, "predict")
    start = initial_state(ctx.schema, ctx.catalog)
    found = {name: pick(ctx, start, p).values["preprocessing_profile"] for name, p in runs.items()}
    assert found == {"office": "lens_style_office", "plain": "none", "lens": "lens_style"}


def test_a_field_that_disagrees_with_the_run_warns_next_to_that_field(
    demo_settings: Settings,
) -> None:
    path = recorded_run(demo_settings, "doctr_run", data="preprocessing", values=DOCTR)
    ctx = page_context(demo_settings, "test")
    state = pick(ctx, initial_state(ctx.schema, ctx.catalog), path)
    assert build_view(ctx.schema, ctx.catalog, ctx.index, state).field_warnings == {}
    state = change(ctx, state, preprocessing_profile="none", encoder="resnet34")
    view = build_view(ctx.schema, ctx.catalog, ctx.index, state)
    assert view.field_warnings.keys() == {"preprocessing_profile", "encoder"}
    assert "docTR demo" in view.field_warnings["preprocessing_profile"]
    assert view.field_warnings["encoder"].startswith("Encoder:")
    assert "resnet18" in view.field_warnings["encoder"]  # what the run used
    assert set(view.field_warnings.values()) <= set(view.warnings)  # the CLI prints them too


def test_architecture_change_after_a_checkpoint_follows_and_warns(
    demo_settings: Settings,
) -> None:
    path = recorded_run(
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
    state = pick(ctx, initial_state(ctx.schema, ctx.catalog), path)
    assert {"architecture", "encoder", "dataset"}.isdisjoint(state.touched)  # filled, not chosen
    state = change(ctx, state, architecture="dbnet")
    view = build_view(ctx.schema, ctx.catalog, ctx.index, state)
    assert view.ok
    assert state.values["encoder"] == "resnet18" and state.values["decoder"] == "unet"
    assert {"architecture", "encoder", "decoder", "head", "loss"} <= view.field_warnings.keys()


def test_checkpoint_replaces_a_chosen_component_with_the_runs(demo_settings: Settings) -> None:
    path = recorded_run(
        demo_settings,
        "craft_run",
        architecture="craft",
        encoder="vgg16_bn",
        decoder="craft_decoder",
        head="craft_head",
        loss="craft_loss",
        data="craft",
    )
    ctx = page_context(demo_settings, "predict")
    state = change(
        ctx, initial_state(ctx.schema, ctx.catalog), architecture="dbnet", decoder="pan_decoder"
    )
    state = pick(ctx, state, path)
    assert state.values["decoder"] == "craft_decoder" and "decoder" not in state.touched
    view = build_view(ctx.schema, ctx.catalog, ctx.index, state)
    assert view.ok and view.field_warnings == {}


def test_resume_fills_dataset_and_warns_nothing_to_train(demo_settings: Settings) -> None:
    path = recorded_run(demo_settings, "long_run", epoch=39, data="canonical")
    ctx = page_context(demo_settings, "train")
    state = change(ctx, initial_state(ctx.schema, ctx.catalog), exp_name="more", resume=True)
    state = pick(ctx, state, path)
    assert state.values["dataset"] == "canonical" and state.values["architecture"] == "dbnet"
    assert state.values["max_epochs"] == 10

    def warning(max_epochs: int) -> str | None:
        moved = change(ctx, state, max_epochs=max_epochs)
        view = build_view(ctx.schema, ctx.catalog, ctx.index, moved)
        return view.field_warnings.get("max_epochs")

    assert "nothing to train" in (warning(10) or "")
    assert "nothing to train" in (warning(40) or "")  # epoch=39 has finished 40 epochs
    assert warning(41) is None
    hidden = change(ctx, change(ctx, state, max_epochs=10), resume=False)
    assert build_view(ctx.schema, ctx.catalog, ctx.index, hidden).field_warnings == {}


def test_unreadable_run_config_warns_on_the_checkpoint_field(demo_settings: Settings) -> None:
    path = recorded_run(demo_settings, "broken")
    (demo_settings.outputs_dir / "broken" / ".hydra" / "config.yaml").write_text("a: [1")
    (demo_settings.outputs_dir / "broken" / ".hydra" / "hydra.yaml").unlink()
    ctx = page_context(demo_settings, "test")
    state = pick(ctx, initial_state(ctx.schema, ctx.catalog), path)
    view = build_view(ctx.schema, ctx.catalog, ctx.index, state)
    assert "no readable recorded config" in view.field_warnings["checkpoint"]


def test_a_default_architecture_fills_its_components_at_first(train: PageContext) -> None:
    elements = tuple(
        e.model_copy(update={"default": "dbnet"}) if e.key == "architecture" else e
        for e in train.schema.elements
    )
    schema = type(train.schema)(**{**train.schema.model_dump(), "elements": elements})
    state = initial_state(schema, train.catalog)
    assert state.values.keys() == {e.key for e in schema.elements if e.type != "info"}
    assert [state.values[k] for k in COMPONENTS] == [
        "resnet18",
        "unet",
        "db_head",
        "db_loss",
        "adam",
    ]
    assert (state.values["learning_rate"], state.values["weight_decay"]) == (0.001, 1e-4)
    assert not state.touched and not state.notices


def test_a_sweep_over_choices_the_new_architecture_lacks_is_stopped(train: PageContext) -> None:
    state = change(train, initial_state(train.schema, train.catalog), exp_name="x")
    state = change(train, state, architecture="dbnet")
    state = apply_sweep(train.schema, state, "encoder", "resnet50,mobilenetv3_small_050")
    state = apply_sweep(train.schema, state, "optimizer", "adam,adamw")
    state = change(train, state, architecture="craft")
    assert "encoder" not in state.sweeps and state.sweeps["optimizer"] == "adam,adamw"
    assert "mobilenetv3_small_050" in state.notices["encoder"]
    assert errors(train, state) == {}
    kept = apply_sweep(train.schema, state, "encoder", "resnet34,resnet50")
    assert change(train, kept, architecture="dbnet").sweeps["encoder"] == "resnet34,resnet50"


def test_cli_build_warns_nothing_to_train_and_fills_the_run_setup(
    demo_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    path = recorded_run(demo_settings, "long_run", epoch=39, data="preprocessing", values=DOCTR)
    code, out, err = run_cli(
        capsys,
        "build",
        "train",
        "--workspace",
        str(demo_settings.root),
        "--set",
        "exp_name=more",
        "--set",
        "resume=true",
        "--set",
        f"checkpoint={path}",
    )
    assert code == 0, err
    assert "data.preprocessing.mode=doctr" in out  # the run's profile, on resume too
    assert "warning: Max epochs: nothing to train" in err
