"""Map the view model's fields to light fields (ui/light.py) or Streamlit widgets.

Text, number, checkbox and select fields, and values a field's control cannot show (kept as
entered, edited as text), are light fields: a run of them is one element in the browser.
Multiselects are Streamlit widgets; their key is seeded from the state (see state.seed),
so the state alone decides what they show, as the light fields' data does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import TypedDict

import streamlit as st

from ..form import FieldView
from ..settings import Settings
from . import config_view, light, state
from .state import PageData
from .text import md

Renderer = Callable[[PageData, FieldView], None]
Parse = Callable[[object], object]
Apply = Callable[[object], None]  # what a light field's checked value does (ui/light.py)
LightItem = tuple[light.LightField, Apply]
LightRun = list[LightItem]
Note = tuple[str, str]  # (tone, text), as light.LightField.notes


class _Choices(TypedDict, total=False):
    """A light field's select options (and their texts, placeholder) or number step."""

    options: tuple[object, ...]
    option_texts: tuple[str, ...]
    placeholder: str
    step: str
    low: str
    high: str


class _Common(TypedDict):
    """Keyword arguments every field widget shares."""

    key: str
    help: str | None
    disabled: bool
    on_change: Callable[[Settings, str, str], None]
    args: tuple[Settings, str, str]


def render_field(data: PageData, field: FieldView, effects: tuple[str, ...] = ()) -> None:
    """One field as a Streamlit widget, its notes and its effect warnings."""
    if field.type == "info":
        return  # one with a text is a light field: an empty one shows nothing
    _RENDERERS[field.type](data, field)
    render_notes(notes(data, field))
    config_view.render_field_warning(effects)


def render_light(run: Sequence[LightItem], *, key: str) -> None:
    """A run of light fields as one element; `key` is the element's (the n-th run of the
    page: field keys may hold the `__` a component key must not)."""
    applies = {item.key: apply for item, apply in run}

    def changed(item: light.LightField, value: object) -> None:
        applies[item.key](value)

    light.fields(key, [item for item, _ in run], changed)


def light_field(
    data: PageData, field: FieldView, effects: tuple[str, ...] = ()
) -> LightItem | None:
    """The field as a light field and what a change of it does; None if the field needs a
    Streamlit widget (a multiselect, an info text that is empty)."""
    made = _light_kind(data, field)
    if made is None:
        return None
    kind, shown, parse = made
    item = light.LightField(
        key=field.key,
        kind=kind,
        label=field.label,
        value=shown,
        help=_help(field) or "",
        disabled=field.locked_by is not None,
        notes=(*notes(data, field), *effect_notes(effects)),
        **_choices(field),
    )

    def apply(value: object) -> None:
        state.apply_value(data.settings, data.page, field.key, parse(value))

    return item, apply


def effect_notes(effects: tuple[str, ...]) -> tuple[Note, ...]:
    """A field's effect warnings (config_view) as one note, shown as code."""
    return (("effect", "\n".join(effects)),) if effects else ()


def _light_kind(data: PageData, field: FieldView) -> tuple[str, object, Parse] | None:
    """(kind, what the control shows, how to read what it sends) of a light field, or None."""
    value = field.value
    if field.type == "info":
        return ("info", field.text, _same) if field.text else None
    if not _shows(field):  # kept as entered: edited as text, JSON where it parses
        return "text", value if isinstance(value, str) else json.dumps(value), _json_or_text
    if field.type == "text_input":
        lines = data.schema.by_key[field.key].value_format == "key_value_lines"
        return ("area" if lines else "text"), value or "", _same
    if field.type == "checkbox":
        return "checkbox", value, _same
    if field.type == "selectbox":
        return "select", value, _same
    if _range(field) is not None:
        return "range", str(value), _number(field.value_type)
    if field.type in ("number_input", "slider"):
        return "number", "" if value is None else str(value), _number(field.value_type)
    return None


