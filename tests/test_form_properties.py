"""Property tests: any reachable form state of the shipped schemas on the demo workspace
gives a command Hydra parses and composes, every value arrives exactly as entered, and
form -> command -> form is the identity (on the fields that write the command)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from command_builder.commands.launchers import parse_additional_parameters
from command_builder.commands.validate import compose_check
from command_builder.form import (
    FormState,
    FrozenMap,
    apply_change,
    apply_checkpoint,
    apply_use_case,
    build_view,
    decode_query,
    encode_query,
    initial_state,
    same_value,
    with_extra_overrides,
)
from command_builder.schema import Element
from command_builder.service import command_of, page_context, state_from_command
from command_builder.settings import Settings, copy_demo_workspace, load_settings
from examples_budget import examples
from form_helpers import make_run

pytestmark = pytest.mark.slow  # hundreds of real Hydra composes; not in `make test-fast`

PAGES = ("train", "test", "predict")
EXTRAS = ("trainer.devices=2", "+trainer.benchmark=true", "data.image_size=512")
SLURM_LINES = "slurm_additional_parameters"  # sbatch `key=value` lines, written with `++`
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=16)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = load_settings(copy_demo_workspace(tmp_path_factory.mktemp("props") / "workspace"))
    make_run(settings, "dbnet_run")
    make_run(
        settings,
        "craft_run",
        architecture="craft",
        encoder="vgg16_bn",
        decoder="craft_decoder",
        head="craft_head",
        loss="craft_loss",
        data="craft",
    )
    return settings


def _number(element: Element, low: float | None, high: float | None) -> st.SearchStrategy:
    if element.kind == "int":
        return st.integers(
            int(low if low is not None else -10), int(high if high is not None else 500)
        )
    return st.floats(
        low if low is not None else -1e3,
        high if high is not None else 1e3,
        allow_nan=False,
        allow_infinity=False,
    )


def _value_for(element: Element, field) -> st.SearchStrategy:
    """What the UI's widget for this field can produce."""
    if element.value_format == "key_value_lines":  # valid sbatch lines; bad ones are field errors
        line = st.tuples(
            st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True),
            st.none() | st.from_regex(r"[A-Za-z0-9@.,:_-]{0,10}", fullmatch=True),
        )
        lines = st.lists(line, min_size=1, max_size=3, unique_by=lambda kv: kv[0])
        return lines.map(lambda kvs: "\n".join(k if v is None else f"{k}={v}" for k, v in kvs))
    if element.type == "text_input":
        return TEXT
    if element.type == "checkbox":
        return st.booleans()
    if element.type == "selectbox":
        return st.sampled_from(field.options) if field.options else st.none()
    if element.type == "multiselect":
        return (
            st.lists(st.sampled_from(field.options), unique=True) if field.options else st.just(())
        )
    return _number(element, field.min_value, field.max_value)


@st.composite
def reachable(draw: st.DrawFn, context, page: str) -> FormState:
    schema, catalog, index = context.schema, context.catalog, context.index
    state = initial_state(schema, catalog)
    for _ in range(draw(st.integers(0, 8))):
        action = draw(
            st.sampled_from(["field", "field", "field", "use_case", "checkpoint", "extra", "slurm"])
        )
        view = build_view(schema, catalog, index, state)
        if action == "slurm" and SLURM_LINES in schema.by_key:
            # The `++hydra.launcher.additional_parameters={...}` override is only written
            # under the SLURM launcher; a random walk seldom gets there on its own.
            state = apply_change(schema, catalog, state, "launcher", "submitit_slurm")
            field = build_view(schema, catalog, index, state).by_key[SLURM_LINES]
            value = draw(_value_for(schema.by_key[SLURM_LINES], field))
            state = apply_change(schema, catalog, state, SLURM_LINES, value)
        elif action == "use_case" and schema.use_cases_source:
            name = draw(st.sampled_from(sorted(catalog.architectures)))
            use_case = draw(st.sampled_from(catalog.architectures[name].use_cases))
            state, _ = apply_use_case(schema, catalog, state, name, use_case.id)
        elif action == "checkpoint" and schema.checkpoint_key in view.by_key:
            path = draw(st.sampled_from([c.path for c in index.checkpoints]))
            state, _ = apply_checkpoint(schema, catalog, index, state, path)
        elif action == "extra":
            state = with_extra_overrides(
                state, draw(st.lists(st.sampled_from(EXTRAS), unique=True))
            )
        else:
            fields = [f for f in view.fields if f.type != "info"]
            field = draw(st.sampled_from(fields))
            value = draw(_value_for(schema.by_key[field.key], field))
            state = apply_change(schema, catalog, state, field.key, value)
    return state


