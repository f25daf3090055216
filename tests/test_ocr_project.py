"""The builder on a workspace shaped like the OCR project (tests/fixtures/ocr_project):
its formats, its defaults list, its runner contract, its checkpoints — with nothing added."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from command_builder.commands.validate import compose_check
from command_builder.form import build_view, initial_state
from command_builder.schema import DEFAULTS_DIR, load_page_schema
from command_builder.service import command_of, page_context
from command_builder.settings import Settings, load_settings
from command_builder.workspace import build_catalog
from command_builder.workspace.checkpoints import (
    CheckpointIndex,
    parse_checkpoint_metric,
    parse_checkpoint_name,
)
from form_helpers import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "ocr_project"
PAGES = ("train", "test", "predict")


def project(root: Path, *, schemas: bool = False) -> Settings:
    """A copy of the fixture's configs/ and runners/ (and, if asked, its page schemas)."""
    for name in ("configs", "runners"):
        shutil.copytree(FIXTURE / name, root / name)
    if schemas:
        shutil.copytree(FIXTURE / "schemas", root / "ui/apps/command_builder/schemas")
    return load_settings(root)


def checkpoint(settings: Settings, run: str, name: str, overrides: tuple[str, ...] = ()) -> Path:
    """outputs/<run>/ as the project writes it: .hydra/ records and checkpoints/<name>."""
    folder = settings.outputs_dir / run
    (folder / "checkpoints").mkdir(parents=True, exist_ok=True)
    (folder / ".hydra").mkdir(exist_ok=True)
    config = {
        "exp_name": run,
        "model": {
            "architectures": "dbnet",
            "encoder": {"model_name": "resnet18"},  # what the preset encoder says...
            "component_overrides": {  # ...and what the model is really built from
                "encoder": {"model_name": "mobilenetv3_small_050"},
                "decoder": {"name": "pan_decoder"},
                "head": {"name": "db_head"},
                "loss": {"name": "db_loss"},
            },
        },
    }
    (folder / ".hydra/config.yaml").write_text(json.dumps(config))
    choices = {"model/architectures": "dbnet", "data": "canonical"}
    (folder / ".hydra/hydra.yaml").write_text(
        json.dumps({"hydra": {"runtime": {"choices": choices}}})
    )
    (folder / ".hydra/overrides.yaml").write_text(json.dumps(["data=canonical", *overrides]))
    path = folder / "checkpoints" / name
    path.write_bytes(b"ckpt")
    return path


def build(capsys, settings: Settings, page: str, *sets: str) -> dict:
    args = ["build", page, "--workspace", str(settings.root), "--json"]
    for item in sets:
        args += ["--set", item]
    code, out, err = run_cli(capsys, *args)
    payload = json.loads(out)
    assert code == 0, (payload["errors"], err)
    return payload


def test_the_projects_metadata_reads_without_an_issue(tmp_path: Path) -> None:
    catalog = build_catalog(project(tmp_path))
    assert catalog.issues == ()
    # registry names from compatible_* and the presets' component_overrides, never file stems
    assert catalog.meta_options("encoders") == (
        "resnet18",
        "vgg16_bn",
        "resnet34",
        "mobilenetv3_small_050",
    )
    assert "fpn_decoder" in catalog.meta_options("decoders")
    assert list(catalog.preprocessing_profiles) == ["none", "lens_style", "lens_style_office"]
    dbnet = catalog.architectures["dbnet"]
    assert dbnet.defaults["default_backbone"] == "resnet18"
    assert dbnet.use_cases[0].values["decoder"] == "fpn_decoder"
    assert catalog.optimizers["adamw"].lr_max == 5e-3


def test_unknown_key_is_a_warning_with_file_and_line(tmp_path: Path) -> None:
    settings = project(tmp_path)
    path = settings.ui_meta_dir / "architectures/dbnet.yaml"
    path.write_text(path.read_text() + "  colour: red\n")
    catalog = build_catalog(settings)
    assert [str(i) for i in catalog.issues] == [
        "configs/ui_meta/architectures/dbnet.yaml:30: unknown key 'ui_metadata.colour' (ignored)"
    ]
    assert "dbnet" in catalog.architectures  # the file is kept


