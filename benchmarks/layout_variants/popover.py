"""5 widgets + a popover holding 20 more (sent, but mounted only when opened)."""

import streamlit as st
from _common import run, widgets


def body(page: str) -> None:
    widgets(page, 0, 5)
    with st.popover("Advanced options"):
        widgets(page, 5, 20)


run(body)
