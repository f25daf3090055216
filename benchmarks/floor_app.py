"""The floor of the page-switch benchmark: the barest three-page Streamlit app.

Each page writes one line, its title (as an h1, like the real pages, so the
same "visible" check applies). Whatever the real app costs above this is ours.
With the script argument ``edit`` (``streamlit run floor_app.py -- edit``) the
Train page also has the floor of a field edit: one text input and an ``st.code``
showing its value. It carries the same timing hook as the app (a no-op unless
the benchmark sets COMMAND_BUILDER_TIMINGS), so server-side waiting can be
compared too.
"""

import sys

import streamlit as st

from command_builder.ui import timing

EDIT = "edit" in sys.argv[1:]


def _page(name: str):
    def page() -> None:
        st.title(name)
        if EDIT and name == "Train":
            value = st.text_input("Experiment name", key="exp_name")
            st.code(f"exp_name={value}", language="bash")

    page.__name__ = name.lower()
    return page


with timing.script_run() as run:
    current = st.navigation(
        [
            st.Page(_page("Train"), title="Train", url_path="train", default=True),
            st.Page(_page("Test"), title="Test", url_path="test"),
            st.Page(_page("Predict"), title="Predict", url_path="predict"),
        ]
    )
    run.page = current.url_path or current.title
    current.run()
