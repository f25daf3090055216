"""The app's pages and their URLs, read from the one page registry (command_builder.pages).

The first builder page (Train on the OCR project) is the page a visitor lands on, but
it must also live at its own URL: Streamlit serves its default page only at "/", so the
default is a hidden entry page that renders that same page (same form state, and a
shared link to "/" restores the form) without a redirect's extra round trip. A page run
reads the registry from its cache; the revalidation thread (context.py) re-walks the workspace for new runners.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import streamlit as st

from .. import pages
from ..pages import PageEntry
from .context import current_settings


def _entries() -> tuple[PageEntry, ...]:
    return pages.all_pages(current_settings())


def builder_page_names() -> tuple[str, ...]:
    """Names of the form pages (what "Open in builder" may open)."""
    return tuple(e.name for e in _entries() if e.runner is not None)


def _renderer(entry: PageEntry) -> Callable[[], None]:
    """The page function: imports the page's module on first use and renders it."""

    def render() -> None:
        module = importlib.import_module(f"{__package__}.{entry.module}")
        if entry.generic:
            module.render(current_settings(), entry.name)
        else:
            module.render(current_settings())

    render.__name__ = f"page_{entry.name}"
    return render


def page(name: str) -> st.Page:
    """The st.Page of `name` (cheap: Streamlit identifies a page by its URL path)."""
    entry = next((e for e in _entries() if e.name == name), None)
    if entry is None:
        raise KeyError(f"no page {name!r}")
    return st.Page(_renderer(entry), title=entry.title, url_path=entry.url_path)


def all_pages() -> list[st.Page]:
    """What st.navigation gets: the hidden entry page first, then the registry's pages."""
    entries = _entries()
    entry = st.Page(
        _renderer(entries[0]),
        title=entries[0].title,
        url_path="start",
        default=True,
        visibility="hidden",
    )
    return [entry, *(page(e.name) for e in entries)]
