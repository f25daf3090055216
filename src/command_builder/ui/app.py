"""Streamlit entry: page navigation and the sidebar; each page lives in its own module.

Every run of this script is a page switch or an interaction, so it only wires
things together: settings are cached per process, pages render from cached
view models. The timing hook records each run when a benchmark asks for it.
"""

from __future__ import annotations

import streamlit as st

from command_builder.settings import Settings, WorkspaceError
from command_builder.ui import compose_panel, context, light, nav, text, timing


def _sidebar(settings: Settings) -> None:
    """One light element (ui/light.py): the sidebar is mounted again on every page switch."""
    with st.sidebar:
        light.fields(
            "sidebar",
            [
                light.LightField(
                    key="workspace",
                    kind="notes",
                    label="",
                    notes=(("muted", f"Workspace: {settings.root}"),),
                ),
                light.LightField(
                    key="refresh",
                    kind="button",
                    label="Refresh",
                    help="Re-read the configs and rescan checkpoints now "
                    "(otherwise changes on disk are picked up on their own).",
                ),
            ],
            lambda _item, _value: context.refresh_workspace(settings),
        )


with timing.script_run() as run, compose_panel.page_runs.running():
    st.set_page_config(page_title="OCR Command Builder", layout="wide")
    light.start_run()
    try:
        settings = context.current_settings()
    except WorkspaceError as exc:
        st.error(f"Workspace unusable: {text.md(exc)}")
        st.stop()

    current = st.navigation(nav.all_pages())
    run.page = current.url_path or current.title
    try:
        current.run()
    finally:  # after the page: what the user waits for (its title, fields, command) goes first
        _sidebar(settings)