@pytest.mark.parametrize("schemas", [False, True], ids=["shipped", "project"])
def test_every_page_s_default_form_composes(tmp_path: Path, schemas: bool) -> None:
    settings = project(tmp_path, schemas=schemas)
    for page in PAGES:
        context = page_context(settings, page)
        view = build_view(
            context.schema,
            context.catalog,
            context.index,
            initial_state(context.schema, context.catalog),
        )
        assert view.warnings == () and context.schema.warnings == ()
        problems = {k: v for k, v in view.errors.items() if "checkpoint" not in k}
        assert problems == {}, page
        result = compose_check(settings, page, command_of(settings, view).overrides)
        assert result.ok, (page, result.issues)


def test_shipped_defaults_are_in_the_project_s_schema_format() -> None:
    for page in PAGES:
        text = (DEFAULTS_DIR / f"{page}.yaml").read_text()
        assert "\nui_elements:\n" in text and "group:" not in text and "meta:" not in text


def test_unchanged_fields_show_the_composed_config_and_write_nothing(tmp_path: Path) -> None:
    context = page_context(project(tmp_path), "train")
    view = build_view(
        context.schema, context.catalog, None, initial_state(context.schema, context.catalog)
    )
    shown = {f.key: f.value for f in view.fields}
    assert shown["use_wandb"] is True and shown["max_epochs"] == 3 and shown["batch_size"] == 4
    assert shown["accumulate_grad_batches"] == 2 and shown["gradient_clip_val"] == 5.0
    assert shown["precision"] == "32-true" and shown["decoder"] == "fpn_decoder"
    assert shown["exp_name"] == "fixture_training" and view.overrides == ()


def test_project_schema_reads_unchanged(tmp_path: Path) -> None:
    settings = project(tmp_path, schemas=True)
    schema = load_page_schema(settings, "train")
    assert schema.checkpoint_key == "checkpoint_path" and schema.architecture_key == "architecture"
    assert schema.by_key["encoder"].filter_by_architecture_key == "compatible_backbones"
    assert schema.by_key["preprocessing_profile"].option_labels["lens_style"] == (
        "Lens-style (balanced)"
    )
    context = page_context(settings, "train")
    view = build_view(
        context.schema, context.catalog, None, initial_state(context.schema, context.catalog)
    )
    assert view.field("architecture_components").text == "Encoder: timm_backbone\nDecoder: unet"
    assert "Notes: FPN for receipts." in view.field("architecture").help
    assert "Adam: 1e-4" in view.field("learning_rate").help
    assert view.field("wandb").value is True and view.field("seed").value == 42


def test_empty_filter_warns_and_offers_nothing(tmp_path: Path) -> None:
    settings = project(tmp_path)
    path = settings.ui_meta_dir / "architectures/craft.yaml"
    path.write_text(
        path.read_text().replace("recommended_optimizers: [adam]", "recommended_optimizers: [sgd]")
    )
    context = page_context(settings, "train")
    state = initial_state(context.schema, context.catalog)
    from command_builder.form import apply_change

    state = apply_change(context.schema, context.catalog, state, "architecture", "craft")
    view = build_view(context.schema, context.catalog, None, state)
    assert view.field("optimizer").options == ()  # never "everything"
    assert any(
        w.startswith("Optimizer: none of craft's recommended_optimizers") for w in view.warnings
    )


def test_cli_builds_the_runner_contract(tmp_path: Path, capsys) -> None:
    settings = project(tmp_path)
    ckpt = checkpoint(settings, "receipts_v1", "epoch-18_step-003895_hmean-0.8812.ckpt")
    relative = ckpt.relative_to(settings.root)
    test = build(capsys, settings, "test", f"checkpoint={relative}")
    assert f"checkpoint_path={ckpt}" in test["overrides"]  # always absolute: runners chdir
    assert (
        "model.component_overrides.encoder.model_name=mobilenetv3_small_050" in test["overrides"]
    )  # filled from the run's effective model
    assert "model.component_overrides.decoder.name=pan_decoder" in test["overrides"]
    assert "data=canonical" in test["overrides"]
    predict = build(capsys, settings, "predict", f"checkpoint={ckpt}")
    assert f"checkpoint_path={ckpt}" in predict["overrides"]
    train = build(capsys, settings, "train", "resume=true", f"checkpoint={ckpt}")
    assert f"resume={ckpt}" in train["overrides"]
    assert build(capsys, settings, "train")["overrides"] == []


