"""The Hydra compose check of the current command, shown when ready, never awaited by a page run.

Composing through Hydra takes tens to hundreds of milliseconds the first time
for a command, so it runs in one background thread (Hydra's state is
process-global anyway). A page run shows a finished result at once; otherwise
it shows a small fragment that polls until the result is there, then reruns
the page once so the polling stops.
"""

from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Lock

import streamlit as st

from ..commands.validate import ComposeResult, compose_check
from ..settings import Settings

POLL_EVERY_S = 0.25
MAX_REMEMBERED = 256

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compose-check")
_futures: OrderedDict[tuple[object, ...], Future[ComposeResult]] = OrderedDict()
_lock = Lock()

Key = tuple[str, str, tuple[str, ...], bool, str]


def start(
    settings: Settings, page: str, overrides: tuple[str, ...], *, multirun: bool, version: str
) -> Future[ComposeResult]:
    """The check of a command, started now if nobody asked for it before (warm-up uses it)."""
    return _future(settings, (str(settings.root), page, overrides, multirun, version))


def _future(settings: Settings, key: Key) -> Future[ComposeResult]:
    with _lock:
        future = _futures.get(key)
        if future is None:
            _, page, overrides, multirun, version = key
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
    settings: Settings, page: str, overrides: tuple[str, ...], *, multirun: bool, version: str
) -> None:
    """Show the compose result of `overrides` now if known, else as soon as it is."""
    future = start(settings, page, overrides, multirun=multirun, version=version)
    if future.done():
        _show(future)
    else:
        _pending(settings, (str(settings.root), page, overrides, multirun, version))


@st.fragment(run_every=POLL_EVERY_S)
def _pending(settings: Settings, key: Key) -> None:
    if _future(settings, key).done():
        st.rerun()  # the full run shows the result and drops this polling fragment
    st.caption("Checking the command with Hydra…")


def _show(future: Future[ComposeResult]) -> None:
    try:
        result = future.result()
    except Exception as exc:  # noqa: BLE001 - a crash of the check is itself worth showing
        st.error(f"Hydra check failed to run: {exc}")
        return
    if result.ok:
        st.success("Hydra composes this command.", icon=":material/check_circle:")
        if result.missing:
            st.warning("Still unset (`???`) in the config: " + ", ".join(result.missing))
        return
    lines = "\n".join(
        f"- `{issue.override}`: {issue.message}" if issue.override else f"- {issue.message}"
        for issue in result.issues
    )
    st.error(f"Hydra does not compose this command:\n{lines}")
