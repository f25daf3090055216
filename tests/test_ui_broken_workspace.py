"""AppTest: broken workspace files never take the app down; the page names file and line."""

from __future__ import annotations

import pytest

from command_builder.settings import Settings
from ui_apptest import FormField, open_app, switch, texts


def test_broken_yaml_is_named_with_file_and_line(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    broken = demo_settings.ui_meta_dir / "optimizers" / "adamw.yaml"
    broken.write_text("name: adamw\nlearning_rate: {min: 1e-6\nhelp: x\n", encoding="utf-8")
    at = open_app(monkeypatch, demo_settings)
    assert at.title[0].value == "Train"
    assert not at.exception
    warning = " ".join(texts(at.warning))
    assert "configs/ui_meta/optimizers/adamw.yaml:" in warning
    assert "adamw.yaml:3" in warning or "adamw.yaml:2" in warning  # the line YAML stopped at
    assert FormField(at, "train.field.exp_name").label == "Experiment name"


def test_broken_page_schema_names_file_line_and_key(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    demo_settings.schemas_dir.mkdir(parents=True, exist_ok=True)
    (demo_settings.schemas_dir / "test.yaml").write_text(
        "page: test\ntitle: Test\nelements:\n  - key: checkpoint\n    type: slider_of_doom\n",
        encoding="utf-8",
    )
    at = switch(open_app(monkeypatch, demo_settings), "test")
    assert at.title[0].value == "Test"
    message = " ".join(texts(at.error))
    assert "schemas/test.yaml:5: element 'checkpoint'" in message  # the line of the bad type
    at = switch(at, "train")  # the other pages still work
    assert FormField(at, "train.field.exp_name").label == "Experiment name"
