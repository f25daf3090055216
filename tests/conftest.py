"""Shared fixtures: a private copy of the demo workspace per test, or one per module for
tests that only read it.

Hypothesis profiles: "default" runs every property test's full example count (`make test`);
"fast" a fifth of it (`make test-fast`: pytest --hypothesis-profile=fast), see
examples_budget.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from command_builder.settings import Settings, copy_demo_workspace, load_settings

settings.register_profile("fast", max_examples=20)


@pytest.fixture
def demo_settings(tmp_path: Path) -> Settings:
    """Settings of a fresh, writable copy of the demo workspace."""
    return load_settings(copy_demo_workspace(tmp_path / "workspace"))


@pytest.fixture(scope="module")
def read_only_demo(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One demo workspace copy for a module's tests that never write to it: the process-wide
    caches keyed by its root (Hydra loader, catalog, compose results) stay warm between them.
    A test that writes (a run folder, a config, a job) takes `demo_settings` instead."""
    return load_settings(copy_demo_workspace(tmp_path_factory.mktemp("shared") / "workspace"))
