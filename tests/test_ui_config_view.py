"""AppTest: the Composed config view and the effect-check warnings next to Run."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from command_builder.settings import Settings
from command_builder.ui import compose_panel
from ui_apptest import FormField, light_notes, open_app, switch_on


def _settle(at: AppTest) -> AppTest:
    """Wait for the background checks this session started, then rerun (what the pollers do)."""
    for future in list(compose_panel._futures.values()):
        future.result(timeout=60)
    return at.run()


def _reapply_later(settings: Settings, option: str) -> None:
    """Make the demo's primary config re-apply `option` after the form's optimizer choice."""
    train = settings.configs_dir / "train.yaml"
    text = train.read_text(encoding="utf-8")
    marker = "  - _self_\n"
    train.write_text(
        text.replace(marker, marker + f"  - /model/optimizers@model.optimizer: {option}\n", 1),
        encoding="utf-8",
    )


def _codes(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def test_composed_config_marks_changed_keys_and_searches(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = _settle(open_app(monkeypatch, demo_settings, query={"exp_name": "receipts_v9"}))
    assert not any("\nexp_name:" in c for c in _codes(at))  # closed: not built, not sent
    switch_on(at, "train.ui.config_open")
    yaml_views = [c for c in _codes(at) if c.startswith("exp_name:") or "\nexp_name:" in c]
    assert yaml_views, _codes(at)
    assert "exp_name: receipts_v9  # changed (default ocr_demo)" in yaml_views[0].splitlines()
    at.text_input(key="train.ui.config_query").input("exp_NAME").run()
    assert "exp_name: receipts_v9  # changed (default ocr_demo)" in _codes(at)
    assert not any("takes no effect" in c for c in _codes(at))


def test_ineffective_choice_is_flagged_next_to_run(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    _reapply_later(demo_settings, "adam")  # the form's default: a choice of adamw is lost
    at = open_app(monkeypatch, demo_settings, query={"exp_name": "x"})
    switch_on(at, "train.ui.edit")
    text = at.text_area(key="train.ui.command_text")
    text.input(text.value + " model/optimizers=adamw").run()
    at = _settle(at)
    assert any("does not get everything chosen" in w for w in light_notes(at, "warning"))
    lines = [c for c in light_notes(at, "effect") if c.startswith("model/optimizers=adamw:")]
    assert "takes no effect" in lines[0]
    assert lines and "model.optimizer._target_ is torch.optim.Adam," in lines[0]
    assert not FormField(at, "train.ui.run").disabled  # warnings do not block Run


def test_field_messages_key_warnings_by_form_field(demo_settings: Settings) -> None:
    from command_builder.commands.validate import compose_check
    from command_builder.service import page_context
    from command_builder.ui import config_view

    _reapply_later(demo_settings, "adamw")
    result = compose_check(demo_settings, "train", ("model/optimizers=adam", "seed=3"))
    schema = page_context(demo_settings, "train").schema
    by_field = config_view.field_messages(result, schema)
    element = schema.by_path["model/optimizers"]
    messages = by_field[element.key]
    assert messages[0] == (
        "takes no effect: model.optimizer._target_ is torch.optim.AdamW, set later by"
        " train.yaml (its defaults list applies model/optimizers/adamw.yaml)"
    )
    assert len(messages) == 3  # _target_, lr and weight_decay all come from adamw
    assert list(by_field) == [element.key]  # seed takes effect: no warning
    assert config_view.effect_messages(result)["model/optimizers=adam"] == messages