def test_cli_with_the_project_s_own_schemas(tmp_path: Path, capsys) -> None:
    settings = project(tmp_path, schemas=True)
    ckpt = checkpoint(settings, "r", "last.ckpt", ("+preset/datasets=preprocessing",))
    for page in ("test", "predict"):
        payload = build(capsys, settings, page, f"checkpoint_path={ckpt}")
        assert f"checkpoint_path={ckpt}" in payload["overrides"]
    train = build(capsys, settings, "train", "resume_training=true", f"checkpoint_path={ckpt}")
    assert f"resume={ckpt}" in train["overrides"]


def test_use_case_in_the_cli(tmp_path: Path, capsys) -> None:
    payload = build(capsys, project(tmp_path), "train", "use_case=receipts_balanced")
    overrides = payload["overrides"]
    assert "model.component_overrides.encoder.model_name=resnet34" in overrides
    assert "batch_size=8" in overrides and "+preset/datasets=preprocessing" in overrides
    # fpn_decoder is already what the config builds: nothing to write
    assert not any(o.startswith("model.component_overrides.decoder") for o in overrides)
    code, _, err = run_cli(
        capsys, "build", "train", "--workspace", str(tmp_path), "--set", "use_case=nope"
    )
    assert code == 2 and "receipts_balanced" in err


def test_choosing_a_checkpoint_fills_the_data_setup(tmp_path: Path) -> None:
    settings = project(tmp_path)
    ckpt = checkpoint(
        settings,
        "lens_run",
        "best-hmean-0.8920.ckpt",
        (
            "+preset/datasets=preprocessing",
            "transforms.train_transform=${enhanced_transforms.train_transform}",
            "transforms.val_transform=${enhanced_transforms.val_transform}",
        ),
    )
    from command_builder.form import apply_checkpoint

    context = page_context(settings, "test")
    state, _ = apply_checkpoint(
        context.schema,
        context.catalog,
        context.index,
        initial_state(context.schema, context.catalog),
        str(ckpt),
    )
    assert state.values["dataset"] == "canonical"
    assert state.values["preprocessing_profile"] == "lens_style"
    assert state.values["encoder"] == "mobilenetv3_small_050"


@pytest.mark.parametrize(
    ("name", "epoch", "step", "metric"),
    [
        ("epoch=28-step=23722.ckpt", 28, 23722, None),
        ("epoch-18_step-003895.ckpt", 18, 3895, None),
        ("epoch-18_step-003895_hmean-0.8812.ckpt", 18, 3895, ("hmean", 0.8812)),
        ("best-hmean-0.8920.ckpt", None, None, ("hmean", 0.892)),
        ("last.ckpt", None, None, None),
        ("last_20251011_004442.ckpt", None, None, None),
    ],
)
def test_checkpoint_names(name: str, epoch, step, metric) -> None:
    assert parse_checkpoint_name(name) == (epoch, step)
    assert parse_checkpoint_metric(name) == metric


def test_sidecar_gives_epoch_and_step_and_newest_comes_first(tmp_path: Path) -> None:
    settings = project(tmp_path)
    old = checkpoint(settings, "a", "epoch=1-step=10.ckpt")
    os.utime(old, (1, 1))
    last = checkpoint(settings, "a", "last.ckpt")
    Path(f"{last}.metadata.json").write_text(json.dumps({"epoch": 7, "global_step": 70}))
    index = CheckpointIndex(settings)
    index.refresh()
    assert [c.path.rpartition("/")[2] for c in index.checkpoints] == [
        "last.ckpt",
        "epoch=1-step=10.ckpt",
    ]
    assert (index.checkpoints[0].epoch, index.checkpoints[0].step) == (7, 70)


