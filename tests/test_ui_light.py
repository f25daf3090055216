"""AppTest: the light controls (ui/light.py) take what the browser sends, and only that.

A pick travels as a components-v2 trigger through Streamlit's widget states
(ui_apptest.send_trigger), so these tests also fail first if that private path of
AppTest changes."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui_apptest import LightSelect, light_control, send_trigger

OPTIONS = ("dbnet", "craft", "dbnetpp")


def _script() -> None:
    import streamlit as st

    from command_builder.ui import light

    def changed() -> None:
        st.session_state["changes"] = st.session_state.get("changes", 0) + 1

    light.select("Architecture", ["dbnet", "craft", "dbnetpp"], key="arch", on_change=changed)
    light.segments("Section", ["Experiment", "Model"], key="section")
    light.toggle("Edit the command", key="edit")


@pytest.fixture
def at() -> AppTest:
    return AppTest.from_function(_script).run()


def test_a_pick_from_the_browser_stores_the_option_and_calls_back(at: AppTest) -> None:
    select = LightSelect(at, "arch")
    assert select.options == list(OPTIONS) and select.value is None
    select.select("craft")
    assert not at.exception
    assert at.session_state["arch"] == "craft"
    assert at.session_state["changes"] == 1
    assert light_control(at, "arch")["index"] == 1  # sent back: the browser shows it


def test_segments_and_switch_take_their_events(at: AppTest) -> None:
    send_trigger(at, "section", "pick", 1)
    send_trigger(at, "edit", "flip", True)
    assert at.session_state["section"] == "Model"
    assert at.session_state["edit"] is True
    assert light_control(at, "section")["index"] == 1 and light_control(at, "edit")["on"]


@pytest.mark.parametrize("value", [3, -1, "1", True, 1.0, None, [0]])
def test_a_malformed_pick_changes_nothing(at: AppTest, value: object) -> None:
    for key in ("arch", "section"):
        send_trigger(at, key, "pick", value)
    send_trigger(at, "edit", "flip", "yes")
    assert not at.exception
    assert "arch" not in at.session_state and "changes" not in at.session_state
    assert "section" not in at.session_state and "edit" not in at.session_state


def test_a_hand_set_value_that_is_no_option_shows_the_placeholder(at: AppTest) -> None:
    at.session_state["arch"] = "nope"
    at.session_state["section"] = "nope"
    at.run()
    assert not at.exception
    assert light_control(at, "arch")["index"] == -1
    assert light_control(at, "section")["index"] == 0  # the first section shows
