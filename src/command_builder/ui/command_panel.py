"""The command of a form page: live, copyable, editable, checked, runnable.

The command is rebuilt from the cached view on every run (no Generate button).
Editing it is behind a toggle: the edited text is parsed back into the form
(service.state_from_command); a text that does not parse stays as typed with the
reason, until the user fixes it or changes the form.

Run starts exactly the argv on screen, and only when the form has no errors,
the editor (if open) holds that very command and Hydra's check of it passed;
otherwise it is disabled with the reason next to it. The check arrives in the
background (compose_panel), so Run renders with it; the click re-checks all of
this against the session's current state, so a change that raced the click
cannot start something else than what was shown.
"""

from __future__ import annotations

import shlex
from concurrent.futures import Future

import streamlit as st

from .. import form, service
from ..commands.command_line import CommandParseError, split_command_line
from ..commands.overrides import OverrideSyntaxError, format_value, parse_override
from ..commands.validate import ComposeResult
from ..jobs import JobRefused, JobStoreError, submit_job
from ..settings import Settings
from . import compose_panel, config_view, light, nav, state, widgets
from .state import PageData
from .text import bullets, md

READY = "Hydra composes this command; Run starts it as a background job."
COMMAND_BLOCK = "command_block"  # the container's key: light.js styles its text as code


def _text_key(page: str) -> str:
    return f"{page}.ui.command_text"


def _error_key(page: str) -> str:
    return f"{page}.ui.command_error"


def _edit_key(page: str) -> str:
    return f"{page}.ui.edit"


def _job_key(page: str) -> str:
    return f"{page}.ui.last_job"


def _confirm_key(page: str, run_count: int) -> str:
    return f"{page}.ui.confirm_runs.{run_count}"


def command_block(data: PageData) -> form.BuiltCommand:
    """The command itself. The form page writes it before the fields (script order is
    paint order), so after an edit the new command is on screen before the rest is sent.

    Plain text (st.text, drawn as code by light.js's styles), not st.code: that loads
    Streamlit's syntax highlighter, 1.5 MB of script whose first evaluation (0.2-0.3 s
    here) held the first page's fields in half of the cold starts. Run's controls copy it."""
    built = service.command_of(data.settings, data.view)
    with st.container(key=COMMAND_BLOCK):
        st.text(built.command)
    return built


def render(data: PageData, built: form.BuiltCommand) -> None:
    """Under the command: errors, editor, then Run and what follows Hydra's check of it."""
    if built.multirun:
        st.caption(f"Hydra multirun: this command makes **{built.run_count}** runs.")
    shown, _ = _split_errors(data, built)
    if shown:
        st.error(bullets(shown))
    edit = _edit_switch(data.page)
    editing = edit[0].value is True
    if editing:  # its own element above the editor
        widgets.render_light([edit], key=f"{data.page}.edit")
        _editor(data, built.command)
    command = _check(data, built)
    base = config_view.base_check(data.settings, data.page, data.catalog.version)

    def after_check() -> None:
        if not editing and st.session_state.get(_edit_key(data.page)) is True:
            # Switched on in the compose poller's fragment, which the editor is outside of:
            # without this it would open only once the check is in and the poller reruns.
            st.rerun()
        _controls(data, built, command, first=() if editing else (edit,))
        config_view.render(data.page, command, base)

    compose_panel.render((command, base), after_check)


def _edit_switch(page: str) -> widgets.LightItem:
    """ "Edit the command": first of Run's controls while the editor is closed (one element
    less on every page switch), above the editor while it is open."""
    return light.switch_field("Edit the command", key=_edit_key(page)), light.store(_edit_key(page))


def _split_errors(data: PageData, built: form.BuiltCommand) -> tuple[list[str], list[str]]:
    """(errors to show in red, labels of required fields still empty and untouched).

    A page opens calm: an empty required field the user has not touched is only listed
    as still to fill in, not as an error.
    """
    shown: list[str] = []
    to_fill: list[str] = []
    for key, message in built.field_errors.items():
        field = data.view.field(key)
        if field is not None and _untouched_required(field):
            to_fill.append(field.label)
        else:
            shown.append(message)
    return shown, to_fill


def _untouched_required(field: form.FieldView) -> bool:
    return field.required and not field.touched and field.value in (None, "", [], ())


def _check(data: PageData, built: form.BuiltCommand) -> Future[ComposeResult]:
    return compose_panel.start(
        data.settings,
        data.page,
        built.overrides,
        multirun=built.multirun,
        version=data.catalog.version,
    )


def _editor(data: PageData, command: str) -> None:
    failed = st.session_state.get(_error_key(data.page))
    if failed is not None and failed[0] is data.state:
        st.error(f"Cannot read this command: {md(failed[1])}")
    else:
        st.session_state.pop(_error_key(data.page), None)
        if st.session_state.get(_text_key(data.page)) != command:
            st.session_state[_text_key(data.page)] = command
    st.text_area(
        "Command text",
        key=_text_key(data.page),
        height=120,
        help="Edit and press Ctrl+Enter (or click outside): the form follows.",
        on_change=_edited,
        args=(data.settings, data.page),
    )


