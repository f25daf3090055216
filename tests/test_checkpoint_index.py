"""Checkpoint index: layout, name parsing, ordering, lazy run configs, incremental refresh, warnings."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from command_builder.settings import Settings, load_settings
from command_builder.workspace import CheckpointIndex, get_checkpoint_index, parse_checkpoint_name
from command_builder.workspace import checkpoints as checkpoints_module

T0 = 1_700_000_000


def make_run(
    root: Path,
    name: str,
    ckpts: dict[str, int],
    *,
    config: str | None = None,
    choices: dict[str, str] | None = None,
) -> Path:
    """A run folder like Hydra + Lightning leave it; ckpts maps file name -> mtime offset."""
    run = root / "outputs" / name
    (run / ".hydra").mkdir(parents=True, exist_ok=True)
    if config is not None:
        (run / ".hydra/config.yaml").write_text(config, encoding="utf-8")
    if choices is not None:
        lines = "".join(f"      {k}: {v}\n" for k, v in choices.items())
        (run / ".hydra/hydra.yaml").write_text(
            f"hydra:\n  runtime:\n    choices:\n{lines}", encoding="utf-8"
        )
    if ckpts:
        (run / "checkpoints").mkdir(exist_ok=True)
    for ckpt, offset in ckpts.items():
        path = run / "checkpoints" / ckpt
        path.write_bytes(b"x" * (10 + offset))
        os.utime(path, (T0 + offset, T0 + offset))
    return run


@pytest.fixture
def workspace(tmp_path: Path) -> Settings:
    (tmp_path / "configs").mkdir()
    make_run(
        tmp_path,
        "a",
        {"epoch=0-step=10.ckpt": 1, "epoch=1-step=20.ckpt": 3},
        config="exp_name: a\nmodel:\n  encoder: {model_name: resnet18}\n  lr: 0.1\n",
        choices={"model/architectures": "dbnet", "data": "default"},
    )
    make_run(
        tmp_path, "b", {"last.ckpt": 4, "best-epoch=5-step=60.ckpt": 2}, config="exp_name: b\n"
    )
    return load_settings(tmp_path)


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust stamps at once, as if the files were older than the racy window (ctime cannot be aged)."""
    monkeypatch.setattr(checkpoints_module, "RACY_WINDOW_NS", 0)


@pytest.fixture
def young(monkeypatch: pytest.MonkeyPatch) -> None:
    """Distrust every stamp, however slow the machine: the window is an hour."""
    monkeypatch.setattr(checkpoints_module, "RACY_WINDOW_NS", 3600 * 10**9)


