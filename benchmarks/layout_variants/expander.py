"""5 widgets + a collapsed expander holding 20 more (its children are still sent and mounted)."""

import streamlit as st
from _common import run, widgets


def body(page: str) -> None:
    widgets(page, 0, 5)
    with st.expander("Advanced options"):
        widgets(page, 5, 20)


run(body)
