"""One canonical form state per page in st.session_state; widgets are only views of it.

Why not keep values in widget keys: Streamlit forgets a widget's state when a
run does not render it (another page, a collapsed section), and the form engine
changes fields the user did not touch (metadata defaults, use cases, a pasted
command). So the FormState under `<page>.state` is the truth:

- before a widget renders, its key is seeded from the state (`seed`), which
  also restores it after a page switch;
- its on_change callback feeds the new value through the engine (`on_field_change`);
- the state's non-initial values are mirrored into the URL (`sync_url`), and a
  session's first run of a page reads them back, so a reload or a shared link
  restores the form.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from .. import form, service
from ..commands.command_line import CommandParseError
from ..form import FormState, FormView
from ..schema import PageSchema
from ..settings import Settings
from ..workspace import Catalog, CheckpointIndex
from . import context
from .jobs_page import PENDING_FORM_KEY

_MISSING = object()
_CHECKED_KEY = "workspace_checked"


@dataclass(frozen=True)
class PageData:
    """What a page renders from: the schema, the shared catalog and index, the cached view."""

    settings: Settings
    page: str
    schema: PageSchema
    catalog: Catalog
    index: CheckpointIndex | None
    state: FormState
    view: FormView


def state_key(page: str) -> str:
    return f"{page}.state"


def widget_key(page: str, key: str) -> str:
    """Session key of a field's widget (page-prefixed: pages share field keys)."""
    return f"{page}.field.{key}"


def load(settings: Settings, page: str) -> PageData:
    """The page's schema, catalog, index, state and view, from caches only.

    Only a session's first run (or one after the caches went unwatched) checks the
    disk first, so a first paint is current (context.ensure_current).
    """
    first_run = not st.session_state.get(_CHECKED_KEY)
    st.session_state[_CHECKED_KEY] = True
    context.ensure_current(settings, first_run=first_run)
    schema = context.schema(settings, page)
    catalog = context.catalog(settings)
    uses_checkpoints = any(e.options_source == "checkpoints" for e in schema.elements)
    index = context.checkpoint_index(settings) if uses_checkpoints else None
    pending = st.session_state.get(PENDING_FORM_KEY)
    if pending and pending.get("page") == page:  # the Jobs page's "Open in builder"
        del st.session_state[PENDING_FORM_KEY]
        replace(page, _from_job(settings, schema, catalog, page, pending))
    state = st.session_state.get(state_key(page))
    if state is None:
        state = _first_state(schema, catalog, page)
        replace(page, state)
    view = form.build_view(schema, catalog, index, state)
    return PageData(settings, page, schema, catalog, index, state, view)


def _first_state(schema: PageSchema, catalog: Catalog, page: str) -> FormState:
    """The URL's values on the page the session opened with (a reload, a shared link)."""
    landing = st.session_state.setdefault("landing_page", page)
    params = st.query_params.to_dict() if landing == page else {}
    if params:
        try:
            return form.decode_query(schema, catalog, params)
        except form.QueryError as exc:
            st.session_state[f"{page}.link_error"] = str(exc)
    return form.initial_state(schema, catalog)


def _from_job(
    settings: Settings, schema: PageSchema, catalog: Catalog, page: str, pending: dict
) -> FormState:
    """A job's form: read back from its exact command (sweeps and extra overrides included);
    from its recorded values when the command no longer parses (the workspace changed)."""
    try:
        return service.state_from_command(settings, page, pending["command"])
    except (KeyError, CommandParseError):
        pass
    restored = form.initial_state(schema, catalog)
    for element in schema.elements:
        if element.key in pending.get("values", {}) and element.type != "info":
            value = pending["values"][element.key]
            restored = form.apply_change(schema, catalog, restored, element.key, value)
    return restored


def replace(page: str, state: FormState) -> None:
    """Make `state` the page's truth (widgets pick it up when they render next); drop its notice."""
    st.session_state[state_key(page)] = state
    st.session_state.pop(_notice_key(page), None)


def seed(page: str, key: str, value: object) -> str:
    """Point the field's widget at `value` unless it already shows it; returns the widget key."""
    wkey = widget_key(page, key)
    if st.session_state.get(wkey, _MISSING) != value:
        st.session_state[wkey] = value
    return wkey


def on_field_change(settings: Settings, page: str, key: str) -> None:
    """Widget callback: the widget's new value goes through the engine into the state."""
    apply_value(settings, page, key, st.session_state[widget_key(page, key)])


def apply_value(settings: Settings, page: str, key: str, value: object) -> None:
    """A field's new value (from its widget or a light field) through the engine into the state."""
    data = load(settings, page)
    replace(page, form.apply_change(data.schema, data.catalog, data.state, key, value))


def reset(settings: Settings, page: str) -> None:
    """Reset this page's form (only this page) to its initial state."""
    schema = context.schema(settings, page)
    replace(page, form.initial_state(schema, context.catalog(settings)))


def sync_url(data: PageData) -> None:
    """Mirror the form's non-initial values into the URL, only when they changed."""
    params = form.encode_query(data.schema, data.catalog, data.state)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def _notice_key(page: str) -> str:
    return f"{page}.notice"


def notice(page: str) -> str | None:
    """What the last change did (an applied use case, a filled checkpoint), until the next one."""
    return st.session_state.get(_notice_key(page))


def set_notice(page: str, text: str | None) -> None:
    st.session_state[_notice_key(page)] = text
