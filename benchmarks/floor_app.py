"""The floor of the page-switch benchmark: the barest three-page Streamlit app.

Each page writes one line, its title (as an h1, like the real pages, so the
same "visible" check applies). Whatever the real app costs above this is ours.
It carries the same timing hook as the app (a no-op unless the benchmark sets
COMMAND_BUILDER_TIMINGS), so server-side waiting can be compared too.
"""

import streamlit as st

from command_builder.ui import timing


def _page(name: str):
    def page() -> None:
        st.title(name)

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
