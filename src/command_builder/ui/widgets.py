"""Map the view model's fields to Streamlit widgets, each bound to the page's canonical state.

Widgets get no `value=`/`index=` argument: their key is seeded from the state
(see state.seed), so the state alone decides what they show. A value a widget
cannot show (text in a number field, an option that no longer exists) is kept
as entered and shown as text, with the view's error under it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypedDict

import streamlit as st

from ..form import FieldView
from ..settings import Settings
from . import light, state
from .state import PageData
from .text import md

Renderer = Callable[[PageData, FieldView], None]


class _Common(TypedDict):
    """Keyword arguments every field widget shares."""

    key: str
    help: str | None
    disabled: bool
    on_change: Callable[[Settings, str, str], None]
    args: tuple[Settings, str, str]


class _NumberKwargs(TypedDict, total=False):
    step: int | float
    format: str


def render_field(data: PageData, field: FieldView) -> None:
    """One field of the view: its widget, and its error if any."""
    if field.type == "info":
        if field.text:
            st.markdown(f"**{md(field.label)}:** {md(field.text)}")
        return
    if not _shows(field):
        _raw_text(data, field)
    else:
        _RENDERERS[field.type](data, field)
    note(field)
    field_notes(data, field.key)


def note(field: FieldView) -> None:
    """Under a field: its error once touched (the command panel lists the others), else a
    calm "Required" mark while a required field is empty (a page opens without red)."""
    if field.error and field.touched:
        st.caption(f":red[{md(field.error)}]")
    elif field.required and field.value in (None, "", [], ()):
        st.caption("Required")


def field_notes(data: PageData, key: str) -> None:
    """Next to the field: what the last change reset in it, and where it disagrees with the run.

    The texts carry values from files and runs: shown as text."""
    notice = data.state.notices.get(key)
    if notice:
        st.info(md(str(notice)), icon=":material/info:")
    warning = data.view.field_warnings.get(key)
    if warning:
        st.warning(md(warning), icon=":material/warning:")


def _shows(field: FieldView) -> bool:
    """Whether the field's own widget can display its current value."""
    value, kind = field.value, field.value_type
    if value is None:
        return field.type != "checkbox"
    if field.type == "checkbox":
        return isinstance(value, bool)
    if field.type in ("number_input", "slider"):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and (kind != "int" or isinstance(value, int))
    if field.type == "text_input":
        return isinstance(value, str)
    if field.type == "multiselect":
        return isinstance(value, tuple)  # anything else is the view's "expected a list"
    return True


def _help(field: FieldView) -> str | None:
    return f"Locked: {field.locked_by}" if field.locked_by else field.help


def _common(data: PageData, field: FieldView) -> _Common:
    """Keyword arguments every field widget shares (seeding its key from the state)."""
    help_text = _help(field)
    return {
        "key": state.widget_key(data.page, field.key),
        "help": md(help_text) if help_text else None,
        "disabled": field.locked_by is not None,
        "on_change": state.on_field_change,
        "args": (data.settings, data.page, field.key),
    }


def _text_input(data: PageData, field: FieldView) -> None:
    """A one-line text, or a text area for values written one per line."""
    state.seed(data.page, field.key, field.value or "")
    if data.schema.by_key[field.key].value_format == "key_value_lines":
        st.text_area(md(field.label), height=90, **_common(data, field))
    else:
        st.text_input(md(field.label), **_common(data, field))


def _checkbox(data: PageData, field: FieldView) -> None:
    state.seed(data.page, field.key, bool(field.value))
    st.checkbox(md(field.label), **_common(data, field))


def _options(field: FieldView, chosen: tuple[object, ...]) -> list[object]:
    """The view's options plus any chosen value they lack (kept visible; the view flags it)."""
    options = list(field.options)
    options[:0] = [v for v in chosen if v is not None and v not in field.options]
    return options


def _label_of(field: FieldView) -> Callable[[object], str]:
    labels = field.option_labels
    return lambda option: labels.get(option, str(option))


def _selectbox(data: PageData, field: FieldView) -> None:
    """A light select (ui/light.py): a third of a selectbox's cost in the browser."""
    light.select(
        field.label,
        _options(field, (field.value,)),
        key=state.seed(data.page, field.key, field.value),
        format_func=_label_of(field),
        help=_help(field),
        disabled=field.locked_by is not None,
        on_change=state.on_field_change,
        args=(data.settings, data.page, field.key),
    )


def _multiselect(data: PageData, field: FieldView) -> None:
    chosen = field.value if isinstance(field.value, tuple) else ()
    state.seed(data.page, field.key, list(chosen))
    st.multiselect(
        md(field.label),
        _options(field, chosen),
        format_func=_label_of(field),
        **_common(data, field),
    )


def _number_kwargs(field: FieldView) -> _NumberKwargs:
    """An int field gets an int step (Streamlit infers the widget's type from it)."""
    kwargs: _NumberKwargs = {}
    if field.value_type == "int":
        kwargs["step"] = int(field.step or 1)
    elif field.step:
        kwargs["step"] = float(field.step)
    if field.format:
        kwargs["format"] = field.format
    return kwargs


def _number_input(data: PageData, field: FieldView) -> None:
    """No min/max on the widget: an out-of-range value stays as entered and the view says why."""
    state.seed(data.page, field.key, field.value)
    st.number_input(md(field.label), **_number_kwargs(field), **_common(data, field))


def _slider(data: PageData, field: FieldView) -> None:
    low, high, value = field.min_value, field.max_value, field.value
    if (
        low is None
        or high is None
        or not isinstance(value, int | float)
        or not low <= value <= high
    ):
        _number_input(data, field)
        return
    cast = int if field.value_type == "int" else float
    state.seed(data.page, field.key, value)
    st.slider(
        md(field.label),
        min_value=cast(low),
        max_value=cast(high),
        step=cast(field.step) if field.step else None,
        **_common(data, field),
    )


def _raw_text(data: PageData, field: FieldView) -> None:
    """A value the field's widget cannot show: edit it as text (JSON where it parses)."""
    value = field.value
    state.seed(data.page, field.key, value if isinstance(value, str) else json.dumps(value))
    common = _common(data, field)
    common["on_change"] = _raw_text_changed
    st.text_input(md(field.label), **common)


def _raw_text_changed(settings: Settings, page: str, key: str) -> None:
    wkey = state.widget_key(page, key)
    text = st.session_state[wkey]
    try:
        st.session_state[wkey] = json.loads(text)
    except ValueError:
        pass  # not JSON: keep the text as entered
    state.on_field_change(settings, page, key)


_RENDERERS: dict[str, Renderer] = {
    "text_input": _text_input,
    "checkbox": _checkbox,
    "selectbox": _selectbox,
    "multiselect": _multiselect,
    "number_input": _number_input,
    "slider": _slider,
}
