"""AppTest: the Train page's logic (form state, use cases, naming, command, link, reset)."""

from __future__ import annotations

import pytest

from command_builder.settings import Settings
from ui_apptest import (
    FormField,
    command,
    light_fields,
    light_selects,
    open_app,
    open_section,
    settle,
    switch,
    switch_on,
    texts,
)

EXP = "train.field.exp_name"


def test_first_paint_shows_title_first_tab_and_live_command(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_app(monkeypatch, read_only_demo)
    assert at.title[0].value == "Train"
    assert FormField(at, EXP).label == "Experiment name"
    assert "runners/train.py" in command(at)
    assert not at.error  # every field starts at the composed config's value
    assert not light_selects(at)  # the Model tab is closed: its selects are not built at all


def test_typing_updates_command_and_link(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_app(monkeypatch, read_only_demo)
    FormField(at, EXP).input("receipts v3")
    assert "'exp_name=\"receipts v3\"'" in command(at)
    assert at.query_params["exp_name"] == "receipts v3"
    assert not any("required" in e.value for e in at.error)


def test_use_case_applies_and_lists_changed_fields(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_section(open_app(monkeypatch, read_only_demo), "train", "Model")
    FormField(at, "train.field.architecture").select("dbnet")
    assert FormField(at, "train.field.encoder").value == "resnet18"  # metadata default
    at.button(key="train.ui.use_case.dbnet.accurate_resnet50").click().run()
    notice = texts(at.info)[0]
    assert notice.startswith("Applied “Accurate (ResNet-50)”")
    assert "Encoder resnet18 → resnet50" in notice
    assert FormField(at, "train.field.encoder").value == "resnet50"
    assert "model.component_overrides.encoder.model_name=resnet50" in command(at)
    assert "trainer.precision=bf16-mixed" in command(at)


def test_compatibility_filter_and_component_summary(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_section(open_app(monkeypatch, read_only_demo), "train", "Model")
    FormField(at, "train.field.architecture").select("craft")
    assert "resnet18" not in FormField(at, "train.field.encoder").options
    summary = [f for f in light_fields(at) if f["kind"] == "info"]
    assert any("Component summary" in f["label"] for f in summary)


def test_append_architecture_and_encoder_once(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_section(open_app(monkeypatch, read_only_demo), "train", "Model")
    FormField(at, "train.field.architecture").select("dbnet")
    at = open_section(at, "train", "Experiment")
    FormField(at, EXP).input("receipts")
    FormField(at, "train.ui.append_name").click()
    FormField(at, "train.ui.append_name").click()
    assert FormField(at, EXP).value == "receipts_dbnet_resnet18"


def test_values_survive_switching_pages(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_app(monkeypatch, read_only_demo)
    FormField(at, EXP).input("kept")
    at = switch(at, "test")
    assert at.title[0].value == "Test"
    assert EXP not in at.session_state  # Streamlit dropped the unrendered widget's state...
    at = switch(at, "train")
    assert FormField(at, EXP).value == "kept"  # ...and the canonical state restored it
    assert "exp_name=kept" in command(at)


def test_open_section_is_remembered_across_pages(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_section(open_app(monkeypatch, read_only_demo), "train", "Advanced")
    assert FormField(at, "train.field.seed").value == "42"
    at = switch(switch(at, "predict"), "train")
    assert FormField(at, "train.field.seed").value == "42"


def test_reset_resets_this_page_only(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_app(monkeypatch, read_only_demo, page="test")
    FormField(at, "test.field.exp_name").input("test side")
    at = switch(at, "train")
    FormField(at, EXP).input("train side")
    FormField(at, "train.ui.reset").click()
    assert FormField(at, EXP).value == "ocr_demo"  # the config's value
    at = switch(at, "test")
    assert FormField(at, "test.field.exp_name").value == "test side"


def test_link_restores_form(monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings) -> None:
    at = open_app(monkeypatch, read_only_demo, query={"exp_name": "shared", "max_epochs": "25"})
    assert FormField(at, EXP).value == "shared"
    assert "trainer.max_epochs=25" in command(at)


def test_edited_command_flows_back_and_bad_text_is_kept(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_app(monkeypatch, read_only_demo)
    switch_on(at, "train.ui.edit")
    text = at.text_area(key="train.ui.command_text")
    text.input(text.value + " exp_name=from_text trainer.max_epochs=3").run()
    assert FormField(at, EXP).value == "from_text"
    assert "trainer.max_epochs=3" in command(at)
    at.text_area(key="train.ui.command_text").input("python runners/train.py 'exp_name=oops").run()
    assert any("Cannot read this command" in e for e in texts(at.error))
    assert (
        at.text_area(key="train.ui.command_text").value == "python runners/train.py 'exp_name=oops"
    )
    assert FormField(at, EXP).value == "from_text"  # the form keeps its last good state


def test_sweep_makes_a_multirun_and_asks_before_many_runs(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_app(monkeypatch, read_only_demo, query={"exp_name": "sweep"})
    at = open_section(at, "train", "Sweeps")
    at.text_input(key="train.field.sweep.max_epochs").input("range(1,4)").run()
    assert "--multirun" in command(at) and "trainer.max_epochs=range(1,4,1)" in command(at)
    assert any("makes **3** runs" in c.value for c in at.caption)
    at = settle(at)
    assert not FormField(at, "train.ui.run").disabled
    at.text_input(key="train.field.sweep.batch_size").input("2,4,8,16,32,64").run()
    assert FormField(at, "train.ui.run").disabled  # 18 runs > 16: needs a yes first
    FormField(at, "train.ui.confirm_runs").input(True)
    assert at.session_state["train.ui.confirm_runs.18"] is True  # a yes for 18 runs only
    at = settle(at)
    assert not FormField(at, "train.ui.run").disabled
    at = open_section(at, "train", "Training")
    assert not at.number_input  # swept fields show their sweep instead of a widget
    assert any("sweeps over range(1,4)" in m for m in texts(at.markdown))


def test_malformed_range_is_a_field_error(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_section(
        open_app(monkeypatch, read_only_demo, query={"exp_name": "x"}), "train", "Sweeps"
    )
    at.text_input(key="train.field.sweep.max_epochs").input("range(1,").run()
    assert any("Max epochs" in e for e in texts(at.error))
    assert FormField(at, "train.ui.run").disabled
