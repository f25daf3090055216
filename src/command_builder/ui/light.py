"""Light controls: the form pages' fields, section picker and switches, drawn as plain DOM.

A page switch costs what the browser draws, element by element. Measured in main-thread
task time per switch (`benchmarks/browser_cost.py`, 8 copies per page): one Streamlit
segmented control costs about 9 ms, a selectbox 10-14 ms and one toggle about 5 ms,
against 2-4 ms for one of these (a `st.components.v2` component, no React widget tree;
a select is the browser's own <select>), and a run of fields is ONE of them. The price:
a component's script runs in an effect, so a light control fills in one frame after the
page around it.

The section picker and a switch keep their values in plain session keys, not in widget
state: they survive page switches, and tests or links set them like any other key. Fields send their
changes to a callback (the form state is their truth). Texts are set with `textContent`
in light.js, so labels, options and notes are shown as text, never markdown.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import streamlit as st
from streamlit import config

if TYPE_CHECKING:
    from streamlit.components.v2.types import ComponentRenderer

T = TypeVar("T")
_HERE = Path(__file__).parent
STATIC = _HERE / "static"  # served at <base>/app/static/ (server.enableStaticServing)
_CODE = (STATIC / "light.js").read_text(encoding="utf-8")
_INLINE_KEY = "light.inline"  # this run sends the code inline (see start_run)
_SENT_KEY = "light.sent"
_REVISIONS_KEY = "light.revisions"  # element key -> (its data, its revision): see _payload
_SERVER = secrets.token_hex(4)  # this server process: revisions restart with it
_revisions = itertools.count(1)


def code_url() -> str:
    """Where light.js is served, versioned by its hash (a new release is fetched anew)."""
    version = hashlib.sha256(_CODE.encode()).hexdigest()[:12]
    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base + '/' if base else ''}app/static/light.js?v={version}"


def start_run() -> None:
    """Call first in every script run: a session's first run sends the code inline."""
    st.session_state[_INLINE_KEY] = _SENT_KEY not in st.session_state
    st.session_state[_SENT_KEY] = True


@functools.cache
def _component(inline: bool) -> ComponentRenderer:
    """The light component; made at the first mount, when the server's config is loaded.

    Every element carries its component's js: light.js (with its styles) is 15 kB, and sent,
    hashed and parsed again with each of a page's four light elements it was most of what a
    page switch sent (61 kB of 62 kB). So only a session's first run sends it inline (its
    elements all do: the browser runs it once); later elements carry a stub that uses the
    code that run left in `globalThis`. Should a page not have run it (its first run was cut
    short), the stub imports light.js from the static folder instead: on a first page
    that import waited 0.5-0.9 s behind Streamlit's own lazy chunks.
    Not in a shadow root: a field's label is found, read and clicked like a Streamlit one
    (the browser tests' get_by_label, the benchmark's markers); the styles are scoped by
    class.
    """
    if inline:
        return st.components.v2.component("command_builder.light", js=_CODE, isolate_styles=False)
    stub = (
        # The stub itself is loaded from a blob: URL, against which no path resolves.
        f"const served = new URL({json.dumps(code_url())}, location.href).href;\n"
        "const load = () => import(served).catch((error) => {\n"
        "  delete globalThis.commandBuilderLight; // not kept: the next element tries again\n"
        "  throw error;\n"
        "});\n"
        "export default async (component) =>\n"
        "  (await (globalThis.commandBuilderLight ??= load())).default(component);\n"
    )
    return st.components.v2.component("command_builder.light_stub", js=stub, isolate_styles=False)


MAX_TEXT = 20_000  # characters of one field's text from the browser, as a link parameter
MAX_CHANGES = 200  # changes one event may carry (one per field, each at most once)


def segments(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    format_func: Callable[[T], str] = str,
) -> T:
    """One of `options`, picked from a row of buttons (a radio group named `label`), as an
    element of its own (see segments_field to draw it in a run of fields)."""
    item, chosen = segments_field(label, options, key=key, format_func=format_func)
    fields(_control_key(key), [item], lambda _, value: store(key)(value))
    return chosen


