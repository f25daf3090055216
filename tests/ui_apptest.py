"""Helpers for the AppTest tests of the UI (tests/test_ui_*.py).

AppTest cannot switch between st.navigation pages made from functions, so the
script below renders the page named in `st.session_state["test_page"]`: a
"page switch" is a rerun that renders another page, which makes Streamlit drop
the state of the widgets it did not render, exactly as a real switch does.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from command_builder.settings import Settings

TIMEOUT_S = 30


def _script() -> None:
    import streamlit as st

    from command_builder.ui import context, predict_page, test_page, train_page

    renderers = {
        "train": train_page.render,
        "test": test_page.render,
        "predict": predict_page.render,
    }
    renderers[st.session_state.get("test_page", "train")](context.current_settings())


def open_app(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    page: str = "train",
    query: dict[str, str] | None = None,
) -> AppTest:
    """A fresh session of the app on `settings`' workspace, showing `page` (run once)."""
    monkeypatch.setenv("COMMAND_BUILDER_WORKSPACE", str(settings.root))
    at = AppTest.from_function(_script, default_timeout=TIMEOUT_S)
    at.session_state["test_page"] = page
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def switch(at: AppTest, page: str) -> AppTest:
    """Show another page in the same session."""
    at.session_state["test_page"] = page
    return at.run()


def open_section(at: AppTest, page: str, section: str) -> AppTest:
    """Show a section of a form page (what a click on its segment does)."""
    at.session_state[f"{page}.ui.section"] = section
    return at.run()


def switch_on(at: AppTest, key: str) -> AppTest:
    """Turn on a light switch (ui/light.py: what a click on it does)."""
    at.session_state[key] = True
    return at.run()


def _light_element(at: AppTest, key: str) -> Any:
    for element in at.get("bidi_component"):
        if element.proto.id.endswith(f"-{key}.control"):
            return element
    raise AssertionError(f"no light control with key {key!r} on the page")


def light_payload(at: AppTest, key: str) -> dict[str, Any]:
    """All a light element (ui/light.py `fields`) with this key sends: data and revision."""
    payload: dict[str, Any] = json.loads(_light_element(at, key).proto.bytes)
    return payload


def light_control(at: AppTest, key: str) -> dict[str, Any]:
    """The data a light element (ui/light.py `fields`) with this key sends the browser."""
    data: dict[str, Any] = light_payload(at, key)["data"]
    return data


def has_light_element(at: AppTest, key: str) -> bool:
    """Whether the page shows a light element (ui/light.py) with this key."""
    return any(e.proto.id.endswith(f"-{key}.control") for e in at.get("bidi_component"))


def light_table(at: AppTest, key: str) -> list[dict[str, object]]:
    """The rows a light table (ui/light.py `table`) with this key shows, by column heading:
    texts, and fractions (drawn as progress bars)."""
    (item,) = light_control(at, key)["fields"]
    assert item["kind"] == "table"
    return [dict(zip(item["columns"], row, strict=True)) for row in item["value"]]


def light_fields(at: AppTest) -> list[dict[str, Any]]:
    """What every light field on the page (ui/light.py `fields`) sends the browser, in order."""
    return [item for _, data in fields_elements(at) for item in data["fields"]]


def light_selects(at: AppTest) -> list[dict[str, Any]]:
    """The light fields on the page that are selects."""
    return [item for item in light_fields(at) if item["kind"] == "select"]


def light_notes(at: AppTest, tone: str) -> list[str]:
    """The notes of one tone (error, muted, info, warning, effect) under the light fields."""
    return [text for item in light_fields(at) for kind, text in item["notes"] if kind == tone]


def fields_elements(at: AppTest) -> list[tuple[Any, dict[str, Any]]]:
    """Every light element on the page, with the data it sends the browser."""
    return [
        (element, json.loads(element.proto.bytes)["data"]) for element in at.get("bidi_component")
    ]


def send_trigger(at: AppTest, key: str, event: str, value: object) -> AppTest:
    """Run the page as after the browser sent `event` from the light control `key`.

    The trigger goes through Streamlit's widget states, so the control's callback runs as
    it does behind a click. AppTest has no public call for a components-v2 trigger: this
    uses its `_tree` and `_run` (test_ui_light.py fails first if they change)."""
    return _send(at, _light_element(at, key), event, value)


