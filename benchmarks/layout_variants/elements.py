"""Title + N elements of one kind per page: what one element type costs in the browser.

    .venv/bin/python benchmarks/page_switch.py --trace-ws --tuned-floor \
        --script selectbox=benchmarks/layout_variants/elements.py::selectbox \
        --script text_input=benchmarks/layout_variants/elements.py::text_input

(`::KIND[,COUNT]` becomes the script's argument; COUNT defaults to 10.)
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import streamlit as st
from _common import run

from command_builder.ui import light

OPTIONS = ["a", "b", "c", "d"]
PAGE_LINK_TARGET = "https://example.com/"
COMMAND = (
    "uv run python runners/train.py exp_name=receipts_v3 model/architectures=dbnet "
    "model.encoder.model_name=resnet34 model/optimizers=adamw model.optimizer.lr=0.0005 "
    "trainer.max_epochs=40 'dataloaders.train_dataloader.batch_size=8'"
)


def _card(page: str, i: int) -> None:
    with st.container(border=True):
        st.markdown(f"**Card {i}**")


def _columns(page: str, i: int) -> None:
    left, right = st.columns(2)
    left.markdown(f"left {i}")
    right.markdown(f"right {i}")


def _horizontal(page: str, i: int) -> None:
    with st.container(horizontal=True):
        st.markdown(f"left {i}")
        st.markdown(f"right {i}")


def _stacked(page: str, i: int) -> None:
    st.markdown(f"left {i}")
    st.markdown(f"right {i}")


def _light_segments(page: str, i: int) -> None:
    light.segments(f"Field {i}", OPTIONS, key=f"{page}_{i}")


KINDS: dict[str, Callable[[str, int], object]] = {
    "columns2": _columns,
    "horizontal2": _horizontal,
    "stacked2": _stacked,
    "none": lambda page, i: None,
    "code": lambda page, i: st.code(f"{COMMAND} seed={i}", language="bash"),
    "button": lambda page, i: st.button(f"Apply {i}", key=f"{page}_{i}"),
    "alert": lambda page, i: st.error(f"- Experiment name: required ({i})"),
    "markdown": lambda page, i: st.markdown(f"**Field {i}**: some `value` and _notes_ {i}"),
    "card": _card,
    "text_input": lambda page, i: st.text_input(f"Field {i}", key=f"{page}_{i}"),
    "number_input": lambda page, i: st.number_input(
        f"Field {i}", value=float(i), key=f"{page}_{i}"
    ),
    "checkbox": lambda page, i: st.checkbox(f"Field {i}", key=f"{page}_{i}"),
    "selectbox": lambda page, i: st.selectbox(f"Field {i}", OPTIONS, key=f"{page}_{i}"),
    "segmented_control": lambda page, i: st.segmented_control(
        f"Field {i}", OPTIONS, default="a", key=f"{page}_{i}"
    ),
    "pills": lambda page, i: st.pills(f"Field {i}", OPTIONS, default="a", key=f"{page}_{i}"),
    "radio": lambda page, i: st.radio(f"Field {i}", OPTIONS, horizontal=True, key=f"{page}_{i}"),
    "code_plain": lambda page, i: st.code(f"{COMMAND} seed={i}", language=None),
    "light_segments": _light_segments,
    "light_toggle": lambda page, i: light.toggle(f"Field {i}", key=f"{page}_{i}"),
    "light_select": lambda page, i: light.select(f"Field {i}", OPTIONS, key=f"{page}_{i}"),
    "toggle": lambda page, i: st.toggle(f"Field {i}", key=f"{page}_{i}"),
    "caption": lambda page, i: st.caption(f"Field {i}: some value {i}"),
    "text": lambda page, i: st.text(f"Field {i}: some value {i}"),
    "html": lambda page, i: st.html(f"<p>Field {i}: some value {i}</p>"),
    "page_link": lambda page, i: st.page_link(PAGE_LINK_TARGET, label=f"Go {i}"),
    "tertiary": lambda page, i: st.button(f"Apply {i}", key=f"{page}_{i}", type="tertiary"),
    "expander": lambda page, i: st.expander(f"More {i}"),
    "popover": lambda page, i: st.popover(f"More {i}"),
    "help_button": lambda page, i: st.button(f"Apply {i}", key=f"{page}_{i}", help="Why."),
}

kind, _, count = (sys.argv[1] if len(sys.argv) > 1 else "none").partition(",")
render = KINDS[kind]
run(lambda page: [render(page, i) for i in range(int(count or 10))])
