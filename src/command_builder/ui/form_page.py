"""The layout every form page shares: title, fields by section, command panel, URL mirror.

Script order is paint order (Streamlit streams elements as the script runs):
the title, the command block (what an edit changes) and the first section's
fields come first; the rest of the command panel and its compose check last.
One section is shown at a time, and its fields are light fields (ui/light.py): each
run of them between the parts that stay Streamlit elements is one element, since the
number of elements is most of a page switch's cost in the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

from ..form import BuiltCommand, FieldView
from ..schema import SchemaError
from ..settings import Settings
from . import checkpoint_picker, command_panel, config_view, light, state, sweeps, widgets
from .state import PageData
from .text import bullets, md

Hook = Callable[[PageData], None]  # draws Streamlit elements
LightHook = Callable[[PageData], widgets.LightRun]  # adds light fields (buttons) to the run
Search = Callable[[PageData], "list[FieldView] | None"]


def render(
    settings: Settings,
    page: str,
    title: str,
    *,
    before_field: Mapping[str, Hook] | None = None,
    light_after_field: Mapping[str, LightHook] | None = None,
    after_form: Hook | None = None,
    search: Search | None = None,
) -> None:
    """Render a form page; hooks add the page's own parts next to a field, or after the form.

    `search` (the generic page's search box) may return fields to show instead of a section.
    """
    st.title(title)
    try:
        data = state.load(settings, page)
    except SchemaError as exc:
        st.error(f"The {title} form cannot be shown: its schema is broken.\n\n{md(exc)}")
        return
    form_column, command_column = st.columns([3, 2], gap="large")
    with command_column:
        built = command_panel.command_block(data)
    effects = _effect_warnings(data, built)  # the command's, built once for both columns
    with form_column:
        _messages(data)
        hooks = _Hooks(before_field or {}, light_after_field or {})
        found = search(data) if search is not None else None
        if found is not None:
            _section(data, found, effects, hooks)
        else:
            _fields(data, effects, hooks)
        if after_form:
            after_form(data)
    with command_column:
        command_panel.render(data, built)
    # Last: the browser's history entry (Streamlit's pushState) need not come before what the
    # user waits for. Callbacks ran before this run, so the state is final already.
    state.sync_url(data)


def _messages(data: PageData) -> None:
    link_error = st.session_state.pop(f"{data.page}.link_error", None)
    if link_error:
        st.warning(f"Part of the link could not be read: {md(link_error)}")
    notice = state.notice(data.page)
    if notice:
        st.info(md(notice), icon=":material/info:")
    problems = [*data.catalog.issues, *(data.index.warnings if data.index is not None else ())]
    if problems:
        st.warning(
            "Some workspace files could not be read; the form uses the rest.\n\n"
            + bullets(problems)
        )


@dataclass(frozen=True)
class _Hooks:
    before: Mapping[str, Hook]
    light_after: Mapping[str, LightHook]


def _fields(data: PageData, effects: Mapping[str, tuple[str, ...]], hooks: _Hooks) -> None:
    """One section at a time: only the chosen section's fields are built and sent.

    A light segment row picks the section (ui/light.py), in the same element as the
    section's first fields: in the browser one 8-tab st.tabs cost about 23 ms per page
    switch, a segmented control 9 ms, the row 2 ms as an element of its own.
    """
    by_section: dict[str, list[FieldView]] = {}
    for field in data.view.fields:
        by_section.setdefault(field.section, []).append(field)
    sections = list(by_section)
    if sweeps.sweepable(data):
        sections.append(sweeps.SECTION)
    if not sections:
        return
    key = f"{data.page}.ui.section"
    picker, section = light.segments_field("Section", sections, key=key)
    head = (picker, light.store(key))  # drawn with the section's first fields
    reset = _reset_button(data)
    if section == sweeps.SECTION:
        widgets.render_light([head], key=f"{data.page}.fields.sections")
        sweeps.render_section(data)
        widgets.render_light([reset], key=f"{data.page}.fields.reset")
    else:
        fields = by_section.get(section, by_section[sections[0]])
        _section(data, fields, effects, hooks, head=[head], tail=[reset])


def _reset_button(data: PageData) -> widgets.LightItem:
    """Reset form, as a light button after the section's last field (one element less)."""
    item = light.LightField(key="ui.reset", kind="button", label="Reset form")
    return item, lambda _: state.reset(data.settings, data.page)


def _section(
    data: PageData,
    fields: list[FieldView],
    effects: Mapping[str, tuple[str, ...]],
    hooks: _Hooks,
    head: Sequence[widgets.LightItem] = (),
    tail: Sequence[widgets.LightItem] = (),
) -> None:
    """`head`, the fields in order, then `tail`; each run of light fields between the other
    parts is one element."""
    if _picks_from_no_checkpoints(data, fields):
        checkpoint_picker.render_train_link()  # above the run: in it, it would split it in two
    run: widgets.LightRun = list(head)
    runs = 0

    def flush() -> None:
        nonlocal runs
        if run:
            widgets.render_light(run, key=f"{data.page}.fields.{runs}")
            runs += 1
            run.clear()

    for field in fields:
        effects_of = effects.get(field.key, ())
        if field.key in hooks.before:
            flush()
            hooks.before[field.key](data)
        if field.sweep is not None:  # a swept field shows its sweep, the checkpoint too
            flush()
            sweeps.render_swept(field)
            config_view.render_field_warning(effects_of)
        elif field.key == data.schema.checkpoint_key and data.index is not None:
            run.extend(checkpoint_picker.light_fields(data, field, effects_of))
        elif made := widgets.light_field(data, field, effects_of):
            run.append(made)
        else:
            flush()
            widgets.render_field(data, field, effects_of)
        if field.key in hooks.light_after:
            run.extend(hooks.light_after[field.key](data))
    run.extend(tail)
    flush()


def _picks_from_no_checkpoints(data: PageData, fields: list[FieldView]) -> bool:
    """The checkpoint picker is among `fields` and has nothing to offer."""
    if data.index is None or data.index.checkpoints:
        return False
    key = data.schema.checkpoint_key
    return any(field.key == key and field.sweep is None for field in fields)


def _effect_warnings(data: PageData, built: BuiltCommand) -> Mapping[str, tuple[str, ...]]:
    """Field key -> its overrides' effect warnings, once the background check is in."""
    return config_view.field_warnings(
        data.settings,
        data.page,
        data.schema,
        built.overrides,
        multirun=built.multirun,
        version=data.catalog.version,
    )
