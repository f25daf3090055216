"""AppTest: the checkpoint picker of Test/Predict (and Train's resume) on real run folders."""

from __future__ import annotations

import json
import time

import pytest

from command_builder.settings import Settings
from command_builder.ui import checkpoint_picker
from ui_apptest import (
    FormField,
    command,
    light_fields,
    light_notes,
    open_app,
    open_section,
    switch,
    texts,
    write_run,
)

PICK = "test.field.checkpoint"


def test_picking_fills_components_and_warns_on_mismatch(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    write_run(
        demo_settings.root,
        "craft_run",
        architecture="craft",
        encoder="vgg16_bn",
        checkpoints=((0, 205), (1, 410)),
    )
    at = open_app(monkeypatch, demo_settings, page="test")
    picker = FormField(at, PICK)
    assert picker.label == "Checkpoint"
    newest = "outputs/craft_run/checkpoints/epoch=1-step=410.ckpt"  # as the index lists it
    assert picker.options[0].startswith("craft_run · epoch 1 · step 410")
    picker.select(newest)
    assert "Filled from the checkpoint's run: Architecture, Encoder" in texts(at.info)[0]
    assert "model/architectures=craft" in command(at)
    assert "model.component_overrides.encoder.model_name=vgg16_bn" in command(at)
    assert not at.warning
    at = open_section(at, "test", "Model")
    FormField(at, "test.field.encoder").select("resnet50")
    assert any("used vgg16_bn" in w for w in FormField(at, "test.field.encoder").notes)
    at = open_section(at, "test", "Experiment")
    assert not at.warning and not light_notes(at, "warning")  # not under the checkpoint


def test_filter_bounds_a_large_list_newest_first(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    now = time.time()
    for run in range(20):
        write_run(
            demo_settings.root,
            f"run{run:02d}",
            architecture="dbnet",
            encoder="resnet18",
            checkpoints=tuple((e, e * 10) for e in range(5)),
            mtime=now - 10_000 + run * 100,
        )
    at = open_app(monkeypatch, demo_settings, page="test")
    assert len(FormField(at, PICK).options) == checkpoint_picker.MAX_SHOWN
    assert FormField(at, PICK).options[0].startswith("run19 · epoch 4")
    assert any("100 match, newest 30 shown" in n for n in FormField(at, PICK).notes)
    FormField(at, "test.ui.checkpoint_filter").input("run07 epoch=3")
    assert [o.split(" · ")[:2] for o in FormField(at, PICK).options] == [["run07", "epoch 3"]]
    FormField(at, "test.ui.checkpoint_filter").input("nothing-like-this")
    assert any("No checkpoint matches" in n for n in FormField(at, PICK).notes)


def test_picked_checkpoint_stays_listed_when_filtered_out(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    write_run(demo_settings.root, "alpha", architecture="dbnet", encoder="resnet18")
    many = tuple((e, e * 10) for e in range(checkpoint_picker.MAX_SHOWN))  # the filter shows
    write_run(
        demo_settings.root, "beta", architecture="dbnet", encoder="resnet34", checkpoints=many
    )
    at = open_app(monkeypatch, demo_settings, page="predict")
    alpha = "outputs/alpha/checkpoints/epoch=0-step=10.ckpt"
    FormField(at, "predict.field.checkpoint").select(alpha)
    FormField(at, "predict.ui.checkpoint_filter").input("beta")
    assert FormField(at, "predict.field.checkpoint").value == str(demo_settings.root / alpha)
    at = switch(switch(at, "train"), "predict")
    assert FormField(at, "predict.ui.checkpoint_filter").value == "beta"
    assert "checkpoint_path" in command(at)


def test_train_resume_shows_the_picker(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    write_run(demo_settings.root, "earlier", architecture="dbnetpp", encoder="resnet50")
    at = open_app(monkeypatch, demo_settings)
    assert "checkpoint" not in [f["key"] for f in light_fields(at)]
    FormField(at, "train.field.resume").input(True)
    earlier = "outputs/earlier/checkpoints/epoch=0-step=10.ckpt"
    FormField(at, "train.field.checkpoint").select(earlier)
    assert f'resume="{demo_settings.root / earlier}"' in command(
        at
    )  # the project's train.yaml: resume=<path>
    assert "model/architectures=dbnetpp" in command(at)


def test_a_new_run_on_disk_shows_up_without_refresh(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    """The page run never scans; the background re-check finds the new run for a later run."""
    from command_builder.ui import context

    monkeypatch.setattr(context, "REVALIDATE_EVERY_S", 0.0)
    at = open_app(monkeypatch, demo_settings, page="test")
    assert not any("fresh_run" in o for o in FormField(at, PICK).options)
    write_run(demo_settings.root, "fresh_run", architecture="dbnet", encoder="resnet18")
    deadline = time.monotonic() + 10
    while not any("fresh_run" in o for o in FormField(at, PICK).options):
        assert time.monotonic() < deadline, "the new run never appeared"
        time.sleep(0.2)
        at.run()


def test_a_swept_checkpoint_shows_its_sweep_not_the_picker(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    """The checkpoint may take several values (a sweep over runs): it then shows its sweep in
    its section, like any swept field, and no picker whose pick the sweep would replace."""
    sweep = json.dumps({"checkpoint": "outputs/a/last.ckpt,outputs/b/last.ckpt"})
    at = open_app(monkeypatch, demo_settings, page="test", query={"_sweeps": sweep})
    assert not at.exception
    assert "checkpoint" not in [f["key"] for f in light_fields(at)]
    swept = [m for m in texts(at.markdown) if "sweeps over" in m]
    assert swept and "outputs/a/last.ckpt" in swept[0]
