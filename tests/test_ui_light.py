"""AppTest: the light controls (ui/light.py) take what the browser sends, and only that.

A pick or a change travels as a components-v2 trigger through Streamlit's widget states
(ui_apptest.send_trigger), so these tests also fail first if that private path of
AppTest changes."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui_apptest import (
    FormField,
    light_control,
    light_fields,
    light_payload,
    light_table,
    send_trigger,
)

KINDS = ("text", "number", "checkbox", "select")
FIELDS = "demo.fields.0"


def _script() -> None:
    import streamlit as st

    from command_builder.ui import light

    def changed(item: light.LightField, value: object) -> None:
        st.session_state.setdefault("changes", []).append((item.key, value))

    light.fields(
        "demo.fields.0",  # FIELDS (AppTest runs this function's source alone)
        [
            light.LightField("name", "text", "Name", "ocr_demo", notes=(("muted", "Required"),)),
            light.LightField("epochs", "number", "Max epochs", "10", step="1"),
            light.LightField("resume", "checkbox", "Resume", False),
            light.LightField(
                "arch",
                "select",
                "Architecture",
                None,
                options=("dbnet", "craft"),
                option_texts=("DBNet", "CRAFT"),
                placeholder="Choose an option",
            ),
            light.LightField("locked", "text", "Locked", "x", disabled=True),
            light.LightField("reset", "button", "Reset form"),
        ],
        changed,
    )
    light.segments("Section", ["Experiment", "Model"], key="section")
    light.toggle("Edit the command", key="edit")
    light.table(
        "runs",
        "Runs",
        ("#", "Status", "Done"),
        [("1", "ok", 0.25), ("2", "**<b>x</b>**", float("nan")), ("3", "x" * 5_000, 7.0)],
    )


@pytest.fixture
def at() -> AppTest:
    return AppTest.from_function(_script).run()


def _field(at: AppTest, key: str) -> FormField:
    return FormField(at, f"demo.field.{key}")


def test_the_browser_gets_every_field_as_data(at: AppTest) -> None:
    fields = {f["key"]: f for f in light_fields(at)}
    assert [fields[k]["kind"] for k in ("name", "epochs", "resume", "arch")] == list(KINDS)
    assert fields["name"]["value"] == "ocr_demo" and fields["name"]["notes"] == [
        ["muted", "Required"]
    ]
    assert fields["arch"]["options"] == ["DBNet", "CRAFT"] and fields["arch"]["value"] == -1
    assert fields["locked"]["disabled"]


def test_each_kind_of_change_reaches_the_callback_checked(at: AppTest) -> None:
    _field(at, "name").input("receipts")
    _field(at, "epochs").input("12")
    _field(at, "resume").input(True)
    _field(at, "arch").select("craft")
    _field(at, "reset").click()
    assert not at.exception
    assert at.session_state["changes"] == [
        ("name", "receipts"),
        ("epochs", "12"),
        ("resume", True),
        ("arch", "craft"),  # the option itself, from the index the browser sent
        ("reset", True),
    ]


def test_changes_sent_together_are_all_applied_once_in_order(at: AppTest) -> None:
    # A text committed by the click on a checkbox: both in one event (Streamlit keeps only
    # the newest event of an element), then the browser resends what is not applied yet.
    send_trigger(at, FIELDS, "change", [[2, "resume", True], [1, "name", "first"]])
    assert light_control(at, FIELDS)["ack"] == 2  # the browser drops what is acknowledged
    send_trigger(at, FIELDS, "change", [[2, "resume", True], [3, "epochs", "5"]])
    assert at.session_state["changes"] == [("name", "first"), ("resume", True), ("epochs", "5")]


def test_an_element_s_revision_is_new_exactly_when_its_data_is(at: AppTest) -> None:
    # light.js skips a revision older than the one it drew (Streamlit can hand it an
    # element's older data after its newer data); unchanged data keeps its revision, so an
    # unchanged element is not sent as a change.
    first = light_payload(at, FIELDS)
    assert light_payload(at.run(), FIELDS) == first
    _field(at, "name").input("receipts")
    changed = light_payload(at, FIELDS)
    assert changed["server"] == first["server"] and changed["revision"] > first["revision"]
    assert changed["data"]["fields"][0]["value"] == "ocr_demo"  # the script shows a constant
    assert changed["data"]["ack"] == 1  # what changed: the browser's change is acknowledged


@pytest.mark.parametrize(
    "key, value",
    [
        ("nope", "x"),  # no field of this element
        ("locked", "y"),  # disabled: the browser cannot change it
        ("name", 3),  # not a text
        ("name", "x" * 20_001),  # longer than MAX_TEXT
        ("epochs", 12),  # a number field sends its text
        ("resume", "yes"),
        ("arch", 2),
        ("arch", -1),
        ("arch", True),
        ("arch", "craft"),
        ("reset", False),  # a button sends only True
        ("reset", 1),
    ],
)
def test_a_malformed_change_changes_nothing(at: AppTest, key: str, value: object) -> None:
    send_trigger(at, FIELDS, "change", [[1, key, value]])
    assert not at.exception
    assert "changes" not in at.session_state


@pytest.mark.parametrize(
    "event",
    [None, "x", [["1", "name", "x"]], [[1, "name"]], [[1, 2, "x"]], [[1, "name", "x"]] * 201],
)
def test_a_malformed_event_changes_nothing(at: AppTest, event: object) -> None:
    send_trigger(at, FIELDS, "change", event)
    assert not at.exception
    assert "changes" not in at.session_state and light_control(at, FIELDS)["ack"] == 0


def _section_row(at: AppTest) -> dict[str, object]:
    (row,) = [f for f in light_fields(at) if f["kind"] == "segments"]
    return row


def test_segments_and_switch_take_their_events(at: AppTest) -> None:
    assert _section_row(at)["options"] == ["Experiment", "Model"]
    send_trigger(at, "section.control", "change", [[1, "section", 1]])
    send_trigger(at, "edit.control", "change", [[1, "edit", True]])
    assert at.session_state["section"] == "Model"
    assert at.session_state["edit"] is True
    (switch,) = [f for f in light_fields(at) if f["kind"] == "switch"]
    assert _section_row(at)["value"] == 1 and switch["value"] is True


@pytest.mark.parametrize("value", [3, -1, "1", True, 1.0, None, [0]])
def test_a_malformed_pick_changes_nothing(at: AppTest, value: object) -> None:
    send_trigger(at, "section.control", "change", [[1, "section", value]])
    send_trigger(at, "edit.control", "change", [[1, "edit", "yes"]])
    assert not at.exception
    assert "section" not in at.session_state and "edit" not in at.session_state


def test_a_hand_set_value_that_is_no_option_shows_the_first_section(at: AppTest) -> None:
    at.session_state["section"] = "nope"
    at.run()
    assert not at.exception
    assert _section_row(at)["value"] == 0


def test_a_table_sends_its_rows_as_texts_under_its_headings(at: AppTest) -> None:
    (item,) = light_control(at, "runs")["fields"]
    assert item["label"] == "Runs" and item["columns"] == ["#", "Status", "Done"]
    rows = light_table(at, "runs")
    assert rows[:2] == [  # light.js sets each cell's textContent
        {"#": "1", "Status": "ok", "Done": 0.25},
        {"#": "2", "Status": "**<b>x</b>**", "Done": ""},  # a NaN is no fraction
    ]
    assert rows[2]["Done"] == 1.0  # a fraction stays in [0, 1]
    long = rows[2]["Status"]
    assert isinstance(long, str) and len(long) == 2_000 and long.endswith("…")  # bounded
