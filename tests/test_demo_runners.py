"""The demo runners end to end, as real subprocesses in a private copy of the demo workspace:
what the app later reads (run folders, checkpoints, submissions) must really be written."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from command_builder.settings import Settings

# Each test starts the demo runners as subprocesses: not in `make test-fast`.
pytestmark = pytest.mark.slow

FAST = "demo.epoch_seconds=0.01"
RUN_NAME = re.compile(r"^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{6}_(train|test|predict)_(.+)$")
CHECKPOINT_NAME = re.compile(r"^epoch=(\d+)-step=(\d+)\.ckpt$")


def run(settings: Settings, page: str, *overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, settings.runner_path(page), *overrides],
        cwd=settings.root,
        capture_output=True,
        text=True,
        timeout=60,
    )


def quoted(path: Path, root: Path) -> str:
    """checkpoint_path override: Lightning's file names contain '=', which Hydra needs quoted."""
    return f"checkpoint_path='{path.relative_to(root).as_posix()}'"


def run_dirs(settings: Settings, page: str) -> list[Path]:
    return sorted(
        p
        for p in settings.outputs_dir.iterdir()
        if (match := RUN_NAME.match(p.name)) and match.group(1) == page
    )


def train(settings: Settings, *overrides: str) -> Path:
    """Train for two epochs; return the newest checkpoint."""
    result = run(settings, "train", FAST, "trainer.max_epochs=2", *overrides)
    assert result.returncode == 0, result.stderr
    return sorted(run_dirs(settings, "train")[-1].glob("checkpoints/*.ckpt"))[-1]


