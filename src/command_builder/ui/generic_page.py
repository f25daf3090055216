"""A generic page: the form derived from any runner's config tree, plus a key search.

The schema comes from the page registry (command_builder.pages): derived from the
runner's composed primary config, refined by a schema file if the workspace has one.
The search box finds any field by config path, label or value (fuzzy) and shows the
matching fields themselves, editable, in place of the current section.
"""

from __future__ import annotations

import streamlit as st

from .. import pages
from ..form import FieldView
from ..form.search import MAX_QUERY, search_fields
from ..settings import Settings
from . import form_page
from .state import PageData


def search_key(page: str) -> str:
    return f"{page}.ui.search"


def render(settings: Settings, page: str) -> None:
    entry = pages.page_entry(settings, page)
    title = entry.title if entry is not None else page
    form_page.render(settings, page, title, search=_search)


def _search(data: PageData) -> list[FieldView] | None:
    """The search box; the fields it finds (None when empty: the sections show)."""
    query = st.text_input(
        "Search keys",
        key=search_key(data.page),
        max_chars=MAX_QUERY,
        placeholder="a key or value, e.g. max_epochs, lr, cifar",
        help="Fuzzy search over every field's config path, label and value.",
    )
    if not query.strip():
        return None
    found = list(search_fields(data.schema, data.view, query))
    if not found:
        st.caption("No field matches.")
    else:
        st.caption(f"{len(found)} matching field(s); clear the search to see the sections.")
    return found
