"""Effect check on a fixture tree shaped like the OCR project's (tests/fixtures/effects_project).

Real Hydra compose throughout; the fixture's preset re-applies the model's groups after
the user's choice, as the real project's /preset/models/model_example does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from command_builder.cli import main
from command_builder.commands import effects as fx
from command_builder.commands.overrides import HYDRA_LOCK
from command_builder.commands.validate import ComposeResult, clear_cache, compose_check
from command_builder.settings import Settings, load_settings

FIXTURE = Path(__file__).parent / "fixtures" / "effects_project"


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def settings() -> Settings:
    return load_settings(FIXTURE)


def check(settings: Settings, *overrides: str) -> ComposeResult:
    result = compose_check(settings, "train", overrides)
    assert result.ok, result.issues
    return result


def test_group_choice_reapplied_later_names_the_winning_file(settings: Settings) -> None:
    result = check(settings, "model/optimizers=adam")
    (effect,) = result.effects
    assert effect.override == "model/optimizers=adam"
    assert effect.key == "model.optimizer._target_"
    assert (effect.expected, effect.actual) == ("torch.optim.Adam", "torch.optim.AdamW")
    assert effect.source == "preset/models/model_example.yaml"
    assert effect.set_by == "model/optimizers/adamw.yaml"
    assert effect.message().startswith(
        "takes no effect: model.optimizer._target_ is torch.optim.AdamW, "
        "set later by preset/models/model_example.yaml"
    )
    # lr is set to the same 0.001 by the preset's own body: not a difference
    assert all(e.key != "model.optimizer.lr" for e in result.effects)


def test_group_choice_lists_every_key_that_differs(settings: Settings) -> None:
    result = check(settings, "model/architectures=craft")
    keys = {e.key: e.actual for e in result.effects}
    assert keys == {
        "model.architectures": "dbnet",
        "model.component_overrides.decoder.name": "fpn_decoder",
        "model.component_overrides.head.name": "db_head",
    }
    assert {e.source for e in result.effects} == {"preset/models/model_example.yaml"}


def test_package_shifted_group_choice(settings: Settings) -> None:
    result = check(settings, "loss@model.loss=craft")
    assert result.config["model"]["loss"]["name"] == "craft_loss"  # the choice itself works
    (effect,) = result.effects
    assert (effect.key, effect.expected, effect.actual) == ("model.loss.weight", 2.0, 1.0)
    assert effect.source == effect.set_by == "preset/models/model_example.yaml"


def test_choices_that_take_effect_report_none(settings: Settings) -> None:
    result = check(
        settings,
        "model.component_overrides.decoder.name=pan_decoder",
        "trainer=fast",
        "seed=3",
    )
    assert result.effects == () and result.resolve_issues == ()
    assert result.resolved["model"]["component_overrides"]["decoder"]["name"] == "pan_decoder"


def test_leading_zeros_stay_a_string(settings: Settings) -> None:
    result = check(settings, "exp_name=007")
    assert result.effects == ()
    assert result.resolved["exp_name"] == "007"


def test_a_typed_node_converting_the_value_is_flagged(settings: Settings) -> None:
    (effect,) = check(settings, "hydra.sweeper.max_batch_size=007").effects
    assert (effect.reason, effect.expected, effect.actual) == ("converted", "007", 7)


def test_deleted_keys(settings: Settings) -> None:
    value = check(settings, "trainer.precision=16", "~trainer.precision").effects
    assert [(e.override, e.key, e.reason, e.source) for e in value] == [
        ("trainer.precision=16", "trainer.precision", "deleted", "~trainer.precision")
    ]
    group = check(settings, "trainer=fast", "~trainer.max_epochs").effects
    assert [(e.override, e.key, e.reason, e.source) for e in group] == [
        ("trainer=fast", "trainer.max_epochs", "deleted", "~trainer.max_epochs")
    ]


def test_overridden_by_a_later_override(settings: Settings) -> None:
    (effect,) = check(settings, "seed=1", "seed=2").effects
    assert (effect.override, effect.actual, effect.source) == ("seed=1", 2, "seed=2")


def test_hydra_runtime_keys_are_set_by_hydra(settings: Settings) -> None:
    (effect,) = check(settings, "hydra.runtime.output_dir=/elsewhere").effects
    assert effect.reason == "runtime"


def test_unresolvable_interpolation_is_attributed_to_the_group_choice(settings: Settings) -> None:
    result = check(settings, "data=preprocessing")
    (issue,) = result.resolve_issues
    assert issue.override == "data=preprocessing"
    assert issue.key == "datasets.train.transform"
    assert "enhanced_transforms.train" in issue.message
    assert issue.source == "data/preprocessing.yaml"
    assert result.resolved["datasets"]["train"]["transform"].startswith("<unresolved:")


def test_unresolvable_value_override_is_attributed_to_it(settings: Settings) -> None:
    (issue,) = check(settings, "seed=${nowhere}").resolve_issues
    assert (issue.override, issue.key, issue.source) == ("seed=${nowhere}", "seed", fx.COMMAND_LINE)


def test_project_resolvers_are_opaque_and_hydra_is_set_as_at_run_time(settings: Settings) -> None:
    result = check(settings)
    assert result.resolve_issues == ()
    assert result.resolved["run_index"] == fx.OPAQUE.format("exp_index")
    assert result.resolved["output_folder"] == "outputs/" + fx.OPAQUE.format("exp_index")
    assert result.resolved["datasets"]["train"]["root"] == f"{settings.root}/data/train"
    assert result.resolved["loader"]["batch_size"] == 4
    assert "hydra" not in result.resolved and "hydra" in result.config
    assert not OmegaConf.has_resolver("exp_index")  # never registered, never imported


def test_results_are_cached_with_the_compose(settings: Settings) -> None:
    first = compose_check(settings, "train", ("model/optimizers=adam",))
    assert compose_check(settings, "train", ("model/optimizers=adam",)) is first


def test_canary_hydra_defaults_list_is_recorded_and_walkable(settings: Settings) -> None:
    """Fails loudly when a Hydra upgrade moves what the effect check reads."""
    from hydra._internal import config_loader_impl

    from command_builder.commands import validate

    with HYDRA_LOCK, fx.recorded_defaults() as recorded:
        validate._compose(settings, "train", ["model/optimizers=adam"], False)
    assert getattr(config_loader_impl.create_defaults_list, "_command_builder_recorder", False)
    assert len(recorded) == 1, "Hydra's compose no longer calls create_defaults_list"
    defaults_list = recorded[0]
    sources = validate._loader(settings.configs_dir).get_sources()
    entries = fx.tree_entries(defaults_list, lambda p: validate._plain_config(sources, p))
    names = [e.name for e in entries]
    assert "preset/models/model_example.yaml" in names
    assert names.index("model/optimizers/adam.yaml") < names.index("model/optimizers/adamw.yaml")
    assert [ov.input_line for ov in defaults_list.config_overrides] == []


def test_show_config_marks_changes_and_ineffective_overrides(settings: Settings) -> None:
    result = check(settings, "model/optimizers=adam", "seed=3")
    base = check(settings)
    marks = fx.config_marks(result.config, base.config, result.effects, result.resolve_issues)
    assert marks["seed"] == "changed (default 7)"
    assert marks["model.optimizer._target_"].startswith("model/optimizers=adam takes no effect")
    text = fx.config_yaml(result.resolved, marks)
    assert "seed: 3  # changed (default 7)" in text.splitlines()
    assert OmegaConf.to_container(OmegaConf.create(text)) == result.resolved  # valid YAML
    found = fx.config_lines(result.resolved, marks, "OPTIMIZER._t")
    assert found.startswith("model.optimizer._target_: torch.optim.AdamW  # model/optimizers=adam")


def test_yaml_of_hostile_text_is_inert() -> None:
    config = {"name": "a\n# b: ${x}", "k": {"x: y": [1, {"z": "}"}]}}
    text = fx.config_yaml(config, {"name": "note\nwith newline"})
    assert OmegaConf.to_container(OmegaConf.create(text)) == config
    assert len(text.splitlines()) == 5


# --- CLI ----------------------------------------------------------------------------------


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["validate", *args, "--workspace", str(FIXTURE)])
    return code, capsys.readouterr().out


def test_cli_validate_reports_a_line_per_ineffective_override(capsys) -> None:
    code, out = validate(
        capsys, "python runners/train.py model/architectures=craft data=preprocessing"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(
        "warning: model/architectures=craft: takes no effect: model.architectures is dbnet, "
        "set later by preset/models/model_example.yaml"
    )
    assert lines[0].endswith("(and 2 more keys)")
    assert lines[1].startswith("warning: data=preprocessing: does not resolve: datasets.train")
    assert lines[-1] == "ok: the command composes, with the warnings above"
    code, _ = validate(capsys, "python runners/train.py model/architectures=craft", "--strict")
    assert code == 1


def test_cli_validate_json_effects(capsys) -> None:
    code, out = validate(capsys, "python runners/train.py model/optimizers=adam", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["ok"]
    (effect,) = payload["effects"]
    assert {k: effect[k] for k in ("override", "key", "expected", "actual", "source")} == {
        "override": "model/optimizers=adam",
        "key": "model.optimizer._target_",
        "expected": "torch.optim.Adam",
        "actual": "torch.optim.AdamW",
        "source": "preset/models/model_example.yaml",
    }


def test_cli_validate_clean_command(capsys) -> None:
    # (decoder.name is a form field whose options this fixture has no ui_meta for; the
    # compose-level test above covers it)
    code, out = validate(
        capsys, "python runners/train.py seed=3 trainer=fast model.loss.weight=3.0", "--strict"
    )
    assert code == 0
    assert out.splitlines() == ["ok: the command composes and every override takes effect"]


def test_cli_build_show_config(capsys, demo_settings: Settings) -> None:
    args = ["build", "train", "--workspace", str(demo_settings.root), "--set", "exp_name=receipts"]
    assert main([*args, "--show-config"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("# Composed config of this command")
    assert "exp_name: receipts  # changed (default ocr_demo)" in lines
    assert main([*args, "--show-config", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["config"]["exp_name"] == "receipts" and payload["effects"] == []
    assert payload["marks"]["exp_name"] == "changed (default ocr_demo)"
