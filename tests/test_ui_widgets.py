"""AppTest: a field's widget shows only a value it can hold; anything else is edited as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from command_builder.settings import Settings, copy_demo_workspace, load_settings
from ui_apptest import FormField, light_fields, open_app


@pytest.fixture
def tags_page(tmp_path: Path) -> Settings:
    """The demo workspace with a Train schema of one multiselect (options a, b, c)."""
    settings = load_settings(copy_demo_workspace(tmp_path / "workspace"))
    settings.schemas_dir.mkdir(parents=True)
    (settings.schemas_dir / "train.yaml").write_text(
        "page: train\ntitle: Train\nelements:\n"
        "  - key: tags\n    type: multiselect\n    label: Tags\n    section: Run\n"
        "    options: [a, b, c]\n    hydra_override: tags\n",
        encoding="utf-8",
    )
    return settings


def test_a_multiselect_shows_a_text_value_as_text(
    monkeypatch: pytest.MonkeyPatch, tags_page: Settings
) -> None:
    # A link's "abc" is a text, not a list: the multiselect used to show it as the three
    # choices a, b and c (tuple("abc")), which one click would have made the value.
    at = open_app(monkeypatch, tags_page, query={"tags": "abc"})
    assert not at.exception
    assert [w.key for w in at.multiselect] == []
    assert ("tags", "text") in [(f["key"], f["kind"]) for f in light_fields(at)]
    field = FormField(at, "train.field.tags")
    assert field.value == "abc" and any("expected a list" in n for n in field.notes)


def test_a_multiselect_shows_a_list_value_as_choices(
    monkeypatch: pytest.MonkeyPatch, tags_page: Settings
) -> None:
    at = open_app(monkeypatch, tags_page, query={"tags": '["c", "a"]'})
    assert not at.exception
    assert [(w.key, w.value) for w in at.multiselect] == [("train.field.tags", ["c", "a"])]
