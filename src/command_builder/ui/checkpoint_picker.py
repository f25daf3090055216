"""The checkpoint field: filter by text, then pick from a short list, newest first.

A workspace can hold thousands of checkpoints; a selectbox with all of them
would ship every label to the browser on each run. The text filter narrows the
index (cached per index version and filter text) and the select shows at most
MAX_SHOWN matches; with no more than that, the select (which searches as you
type) is enough and the filter is not shown. Picking one fills the components
from the run's recorded config (form.apply_checkpoint); the view warns about later mismatches.

A Streamlit selectbox, not a light select (ui/light.py) like the other selects: it is the
field Test and Predict open with, and a light control paints a frame after the page
(measured: switch visible p95 0.88x with the selectbox here), and its search as you type
helps with long checkpoint labels.
"""

from __future__ import annotations

import functools
import time

import streamlit as st

from .. import form
from ..form import FieldView
from ..settings import Settings
from ..workspace import Checkpoint, CheckpointIndex
from . import labels, nav, state, widgets
from .state import PageData
from .text import md

MAX_SHOWN = 30


def filter_key(page: str) -> str:
    return f"{page}.ui.checkpoint_filter"


def render(data: PageData, field: FieldView) -> None:
    """Select (label = the field's label) and filter side by side, then the view's warnings."""
    index = data.index
    if index is None:
        return
    query = st.session_state.get(filter_key(data.page), "")
    shown, total = matches(index, index.version, query.strip().lower())
    options = [c.path for c in shown]
    if isinstance(field.value, str) and field.value not in options:
        options.insert(0, field.value)
    wkey = state.seed(data.page, field.key, field.value)
    if not index.checkpoints:
        st.page_link(
            nav.page("train"),
            label="No checkpoints in this workspace yet: train a model on Train first",
            icon=":material/model_training:",
        )
    st.selectbox(  # full width: a label ends with the epoch, step, date and size
        md(field.label),
        options,
        key=wkey,
        help=md(field.help) if field.help else None,
        format_func=lambda path: _label(_found(index, path), path),
        placeholder=f"Choose one of {len(index.checkpoints)} checkpoints"
        if index.checkpoints
        else "No checkpoints yet",
        on_change=_picked,
        args=(data.settings, data.page, field.key),
    )
    widgets.render_notes(widgets.marks(field))
    if query or len(index.checkpoints) > MAX_SHOWN:  # the select itself searches the rest
        st.text_input(
            "Filter checkpoints",
            key=filter_key(data.page),
            persist_state="session",
            placeholder="run name, epoch=3, step=…",
            help=f"Shows at most {MAX_SHOWN} matches, newest first.",
        )
    picked = _found(index, field.value)
    if picked is not None:
        age = labels.age(time.time() - picked.mtime)
        st.caption(f"Picked: {md(picked.path)}, written {age} ago.")
    if total > len(shown):
        st.caption(f"{total} match, newest {len(shown)} shown: narrow the filter to see others.")
    elif query and not total:
        st.caption(":orange[No checkpoint matches the filter.]")
    widgets.render_notes(widgets.remarks(data, field))  # other fields' show next to those


@functools.lru_cache(maxsize=64)
def matches(index: CheckpointIndex, version: str, query: str) -> tuple[tuple[Checkpoint, ...], int]:
    """Up to MAX_SHOWN checkpoints whose label contains every word of `query`, and the count."""
    words = query.split()
    found = [c for c in index.checkpoints if all(w in _haystack(c) for w in words)]
    return tuple(found[:MAX_SHOWN]), len(found)


def _found(index: CheckpointIndex, path: object) -> Checkpoint | None:
    """The form's lookup, typed as what this index holds (the workspace's Checkpoints)."""
    found = form.find_checkpoint(index, path)
    return found if isinstance(found, Checkpoint) else None


def _haystack(c: Checkpoint) -> str:
    return f"{c.run_name} epoch={c.epoch} step={c.step} {c.path}".lower()


def _label(checkpoint: Checkpoint | None, path: str) -> str:
    if checkpoint is None:
        return f"{path} (not in this workspace)"
    parts = [checkpoint.run_name]
    if checkpoint.epoch is not None:
        parts.append(f"epoch {checkpoint.epoch}")
    if checkpoint.step is not None:
        parts.append(f"step {checkpoint.step}")
    parts += [labels.stamp(checkpoint.mtime), labels.size(checkpoint.size)]
    return " · ".join(parts)


def _picked(settings: Settings, page: str, key: str) -> None:
    """Fill the form from the picked checkpoint's run and say which fields changed."""
    data = state.load(settings, page)
    if data.index is None:  # render() shows no picker without an index
        return
    path = st.session_state[state.widget_key(page, key)]
    new, changed = form.apply_checkpoint(data.schema, data.catalog, data.index, data.state, path)
    state.replace(page, new)
    filled = [e.label for e in data.schema.elements if e.key in changed and e.key != key]
    state.set_notice(
        page, "Filled from the checkpoint's run: " + ", ".join(filled) if filled else None
    )
