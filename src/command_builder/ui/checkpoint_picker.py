"""The checkpoint field: filter by text, then pick from a short list, newest first.

A workspace can hold thousands of checkpoints; a select with all of them would ship
every label to the browser on each run. The text filter narrows the index (cached per
index version and filter text) and the select shows at most MAX_SHOWN matches; with no
more than that, the select (a native one: typing jumps to a run name) is enough and the
filter is not shown. Picking one fills the components from the run's recorded config
(form.apply_checkpoint); the view warns about later mismatches.

Both are light fields (ui/light.py) in the run of fields around them: the checkpoint is
the field Test and Predict open with, and its selectbox, page link and captions were about
20 ms of the browser's main thread per switch to those pages.
"""

from __future__ import annotations

import functools
import time

import streamlit as st

from .. import form
from ..form import FieldView
from ..settings import Settings
from ..workspace import Checkpoint, CheckpointIndex
from . import labels, light, nav, state, widgets
from .state import PageData

MAX_SHOWN = 30
FILTER = "ui.checkpoint_filter"  # the filter's key in its run of light fields


def filter_key(page: str) -> str:
    return f"{page}.ui.checkpoint_filter"


def light_fields(data: PageData, field: FieldView, effects: tuple[str, ...]) -> widgets.LightRun:
    """The select (label = the field's label) with its notes, and the filter when it helps."""
    index = data.index
    if index is None:
        return []
    query = st.session_state.get(filter_key(data.page), "")
    shown, total = matches(index, index.version, query.strip().lower())
    options = [c.path for c in shown]
    if isinstance(field.value, str) and field.value not in options:
        options.insert(0, field.value)
    picker = light.LightField(
        key=field.key,
        kind="select",
        label=field.label,
        value=field.value,
        help=field.help,
        notes=(
            *widgets.marks(field),
            *_list_notes(index, field.value, total, len(shown), query),
            *widgets.remarks(data, field),  # other fields' show next to those fields
            *widgets.effect_notes(effects),
        ),
        options=tuple(options),
        option_texts=tuple(_label(_found(index, path), path) for path in options),
        placeholder=f"Choose one of {len(index.checkpoints)} checkpoints"
        if index.checkpoints
        else "No checkpoints yet",
    )
    run: widgets.LightRun = [
        (picker, lambda path: _picked(data.settings, data.page, field.key, path))
    ]
    if query or len(index.checkpoints) > MAX_SHOWN:  # the select itself lists the rest
        run.append((_filter(query), light.store(filter_key(data.page))))
    return run


def render_train_link() -> None:
    """Above the fields when the picker is empty: where checkpoints come from (a Streamlit
    page link: the light fields cannot switch pages)."""
    st.page_link(
        nav.page("train"),
        label="No checkpoints in this workspace yet: train a model on Train first",
        icon=":material/model_training:",
    )


def _list_notes(
    index: CheckpointIndex, value: object, total: int, shown: int, query: str
) -> list[widgets.Note]:
    """What the list holds: the picked one's age, more matches than shown, or none."""
    found: list[widgets.Note] = []
    picked = _found(index, value)
    if picked is not None:
        age = labels.age(time.time() - picked.mtime)
        found.append(("muted", f"Picked: {picked.path}, written {age} ago."))
    if total > shown:
        found.append(
            ("muted", f"{total} match, newest {shown} shown: narrow the filter to see others.")
        )
    elif query and not total:
        found.append(("warning", "No checkpoint matches the filter."))
    return found


def _filter(query: str) -> light.LightField:
    return light.LightField(
        key=FILTER,
        kind="text",
        label="Filter checkpoints",
        value=query,
        help=f"Shows at most {MAX_SHOWN} matches, newest first.",
        placeholder="run name, epoch=3, step=…",
    )


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


def _picked(settings: Settings, page: str, key: str, path: object) -> None:
    """Fill the form from the picked checkpoint's run and say which fields changed."""
    data = state.load(settings, page)
    if data.index is None:  # no picker without an index
        return
    new, changed = form.apply_checkpoint(data.schema, data.catalog, data.index, data.state, path)
    state.replace(page, new)
    filled = [e.label for e in data.schema.elements if e.key in changed and e.key != key]
    state.set_notice(
        page, "Filled from the checkpoint's run: " + ", ".join(filled) if filled else None
    )
