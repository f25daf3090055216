"""The Hydra compose check of the current command: last on the page, shown when ready.

Composing through Hydra takes tens to hundreds of milliseconds the first time
for a command, so it runs in one background thread (Hydra's state is
process-global anyway) and its result is rendered last on the page: everything
above it is already on screen while the run waits for it (a result already
known costs nothing). A check slower than WAIT_S is shown by a small fragment
that polls until it is done: it never stops on its own, hence the long wait.

The fragment never reruns the whole page: a server-initiated rerun right after
a session's first run can reach the browser before the widgets of that first
run are mounted, and a widget then loses the value its key was seeded with.
"""

from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor, wait
from threading import Lock

import streamlit as st

from ..commands.validate import ComposeResult, compose_check
from ..settings import Settings

WAIT_S = 2.0
POLL_EVERY_S = 0.5
MAX_REMEMBERED = 256

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compose-check")
Key = tuple[
    str, str, tuple[str, ...], bool, str
]  # root, page, overrides, multirun, catalog version

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


def render(
    settings: Settings,
    page: str,
    overrides: tuple[str, ...],
    *,
    multirun: bool,
    version: str,
    form_ok: bool,
) -> None:
    """Show the compose result of `overrides` now if known, else as soon as it is.

    With form errors the overrides are incomplete, so a success says only that
    what is there composes (not that the command is ready to run).
    """
    future = start(settings, page, overrides, multirun=multirun, version=version)
    wait([future], timeout=WAIT_S)
    if future.done():
        _show(future, form_ok)
    else:
        _pending(future, form_ok)


@st.fragment(run_every=POLL_EVERY_S)
def _pending(future: Future[ComposeResult], form_ok: bool) -> None:
    """Polls until the check is done, and cheaply after that until the next full run drops it."""
    if future.done():
        _show(future, form_ok)
    else:
        st.caption("Checking the command with Hydra…")


def _show(future: Future[ComposeResult], form_ok: bool) -> None:
    try:
        result = future.result()
    except Exception as exc:  # noqa: BLE001 - a crash of the check is itself worth showing
        st.error(f"Hydra check failed to run: {exc}")
        return
    if result.ok:
        if form_ok:
            st.success("Hydra composes this command.", icon=":material/check_circle:")
        else:
            st.caption("Hydra composes the overrides so far; fix the form errors above to run it.")
        if result.missing:
            st.warning("Still unset (`???`) in the config: " + ", ".join(result.missing))
        return
    lines = "\n".join(
        f"- `{issue.override}`: {issue.message}" if issue.override else f"- {issue.message}"
        for issue in result.issues
    )
    st.error(f"Hydra does not compose this command:\n{lines}")
