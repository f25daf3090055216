"""5 widgets + a toggle that, when off, does not create the other 20 at all."""

import streamlit as st
from _common import run, widgets


def body(page: str) -> None:
    widgets(page, 0, 5)
    if st.toggle("Advanced options", key=f"{page}_advanced"):
        widgets(page, 5, 20)


run(body)