def _lookup(config: dict, path: str, groups: frozenset[str]) -> object:
    if path in groups:
        return config["hydra"]["runtime"]["choices"][path]
    node: object = config
    for part in path.split("."):
        node = node[part]  # type: ignore[index]
    return node


def _key(override: str) -> str:
    """The key an override sets, `+`/`++` included (SLURM's additional_parameters use `++`)."""
    return override.split("=", 1)[0].lstrip("+")


def _expected(element: Element, value: object) -> object:
    """What the composed config holds for a field's value (sbatch lines: their dict)."""
    if element.value_format == "key_value_lines":
        return parse_additional_parameters(str(value))
    return list(value) if isinstance(value, tuple) else value


def _check(settings: Settings, page: str, state: FormState) -> None:
    context = page_context(settings, page)
    view = build_view(context.schema, context.catalog, context.index, state)
    built = command_of(settings, view)
    result = compose_check(settings, page, built.overrides)
    assert result.ok, (built.command, result.issues)
    for field in view.fields:
        element = context.schema.by_key[field.key]
        written = [o for o in view.overrides if _key(o) in element.hydra_override]
        if not field.active or not written:
            continue
        for path in element.hydra_override:
            arrived = _lookup(result.config, path, element.group_paths)
            expected = _expected(element, field.value)
            assert (
                same_value(arrived, expected)
                or arrived == expected
                and type(arrived) is type(expected)
            ), (path, arrived, field.value)

    back = state_from_command(settings, page, built.command)
    back_view = build_view(context.schema, context.catalog, context.index, back)

    def written(v) -> FrozenMap:  # a UI-only toggle (resume: no hydra_override) writes nothing
        return FrozenMap(
            {
                k: x
                for k, x in v.active_values().items()
                if context.schema.by_key[k].hydra_override and x is not None
            }
        )

    assert written(back_view) == written(view)
    assert back.extra_overrides == state.extra_overrides
    assert back_view.overrides == view.overrides

    link = decode_query(
        context.schema, context.catalog, encode_query(context.schema, context.catalog, state)
    )
    assert link.values == state.values and link.extra_overrides == state.extra_overrides


@pytest.mark.parametrize("page", PAGES)
def test_reachable_states_compose_and_round_trip(workspace: Settings, page: str) -> None:
    context = page_context(workspace, page)

    @settings(
        max_examples=examples(40),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(reachable(context, page))
    def run(state: FormState) -> None:
        _check(workspace, page, state)

    run()


@given(TEXT)
@settings(max_examples=examples(60), deadline=None)
def test_any_experiment_name_arrives_exactly(name: str) -> None:
    settings_ = _shared_workspace()
    context = page_context(settings_, "train")
    state = apply_change(
        context.schema,
        context.catalog,
        initial_state(context.schema, context.catalog),
        "exp_name",
        name,
    )
    _check(settings_, "train", state)


_SHARED: list[Settings] = []


def _shared_workspace() -> Settings:
    if not _SHARED:
        import tempfile

        _SHARED.append(load_settings(copy_demo_workspace(Path(tempfile.mkdtemp()) / "workspace")))
    return _SHARED[0]