def _edited(settings: Settings, page: str) -> None:
    """Parse the edited command into the form; keep the text and the reason if it fails."""
    text = st.session_state[_text_key(page)]
    try:
        new = service.state_from_command(settings, page, text)
    except CommandParseError as exc:
        reason = str(exc)
        fix = quoting_fix(text)
        if fix:
            reason += f" — Hydra cannot read a value with a quote or space as it is; write {fix}"
        st.session_state[_error_key(page)] = (st.session_state[state.state_key(page)], reason)
        return
    st.session_state.pop(_error_key(page), None)
    state.replace(page, new)


def quoting_fix(text: str) -> str | None:
    """The first override Hydra cannot read, rewritten as a shell word Hydra reads as meant.

    `exp_name="it's edited"` reaches Hydra as `exp_name=it's edited` (the shell ate the
    quotes): the fix quotes the value for Hydra, then the word for the shell:
    `'exp_name="it'"'"'s edited"'`.
    """
    try:
        words = split_command_line(text)
    except CommandParseError:
        return None
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or word.startswith("-") or word.endswith(".py"):
            continue
        try:
            parse_override(word)
        except OverrideSyntaxError:
            fixed = f"{key}={format_value(value)}"
            try:
                parse_override(fixed)
            except OverrideSyntaxError:
                return None
            return shlex.quote(fixed)
    return None


def run_blocker(data: PageData, built: form.BuiltCommand, hydra: str | None) -> str | None:
    """Why Run must stay disabled for this command (None: it may start)."""
    if st.session_state.get(_edit_key(data.page)) and (
        st.session_state.get(_text_key(data.page)) != built.command
    ):
        return "The editor holds another text than the command shown: fix it or apply it."
    if built.errors:
        shown, to_fill = _split_errors(data, built)
        if shown:
            return "Fix the errors above first."
        return "To fill in before Run: " + ", ".join(to_fill) + "."
    if hydra:
        return hydra
    if built.needs_confirmation and not st.session_state.get(
        _confirm_key(data.page, built.run_count)
    ):
        return f"Tick the box to start all {built.run_count} runs."
    return None


def _controls(
    data: PageData,
    built: form.BuiltCommand,
    command: Future[ComposeResult],
    first: tuple[widgets.LightItem, ...],
) -> None:
    """`first`, Run (with the sweep confirmation above the threshold), its status line with
    what Hydra's check said, and the Composed config box: one light element (ui/light.py)."""
    blocked = run_blocker(data, built, compose_panel.blocker(command))
    outcome = st.session_state.get(_job_key(data.page))
    copy = light.LightField(key="ui.copy", kind="copy", label="Copy", value=built.command)
    run: widgets.LightRun = [(copy, _no_change), *first]
    if built.needs_confirmation and not built.errors:
        run.append(_confirm_box(data, built))
    run_button = light.LightField(
        key="ui.run", kind="button", label="Run", disabled=blocked is not None, primary=True
    )
    run.append((run_button, lambda _: _submit(data.settings, data.page, built.argv)))
    status = [
        ("muted", blocked) if blocked else ("success", READY),
        *((("error", outcome),) if isinstance(outcome, str) and outcome else ()),
        *compose_panel.notes(command, form_ok=not built.errors),
        *config_view.run_warning_notes(command),
    ]
    run.append(
        (light.LightField(key="ui.status", kind="notes", label="", notes=tuple(status)), _no_change)
    )
    config_box = config_view.toggle_item(data.page, command)
    if config_box is not None:
        run.append(config_box)
    widgets.render_light(run, key=f"{data.page}.controls")
    if isinstance(outcome, int):
        st.page_link(
            nav.page("jobs"),
            label=f"Job {outcome} started: follow it on Jobs",
            icon=":material/play_circle:",
            query_params={"job": str(outcome)},
        )


def _confirm_box(data: PageData, built: form.BuiltCommand) -> widgets.LightItem:
    key = _confirm_key(data.page, built.run_count)
    item = light.LightField(
        key="ui.confirm_runs",
        kind="checkbox",
        label=f"Yes, start all {built.run_count} runs",
        value=st.session_state.get(key) is True,
        help=f"Sweeps of more than {data.settings.sweep_confirm_threshold} runs need a yes.",
    )
    return item, light.store(key)  # a checkbox sends a checked bool (light._checked)


def _no_change(_: object) -> None:
    """A status line sends nothing (light.py ignores a change of it: it is no control)."""


def _submit(settings: Settings, page: str, argv: tuple[str, ...]) -> None:
    """Start the argv that was displayed, if it is still the page's command and may run.

    Returns at once: a detached supervisor runs the job.
    """
    data = state.load(settings, page)
    built = service.command_of(settings, data.view)
    blocked = run_blocker(data, built, compose_panel.blocker(_check(data, built)))
    if built.argv != argv:
        blocked = "the command changed just before Run: check it and press Run again."
    if blocked:
        st.session_state[_job_key(page)] = f"Not started: {blocked}"
        return
    try:
        job = submit_job(settings, page, list(argv), data.view.active_values())
    except (JobRefused, JobStoreError) as exc:
        st.session_state[_job_key(page)] = f"Not started: {exc}"
        return
    st.session_state[_job_key(page)] = job
