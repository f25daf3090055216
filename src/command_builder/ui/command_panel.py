"""The command of a form page: live, copyable, editable, checked, runnable.

The command is rebuilt from the cached view on every run (no Generate button).
Editing it is behind a toggle: the edited text is parsed back into the form
(form.state_from_command); a text that does not parse stays as typed with the
reason, until the user fixes it or changes the form. The Hydra compose check
renders last, in the background (compose_panel).
"""

from __future__ import annotations

import streamlit as st

from .. import form
from ..commands.command_line import CommandParseError
from ..jobs import JobRefused, JobStoreError, submit_job
from ..settings import Settings
from . import compose_panel, config_view, nav, state
from .state import PageData


def _text_key(page: str) -> str:
    return f"{page}.ui.command_text"


def _error_key(page: str) -> str:
    return f"{page}.ui.command_error"


def render(data: PageData) -> None:
    """Command, errors, editor, Run, then the compose check (last: it may still be running)."""
    built = form.command_of(data.settings, data.view)
    st.subheader("Command")
    st.code(built.command, language="bash", wrap_lines=True)
    if built.multirun:
        st.caption(f"Hydra multirun: this command makes **{built.run_count}** runs.")
    if built.errors:
        st.error("\n".join(f"- {message}" for message in built.errors))
    if st.toggle("Edit the command", key=f"{data.page}.ui.edit", persist_state="session"):
        _editor(data, built.command)
    _run(data, built)
    checked = (data.settings, data.page, built.overrides)
    version = data.catalog.version
    config_view.render_run_warnings(*checked, multirun=built.multirun, version=version)
    compose_panel.render(
        data.settings,
        data.page,
        built.overrides,
        multirun=built.multirun,
        version=data.catalog.version,
        form_ok=not built.errors,
    )
    config_view.render(*checked, multirun=built.multirun, version=version)


def _editor(data: PageData, command: str) -> None:
    failed = st.session_state.get(_error_key(data.page))
    if failed is not None and failed[0] is data.state:
        st.error(f"Cannot read this command: {failed[1]}")
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
        new = form.state_from_command(settings, page, text)
    except CommandParseError as exc:
        st.session_state[_error_key(page)] = (st.session_state[state.state_key(page)], str(exc))
        return
    st.session_state.pop(_error_key(page), None)
    state.replace(page, new)


def _run(data: PageData, built: form.BuiltCommand) -> None:
    """Run, gated by errors and, above the sweep threshold, by an explicit yes."""
    job_key = f"{data.page}.ui.last_job"
    confirmed = not built.needs_confirmation or st.checkbox(
        f"Yes, start all {built.run_count} runs",
        key=f"{data.page}.ui.confirm_runs.{built.run_count}",
        help=f"Sweeps of more than {data.settings.sweep_confirm_threshold} runs need a yes.",
    )
    st.button(
        "Run",
        type="primary",
        disabled=bool(built.errors) or not confirmed,
        key=f"{data.page}.ui.run",
        help="Start this command as a background job."
        if not built.errors
        else "Fix the errors above first.",
        on_click=_submit,
        args=(data.settings, data.page, built.argv, data.view.active_values()),
    )
    outcome = st.session_state.get(job_key)
    if isinstance(outcome, int):
        st.page_link(
            nav.page("jobs"),
            label=f"Job {outcome} started: follow it on Jobs",
            icon=":material/play_circle:",
            query_params={"job": str(outcome)},
        )
    elif outcome:
        st.error(outcome)


def _submit(
    settings: Settings, page: str, argv: tuple[str, ...], values: dict[str, object]
) -> None:
    """Record and start the job (returns at once: a detached supervisor runs it)."""
    try:
        st.session_state[f"{page}.ui.last_job"] = submit_job(settings, page, list(argv), values)
    except (JobRefused, JobStoreError) as exc:
        st.session_state[f"{page}.ui.last_job"] = f"Not started: {exc}"