def segments_field(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    format_func: Callable[[T], str] = str,
) -> tuple[LightField, T]:
    """The row of buttons as a light field, and the option it shows.

    `st.session_state[key]` holds the choice (a pick stores it: see store); a value that is
    not an option (a stale or hand-set key) shows the first option."""
    index = max(_index_of(options, st.session_state.get(key)), 0)
    item = LightField(
        key=key,
        kind="segments",
        label=label,
        value=options[index],
        options=tuple(options),
        option_texts=tuple(format_func(option) for option in options),
    )
    return item, options[index]


def store(key: str) -> Callable[[object], None]:
    """A field that is no form field (the section, the checkpoint filter, a box): its checked
    value goes to `st.session_state[key]`."""

    def stored(value: object) -> None:
        st.session_state[key] = value

    return stored


def toggle(label: str, *, key: str) -> bool:
    """A switch as an element of its own; `st.session_state[key]` holds whether it is on (off
    until set). See switch_field to draw it in a run of fields."""
    item = switch_field(label, key=key)
    fields(_control_key(key), [item], lambda _, value: store(key)(value))
    return item.value is True


def switch_field(label: str, *, key: str) -> LightField:
    """A switch as a light field, showing `st.session_state[key]` (a flip stores it: see store)."""
    return LightField(key=key, kind="switch", label=label, value=st.session_state.get(key) is True)


def table(
    key: str, label: str, columns: Sequence[str], rows: Sequence[Sequence[str | float]]
) -> None:
    """Rows of texts as a plain HTML table named `label`, an element of its own; nothing the
    browser sends is accepted. A float cell is a fraction done, drawn as a progress bar with
    its percentage.

    Instead of st.dataframe (the Jobs page's lists, the export preview): that imports pandas
    and pyarrow on its first use (0.3-0.7 s of the server's first Jobs page run after a
    start) and mounts a canvas grid, on the Jobs page again on every refresh (every 0.5 s).
    A cell too long for its column ends in an ellipsis; its text is its tooltip. Cells come
    from job records, logs and uploads: a text is cut at MAX_CELL characters, a fraction kept
    in [0, 1] (a NaN would make the element's JSON unreadable)."""
    item = LightField(
        key=key,
        kind="table",
        label=label,
        value=[[_cell(cell) for cell in row] for row in rows],
        columns=tuple(columns),
    )
    fields(key, [item], lambda _, __: None)


MAX_CELL = 2_000  # characters of one table cell (an export preview's polygons can be more)


def _cell(cell: str | float) -> str | float:
    if isinstance(cell, str):
        return cell if len(cell) <= MAX_CELL else cell[: MAX_CELL - 1] + "…"
    return min(1.0, max(0.0, cell)) if math.isfinite(cell) else ""


def _payload(key: str, data: dict[str, object]) -> bytes:
    """The element's data as JSON bytes, which Streamlit forwards as they are (light.js decodes
    them): a dict it walks in search of dataframes first, 0.35 ms for eight fields against
    0.04 ms, on every element of every run.

    With a revision, new whenever the data is: Streamlit (1.67) may hand an element's data
    to the script out of order while the script is still loading (two updates in that
    window: the newer one drawn, then the older), and an unchanged element is not drawn
    again, so a stale draw would stay (Run disabled after its check passed). light.js
    draws no revision older than the one it drew; a restarted server starts anew."""
    body = json.dumps(data)
    revisions: dict[str, tuple[str, int]] = st.session_state.setdefault(_REVISIONS_KEY, {})
    drawn = revisions.get(key)
    revision = drawn[1] if drawn is not None and drawn[0] == body else next(_revisions)
    revisions[key] = (body, revision)
    return f'{{"server":"{_SERVER}","revision":{revision},"data":{body}}}'.encode()


def _index_of(options: Sequence[T], chosen: object) -> int:
    """The chosen option's position, -1 if it is none of them (a stale or hand-set key)."""
    return next((i for i, option in enumerate(options) if option == chosen), -1)


def _control_key(key: str) -> str:
    return f"{key}.control"


def _trigger(key: str, event: str) -> object:
    """The value the browser sent with `event` in this rerun (None if it sent none)."""
    state = st.session_state.get(_control_key(key))
    return state.get(event) if isinstance(state, dict) else None


