"""The demo workspace's Hydra tree composes with exactly the OCR project's override paths,
and its UI metadata agrees with the configs it describes (no option that would not compose)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import DictConfig, OmegaConf

from command_builder.settings import DEMO_SOURCE, load_settings

CONFIGS = DEMO_SOURCE / "configs"
PAGES = ("train", "test", "predict")
ARCHITECTURES = ("craft", "dbnet", "dbnetpp")
OPTIMIZERS = ("adam", "adamw", "sgd")
DATA = ("canonical", "craft", "default", "preprocessing")
# schema key -> (the architecture's default key, the list it must be in)
PLURAL = {
    "encoder": ("default_backbone", "compatible_backbones"),
    "decoder": ("default_decoder", "compatible_decoders"),
    "head": ("default_head", "compatible_heads"),
    "loss": ("default_loss", "compatible_losses"),
    "optimizer": ("default_optimizer", "recommended_optimizers"),
}
SCHEMA_KEYS = {
    "exp_name",
    "architecture",
    "encoder",
    "decoder",
    "head",
    "loss",
    "optimizer",
    "learning_rate",
    "weight_decay",
    "batch_size",
    "max_epochs",
    "accumulate_grad_batches",
    "gradient_clip_val",
    "precision",
    "seed",
    "dataset",
    "preprocessing_profile",
}

# Every override path of the OCR project, with a value different from the default.
FULL_OVERRIDES = {
    "exp_name": ("exp_name=receipts_v3", "exp_name", "receipts_v3"),
    "seed": ("seed=7", "seed", 7),
    "wandb": ("logger.wandb.enabled=true", "logger.wandb.enabled", True),
    "checkpoint": (
        "checkpoint_path='outputs/r/checkpoints/epoch=1-step=2.ckpt'",
        "checkpoint_path",
        "outputs/r/checkpoints/epoch=1-step=2.ckpt",
    ),
    "architecture": ("model/architectures=dbnetpp", "model.architecture_name", "dbnetpp"),
    "encoder": (
        "model.component_overrides.encoder.model_name=efficientnet_b0",
        "model.component_overrides.encoder.model_name",
        "efficientnet_b0",
    ),
    "decoder": (
        "model.component_overrides.decoder.name=fpn_decoder",
        "model.component_overrides.decoder.name",
        "fpn_decoder",
    ),
    "head": (
        "model.component_overrides.head.name=db_head",
        "model.component_overrides.head.name",
        "db_head",
    ),
    "loss": (
        "model.component_overrides.loss.name=db_loss",
        "model.component_overrides.loss.name",
        "db_loss",
    ),
    "optimizer": ("model/optimizers=sgd", "model.optimizer._target_", "torch.optim.SGD"),
    "lr": ("model.optimizer.lr=0.02", "model.optimizer.lr", 0.02),
    "weight_decay": ("model.optimizer.weight_decay=0.003", "model.optimizer.weight_decay", 0.003),
    "batch_size": ("batch_size=4", "dataloaders.train_dataloader.batch_size", 4),
    "epochs": ("trainer.max_epochs=3", "trainer.max_epochs", 3),
    "accumulate": ("trainer.accumulate_grad_batches=4", "trainer.accumulate_grad_batches", 4),
    "clip": ("trainer.gradient_clip_val=1.5", "trainer.gradient_clip_val", 1.5),
    "precision": ("trainer.precision=bf16-mixed", "trainer.precision", "bf16-mixed"),
    "data": ("data=canonical", "data.dataset_name", "receipts_canonical"),
}
PAGE_OVERRIDES = {
    "train": {
        "resume": (
            "resume=/w/outputs/r/checkpoints/last.ckpt",
            "resume",
            "/w/outputs/r/checkpoints/last.ckpt",
        )
    },
    "test": {},
    "predict": {
        "minified": ("minified_json=true", "minified_json", True),
        "confidence": ("include_confidence=true", "include_confidence", True),
    },
}


def compose_page(page: str, overrides: list[str], hydra_config: bool = False) -> DictConfig:
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        return compose(page, overrides=overrides, return_hydra_config=hydra_config)


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def ui_meta(kind: str, name: str) -> dict:
    return load_yaml(CONFIGS / "ui_meta" / kind / f"{name}.yaml")


def group_options(group: str) -> set[str]:
    return {p.stem for p in (CONFIGS / group).glob("*.yaml")}


def test_demo_is_a_workspace_run_with_the_apps_interpreter() -> None:
    import sys

    settings = load_settings(DEMO_SOURCE)
    assert settings.command_prefix == (sys.executable,)
    for page in PAGES:
        assert (settings.root / settings.runner_path(page)).is_file()


@pytest.mark.parametrize(
    "group, options",
    [
        ("model/architectures", ARCHITECTURES),
        ("model/optimizers", OPTIMIZERS),
        ("data", DATA),
    ],
)
def test_groups_hold_the_projects_options(group: str, options: tuple[str, ...]) -> None:
    assert group_options(group) == set(options)


@pytest.mark.parametrize("page", PAGES)
def test_primary_config_composes_with_defaults(page: str) -> None:
    cfg = compose_page(page, [])
    assert cfg.model.architecture_name == "dbnet"
    assert cfg.model.component_overrides.encoder.model_name == "resnet18"
    assert cfg.model.optimizer._target_ == "torch.optim.Adam"
    assert cfg.data.dataset_name == "receipts"
    assert cfg.trainer.precision == "32-true"
    assert cfg.batch_size == 16 and cfg.dataloaders.val_dataloader.batch_size == 16
    assert cfg.logger.wandb.enabled is False
    assert cfg.demo.epoch_seconds > 0
    if page == "train":  # as the project's train.yaml: resume=<checkpoint path>
        assert cfg.checkpoint_path is None and cfg.resume is None
    else:  # test and predict cannot run without a checkpoint: Hydra's mandatory marker
        assert OmegaConf.is_missing(cfg, "checkpoint_path")
    if page == "predict":
        assert cfg.minified_json is False and cfg.include_confidence is False


@pytest.mark.parametrize("page", PAGES)
def test_full_set_of_overrides_arrives(page: str) -> None:
    expected = dict(FULL_OVERRIDES, **PAGE_OVERRIDES[page])
    cfg = compose_page(page, [override for override, _, _ in expected.values()])
    for override, key, value in expected.values():
        assert OmegaConf.select(cfg, key) == value, override


@pytest.mark.parametrize(
    "page, foreign",
    [
        ("train", "minified_json=true"),
        ("test", "include_confidence=true"),
        ("test", "resume=true"),
        ("predict", "resume=true"),
        ("train", "trainer.max_epoch=3"),
    ],
)
def test_foreign_keys_are_rejected(page: str, foreign: str) -> None:
    """Struct mode: a mistyped or other page's key fails to compose instead of being ignored."""
    with pytest.raises(ConfigCompositionException):
        compose_page(page, [foreign])


