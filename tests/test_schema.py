"""Page schemas: shipped defaults, workspace overrides, errors with file, line and key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from command_builder.schema import (
    DEFAULTS_DIR,
    SchemaError,
    load_page_schema,
    load_schema_file,
)
from command_builder.settings import Settings

PAGES = ("train", "test", "predict")


@pytest.mark.parametrize("page", PAGES)
def test_shipped_schemas_load(page: str) -> None:
    schema = load_schema_file(DEFAULTS_DIR / f"{page}.yaml")
    assert schema.page == page
    keys = {e.key for e in schema.elements}
    assert {"checkpoint", "architecture", "encoder", "decoder", "head", "loss"} <= keys
    assert schema.by_key["exp_name"].label == "Experiment name"


def test_train_schema_has_the_ocr_fields() -> None:
    schema = load_schema_file(DEFAULTS_DIR / "train.yaml")
    labels = [e.label for e in schema.elements]
    for label in [
        "Experiment name",
        "Use W&B",
        "Resume training",
        "Checkpoint",
        "Architecture",
        "Component summary",
        "Encoder",
        "Decoder",
        "Head",
        "Loss",
        "Optimizer",
        "Learning rate",
        "Weight decay",
        "Batch size",
        "Max epochs",
        "Gradient accumulation",
        "Gradient clip",
        "Precision",
        "Seed",
        "Dataset",
        "Preprocessing profile",
    ]:
        assert label in labels
    assert schema.by_key["batch_size"].hydra_override == ("batch_size",)
    assert schema.by_key["architecture"].group_paths == {"model/architectures"}
    assert schema.by_key["dataset"].group_paths == {"data"}
    assert schema.by_key["exp_name"].group_paths == frozenset()


def test_predict_has_output_fields_and_required_checkpoint() -> None:
    schema = load_schema_file(DEFAULTS_DIR / "predict.yaml")
    assert schema.by_key["minified_json"].hydra_override == ("minified_json",)
    assert schema.by_key["include_confidence"].type == "checkbox"
    assert schema.by_key["checkpoint"].validation.required


def _write(settings: Settings, page: str, text: str) -> Path:
    settings.schemas_dir.mkdir(parents=True, exist_ok=True)
    path = settings.schemas_dir / f"{page}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
page: test
title: My test
elements:
  - key: checkpoint
    type: selectbox
    label: Checkpoint
    options_source: checkpoints
    hydra_override: checkpoint_path
"""


def test_workspace_override_wins_and_is_cached_per_mtime(demo_settings: Settings) -> None:
    assert load_page_schema(demo_settings, "test").title == "Test"
    path = _write(demo_settings, "test", MINIMAL)
    first = load_page_schema(demo_settings, "test")
    assert first.title == "My test" and first.source_path == str(path)
    assert load_page_schema(demo_settings, "test") is first
    path.write_text(MINIMAL.replace("My test", "Changed"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_page_schema(demo_settings, "test").title == "Changed"


def _error(settings: Settings, text: str, page: str = "test") -> SchemaError:
    _write(settings, page, text)
    with pytest.raises(SchemaError) as info:
        load_page_schema(settings, page)
    return info.value


def test_broken_yaml_names_file_and_line(demo_settings: Settings) -> None:
    error = _error(demo_settings, MINIMAL + "  - key: [unclosed\n")
    assert error.path.endswith("test.yaml") and error.line == 9
    assert "test.yaml:9" in str(error)
    error = _error(demo_settings, MINIMAL.replace("    label: Checkpoint", "   label: Checkpoint"))
    assert error.line == 6 and error.key is None


def test_bad_element_names_key_and_line(demo_settings: Settings) -> None:
    error = _error(demo_settings, MINIMAL.replace("type: selectbox", "type: dropdown"))
    assert (error.key, error.line) == ("checkpoint", 5)
    assert "type" in error.message


def test_unknown_field_is_a_warning_not_an_error(demo_settings: Settings) -> None:
    path = demo_settings.schemas_dir / "train.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MINIMAL + "    colour: red\n")
    schema = load_schema_file(path, "train")
    assert schema.warnings == (f"{path}:9: element 'checkpoint': unknown key 'colour' (ignored)",)


def test_missing_label_points_at_the_element(demo_settings: Settings) -> None:
    error = _error(demo_settings, MINIMAL.replace("    label: Checkpoint\n", ""))
    assert error.key == "checkpoint" and error.line == 4 and "label" in error.message


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ('    visible_if: "checkpoint =="\n', "visible_if"),
        ("    visible_if: nothing_here\n", "unknown keys"),
        ('    validation: {required_if: "(checkpoint"}\n', "required_if"),
        ('    validation: {pattern: "["}\n', "pattern"),
    ],
)
def test_bad_expression_or_pattern_is_a_schema_error(
    demo_settings: Settings, extra: str, needle: str
) -> None:
    error = _error(demo_settings, MINIMAL + extra)
    assert error.key == "checkpoint" and error.line == 9 and needle in str(error)


@pytest.mark.parametrize(
    ("element", "needle"),
    [
        ("{key: x, type: selectbox, label: X}", "options"),
        ("{key: x, type: checkbox, label: X, default: maybe}", "default"),
        ("{key: x, type: text_input, label: X, options: [a]}", "no options"),
        ("{key: x, type: selectbox, label: X, options_source: 'files:*'}", "options_source"),
        ("{key: x, type: text_input, label: X, hydra_override: 'a b'}", "config key"),
        ("{key: x, type: info, label: X, hydra_override: a}", "info"),
        ("{key: Bad-Key, type: info, label: X}", "key"),
        ("{key: checkpoint, type: info, label: X}", "duplicate"),
    ],
)
def test_bad_elements(demo_settings: Settings, element: str, needle: str) -> None:
    error = _error(demo_settings, MINIMAL + f"  - {element}\n")
    assert needle in str(error) and error.line == 9


def test_bad_constant_override(demo_settings: Settings) -> None:
    error = _error(demo_settings, MINIMAL + "constant_overrides: ['a=[1']\n")
    assert error.line == 9 and "constant override" in error.message


def test_wrong_page_and_non_mapping(demo_settings: Settings) -> None:
    assert "expected 'test'" in str(_error(demo_settings, MINIMAL.replace("page: test", "page: x")))
    assert "mapping" in str(_error(demo_settings, "- 1\n"))


def test_unknown_page(demo_settings: Settings) -> None:
    with pytest.raises(SchemaError, match="no schema"):
        load_page_schema(demo_settings, "nope")


def test_shipped_yaml_is_plain_yaml() -> None:
    for page in PAGES:
        data = yaml.safe_load((DEFAULTS_DIR / f"{page}.yaml").read_text())
        assert "ui_elements" in data and "page" not in data
