"""The Sweeps section: a field may take several values, and the command becomes a Hydra multirun.

One text box per sweepable field ("a,b,c" or "range(a,b,step)"; empty: no
sweep), rendered only while the section is shown. A swept field shows its sweep in
its own section instead of its widget (state.sweeps replaces its value).
"""

from __future__ import annotations

import streamlit as st

from .. import form
from ..form import FieldView
from ..settings import Settings
from . import state
from .state import PageData
from .text import md

SECTION = "Sweeps"


def sweepable(data: PageData) -> list[FieldView]:
    return [f for f in data.view.fields if f.sweepable and f.active]


def render_section(data: PageData) -> None:
    """A sweep box per sweepable field, and how many runs the command makes."""
    st.caption(
        "Several values make the command a Hydra multirun: `a,b,c`, or `range(start,stop,step)` "
        "for numbers. Leave a box empty for a single value."
    )
    for field in sweepable(data):
        key = state.seed(data.page, f"sweep.{field.key}", field.sweep or "")
        st.text_input(
            f"{md(field.label)} values",
            key=key,
            placeholder="one value now" if field.value is None else f"now: {field.value}",
            on_change=_changed,
            args=(data.settings, data.page, field.key),
        )
        if field.sweep and field.error:
            st.caption(f":red[{md(field.error)}]")
        elif field.sweep_count:
            st.caption(f"{field.sweep_count} values")


def render_swept(field: FieldView) -> None:
    """What a swept field shows in its own section instead of its widget."""
    count = f" ({field.sweep_count} values)" if field.sweep_count else ""
    st.markdown(
        f"**{md(field.label)}:** sweeps over {md(field.sweep)}{count}; "
        f"edit it in the {SECTION} section."
    )


def _changed(settings: Settings, page: str, key: str) -> None:
    data = state.load(settings, page)
    spec = st.session_state[state.widget_key(page, f"sweep.{key}")]
    state.replace(page, form.apply_sweep(data.schema, data.state, key, spec))