@pytest.mark.parametrize("precision", ["32", "bf16", "bf16-mixed", "16-mixed"])
def test_every_precision_composes(precision: str) -> None:
    assert (
        str(compose_page("train", [f"trainer.precision={precision}"]).trainer.precision)
        == precision
    )


def _combinations() -> list[object]:
    """Every (architecture, optimizer, data) triple (36 real composes), all marked slow but
    four that use every option at least once: those run in `make test-fast` too."""
    fast = {(ARCHITECTURES[i % 3], OPTIMIZERS[i % 3], DATA[i]) for i in range(len(DATA))}
    return [
        pytest.param(*triple, marks=() if triple in fast else pytest.mark.slow)
        for triple in itertools.product(ARCHITECTURES, OPTIMIZERS, DATA)
    ]


@pytest.mark.parametrize(("architecture", "optimizer", "data"), _combinations())
def test_every_group_combination_composes(architecture: str, optimizer: str, data: str) -> None:
    cfg = compose_page(
        "train",
        [
            f"model/architectures={architecture}",
            f"model/optimizers={optimizer}",
            f"data={data}",
        ],
    )
    assert cfg.model.architecture_name == architecture
    assert cfg.model.optimizer.lr > 0
    assert cfg.data.splits.train.num_images > 0


@pytest.mark.parametrize("page", PAGES)
def test_runs_land_in_their_own_folder_under_outputs(page: str) -> None:
    hydra_cfg = compose_page(page, ["exp_name=abc"], hydra_config=True).hydra
    assert hydra_cfg.job.chdir is False
    assert hydra_cfg.run.dir.startswith("outputs/") and hydra_cfg.run.dir.endswith("_abc")
    assert hydra_cfg.sweep.dir == "outputs"
    assert "DEMO RUNNER" in hydra_cfg.help.header