def test_symlinks_in_outputs(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    settings = project(root)
    outside = tmp_path / "elsewhere"
    (outside / "run/checkpoints").mkdir(parents=True)
    (outside / "run/checkpoints/epoch=1-step=1.ckpt").write_bytes(b"x")
    checkpoint(settings, "good", "epoch=2-step=2.ckpt")
    (settings.outputs_dir / "loop").symlink_to(settings.outputs_dir)  # a loop
    (settings.outputs_dir / "self").mkdir()
    (settings.outputs_dir / "self/again").symlink_to(settings.outputs_dir / "self")
    (settings.outputs_dir / "root").symlink_to("/")  # must not walk /
    (settings.outputs_dir / "out").symlink_to(outside)  # a run outside the workspace
    (settings.outputs_dir / "good/checkpoints/linked.ckpt").symlink_to(
        outside / "run/checkpoints/epoch=1-step=1.ckpt"
    )
    (settings.outputs_dir / "dangling").symlink_to(tmp_path / "missing")
    index = CheckpointIndex(settings)
    index.refresh()
    assert [c.path for c in index.checkpoints] == ["outputs/good/checkpoints/epoch=2-step=2.ckpt"]
    assert any("refused linked.ckpt" in w for w in index.warnings)


@pytest.mark.parametrize("schemas", [False, True], ids=["shipped", "project"])
def test_every_page_opens_without_an_error_or_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, schemas: bool
) -> None:
    from ui_apptest import light_notes, open_app, switch

    settings = project(tmp_path, schemas=schemas)
    checkpoint(settings, "receipts_v1", "epoch-18_step-003895.ckpt")
    at = open_app(monkeypatch, settings, "train")
    for page in PAGES:
        at = switch(at, page)
        assert not at.exception, page
        assert [e.value for e in at.error] == [] and light_notes(at, "error") == [], page
        assert [w.value for w in at.warning] == [] and light_notes(at, "warning") == [], page
        if page != "train":  # calm: the checkpoint still to choose is listed, not an error
            label = "Checkpoint Path" if schemas else "Checkpoint"
            status = light_notes(at, "muted")
            assert any(f"To fill in before Run: {label}" in n for n in status), page


def test_pasted_resume_ticks_the_resume_box(tmp_path: Path) -> None:
    from command_builder.service import state_from_command

    settings = project(tmp_path)
    ckpt = checkpoint(settings, "r", "last.ckpt")
    state = state_from_command(settings, "train", f"python runners/train.py resume={ckpt}")
    assert state.values["resume"] is True and state.values["checkpoint"] == str(ckpt)


def test_the_projects_sliders_are_light_ranges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its schema's sliders (batch size 1-64, max epochs 1-200, learning rate 1e-5-1e-2) are
    range controls in the run of light fields, and a move reaches every override they write."""
    from ui_apptest import FormField, command, light_fields, open_app

    at = open_app(monkeypatch, project(tmp_path, schemas=True), "train")
    ranges = {
        f["key"]: (f["low"], f["high"], f["value"])
        for f in light_fields(at)
        if f["kind"] == "range"
    }
    assert ranges["batch_size"] == ("1", "64", "4")
    assert ranges["max_epochs"][:2] == ("1", "200")
    assert ranges["learning_rate"][:2] == ("1e-05", "0.01")
    FormField(at, "train.field.batch_size").input("32")
    assert "dataloaders.train_dataloader.batch_size=32" in command(at)
    assert "dataloaders.val_dataloader.batch_size=32" in command(at)


def test_its_test_page_without_checkpoints_keeps_its_fields_in_one_element(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No run yet: the Train link sits above the fields, which stay one element with the
    empty Checkpoint Path picker; the Edit switch is one of Run's controls."""
    from ui_apptest import fields_elements, open_app

    at = open_app(monkeypatch, project(tmp_path, schemas=True), "test")
    assert "train a model on Train" in at.get("page_link")[0].proto.label
    (form_fields,) = [d for e, d in fields_elements(at) if "-test.fields." in e.proto.id]
    assert "checkpoint_path" in [item["key"] for item in form_fields["fields"]]
    (controls,) = [d for e, d in fields_elements(at) if "-test.controls" in e.proto.id]
    assert [item["kind"] for item in controls["fields"]][:3] == ["copy", "switch", "button"]