def test_train_writes_run_folder_and_checkpoints(demo_settings: Settings) -> None:
    result = run(
        demo_settings,
        "train",
        FAST,
        "exp_name=receipts_v3",
        "model/architectures=dbnetpp",
        "model.encoder.model_name=resnet34",
        "model/optimizers=adamw",
        "model.optimizer.lr=0.0007",
        "dataloaders.train_dataloader.batch_size=8",
        "trainer.accumulate_grad_batches=2",
        "trainer.max_epochs=3",
        "trainer.precision=bf16-mixed",
        "data=canonical",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "DEMO RUNNER" in lines[0]
    assert [line.split(" - ")[1].split(":")[0] for line in lines if " - Epoch " in line] == [
        "Epoch 1/3",
        "Epoch 2/3",
        "Epoch 3/3",
    ]
    assert re.search(r"Epoch 3/3: .* loss=\d\.\d{3}", result.stdout)

    [run_dir] = run_dirs(demo_settings, "train")
    assert RUN_NAME.match(run_dir.name).group(2) == "receipts_v3"
    config = yaml.safe_load((run_dir / ".hydra" / "config.yaml").read_text())
    assert config["model"]["architecture_name"] == "dbnetpp"
    assert config["model"]["optimizer"]["lr"] == 0.0007
    assert config["trainer"]["precision"] == "bf16-mixed"
    assert config["data"]["dataset_name"] == "receipts_canonical"
    choices = yaml.safe_load((run_dir / ".hydra" / "hydra.yaml").read_text())["hydra"]["runtime"][
        "choices"
    ]
    assert choices["model/architectures"] == "dbnetpp" and choices["model/optimizers"] == "adamw"

    # 3272 images / batch 8 = 409 batches, / accumulate 2 = 204 optimizer steps per epoch
    names = sorted(p.name for p in (run_dir / "checkpoints").iterdir())
    assert names == ["epoch=0-step=204.ckpt", "epoch=1-step=408.ckpt", "epoch=2-step=612.ckpt"]
    state = json.loads((run_dir / "checkpoints" / names[-1]).read_text())
    assert (state["architecture"], state["encoder"], state["epoch"], state["global_step"]) == (
        "dbnetpp",
        "resnet34",
        2,
        612,
    )


def test_resume_continues_epochs_and_steps(demo_settings: Settings) -> None:
    checkpoint = train(demo_settings)
    epoch, step = map(int, CHECKPOINT_NAME.match(checkpoint.name).groups())
    result = run(
        demo_settings,
        "train",
        FAST,
        "resume=true",
        "trainer.max_epochs=3",
        quoted(checkpoint, demo_settings.root),
    )
    assert result.returncode == 0, result.stderr
    assert "Epoch 3/3" in result.stdout and "Epoch 1/3" not in result.stdout
    names = [p.name for p in run_dirs(demo_settings, "train")[-1].glob("checkpoints/*.ckpt")]
    assert names == [f"epoch={epoch + 1}-step={step + step // (epoch + 1)}.ckpt"]


def test_test_runner_reads_the_checkpoint(demo_settings: Settings) -> None:
    checkpoint = train(demo_settings)
    result = run(demo_settings, "test", FAST, quoted(checkpoint, demo_settings.root))
    assert result.returncode == 0, result.stderr
    assert "DEMO RUNNER" in result.stdout.splitlines()[0]
    assert "dbnet/resnet18, epoch 1" in result.stdout
    metrics = dict(re.findall(r"(test/\w+)\s+(\d\.\d+)", result.stdout))
    assert set(metrics) == {"test/precision", "test/recall", "test/hmean"}
    assert all(0 < float(v) < 1 for v in metrics.values())
    [run_dir] = run_dirs(demo_settings, "test")
    assert (run_dir / ".hydra" / "config.yaml").is_file()


@pytest.mark.parametrize("minified, confidence", [(False, False), (True, True)])
def test_predict_writes_a_competition_submission(
    demo_settings: Settings, minified: bool, confidence: bool
) -> None:
    checkpoint = train(demo_settings)
    result = run(
        demo_settings,
        "predict",
        FAST,
        quoted(checkpoint, demo_settings.root),
        f"minified_json={str(minified).lower()}",
        f"include_confidence={str(confidence).lower()}",
    )
    assert result.returncode == 0, result.stderr
    assert "DEMO RUNNER" in result.stdout.splitlines()[0]
    [run_dir] = run_dirs(demo_settings, "predict")
    [submission] = (run_dir / "submissions").iterdir()
    assert re.fullmatch(r"\d{8}_\d{6}\.json", submission.name)
    text = submission.read_text()
    assert ("\n" not in text) is minified
    images = json.loads(text)["images"]
    assert len(images) == 413
    for name, image in images.items():
        assert name.endswith(".jpg") and image["words"]
        for key, word in image["words"].items():
            assert re.fullmatch(r"\d{4}", key)
            assert len(word["points"]) >= 4
            assert all(len(p) == 2 and all(isinstance(c, int) for c in p) for p in word["points"])
            assert ("confidence" in word) is confidence


@pytest.mark.parametrize(
    "page, overrides, message",
    [
        (
            "test",
            ["checkpoint_path=outputs/nope.ckpt"],
            "checkpoint_path=outputs/nope.ckpt does not exist",
        ),
        (
            "predict",
            ["checkpoint_path=outputs/nope.ckpt"],
            "checkpoint_path=outputs/nope.ckpt does not exist",
        ),
        ("train", ["resume=true", "checkpoint_path=outputs/nope.ckpt"], "does not exist"),
        ("train", ["resume=true"], "resume=true needs checkpoint_path"),
        ("test", [], "checkpoint_path is required"),
        ("predict", [], "checkpoint_path is required"),
        (
            "test",
            ["checkpoint_path=configs/train.yaml"],
            "is not a checkpoint written by the demo train runner",
        ),
    ],
)
def test_bad_checkpoint_fails_clearly(
    demo_settings: Settings, page: str, overrides: list[str], message: str
) -> None:
    result = run(demo_settings, page, FAST, *overrides)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_checkpoint_of_another_architecture_is_refused(demo_settings: Settings) -> None:
    checkpoint = train(demo_settings)
    result = run(
        demo_settings,
        "predict",
        FAST,
        quoted(checkpoint, demo_settings.root),
        "model/architectures=craft",
    )
    assert result.returncode != 0
    assert (
        "was trained with model/architectures=dbnet model.encoder.model_name=resnet18"
        in result.stderr
    )


@pytest.mark.parametrize("page", ["train", "test", "predict"])
def test_help_says_demo_runner(demo_settings: Settings, page: str) -> None:
    result = run(demo_settings, page, "--help")
    assert result.returncode == 0
    assert f"== {page} (DEMO RUNNER) ==" in result.stdout
    assert "model/architectures: craft, dbnet, dbnetpp" in result.stdout


def test_sigterm_stops_training_promptly(demo_settings: Settings) -> None:
    process = subprocess.Popen(
        [sys.executable, demo_settings.runner_path("train"), "demo.epoch_seconds=30"],
        cwd=demo_settings.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert "DEMO RUNNER" in process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) != 0
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