def _send(at: AppTest, element: Any, event: str, value: object) -> AppTest:
    states = at._tree.get_widget_states()
    payload = json.dumps([{"event": event, "value": value}])
    states.widgets.append(
        WidgetState(id=_make_trigger_id(element.proto.id, "events"), json_trigger_value=payload)
    )
    return at._run(states)


@dataclass
class FormField:
    """A light field (ui/light.py `fields`) as AppTest sees it: what it shows, and an edit as
    the browser sends it. `key` is the page, then the field's key ("train.field.exp_name"),
    or the key of a page control drawn among the fields ("test.ui.checkpoint_filter")."""

    at: AppTest
    key: str

    def _found(self) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        page, _, rest = self.key.partition(".")
        name = rest.removeprefix("field.")
        for element, data in fields_elements(self.at):
            for item in data["fields"]:
                if item["key"] == name and f"-{page}." in element.proto.id:
                    return element, data, item
        raise AssertionError(f"no light field {self.key!r} on the page")

    @property
    def data(self) -> dict[str, Any]:
        return self._found()[2]

    @property
    def label(self) -> str:
        return str(self.data["label"])

    @property
    def value(self) -> object:
        """What the control shows: a text (text, number), a bool, a select's option value."""
        item = self.data
        if item["kind"] == "select":
            return item["values"][item["value"]] if item["value"] >= 0 else None
        return item["value"]

    @property
    def options(self) -> list[str]:
        return list(self.data["options"])

    @property
    def disabled(self) -> bool:
        return bool(self.data["disabled"])

    @property
    def notes(self) -> list[str]:
        return [text for _, text in self.data["notes"]]

    def send(self, value: object) -> AppTest:
        """Rerun as after the browser sent `value` from this field (as its control sends it)."""
        element, data, item = self._found()
        return _send(self.at, element, "change", [[data["ack"] + 1, item["key"], value]])

    def input(self, value: object) -> AppTest:
        """Type `value` (a number is typed as its text) and commit it."""
        return self.send(value if isinstance(value, str | bool) else str(value))

    def click(self) -> AppTest:
        """Click it (a light button)."""
        return self.send(True)

    def select(self, value: object) -> AppTest:
        """Pick `value` (an option's value, not its label)."""
        return self.send(self.data["values"].index(str(value)))


def command(at: AppTest) -> str:
    """The command shown by the command panel (the page's st.text: command_panel.command_block)."""
    return at.text[0].value


def write_run(
    root: Path,
    name: str,
    *,
    architecture: str,
    encoder: str,
    checkpoints: tuple[tuple[int, int], ...] = ((0, 10),),
    mtime: float | None = None,
) -> Path:
    """A Hydra run folder as the demo runners write it: recorded config and checkpoints."""
    run = root / "outputs" / name
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "config.yaml").write_text(
        f"exp_name: {name}\nmodel:\n  encoder:\n    model_name: {encoder}\n", encoding="utf-8"
    )
    (run / ".hydra" / "hydra.yaml").write_text(
        "hydra:\n  runtime:\n    choices:\n"
        f"      model/architectures: {architecture}\n      data: default\n",
        encoding="utf-8",
    )
    (run / "checkpoints").mkdir()
    stamp = time.time() - 3600 if mtime is None else mtime
    for epoch, step in checkpoints:
        path = run / "checkpoints" / f"epoch={epoch}-step={step}.ckpt"
        path.write_bytes(b"x" * 100)
        os.utime(path, (stamp + step, stamp + step))
    return run


def plain(markdown: str) -> str:
    """The text a markdown source renders as (the UI escapes data: ui.text.md)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def texts(elements: object) -> list[str]:
    """The rendered texts of AppTest elements (st.error, st.caption, ...)."""
    return [plain(e.value) for e in elements]  # type: ignore[attr-defined]


def settle(at: AppTest) -> AppTest:
    """Wait for the compose checks started so far, then rerun (what the page's poller does)."""
    from command_builder.ui import compose_panel

    for future in list(compose_panel._futures.values()):
        future.result(timeout=60)
    return at.run()