def _choices(field: FieldView) -> _Choices:
    """A select's options, their texts and its placeholder; a number's step, a range's too
    and its bounds."""
    if field.type == "selectbox" and _shows(field):
        options = _options(field, (field.value,))
        label_of = _label_of(field)
        return {
            "options": tuple(options),
            "option_texts": tuple(label_of(option) for option in options),
            "placeholder": "Choose an option",
        }
    step = str(int(field.step) if field.value_type == "int" else field.step) if field.step else ""
    bounds = _range(field)
    if bounds is not None:
        return {"step": step, "low": bounds[0], "high": bounds[1]}
    if field.type in ("number_input", "slider"):
        return {"step": step}
    return {}


def _same(value: object) -> object:
    return value


def _json_or_text(text: object) -> object:
    try:
        return json.loads(str(text))
    except ValueError:
        return text  # not JSON: keep the text as entered


def _number(value_type: str | None) -> Parse:
    """A number field's text as an int or float; kept as text (the view says why) if it is
    not a finite number; empty is no value."""

    def parse(sent: object) -> object:
        text = str(sent).strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        if not math.isfinite(number):
            return text
        if value_type == "int":
            return int(number) if number.is_integer() else number
        return number

    return parse


def notes(data: PageData, field: FieldView) -> list[Note]:
    """Under a field: its mark (see marks), then its remarks (see remarks)."""
    return [*marks(field), *remarks(data, field)]


def marks(field: FieldView) -> list[Note]:
    """Its error once touched (the command panel lists the others), else a calm "Required"
    while a required field is empty (a page opens without red)."""
    if field.error and field.touched:
        return [("error", field.error)]
    if field.required and field.value in (None, "", [], ()):
        return [("muted", "Required")]
    return []


def remarks(data: PageData, field: FieldView) -> list[Note]:
    """What the last change reset in the field, and where it disagrees with the run.
    The texts carry values from files and runs."""
    found: list[Note] = []
    notice = data.state.notices.get(field.key)
    if notice:
        found.append(("info", str(notice)))
    warning = data.view.field_warnings.get(field.key)
    if warning:
        found.append(("warning", warning))
    return found


_NOTE_ELEMENTS: dict[str, Callable[[str], object]] = {
    "error": lambda text: st.caption(f":red[{md(text)}]"),
    "muted": lambda text: st.caption(md(text)),
    "info": lambda text: st.info(md(text), icon=":material/info:"),
    "warning": lambda text: st.warning(md(text), icon=":material/warning:"),
}


def render_notes(found: Sequence[Note]) -> None:
    """A Streamlit widget's notes (marks, remarks) as Streamlit elements."""
    for tone, text in found:
        _NOTE_ELEMENTS[tone](text)


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


def _options(field: FieldView, chosen: tuple[object, ...]) -> list[object]:
    """The view's options plus any chosen value they lack (kept visible; the view flags it)."""
    options = list(field.options)
    options[:0] = [v for v in chosen if v is not None and v not in field.options]
    return options


def _label_of(field: FieldView) -> Callable[[object], str]:
    labels = field.option_labels
    return lambda option: labels.get(option, str(option))


def _multiselect(data: PageData, field: FieldView) -> None:
    chosen = field.value if isinstance(field.value, tuple) else ()
    state.seed(data.page, field.key, list(chosen))
    st.multiselect(
        md(field.label),
        _options(field, chosen),
        format_func=_label_of(field),
        **_common(data, field),
    )


def _range(field: FieldView) -> tuple[str, str] | None:
    """A slider's bounds as the range control takes them, if it can be one: bounds, and a
    number between them (else it is a number field, so an out-of-range value stays as
    entered and the view says why)."""
    low, high, value = field.min_value, field.max_value, field.value
    if field.type != "slider" or low is None or high is None:
        return None
    if not isinstance(value, int | float) or not low <= value <= high:
        return None
    cast = int if field.value_type == "int" else float
    return str(cast(low)), str(cast(high))


_RENDERERS: dict[str, Renderer] = {
    "multiselect": _multiselect,
}
