"""AppTest: a first paint is current (checkpoints on disk now), calm, and says what to do."""

from __future__ import annotations

import pytest

from command_builder.settings import Settings
from ui_apptest import FormField, fields_elements, open_app, texts, write_run

PICK = "test.field.checkpoint"


def test_first_paint_shows_the_checkpoints_on_disk_now(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = open_app(monkeypatch, demo_settings, page="test")
    assert FormField(at, PICK).data["placeholder"] == "No checkpoints yet"
    links = at.get("page_link")
    assert links and "train a model on Train" in links[0].proto.label
    assert links[0].proto.page.endswith("train")  # a link to Train, not just words
    # Above the fields, which stay one element (a link among them would split them in two).
    (form_fields,) = [
        data for element, data in fields_elements(at) if ".fields." in element.proto.id
    ]
    assert "checkpoint" in [item["key"] for item in form_fields["fields"]]
    assert not at.error  # calm: the empty required checkpoint is marked, not an error
    assert FormField(at, PICK).notes == ["Required"]

    write_run(
        demo_settings.root, "many", architecture="dbnet", encoder="resnet18",
        checkpoints=tuple((epoch, 10 * epoch) for epoch in range(40)),
    )  # fmt: skip
    at = open_app(monkeypatch, demo_settings, page="test")  # a fresh browser, at once
    assert FormField(at, PICK).data["placeholder"] == "Choose one of 40 checkpoints"
    assert not at.get("page_link")


def test_workspace_warnings_are_summarised(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    folder = demo_settings.ui_meta_dir / "optimizers"
    for number in range(45):
        (folder / f"broken{number}.yaml").write_text("learning_rate: {min: \n", encoding="utf-8")
    at = open_app(monkeypatch, demo_settings)
    (warning,) = [w for w in texts(at.warning) if "could not be read" in w]
    assert warning.count("\n- ") == 21  # the first 20, then the count
    assert warning.endswith("… and 25 more")
