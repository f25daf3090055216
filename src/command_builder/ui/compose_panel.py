"""The Hydra compose check of the current command: the one poller of a form page.

Composing through Hydra takes tens to hundreds of milliseconds the first time
for a command, so it runs in one background thread (Hydra's state is
process-global anyway) and a page run never waits for it: what depends on the
check (Run, its status line, the effect warnings, the Composed config) renders
at once when the result is known; otherwise one small fragment polls until every
check the page needs is done.

Once they are in, the fragment reruns the page, which renders the results
without the fragment, so polling stops (and the per-field warnings appear).
Not on a session's first run: a server-initiated rerun right after it can reach
the browser before the widgets of that first run are mounted, and a widget then
loses the value its key was seeded with; there the fragment renders the results
itself, and keeps polling, cheaply, until the next full run.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from threading import Condition, Lock

import streamlit as st

from ..commands.validate import ComposeResult, compose_check
from ..settings import Settings

POLL_EVERY_S = 0.25
MAX_REMEMBERED = 256
PENDING = "Checking the command with Hydra…"
RUNS_KEY = "compose_panel.page_runs"
YIELD_TO_PAGE_RUNS_S = 0.5
BROWSER_DRAWS_S = 0.1
FIRST_PAGE_DRAWS_S = 0.5  # a first page mounts the whole app: scripts, styles, components

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compose-check")
Key = tuple[
    str, str, tuple[str, ...], bool, str
]  # root, page, overrides, multirun, catalog version

_futures: OrderedDict[Key, Future[ComposeResult]] = OrderedDict()
_lock = Lock()


class _PageRuns:
    """How many page runs are in progress, so that checks can wait for none.

    A check started by a page run would take the CPU and the GIL from the rest of
    that run, whose elements the user is waiting to see (an edit: the new command
    and what follows it); on 2 cores it also competes with the browser, which draws
    those elements after the run has sent them. So a check begins once no page run is
    in progress and BROWSER_DRAWS_S have passed since the last one ended, or after
    YIELD_TO_PAGE_RUNS_S at most. Measured (benchmarks/page_switch.py --mode edit,
    --compare-config py:...BROWSER_DRAWS_S=0.1 against 0): an edit's visible p95
    0.69x, idle p95 0.75-0.81x; Run waits those 0.1 s longer for its check.
    """

    def __init__(self) -> None:
        self._count = 0
        self._finished = 0
        self._ended_at = 0.0
        self._first_ended_at = 0.0
        self._changed = Condition()

    @contextmanager
    def running(self) -> Iterator[None]:
        with self._changed:
            self._count += 1
        try:
            yield
        finally:
            with self._changed:
                self._count -= 1
                self._finished += 1
                self._ended_at = time.monotonic()
                if self._finished == 1:
                    self._first_ended_at = self._ended_at
                self._changed.notify_all()

    def wait_for_quiet(self) -> None:
        """Until no page run is in progress and none ended in the last BROWSER_DRAWS_S (the
        browser is still drawing what that run sent), at most YIELD_TO_PAGE_RUNS_S."""
        deadline = time.monotonic() + YIELD_TO_PAGE_RUNS_S
        with self._changed:
            while (now := time.monotonic()) < deadline:
                quiet_for = now - self._ended_at
                if self._count == 0 and quiet_for >= BROWSER_DRAWS_S:
                    return
                wake = deadline if self._count else min(deadline, now + BROWSER_DRAWS_S - quiet_for)
                self._changed.wait(wake - now)

    def wait_for_first(self, timeout_s: float) -> None:
        """Until a first page run has finished (the server's first visitor) and the browser
        has had FIRST_PAGE_DRAWS_S to mount it, at most `timeout_s` in all."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            if not self._changed.wait_for(lambda: self._finished > 0, timeout=timeout_s):
                return
            drawn_at = self._first_ended_at + FIRST_PAGE_DRAWS_S
        time.sleep(max(0.0, min(deadline, drawn_at) - time.monotonic()))


page_runs = _PageRuns()


def _check_after_page_runs(
    settings: Settings,
    page: str,
    overrides: tuple[str, ...],
    *,
    multirun: bool,
    version: str,
    first_page_s: float,
) -> ComposeResult:
    if first_page_s > 0:
        page_runs.wait_for_first(first_page_s)
    page_runs.wait_for_quiet()
    return compose_check(settings, page, overrides, multirun=multirun, version=version)


def start(
    settings: Settings,
    page: str,
    overrides: tuple[str, ...],
    *,
    multirun: bool,
    version: str,
    after_first_page_s: float = 0.0,
) -> Future[ComposeResult]:
    """The check of a command, started now if nobody asked for it before.

    The warm-up's checks wait for the first visitor's page run (at most
    `after_first_page_s`): that run is already slowed by cold caches, and Hydra's
    first composes are the heaviest work the server does."""
    key: Key = (str(settings.root), page, overrides, multirun, version)
    with _lock:
        future = _futures.get(key)
        if future is None:
            future = _executor.submit(
                _check_after_page_runs,
                settings,
                page,
                overrides,
                multirun=multirun,
                version=version,
                first_page_s=after_first_page_s,
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
    except Exception:  # noqa: BLE001 - shown by `show`; here it only blocks Run
        return "Hydra's check of this command failed to run."
    return None if result.ok else "Hydra does not compose this command (see below)."


def render(futures: Sequence[Future[ComposeResult]], then: Callable[[], None]) -> None:
    """`then` (what depends on the checks) now, and again when every check is done."""
    st.session_state[RUNS_KEY] = st.session_state.get(RUNS_KEY, 0) + 1
    if all(f.done() for f in futures):
        then()
    else:
        _pending(tuple(futures), then)


@st.fragment(run_every=POLL_EVERY_S)
def _pending(futures: tuple[Future[ComposeResult], ...], then: Callable[[], None]) -> None:
    """Polls until the checks are done, then reruns the page (see the module doc)."""
    if all(f.done() for f in futures) and st.session_state.get(RUNS_KEY, 0) > 1:
        st.rerun()
    then()


def known(future: Future[ComposeResult]) -> ComposeResult | None:
    """The check's result if it is done and ran (a crash is shown by `show`), else None."""
    if not future.done() or future.exception() is not None:
        return None
    return future.result()


def notes(future: Future[ComposeResult], *, form_ok: bool) -> list[tuple[str, str]]:
    """What Hydra said against the command, once known (Run's status line says it passed),
    as (tone, text) notes of that line: texts from Hydra and the overrides, shown as text.

    With form errors, keys still `???` are the empty fields Run's line already names."""
    if not future.done():
        return []
    try:
        result = future.result()
    except Exception as exc:  # noqa: BLE001 - a crash of the check is itself worth showing
        return [("error", f"Hydra check failed to run: {exc}")]
    if result.ok:
        if result.missing and form_ok:
            return [("warning", "Still unset (???) in the config: " + ", ".join(result.missing))]
        return []
    lines = (
        f"- {issue.override}: {issue.message}" if issue.override else f"- {issue.message}"
        for issue in result.issues
    )
    return [("error", "Hydra does not compose this command:\n" + "\n".join(lines))]