@pytest.fixture
def index(workspace: Settings) -> CheckpointIndex:
    built = CheckpointIndex(workspace)
    built.refresh()
    return built


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[tuple]:
    """Wrap owner.name so that every call's arguments are recorded."""
    calls: list[tuple] = []
    original = getattr(owner, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("epoch=3-step=120.ckpt", (3, 120)),
        ("best-epoch=07-step=0099.ckpt", (7, 99)),
        ("epoch=2-val_loss=0.12.ckpt", (2, None)),
        ("model-global_step=50.ckpt", (None, 50)),
        ("last.ckpt", (None, None)),
        ("last-v1.ckpt", (None, None)),
        ("myepoch=3.ckpt", (None, None)),
    ],
)
def test_parse_checkpoint_name(name: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_checkpoint_name(name) == expected


def test_checkpoints_newest_first_with_fields(index: CheckpointIndex) -> None:
    names = [c.path.rsplit("/", 1)[1] for c in index.checkpoints]
    assert names == [
        "last.ckpt",
        "epoch=1-step=20.ckpt",
        "best-epoch=5-step=60.ckpt",
        "epoch=0-step=10.ckpt",
    ]
    newest = index.checkpoints[1]
    assert newest.path == "outputs/a/checkpoints/epoch=1-step=20.ckpt"
    assert (newest.run_dir, newest.run_name) == ("outputs/a", "a")
    assert (newest.epoch, newest.step, newest.mtime, newest.size) == (1, 20, T0 + 3, 13)
    assert index.checkpoints[0].epoch is None and index.checkpoints[0].step is None
    assert index.warnings == ()


def test_nested_run_layouts(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    make_run(tmp_path, "2024-05-01/12-00-00/0", {"epoch=0-step=1.ckpt": 1})  # multirun job
    make_run(tmp_path, "2024-05-01/12-00-00/1", {"epoch=0-step=1.ckpt": 2})
    make_run(tmp_path, "2024-05-02/09-30-00", {"epoch=1-step=2.ckpt": 3})  # hydra's run dir
    (tmp_path / "outputs/2024-05-01/12-00-00/multirun.yaml").write_text("{}", encoding="utf-8")
    index = CheckpointIndex(load_settings(tmp_path))
    index.refresh()
    assert [c.run_name for c in index.checkpoints] == [
        "2024-05-02/09-30-00",
        "2024-05-01/12-00-00/1",
        "2024-05-01/12-00-00/0",
    ]
    assert index.checkpoints[-1].run_dir == "outputs/2024-05-01/12-00-00/0"


def test_run_config_is_read_lazily_once(
    index: CheckpointIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = count_calls(monkeypatch, checkpoints_module, "_read_run_config")
    index.refresh()
    assert reads == []
    config = index.run_config("outputs/a")
    assert config is not None
    assert index.run_config("outputs/a") is config
    assert index.run_config(Path(index._root) / "outputs" / "a") is config  # absolute path too
    assert len(reads) == 1
    assert config.lookup("model/architectures") == "dbnet"
    assert config.lookup("data") == "default"
    assert config.lookup("model.encoder.model_name") == "resnet18"
    assert config.lookup("exp_name") == "a"
    assert config.lookup("model.missing") is None
    b = index.run_config("outputs/b")
    assert b is not None and b.choices == {} and b.lookup("exp_name") == "b"
    assert index.run_config("outputs/nope") is None
    assert index.run_config("outputs/a/checkpoints") is None


def test_incremental_refresh_rescans_only_the_changed_run(
    settled: None, workspace: Settings, index: CheckpointIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.refresh()  # now everything is settled
    config_b = index.run_config("outputs/b")
    config_a = index.run_config("outputs/a")
    scans = count_calls(monkeypatch, CheckpointIndex, "_scan_run")
    reads = count_calls(monkeypatch, checkpoints_module, "_read_run_config")
    version = index.version

    assert index.refresh() is False
    assert scans == [] and index.version == version

    make_run(workspace.root, "a", {"epoch=2-step=30.ckpt": 9})
    assert index.refresh() is True
    assert [args[1] for args in scans] == [str(workspace.outputs_dir / "a")]
    assert index.version != version
    assert index.checkpoints[0].path == "outputs/a/checkpoints/epoch=2-step=30.ckpt"
    assert index.run_config("outputs/b") is config_b  # untouched run: not read again
    assert index.run_config("outputs/a") is config_a  # a new checkpoint leaves the config alone
    assert reads == []

    scans.clear()
    (workspace.outputs_dir / "a/submissions").mkdir()  # the run folder itself changed
    assert index.refresh() is False  # same checkpoints
    assert [args[1] for args in scans] == [str(workspace.outputs_dir / "a")]
    assert index.run_config("outputs/a") is not config_a
    assert index.run_config("outputs/b") is config_b
    assert len(reads) == 1

    scans.clear()
    make_run(workspace.root, "c", {"epoch=0-step=5.ckpt": 20})
    assert index.refresh() is True
    assert [args[1] for args in scans] == [str(workspace.outputs_dir / "c")]
    assert len(index.checkpoints) == 6


def test_forced_refresh_rescans_and_rereads(
    settled: None, index: CheckpointIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.refresh()
    index.run_config("outputs/a")
    scans = count_calls(monkeypatch, CheckpointIndex, "_scan_run")
    reads = count_calls(monkeypatch, checkpoints_module, "_read_run_config")
    assert index.refresh(force=True) is False  # nothing changed on disk
    assert len(scans) == 2
    index.run_config("outputs/a")
    assert len(reads) == 1


def test_checkpoint_still_being_written_is_listed_again_until_settled(
    young: None, workspace: Settings, index: CheckpointIndex
) -> None:
    ckpt = workspace.outputs_dir / "b/checkpoints/last.ckpt"
    with ckpt.open("ab") as handle:  # grows in place: no folder stamp changes
        handle.write(b"more")
    assert index.refresh() is True  # young files are not trusted yet
    assert [c.size for c in index.checkpoints if c.path.endswith("last.ckpt")] == [18]


def test_stale_in_place_rewrite_is_the_documented_limit(
    settled: None, workspace: Settings, index: CheckpointIndex
) -> None:
    index.refresh()
    with (workspace.outputs_dir / "b/checkpoints/last.ckpt").open("ab") as handle:
        handle.write(b"more")
    assert index.refresh() is False  # settled folder, same stamps: not listed again
    assert index.refresh(force=True) is True


def test_deleted_run_is_dropped_with_a_warning(workspace: Settings, index: CheckpointIndex) -> None:
    shutil.rmtree(workspace.outputs_dir / "b")
    assert index.refresh() is True
    assert {c.run_dir for c in index.checkpoints} == {"outputs/a"}
    assert len(index.warnings) == 1 and index.warnings[0].startswith("outputs/b: ")
    assert index.run_config("outputs/b") is None


def test_deleted_outputs_folder(workspace: Settings, index: CheckpointIndex) -> None:
    shutil.rmtree(workspace.outputs_dir)
    assert index.refresh() is True
    assert index.checkpoints == () and len(index.warnings) == 2


@pytest.mark.parametrize("bad", ["broken", "binary", "directory", "list"])
def test_unreadable_run_config_is_a_warning(
    workspace: Settings, index: CheckpointIndex, bad: str
) -> None:
    config = workspace.outputs_dir / "b/.hydra/config.yaml"
    config.unlink()
    if bad == "broken":
        config.write_text("a: [1\nb: 2\n", encoding="utf-8")
    elif bad == "binary":
        config.write_bytes(b"\xff\xfe\x00bad")
    elif bad == "directory":
        config.mkdir()
    else:
        config.write_text("- 1\n", encoding="utf-8")
    index.refresh()
    assert index.run_config("outputs/b") is None
    assert len(index.warnings) == 1
    assert index.warnings[0].startswith("outputs/b/.hydra/config.yaml")
    assert len(index.checkpoints) == 4  # the run's checkpoints are still listed
    index.run_config("outputs/b")
    assert len(index.warnings) == 1  # read once: not warned twice


def test_missing_run_config_is_none_without_warning(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    make_run(tmp_path, "x", {"last.ckpt": 1})
    index = CheckpointIndex(load_settings(tmp_path))
    index.refresh()
    assert index.run_config("outputs/x") is None and index.warnings == ()


def test_unlistable_checkpoints_folder_is_a_warning(
    workspace: Settings, index: CheckpointIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated through scandir: chmod 000 does not stop root, so it would test nothing there."""
    refused = str(workspace.outputs_dir / "b/checkpoints")
    scandir = os.scandir

    def refusing_scandir(path: str) -> object:
        if path == refused:
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    make_run(workspace.root, "b", {"epoch=9-step=90.ckpt": 30})
    monkeypatch.setattr(checkpoints_module.os, "scandir", refusing_scandir)
    index.refresh()
    assert {c.run_dir for c in index.checkpoints} == {"outputs/a"}
    assert index.warnings == (
        "outputs/b: cannot list checkpoints/ (Permission denied); run skipped",
    )
    monkeypatch.undo()
    index.refresh(force=True)
    assert len(index.checkpoints) == 5 and index.warnings == ()


def test_no_outputs_folder(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    index = get_checkpoint_index(load_settings(tmp_path))
    assert index.checkpoints == () and index.warnings == ()


def test_shared_index_and_throttle(workspace: Settings) -> None:
    index = get_checkpoint_index(workspace)
    assert get_checkpoint_index(load_settings(workspace.root)) is index
    make_run(workspace.root, "c", {"epoch=0-step=5.ckpt": 20})
    assert len(get_checkpoint_index(workspace, max_age_s=3600).checkpoints) == 4
    assert len(get_checkpoint_index(workspace).checkpoints) == 5


def test_threads_refresh_and_read_while_runs_appear(young: None, workspace: Settings) -> None:
    index = get_checkpoint_index(workspace)
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(40):
                index.refresh()
                for checkpoint in index.checkpoints[:3]:
                    index.run_config(checkpoint.run_dir)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    def writer() -> None:
        for i in range(15):
            make_run(workspace.root, f"new{i}", {"epoch=0-step=1.ckpt": 100 + i}, config="x: 1\n")

    threads = [threading.Thread(target=reader) for _ in range(4)] + [
        threading.Thread(target=writer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    index.refresh()
    assert len(index.checkpoints) == 19
    assert index.checkpoints[0].run_name == "new14"
