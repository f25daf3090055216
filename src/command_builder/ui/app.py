"""Streamlit entry point (temporary shell until the app issue lands)."""

import streamlit as st

st.set_page_config(page_title="OCR Command Builder", layout="wide")


def _placeholder(name: str):
    def page() -> None:
        st.title(name)
        st.info(f"The {name} page is not built yet.")

    page.__name__ = name.lower()
    return page


pages = [
    st.Page(_placeholder("Train"), title="Train", url_path="train", default=True),
    st.Page(_placeholder("Test"), title="Test", url_path="test"),
    st.Page(_placeholder("Predict"), title="Predict", url_path="predict"),
    st.Page(_placeholder("Jobs"), title="Jobs", url_path="jobs"),
]
st.navigation(pages).run()
