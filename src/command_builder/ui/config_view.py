"""What the run gets: the "Composed config" view and the effect-check warnings.

Everything here renders a ComposeResult that the background compose check
(compose_panel.start) produced: a page run never calls Hydra and never waits for it.
What is not known yet renders when compose_panel's one poller has it. Config values,
keys and messages come from workspace files and commands, so they are shown as code
or plain text, never as markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future

import streamlit as st

from ..commands import effects as fx
from ..commands.validate import ComposeResult
from ..schema import PageSchema
from ..settings import Settings
from . import compose_panel, light

MAX_QUERY = 200


def base_check(settings: Settings, page: str, version: str) -> Future[ComposeResult]:
    """The primary config's own check (no overrides): what `# changed` is measured against."""
    return compose_panel.start(settings, page, (), multirun=False, version=version)


def effect_messages(result: ComposeResult) -> dict[str, tuple[str, ...]]:
    """Override text -> its warnings ("takes no effect: ...", "does not resolve: ...")."""
    out: dict[str, list[str]] = {}
    for effect in result.effects:
        out.setdefault(effect.override, []).append(effect.message())
    for issue in result.resolve_issues:
        where = f" (set by {issue.source})" if issue.source else ""
        text = f"does not resolve: {issue.key}: {issue.message}{where}"
        out.setdefault(issue.override or "", []).append(text)
    return {k: tuple(v) for k, v in out.items()}


def field_messages(result: ComposeResult, schema: PageSchema) -> dict[str, tuple[str, ...]]:
    """Schema element key -> the warnings of the overrides that field writes."""
    out: dict[str, tuple[str, ...]] = {}
    for override, messages in effect_messages(result).items():
        element = schema.by_path.get(override.split("=", 1)[0].lstrip("+~"))
        if element is not None:
            out[element.key] = out.get(element.key, ()) + messages
    return out


def field_warnings(
    settings: Settings,
    page: str,
    schema: PageSchema,
    overrides: tuple[str, ...],
    *,
    multirun: bool,
    version: str,
) -> dict[str, tuple[str, ...]]:
    """Per-field warnings if the command's check is already done, else {} (never waits)."""
    result = compose_panel.known(
        compose_panel.start(settings, page, overrides, multirun=multirun, version=version)
    )
    return field_messages(result, schema) if result is not None and result.ok else {}


def render_field_warning(messages: tuple[str, ...]) -> None:
    """Under a field: its override's warnings, as plain text."""
    if messages:
        st.code("\n".join(messages), language=None, wrap_lines=True)


def run_warning_notes(command: Future[ComposeResult]) -> list[tuple[str, str]]:
    """Next to Run: one line per override that takes no effect (Run stays allowed)."""
    result = compose_panel.known(command)
    if result is None or not result.ok:
        return []  # compose_panel.notes says why
    lines = [f"{o}: {m}" if o else m for o, ms in effect_messages(result).items() for m in ms]
    if not lines:
        return []
    return [
        ("warning", "Run works, but the run does not get everything chosen:"),
        ("effect", "\n".join(lines)),
    ]


def _open_key(page: str) -> str:
    return f"{page}.ui.config_open"


def _composed(command: Future[ComposeResult]) -> ComposeResult | None:
    """The check's result if the command composed and resolved, else None (pending, or
    compose_panel says why)."""
    result = compose_panel.known(command)
    if result is None or not result.ok or result.resolved is None or result.config is None:
        return None
    return result


def toggle_item(
    page: str, command: Future[ComposeResult]
) -> tuple[light.LightField, Callable[[object], None]] | None:
    """The "Composed config" box among Run's controls, once the command composes, and
    what a tick does.

    A box, not st.expander: a closed expander's content is still built and sent on every
    run (4 elements and the whole YAML per page switch); a closed box is part of one."""
    if _composed(command) is None:
        return None
    open_ = st.session_state.get(_open_key(page)) is True
    box = light.LightField(
        key="ui.config_open", kind="checkbox", label="Composed config", value=open_
    )
    return box, light.store(_open_key(page))


def render(page: str, command: Future[ComposeResult], base: Future[ComposeResult]) -> None:
    """The "Composed config" view of a command while its box is ticked (see toggle_item)."""
    result = _composed(command)
    if result is not None and st.session_state.get(_open_key(page)) is True:
        render_config(page, result, compose_panel.known(base))


def render_config(page: str, result: ComposeResult, base: ComposeResult | None) -> None:
    """Resolved YAML with `# notes` on changed keys and ineffective overrides; a key search."""
    assert result.resolved is not None and result.config is not None
    base_config = base.config if base is not None and base.ok else None
    marks = fx.config_marks(result.config, base_config, result.effects, result.resolve_issues)
    st.caption(
        "What the run gets, resolved. `# changed` marks keys this command changes from the"
        " primary config's defaults; `takes no effect` marks overrides the run does not get."
    )
    query = st.text_input(
        "Find a key",
        key=f"{page}.ui.config_query",
        max_chars=MAX_QUERY,
        placeholder="e.g. optimizer",
    )
    if query.strip():
        text = fx.config_lines(result.resolved, marks, query)
        st.code(text or f"no key contains {query.strip()!r}", language="yaml", wrap_lines=True)
    else:
        st.code(fx.config_yaml(result.resolved, marks), language="yaml", wrap_lines=True)
    _summary(marks)


def _summary(marks: Mapping[str, str]) -> None:
    changed = sum(1 for note in marks.values() if note.startswith(("changed", "added")))
    flagged = sum(1 for note in marks.values() if "takes no effect" in note)
    st.caption(f"{changed} keys changed, {flagged} marked as taking no effect.")
