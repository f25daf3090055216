"""Light controls: the form pages' section picker, switches and selects, drawn as plain DOM.

A page switch costs what the browser draws, element by element. Measured in main-thread
task time per switch (`benchmarks/browser_cost.py`, 8 copies per page): one Streamlit
segmented control costs about 9 ms, a selectbox 10-14 ms and one toggle about 5 ms,
against 2-4 ms for one of these (a `st.components.v2` component, no React widget tree;
the select is the browser's own <select>). The price: a component's script runs in an
effect, so a light control fills in one frame after the page around it.

Their values live in plain session keys, not in widget state: they survive page
switches, and tests or links set them like any other key. Texts are set with
`textContent` in light.js, so labels and options are shown as text, never markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import streamlit as st

T = TypeVar("T")
_HERE = Path(__file__).parent
_CONTROL = st.components.v2.component(
    "command_builder.light",
    js=(_HERE / "light.js").read_text(encoding="utf-8"),
    css=(_HERE / "light.css").read_text(encoding="utf-8"),
)


def segments(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    format_func: Callable[[T], str] = str,
) -> T:
    """One of `options`, picked from a row of buttons (a radio group named `label`).

    `st.session_state[key]` holds the choice; a value that is not an option (a stale
    or hand-set key) shows the first option."""
    index = max(_index_of(options, st.session_state.get(key)), 0)
    _picker("segments", label, options, key=key, format_func=format_func, index=index)
    return options[index]


def toggle(label: str, *, key: str) -> bool:
    """A switch; `st.session_state[key]` holds whether it is on (off until set)."""
    on = st.session_state.get(key) is True

    def flipped() -> None:
        value = _trigger(key, "flip")
        if isinstance(value, bool):
            st.session_state[key] = value

    _CONTROL(
        key=_control_key(key),
        data={"kind": "toggle", "label": label, "on": on},
        on_flip_change=flipped,
    )
    return on


def select(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    format_func: Callable[[T], str] = str,
    placeholder: str = "Choose an option",
    help: str | None = None,
    disabled: bool = False,
    on_change: Callable[..., None] | None = None,
    args: tuple[object, ...] = (),
) -> T | None:
    """One of `options` from a native <select> labelled `label`, or None (the placeholder).

    `st.session_state[key]` holds the choice; a pick stores it there, then calls
    `on_change(*args)`, as a Streamlit widget's callback would be called."""
    index = _index_of(options, st.session_state.get(key))
    _picker(
        "select",
        label,
        options,
        key=key,
        format_func=format_func,
        index=index,
        extra={
            "values": [str(option) for option in options],
            "placeholder": placeholder,
            "help": help or "",
            "disabled": disabled,
        },
        then=on_change,
        args=args,
    )
    return options[index] if index >= 0 else None


def _picker(
    kind: str,
    label: str,
    options: Sequence[T],
    *,
    key: str,
    format_func: Callable[[T], str],
    index: int,
    extra: dict[str, object] | None = None,
    then: Callable[..., None] | None = None,
    args: tuple[object, ...] = (),
) -> None:
    """A control that picks one of `options` (segments, select): the browser gets their
    texts and the chosen index, and sends back the index of a pick."""
    _CONTROL(
        key=_control_key(key),
        data={
            "kind": kind,
            "label": label,
            "options": [format_func(option) for option in options],
            "index": index,
            **(extra or {}),
        },
        on_pick_change=_on_pick(key, options, then, args),
    )


def _index_of(options: Sequence[T], chosen: object) -> int:
    """The chosen option's position, -1 if it is none of them (a stale or hand-set key)."""
    return next((i for i, option in enumerate(options) if option == chosen), -1)


def _on_pick(
    key: str,
    options: Sequence[T],
    then: Callable[..., None] | None = None,
    args: tuple[object, ...] = (),
) -> Callable[[], None]:
    """The callback of a "pick": the browser sends the option's index; anything else is ignored."""

    def picked() -> None:
        i = _trigger(key, "pick")
        if type(i) is int and 0 <= i < len(options):
            st.session_state[key] = options[i]
            if then is not None:
                then(*args)

    return picked


def _control_key(key: str) -> str:
    return f"{key}.control"


def _trigger(key: str, event: str) -> object:
    """The value the browser sent with `event` in this rerun (None if it sent none)."""
    state = st.session_state.get(_control_key(key))
    return state.get(event) if isinstance(state, dict) else None
