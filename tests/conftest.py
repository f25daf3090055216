"""Shared fixtures: a private copy of the demo workspace per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from command_builder.settings import Settings, copy_demo_workspace, load_settings


@pytest.fixture
def demo_settings(tmp_path: Path) -> Settings:
    """Settings of a fresh, writable copy of the demo workspace."""
    return load_settings(copy_demo_workspace(tmp_path / "workspace"))
