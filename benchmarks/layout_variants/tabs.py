"""Two tabs: 5 widgets in the first, 20 in the second (both tabs are sent and mounted)."""

import streamlit as st
from _common import run, widgets


def body(page: str) -> None:
    basic, advanced = st.tabs(["Basic", "Advanced"])
    with basic:
        widgets(page, 0, 5)
    with advanced:
        widgets(page, 5, 20)


run(body)
