"""The app's Test page as static elements (no workspace, no Hydra): its element floor.

    .venv/bin/python benchmarks/page_switch.py --tuned-floor --marker Train= --marker Test= \
        --marker Predict= --script replica=benchmarks/layout_variants/replica.py::none \
        --script no-sections=benchmarks/layout_variants/replica.py::sections

What the app costs above this replica is its own work; what the replica costs above the
floor is Streamlit drawing these elements. `::PARTS` (comma-separated) leaves parts out:
sections, link, checkpoint, inputs, reset, code, toggles, run, sidebar, columns.
"""

from __future__ import annotations

import contextlib
import sys

import streamlit as st

from command_builder.ui import light

DROP = set(sys.argv[1].split(",")) if len(sys.argv) > 1 else set()


def _has(part: str) -> bool:
    return part not in DROP


def _form() -> None:
    if _has("sections"):
        light.segments("Section", ["Experiment", "Data", "Run"], key="section")
    if _has("link"):
        st.page_link(PAGES[0], label="No checkpoints in this workspace yet: train one first")
    if _has("checkpoint"):
        st.selectbox("Checkpoint", [], key="checkpoint", placeholder="No checkpoints yet")
        st.caption("Required")
    if _has("inputs"):
        st.text_input("Experiment name", key="exp_name")
        st.text_input("Output folder", key="output")
    if _has("reset"):
        st.button("Reset form", key="reset")


def _command() -> None:
    if _has("code"):
        st.code("python runners/test.py exp_name=ocr_demo", language="bash", wrap_lines=True)
    if _has("toggles"):
        light.toggle("Edit the command", key="edit")
    if _has("run"):
        st.button("Run", type="primary", disabled=True, key="run")
        st.caption("To fill in before Run: Checkpoint.")
    if _has("toggles"):
        light.toggle("Composed config", key="config")


def _page(name: str):  # noqa: ANN202 - a Streamlit page callable
    def page() -> None:
        st.title(name)
        if _has("columns"):
            form, command = st.columns([3, 2], gap="large")
        else:
            form = command = contextlib.nullcontext()
        with command:
            _command()
        with form:
            _form()

    page.__name__ = name.lower()
    return page


PAGES = [
    st.Page(_page("Train"), title="Train", url_path="train", default=True),
    st.Page(_page("Test"), title="Test", url_path="test"),
    st.Page(_page("Predict"), title="Predict", url_path="predict"),
]
current = st.navigation(PAGES)
if _has("sidebar"):
    with st.sidebar:
        st.caption("Workspace: /home/user/ocr-project")
        st.button("Refresh", help="Re-read the configs and rescan checkpoints now.")
current.run()
