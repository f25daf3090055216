"""AppTest: the form follows the user in the app (issue 11, deliver 2 and 3).

A card then another architecture leaves no errors, a reset choice says so next to its
field, and a checkpoint's run warns next to the fields that disagree with it.
"""

from __future__ import annotations

import pytest

from command_builder.settings import Settings
from form_helpers import recorded_run
from ui_apptest import FormField, command, light_notes, open_app, open_section

ARCH = "train.field.architecture"


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_card_then_other_architecture_shows_no_error(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = open_section(open_app(monkeypatch, demo_settings), "train", "Model")
    FormField(at, ARCH).select("dbnet")
    at.button(key="train.ui.use_case.dbnet.mobile").click().run()
    assert FormField(at, "train.field.decoder").value == "fpn_decoder"
    FormField(at, ARCH).select("craft")
    assert FormField(at, "train.field.encoder").value == "vgg16_bn"
    assert FormField(at, "train.field.decoder").value == "craft_decoder"
    assert not any("compatible" in text for text in _texts(at.error) + _texts(at.caption))
    assert "model.component_overrides.decoder.name=craft_decoder" in command(at)


def test_reset_choice_is_announced_next_to_its_field(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = open_section(open_app(monkeypatch, demo_settings), "train", "Model")
    FormField(at, ARCH).select("dbnet")
    FormField(at, "train.field.decoder").select("pan_decoder")
    FormField(at, ARCH).select("craft")
    notices = [t for t in light_notes(at, "info") if "pan" in t]
    assert len(notices) == 1 and "craft" in notices[0]
    assert "pan" in " ".join(FormField(at, "train.field.decoder").notes)  # next to its field
    FormField(at, "train.field.encoder").select("resnet50")
    assert not [t for t in light_notes(at, "info") if "pan" in t]  # only about the last change


def test_checkpoint_profile_reaches_the_command_and_mismatch_warns_at_the_field(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    path = recorded_run(
        demo_settings,
        "doctr_[run](x)",  # a run name is file content: shown as typed, not as a link
        data="preprocessing",
        values={
            "data.preprocessing.mode": "doctr",
            "data.preprocessing.orientation_correction": True,
            "data.preprocessing.perspective_correction": False,
        },
    )
    at = open_app(monkeypatch, demo_settings, page="test")
    FormField(at, "test.field.checkpoint").select(path)
    assert "data.preprocessing.mode=doctr" in command(at)
    assert not at.warning
    at = open_section(at, "test", "Model")
    FormField(at, "test.field.encoder").select("resnet34")
    assert not at.warning
    (warning,) = FormField(at, "test.field.encoder").notes
    assert warning.startswith("Encoder") and "resnet18" in warning
    assert "doctr_[run](x)" in warning  # the light field sets it as text, not markdown
    at = open_section(at, "test", "Experiment")
    assert not at.warning  # not under the checkpoint: next to the encoder


def test_resume_with_too_few_epochs_warns_nothing_to_train(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    path = recorded_run(demo_settings, "long_run", epoch=39)
    at = open_app(monkeypatch, demo_settings)
    FormField(at, "train.field.resume").input(True)
    FormField(at, "train.field.checkpoint").select(path)
    at = open_section(at, "train", "Training")
    assert any("nothing to train" in w for w in light_notes(at, "warning"))
    FormField(at, "train.field.max_epochs").input(50)
    assert not any("nothing to train" in w for w in light_notes(at, "warning"))
