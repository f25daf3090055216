"""Workspace catalog: group options, ui_meta, issues for broken files, fingerprint and shared cache."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from command_builder.settings import Settings, load_settings
from command_builder.workspace import (
    Catalog,
    ConfigIssue,
    build_catalog,
    get_catalog,
    refresh_catalog,
)
from command_builder.workspace import catalog as catalog_module
from command_builder.workspace.fingerprint import scan


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def small_workspace(root: Path) -> Settings:
    """A tiny tree independent of the demo: one nested and one flat group, metadata, runners."""
    write(root / "configs/train.yaml", "defaults:\n  - data: a\n")
    write(root / "configs/data/a.yaml", "x: 1\n")
    write(root / "configs/data/b.yaml", "x: 2\n")
    write(root / "configs/model/architectures/net.yaml", "architectures: net\n")
    write(
        root / "configs/ui_meta/architectures/net.yaml",
        "ui_metadata:\n  label: Net\n  compatible_backbones: [e1, e2]\n"
        "  default_backbone: e1\n"
        "  use_cases:\n    - {id: u, title: U, recommendations: {encoder: e2}}\n",
    )
    write(
        root / "configs/ui_meta/optimizers/adam.yaml",
        "ui_metadata:\n  learning_rate: {min: 1.0e-5, max: 1.0e-2, default: 1.0e-3}\n",
    )
    write(root / "runners/train.py", "")
    write(root / "runners/_helpers.py", "")
    return load_settings(root)


def scan_of(settings: Settings):
    return scan(str(settings.configs_dir), str(settings.runners_dir))


def issue_for(catalog: Catalog, path: str) -> ConfigIssue:
    found = [issue for issue in catalog.issues if issue.path == path]
    assert found, f"no issue for {path}: {catalog.issues}"
    return found[0]


def test_demo_groups_metadata_and_runners(demo_settings: Settings) -> None:
    catalog = build_catalog(demo_settings)
    assert catalog.issues == ()
    assert catalog.group_options("model/architectures") == ("craft", "dbnet", "dbnetpp")
    assert catalog.group_options("model/optimizers") == ("adam", "adamw", "sgd")
    assert catalog.datasets == ("canonical", "craft", "default", "preprocessing")
    assert catalog.group_options("nope") == ()
    assert not any(group.startswith("ui_meta") for group in catalog.groups)
    assert catalog.runners == {
        "predict": "runners/predict.py",
        "test": "runners/test.py",
        "train": "runners/train.py",
    }
    dbnet = catalog.architectures["dbnet"]
    assert dbnet.label == "dbnet"
    assert dbnet.defaults["default_backbone"] == "resnet18"
    assert "resnet50" in dbnet.compatible["compatible_backbones"]
    assert dbnet.use_cases[0].id == "fast_baseline"
    assert dbnet.use_cases[0].values["batch_size"] == 16
    adamw = catalog.optimizers["adamw"]
    assert (adamw.lr_min, adamw.lr_max, adamw.lr_default) == (1e-6, 1e-2, 5e-4)
    lens = catalog.preprocessing_profiles["lens_style"]
    assert lens.overrides == ("data=preprocessing", "data.preprocessing.mode=lens_style")
    assert catalog.preprocessing_profiles["none"].overrides == ()


def test_meta_options_is_a_union_without_duplicates(tmp_path: Path) -> None:
    settings = small_workspace(tmp_path)
    write(
        settings.ui_meta_dir / "architectures/other.yaml",
        "ui_metadata:\n  compatible_backbones: [e2, e3]\n",
    )
    catalog = build_catalog(settings)
    assert catalog.meta_options("encoders") == ("e1", "e2", "e3")
    assert catalog.meta_options("heads") == ()
    assert catalog.architectures["other"].label == "other"  # name and label default to the stem


def test_nested_groups_and_runner_names(tmp_path: Path) -> None:
    catalog = build_catalog(small_workspace(tmp_path))
    assert catalog.groups == {"data": ("a", "b"), "model/architectures": ("net",)}
    assert catalog.runners == {"train": "runners/train.py"}


def test_broken_yaml_becomes_an_issue_and_the_rest_still_works(tmp_path: Path) -> None:
    settings = small_workspace(tmp_path)
    write(settings.configs_dir / "data/broken.yaml", "x: 1\ny: [1, 2\nz: 3\n")
    write(settings.ui_meta_dir / "optimizers/sgd.yaml", "ui_metadata:\n  learning_rate: {min: 1\n")
    catalog = build_catalog(settings)
    broken = issue_for(catalog, "configs/data/broken.yaml")
    assert broken.line == 3 and "invalid YAML" in broken.message
    assert str(broken).startswith("configs/data/broken.yaml:3: ")
    assert issue_for(catalog, "configs/ui_meta/optimizers/sgd.yaml").line is not None
    assert catalog.group_options("data") == ("a", "b", "broken")  # still an option: the file exists
    assert list(catalog.optimizers) == ["adam"]
    assert catalog.architectures["net"].defaults == {"default_backbone": "e1"}


def test_config_that_is_not_a_mapping_is_an_issue(tmp_path: Path) -> None:
    settings = small_workspace(tmp_path)
    write(settings.configs_dir / "data/list.yaml", "# comment\n- 1\n- 2\n")
    issue = issue_for(build_catalog(settings), "configs/data/list.yaml")
    assert issue.line == 2 and "mapping" in issue.message


def test_metadata_problems_name_file_and_line_and_never_drop_the_file(tmp_path: Path) -> None:
    settings = small_workspace(tmp_path)
    write(
        settings.ui_meta_dir / "architectures/bad.yaml",
        "ui_metadata:\n  notes: x\n  compatible_backbones: 5\n",
    )
    write(settings.ui_meta_dir / "architectures/typo.yaml", "ui_metadata:\n  notez: X\n")
    write(
        settings.ui_meta_dir / "architectures/baddefault.yaml",
        "ui_metadata:\n  compatible_backbones: [a]\n  default_backbone: b\n",
    )
    write(
        settings.ui_meta_dir / "optimizers/sgd.yaml",
        "ui_metadata:\n  learning_rate: {min: 1.0e-2, max: 1.0e-4, default: 1.0e-3}\n",
    )
    catalog = build_catalog(settings)
    bad = issue_for(catalog, "configs/ui_meta/architectures/bad.yaml")
    assert bad.line == 3 and "compatible_backbones" in bad.message
    typo = issue_for(catalog, "configs/ui_meta/architectures/typo.yaml")
    assert typo.line == 2 and "unknown key 'ui_metadata.notez'" in typo.message
    assert issue_for(catalog, "configs/ui_meta/architectures/baddefault.yaml").line == 3
    assert "learning_rate" in issue_for(catalog, "configs/ui_meta/optimizers/sgd.yaml").message
    assert sorted(catalog.architectures) == ["bad", "baddefault", "net", "typo"]
    assert catalog.optimizers["sgd"].lr_min is None  # contradicting bounds are dropped alone


def test_invalid_profile_is_left_out_alone_and_none_is_always_offered(tmp_path: Path) -> None:
    settings = small_workspace(tmp_path)
    assert list(build_catalog(settings).preprocessing_profiles) == ["none"]
    write(
        settings.ui_meta_dir / "preprocessing_profiles.yaml",
        "profiles:\n  ok: {label: OK, overrides: [data=a]}\n  bad: [1, 2]\n",
    )
    catalog = build_catalog(settings)
    assert list(catalog.preprocessing_profiles) == ["none", "ok"]
    assert catalog.preprocessing_profiles["none"].overrides == ()
    assert issue_for(catalog, "configs/ui_meta/preprocessing_profiles.yaml").line == 3


def test_fingerprint_changes_on_add_edit_delete_only(tmp_path: Path) -> None:
    settings = small_workspace(tmp_path)
    base = scan_of(settings)
    assert scan_of(settings) == base
    write(tmp_path / "configs/README.md", "not watched")
    write(settings.schemas_dir / "train.yaml", "elements: []")  # read by the schema layer
    write(tmp_path / "outputs/run/x.txt", "")
    assert scan_of(settings) == base

    added = write(settings.configs_dir / "data/c.yaml", "x: 3\n")
    after_add = scan_of(settings)
    assert after_add != base

    added.write_text("x: 33\n", encoding="utf-8")
    after_edit = scan_of(settings)
    assert after_edit != after_add

    added.unlink()
    assert scan_of(settings) != after_edit

    write(settings.runners_dir / "predict.py", "")
    assert scan_of(settings) != base


def test_catalog_is_shared_until_something_changes(tmp_path: Path) -> None:
    settings = small_workspace(tmp_path)
    first = get_catalog(settings)
    assert get_catalog(settings) is first
    assert get_catalog(load_settings(tmp_path)) is first  # keyed by root, not by Settings object
    assert refresh_catalog(settings) is first  # forced rebuild, same content -> same object

    write(settings.configs_dir / "data/c.yaml", "x: 3\n")
    assert get_catalog(settings, max_age_s=3600) is first  # throttled: no scan
    second = get_catalog(settings)
    assert second is not first and second.version != first.version
    assert second.group_options("data") == ("a", "b", "c")
    assert first.group_options("data") == ("a", "b")  # old snapshots stay valid


def test_same_size_edit_within_the_mtime_granularity_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_module, "RACY_WINDOW_NS", 3600 * 10**9)  # however slow the machine
    settings = small_workspace(tmp_path)
    path = settings.ui_meta_dir / "architectures/net.yaml"
    first = get_catalog(settings)
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("Net", "Nut"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    assert scan_of(settings) == scan_of(settings)
    assert get_catalog(settings).architectures["net"].label == "Nut"
    assert first.architectures["net"].label == "Net"


def test_missing_runners_folder_and_empty_groups(tmp_path: Path) -> None:
    write(tmp_path / "configs/train.yaml", "")
    write(tmp_path / "configs/empty/.keep", "")
    catalog = build_catalog(load_settings(tmp_path))
    assert catalog.runners == {} and catalog.groups == {} and catalog.issues == ()


def test_threads_share_one_catalog_while_files_change(tmp_path: Path) -> None:
    settings = small_workspace(tmp_path)
    errors: list[BaseException] = []
    seen: list[Catalog] = []

    def reader() -> None:
        try:
            for _ in range(50):
                seen.append(get_catalog(settings))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    def writer() -> None:
        for i in range(20):
            write(settings.configs_dir / f"data/n{i}.yaml", f"x: {i}\n")

    threads = [threading.Thread(target=reader) for _ in range(6)] + [
        threading.Thread(target=writer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(isinstance(c, Catalog) for c in seen)
    assert len(get_catalog(settings).group_options("data")) == 22
    assert len({c.version for c in seen}) == len({id(c) for c in seen})  # one object per version
