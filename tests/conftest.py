"""Shared fixtures: a private copy of the demo workspace per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from command_builder.settings import DEMO_SOURCE, SETTINGS_FILE, Settings, load_settings


def copy_demo(target: Path) -> Path:
    """Copy the embedded demo workspace (configs, runners, settings) into `target`."""
    for name in ("configs", "runners"):
        shutil.copytree(
            DEMO_SOURCE / name, target / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    if (DEMO_SOURCE / SETTINGS_FILE).is_file():
        shutil.copy2(DEMO_SOURCE / SETTINGS_FILE, target / SETTINGS_FILE)
    return target


@pytest.fixture
def demo_settings(tmp_path: Path) -> Settings:
    """Settings of a fresh, writable copy of the demo workspace."""
    return load_settings(copy_demo(tmp_path / "workspace"))