@dataclass(frozen=True)
class LightField:
    """One field of a `fields` run, as the browser draws it (or a button or section row).

    `value` is what the control shows: the text of text, area, number and range fields, whether a
    checkbox or switch is on, the chosen option of a select (None: its placeholder) or of a segments
    row, an info's text.
    A button sends True when clicked; a "notes" field is only its notes; a "table" shows
    `value`, its rows (lists of texts and fractions), under `columns`. `notes` are
    (tone, text) lines under it; tone is error, muted, success, info, warning or effect."""

    key: str
    kind: str
    label: str
    value: object = None
    help: str = ""
    disabled: bool = False
    notes: tuple[tuple[str, str], ...] = ()
    options: tuple[object, ...] = ()
    option_texts: tuple[str, ...] = ()
    placeholder: str = ""
    step: str = ""
    low: str = ""  # a range: its bounds
    high: str = ""
    primary: bool = False  # a button: the page's main action (Run)
    columns: tuple[str, ...] = ()  # a table: its headings

    def data(self) -> dict[str, object]:
        shown: object = self.value
        if self.kind in ("select", "segments"):
            shown = _index_of(self.options, self.value)
        return {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "value": shown,
            "help": self.help,
            "disabled": self.disabled,
            "notes": [list(note) for note in self.notes],
            "options": list(self.option_texts),
            "values": [str(option) for option in self.options],
            "placeholder": self.placeholder,
            "step": self.step,
            "low": self.low,
            "high": self.high,
            "primary": self.primary,
            "columns": list(self.columns),
            "maxLength": MAX_TEXT,
        }


FieldChange = Callable[[LightField, object], None]


def fields(key: str, items: Sequence[LightField], on_change: FieldChange) -> None:
    """A run of simple fields drawn by ONE element: a Streamlit widget per field costs 5-14 ms
    of the browser's main thread on every page switch, the whole run about as much as one.

    A change calls `on_change(field, value)` with a value checked against the field: a key
    this element showed, not disabled, a str of at most MAX_TEXT characters (text, area,
    number, range), a bool (checkbox, switch), an option (select: the browser sends its index), True (a
    button's click)."""
    ack_key = f"{key}.applied"
    by_key = {item.key: item for item in items}

    def changed() -> None:
        for seq, field_key, sent in _new_changes(key, st.session_state.get(ack_key, 0)):
            st.session_state[ack_key] = seq
            item = by_key.get(field_key)
            value = _checked(item, sent) if item is not None else _INVALID
            if item is not None and value is not _INVALID:
                on_change(item, value)

    _component(inline=st.session_state.get(_INLINE_KEY) is not False)(
        key=_control_key(key),
        data=_payload(
            key,
            {"ack": st.session_state.get(ack_key, 0), "fields": [item.data() for item in items]},
        ),
        on_change_change=changed,
    )


_INVALID = object()


def _new_changes(key: str, applied: int) -> list[tuple[int, str, object]]:
    """The changes of this rerun's event not applied yet, oldest first (none if malformed).

    The event carries [seq, field key, value] per change: the browser numbers its changes and
    resends each one until the data it gets says it was applied (`ack`), because Streamlit
    keeps only the newest event of an element when two arrive before a run starts (a text
    committed by the click on a checkbox next to it)."""
    sent = _trigger(key, "change")
    if not isinstance(sent, list) or len(sent) > MAX_CHANGES:
        return []
    changes = []
    for entry in sent:
        if not (isinstance(entry, list) and len(entry) == 3):
            return []
        seq, field_key, value = entry
        if type(seq) is not int or not isinstance(field_key, str):
            return []
        if seq > applied:
            changes.append((seq, field_key, value))
    return sorted(changes, key=lambda change: change[0])


def _checked(item: LightField, sent: object) -> object:
    """`sent` as the field's value, or _INVALID if it is none the field's control can send."""
    if item.disabled:
        return _INVALID
    if item.kind in ("text", "area", "number", "range"):
        return sent if isinstance(sent, str) and len(sent) <= MAX_TEXT else _INVALID
    if item.kind in ("checkbox", "switch"):
        return sent if isinstance(sent, bool) else _INVALID
    if item.kind == "button":
        return sent if sent is True else _INVALID
    if item.kind in ("select", "segments") and type(sent) is int and 0 <= sent < len(item.options):
        return item.options[sent]
    return _INVALID
