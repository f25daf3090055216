"""The layout every form page shares: title, fields by section, command panel, URL mirror.

Script order is paint order (Streamlit streams elements as the script runs):
the title and the first section's fields come first; the command and its
compose check last. The "Advanced" section is rendered only when its toggle is
on: fewer widgets on screen is most of a fast page switch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from ..schema import ADVANCED_SECTION, SchemaError
from ..settings import Settings
from . import checkpoint_picker, command_panel, state, widgets
from .state import PageData

Hook = Callable[[PageData], None]


def render(
    settings: Settings,
    page: str,
    title: str,
    *,
    before_fields: Hook | None = None,
    after_field: Mapping[str, Hook] | None = None,
    after_form: Hook | None = None,
) -> None:
    """Render a form page; hooks add the page's own parts at fixed places."""
    st.title(title)
    try:
        data = state.load(settings, page)
    except SchemaError as exc:
        st.error(f"The {title} form cannot be shown: its schema is broken.\n\n{exc}")
        return
    form_column, command_column = st.columns([3, 2], gap="large")
    with form_column:
        _messages(data)
        if before_fields:
            before_fields(data)
        _fields(data, after_field or {})
        if after_form:
            after_form(data)
    with command_column:
        command_panel.render(data)
    state.sync_url(data)


def _messages(data: PageData) -> None:
    link_error = st.session_state.pop(f"{data.page}.link_error", None)
    if link_error:
        st.warning(f"Part of the link could not be read: {link_error}")
    notice = state.notice(data.page)
    if notice:
        st.info(notice, icon=":material/info:")


def _fields(data: PageData, after_field: Mapping[str, Hook]) -> None:
    by_section: dict[str, list] = {}
    for field in data.view.fields:
        by_section.setdefault(field.section, []).append(field)
    checkpoint_key = data.schema.checkpoint_key
    for section, fields in by_section.items():
        if section == ADVANCED_SECTION:
            continue
        st.markdown(f"##### {section}")
        for field in fields:
            if field.key == checkpoint_key and data.index is not None:
                checkpoint_picker.render(data, field)
            else:
                widgets.render_field(data, field)
            if field.key in after_field:
                after_field[field.key](data)
    advanced = by_section.get(ADVANCED_SECTION)
    if advanced:
        label = f"Advanced options ({len(advanced)})"
        if st.toggle(label, key=f"{data.page}.ui.advanced", persist_state="session"):
            for field in advanced:
                widgets.render_field(data, field)
    st.button("Reset form", key=f"{data.page}.ui.reset", on_click=state.reset,
              args=(data.settings, data.page), help="Reset this page's fields (other pages keep theirs).")
