"""Shared body of the layout experiments: three pages, each a title plus N form widgets.

Run them next to the app and the floor, interleaved, e.g.

    .venv/bin/python benchmarks/page_switch.py --trace-ws \
        --script flat25=benchmarks/layout_variants/flat25.py \
        --script gated=benchmarks/layout_variants/gated.py

to see what a layout costs in the browser before building it into the app.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

OPTIONS = ["resnet18", "resnet34", "resnet50", "mobilenet", "efficientnet"]


def widgets(prefix: str, start: int, count: int) -> None:
    """`count` widgets (text, select, number, checkbox in turn); the first is "Experiment name"."""
    for i in range(start, start + count):
        key = f"{prefix}_{i}"
        if i == 0:
            st.text_input("Experiment name", key=key)
        elif i % 4 == 0:
            st.text_input(f"Text field {i}", key=key)
        elif i % 4 == 1:
            st.selectbox(f"Select field {i}", OPTIONS, key=key)
        elif i % 4 == 2:
            st.number_input(f"Number field {i}", value=float(i), key=key)
        else:
            st.checkbox(f"Checkbox field {i}", key=key)


def run(body: Callable[[str], None]) -> None:
    """Train/Test/Predict pages whose content is `body(page_prefix)` under the page title."""

    def make(name: str) -> Callable[[], None]:
        def page() -> None:
            st.title(name)
            body(name.lower())

        page.__name__ = name.lower()
        return page

    st.navigation(
        [
            st.Page(make("Train"), title="Train", url_path="train", default=True),
            st.Page(make("Test"), title="Test", url_path="test"),
            st.Page(make("Predict"), title="Predict", url_path="predict"),
        ]
    ).run()
