"""Test: evaluate a checkpoint (the picker fills the model from its run)."""

from __future__ import annotations

from ..settings import Settings
from . import form_page


def render(settings: Settings) -> None:
    form_page.render(settings, "test", "Test")
