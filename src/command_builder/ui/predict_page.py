"""Predict: the form, then the submission export (JSON -> competition CSV)."""

from __future__ import annotations

from ..settings import Settings
from . import export_panel, form_page
from .state import PageData


def render(settings: Settings) -> None:
    form_page.render(settings, "predict", "Predict", after_form=_export)


def _export(data: PageData) -> None:
    export_panel.render(data.settings)
