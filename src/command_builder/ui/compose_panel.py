"""The Hydra compose check of the current command: last on the page, shown when ready.

Composing through Hydra takes tens to hundreds of milliseconds the first time
for a command, so it runs in one background thread (Hydra's state is
process-global anyway) and a page run never waits for it: a result already
known renders at once; otherwise a small fragment polls until it is done and
then renders it, together with whatever depends on it (the Run button: it is
enabled only once the check passed for the very command shown).

Once the result is in, the fragment reruns the page, which renders it without
the fragment, so polling stops. Not on a session's first run: a
server-initiated rerun right after it can reach the browser before the widgets
of that first run are mounted, and a widget then loses the value its key was
seeded with; there the fragment keeps polling, cheaply, until the next full run.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Lock

import streamlit as st

from ..commands.validate import ComposeResult, compose_check
from ..settings import Settings
from .text import bullets, md

POLL_EVERY_S = 0.25
MAX_REMEMBERED = 256
PENDING = "Waiting for Hydra's check of this command."
RUNS_KEY = "compose_panel.page_runs"

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compose-check")
Key = tuple[
    str, str, tuple[str, ...], bool, str
]  # root, page, overrides, multirun, catalog version
Then = Callable[[str | None], None]  # renders what follows the check; gets why Hydra blocks Run

_futures: OrderedDict[Key, Future[ComposeResult]] = OrderedDict()
_lock = Lock()


def start(
    settings: Settings, page: str, overrides: tuple[str, ...], *, multirun: bool, version: str
) -> Future[ComposeResult]:
    """The check of a command, started now if nobody asked for it before (warm-up uses it)."""
    key: Key = (str(settings.root), page, overrides, multirun, version)
    with _lock:
        future = _futures.get(key)
        if future is None:
            future = _executor.submit(
                compose_check, settings, page, overrides, multirun=multirun, version=version
            )
            _futures[key] = future
            while len(_futures) > MAX_REMEMBERED:
                _futures.popitem(last=False)
        else:
            _futures.move_to_end(key)
        return future


def blocker(future: Future[ComposeResult]) -> str | None:
    """Why Hydra's check does not (yet) let this command run; None once it passed."""
    if not future.done():
        return PENDING
    try:
        result = future.result()
    except Exception:  # noqa: BLE001 - shown by _show; here it only blocks Run
        return "Hydra's check of this command failed to run."
    return None if result.ok else "Hydra does not compose this command (see below)."


def render(future: Future[ComposeResult], *, form_ok: bool, then: Then) -> None:
    """`then` (the Run button) and the check's result: now if known, else as soon as it is.

    With form errors the overrides are incomplete, so a success says only that
    what is there composes (not that the command is ready to run).
    """
    st.session_state[RUNS_KEY] = st.session_state.get(RUNS_KEY, 0) + 1
    if future.done():
        _result(future, form_ok, then)
    else:
        _pending(future, form_ok, then)


@st.fragment(run_every=POLL_EVERY_S)
def _pending(future: Future[ComposeResult], form_ok: bool, then: Then) -> None:
    """Polls until the check is done, then reruns the page (see the module doc)."""
    if future.done():
        if st.session_state.get(RUNS_KEY, 0) > 1:
            st.rerun()
        _result(future, form_ok, then)
    else:
        then(PENDING)
        st.caption("Checking the command with Hydra…")


def _result(future: Future[ComposeResult], form_ok: bool, then: Then) -> None:
    then(blocker(future))
    _show(future, form_ok)


def _show(future: Future[ComposeResult], form_ok: bool) -> None:
    try:
        result = future.result()
    except Exception as exc:  # noqa: BLE001 - a crash of the check is itself worth showing
        st.error(f"Hydra check failed to run: {md(exc)}")
        return
    if result.ok:
        if form_ok:
            st.success("Hydra composes this command.", icon=":material/check_circle:")
        else:
            st.caption("Hydra composes the overrides so far; fix the form errors above to run it.")
        if result.missing:
            st.warning("Still unset (???) in the config: " + md(", ".join(result.missing)))
        return
    lines = bullets(
        f"{issue.override}: {issue.message}" if issue.override else issue.message
        for issue in result.issues
    )
    st.error(f"Hydra does not compose this command:\n{lines}")
