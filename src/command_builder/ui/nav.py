"""The app's pages and their URLs, so any module can link to a page by name.

Train is the page a visitor lands on, but it must also live at /train:
Streamlit serves its default page only at "/", so the default is a hidden
entry page that forwards to /train, keeping the query string (a shared link
to "/" still restores the form).
"""

from __future__ import annotations

import streamlit as st

from .context import current_settings


def _train() -> None:
    from . import train_page

    train_page.render(current_settings())


def _test() -> None:
    from . import test_page

    test_page.render(current_settings())


def _predict() -> None:
    from . import predict_page

    predict_page.render(current_settings())


def _jobs() -> None:
    from . import jobs_page

    jobs_page.render(current_settings())


def _entry() -> None:
    st.switch_page(page("train"), query_params=st.query_params.to_dict())


_PAGES = {
    "train": (_train, "Train"),
    "test": (_test, "Test"),
    "predict": (_predict, "Predict"),
    "jobs": (_jobs, "Jobs"),
}


def page(name: str) -> st.Page:
    """The st.Page of `name` (cheap: Streamlit identifies a page by its URL path)."""
    func, title = _PAGES[name]
    return st.Page(func, title=title, url_path=name)


def all_pages() -> list[st.Page]:
    """What st.navigation gets: the hidden entry page first, then the four visible pages."""
    entry = st.Page(_entry, title="Train", url_path="start", default=True, visibility="hidden")
    return [entry, *(page(name) for name in _PAGES)]