@pytest.mark.parametrize(
    "launcher, target",
    [
        ("submitit_local", "LocalLauncher"),
        ("submitit_slurm", "SlurmLauncher"),
    ],
)
def test_cluster_launchers_compose(launcher: str, target: str) -> None:
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    cfg = compose_page("train", [f"hydra/launcher={launcher}"], hydra_config=True)
    assert cfg.hydra.launcher._target_.endswith(target)


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_architecture_meta_matches_its_config(name: str) -> None:
    meta = ui_meta("architectures", name)["ui_metadata"]
    model = compose_page("train", [f"model/architectures={name}"]).model
    assert meta["notes"] and set(meta["components"]) == {"encoder", "decoder", "head", "loss"}
    overrides = model.component_overrides
    assert meta["default_backbone"] == overrides.encoder.model_name
    assert meta["default_decoder"] == overrides.decoder.name
    assert meta["default_head"] == overrides.head.name
    assert meta["default_loss"] == overrides.loss.name
    for default, compatible in PLURAL.values():
        assert meta[default] in meta[compatible], default
    assert set(meta["recommended_optimizers"]) <= set(OPTIMIZERS)
    assert meta["recommended_data"] in DATA
    assert 0 < meta["default_learning_rate"] < 1


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_use_cases_use_schema_keys_and_compatible_values(name: str) -> None:
    meta = ui_meta("architectures", name)["ui_metadata"]
    assert 2 <= len(meta["use_cases"]) <= 3
    assert len({case["id"] for case in meta["use_cases"]}) == len(meta["use_cases"])
    for case in meta["use_cases"]:
        assert case["title"] and case["description"]
        values = case["recommendations"]
        assert set(values) <= SCHEMA_KEYS, case["id"]
        for kind, (_, compatible) in PLURAL.items():
            if kind in values:
                assert values[kind] in meta[compatible], (case["id"], kind)
        if "dataset" in values:
            assert values["dataset"] in DATA


def test_components_cover_the_projects_catalog() -> None:
    union: dict[str, set[str]] = {
        "compatible_backbones": set(),
        "compatible_decoders": set(),
        "compatible_heads": set(),
        "compatible_losses": set(),
    }
    for name in ARCHITECTURES:
        for kind, names in union.items():
            names.update(ui_meta("architectures", name)["ui_metadata"][kind])
    assert {
        "resnet18",
        "resnet34",
        "resnet50",
        "mobilenetv3_small_050",
        "efficientnet_b0",
        "vgg16_bn",
    } <= union["compatible_backbones"]
    assert {"unet", "fpn_decoder", "pan_decoder", "dbpp_decoder", "craft_decoder"} <= union[
        "compatible_decoders"
    ]
    assert {"db_head", "dbpp_head", "craft_head"} <= union["compatible_heads"]
    assert {"db_loss", "craft_loss"} <= union["compatible_losses"]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_meta_matches_its_config(name: str) -> None:
    lr = ui_meta("optimizers", name)["ui_metadata"]["learning_rate"]
    optimizer = compose_page("train", [f"model/optimizers={name}"]).model.optimizer
    assert lr["help"] and set(lr) == {"default", "min", "max", "step", "help"}
    assert lr["min"] <= lr["default"] <= lr["max"] and 0 < lr["step"] < lr["max"]
    assert lr["default"] == pytest.approx(optimizer.lr)


def test_preprocessing_profiles_compose() -> None:
    profiles = load_yaml(CONFIGS / "ui_meta" / "preprocessing_profiles.yaml")["profiles"]
    assert set(profiles) == {"lens_style", "lens_style_office", "camscanner", "doctr_demo"}
    profiles["none"] = {"label": "none", "description": "implicit", "overrides": []}
    for name, profile in profiles.items():
        assert profile["label"] and profile["description"], name
        cfg = compose_page("train", list(profile["overrides"]))
        for override in profile["overrides"]:
            key, value = override.split("=", 1)
            if key.startswith("data.preprocessing."):
                assert str(OmegaConf.select(cfg, key)).lower() == value, (name, override)
        assert cfg.data.preprocessing.enabled is bool(profile["overrides"]), name
