"""Shared fixtures: a private copy of the demo workspace per test.

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
