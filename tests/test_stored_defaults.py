"""A page's config defaults are stored on disk, so a server restart does not compose them
again; a changed config tree, a fresh edit or a hand-edited store file is never trusted.

"A restart" here is forgetting every in-process cache (config_defaults', the compose
cache): what a new server process starts with, apart from the state folder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from command_builder.commands.validate import STATS, clear_cache
from command_builder.schema import config_defaults, load_page_schema, stored_defaults
from command_builder.settings import Settings
from test_ocr_project import project


def restart() -> None:
    config_defaults.clear_cache()
    clear_cache()


def default_of(settings: Settings, page: str, key: str) -> object:
    element = next(e for e in load_page_schema(settings, page).elements if e.key == key)
    assert element.config_default, key
    return element.default


def stored_file(settings: Settings, page: str) -> Path:
    return settings.state_dir / stored_defaults.FOLDER / f"{page}.json"


def age(path: Path, seconds: float = 60.0) -> None:
    """Set `path`'s mtime into the past: an edit made long enough ago to be trusted."""
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def ocr(tmp_path: Path) -> Settings:
    return project(tmp_path / "ocr", schemas=True)


@pytest.mark.parametrize("page", ["train", "test", "predict"])
def test_a_restart_reads_the_stored_defaults_instead_of_composing(ocr: Settings, page: str) -> None:
    restart()
    first = load_page_schema(ocr, page)
    assert stored_file(ocr, page).is_file()
    restart()
    before = STATS.compositions
    again = load_page_schema(ocr, page)
    assert STATS.compositions == before
    assert again == first


def test_the_demo_s_defaults_are_stored_too(demo_settings: Settings) -> None:
    restart()
    first = load_page_schema(demo_settings, "train")
    restart()
    before = STATS.compositions
    assert load_page_schema(demo_settings, "train") == first
    assert STATS.compositions == before


def test_an_edited_config_is_composed_again_and_its_value_is_the_default(ocr: Settings) -> None:
    restart()
    assert default_of(ocr, "train", "seed") == 42
    train = ocr.configs_dir / "train.yaml"
    train.write_text(train.read_text().replace("seed: 42", "seed: 7"))
    age(train)  # the same length and an old mtime would still differ from the stamp's
    restart()
    before = STATS.compositions
    assert default_of(ocr, "train", "seed") == 7
    assert STATS.compositions == before + 1
    assert json.loads(stored_file(ocr, "train").read_text())["values"]["seed"] == 7


def test_a_config_tree_edited_just_now_is_not_stored(ocr: Settings) -> None:
    train = ocr.configs_dir / "train.yaml"
    train.write_text(train.read_text().replace("seed: 42", "seed: 8"))  # mtime: now
    restart()
    assert default_of(ocr, "train", "seed") == 8
    assert not stored_file(ocr, "train").exists()


def test_a_new_hydra_version_is_composed_again(
    ocr: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart()
    load_page_schema(ocr, "train")
    stamp, _ = stored_defaults.stamp(ocr, "train")
    monkeypatch.setattr(stored_defaults, "_version_of", lambda name: f"{name} 99")
    assert stored_defaults.stamp(ocr, "train")[0] != stamp
    assert stored_defaults.load(ocr, "train", stored_defaults.stamp(ocr, "train")[0]) is None


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"stamp": 1, "values": {}, "choices": {}}',
        b'{"stamp": "STAMP", "values": [], "choices": {}}',
        b'{"stamp": "STAMP", "values": {"seed": {"$set": 1}}, "choices": {}}',
        b'{"stamp": "STAMP", "values": {"seed": 5}, "choices": {"data": 3}}',
        b'{"stamp": "STAMP", "values": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"stamp": "STAMP", "values": {"seed": "' + b"9" * stored_defaults.MAX_FILE_BYTES + b'"}}',
        b"\xff\xfe",
    ],
    ids=[
        "not-json",
        "a-list",
        "stamp-not-text",
        "values-a-list",
        "a-nested-mapping",
        "a-choice-not-text",
        "deeply-nested",
        "too-large",
        "not-utf8",
    ],
)
def test_a_hand_edited_store_file_is_ignored_and_rewritten(ocr: Settings, content: bytes) -> None:
    restart()
    load_page_schema(ocr, "train")
    path = stored_file(ocr, "train")
    stamp = json.loads(path.read_text())["stamp"]
    path.write_bytes(content.replace(b"STAMP", stamp.encode()))
    restart()
    before = STATS.compositions
    assert default_of(ocr, "train", "seed") == 42
    assert STATS.compositions == before + 1
    assert json.loads(path.read_text())["stamp"] == stamp


def test_a_state_folder_that_cannot_be_written_still_gives_the_defaults(ocr: Settings) -> None:
    ocr.state_dir.parent.mkdir(parents=True, exist_ok=True)
    ocr.state_dir.write_text("not a folder")
    restart()
    assert default_of(ocr, "train", "seed") == 42
    assert ocr.state_dir.read_text() == "not a folder"


def test_values_json_cannot_hold_exactly_are_not_stored(ocr: Settings) -> None:
    stamp, _ = stored_defaults.stamp(ocr, "train")
    stored_defaults.store(ocr, "train", stamp, {"lr": float("nan")}, {})
    stored_defaults.store(ocr, "test", stamp, {"pair": [{1: "a"}]}, {})
    assert not stored_file(ocr, "train").exists() and not stored_file(ocr, "test").exists()
    stored_defaults.store(ocr, "predict", stamp, {"sizes": (1, 2)}, {"data": "base"})
    assert stored_defaults.load(ocr, "predict", stamp) == ({"sizes": [1, 2]}, {"data": "base"})
