"""Server-side timing of each script run, for benchmarks/page_switch.py.

Off unless the environment asks for it, and then nearly free when off: the
variables are read once at import, and `script_run()` returns a shared no-op
object. No Streamlit import, so it can be tested and reused anywhere.

Environment:
- ``COMMAND_BUILDER_TIMINGS=<file>``: append one JSON line per script run:
  ``{"t": epoch_s, "pid": int, "page": str, "run_ms": float, "cpu_ms": float, "gc_ms": float,
  "gc_collections": int, "objects": int (optional), "exc": str (optional)}``.
  ``run_ms`` is the wall time of the block, ``cpu_ms`` the script thread's own CPU
  time in it (``run_ms - cpu_ms`` = waiting: for the GIL held by other threads of
  the server, or for a CPU on a busy machine); ``gc_ms``/``gc_collections`` the
  garbage collection time since the previous line was written, which includes
  Streamlit's full ``gc.collect()`` after the previous run (it happens after
  the script returns, outside any block the app can wrap).
- ``COMMAND_BUILDER_TIMINGS_OBJECTS=1``: also record ``len(gc.get_objects())`` on
  every run. It is counted after ``run_ms`` is taken, but it still delays the
  end of the run as the browser sees it (several ms for 100k objects), so the
  benchmark instead creates ``<file>.objects`` after its measured rounds: while
  that file exists, runs record the count too.

Usage in ``ui/app.py`` (wrap the whole run, name the page once it is known):

    from command_builder.ui import timing

    with timing.script_run() as run:
        ...                                  # set_page_config, settings, sidebar
        page = st.navigation(pages)
        run.page = page.url_path or page.title
        page.run()

Streamlit's RerunException/StopException (st.rerun, st.switch_page) pass
through; the line is still written, with ``"exc"`` set to the exception's name.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from types import TracebackType
from typing import TextIO

TIMINGS_ENV = "COMMAND_BUILDER_TIMINGS"
OBJECTS_ENV = "COMMAND_BUILDER_TIMINGS_OBJECTS"

_PATH = os.environ.get(TIMINGS_ENV) or None
_COUNT_OBJECTS = os.environ.get(OBJECTS_ENV) == "1"
_OBJECTS_TRIGGER = f"{_PATH}.objects"
_lock = threading.Lock()
_gc_ns = 0  # GC time accumulated since the last written line
_gc_count = 0
_gc_started: dict[int, int] = {}  # thread id -> perf_counter_ns at GC start


def enabled() -> bool:
    return _PATH is not None


class _NullRun:
    """What `script_run()` returns when timing is off: accepts `.page`, does nothing."""

    __slots__ = ("page",)

    def __init__(self) -> None:
        self.page = ""

    def __enter__(self) -> _NullRun:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class _TimedRun:
    """One script run being timed; writes its line on exit."""

    __slots__ = ("page", "_start", "_cpu_start")

    def __init__(self) -> None:
        self.page = ""
        self._start = 0
        self._cpu_start = 0

    def __enter__(self) -> _TimedRun:
        self._cpu_start = time.thread_time_ns()
        self._start = time.perf_counter_ns()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        run_ms = (time.perf_counter_ns() - self._start) / 1e6
        cpu_ms = (time.thread_time_ns() - self._cpu_start) / 1e6
        record: dict[str, object] = {
            "t": round(time.time(), 4),
            "pid": os.getpid(),
            "page": self.page,
            "run_ms": round(run_ms, 3),
            "cpu_ms": round(cpu_ms, 3),
        }
        if exc_type is not None:
            record["exc"] = exc_type.__name__
        if _COUNT_OBJECTS or os.path.exists(_OBJECTS_TRIGGER):
            record["objects"] = len(gc.get_objects())
        _write(record)


_NULL = _NullRun()


def script_run() -> _NullRun | _TimedRun:
    """Context manager around one script run; set ``.page`` inside it."""
    if _PATH is None:
        _NULL.page = ""
        return _NULL
    return _TimedRun()


def _write(record: dict[str, object]) -> None:
    global _gc_ns, _gc_count
    assert _PATH is not None
    with _lock:
        record["gc_ms"] = round(_gc_ns / 1e6, 3)
        record["gc_collections"] = _gc_count
        _gc_ns = 0
        _gc_count = 0
        out = _output()
        out.write(json.dumps(record) + "\n")
        out.flush()  # one write(2) per run; readers see whole lines


_out: TextIO | None = None


def _output() -> TextIO:
    """The timings file, opened once (append mode) instead of once per run."""
    global _out
    if _out is None:
        assert _PATH is not None
        _out = open(_PATH, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return _out


def _on_gc(phase: str, info: dict[str, int]) -> None:
    """gc.callbacks hook: sum the time spent in collections (any thread)."""
    global _gc_ns, _gc_count
    ident = threading.get_ident()
    if phase == "start":
        _gc_started[ident] = time.perf_counter_ns()
    else:
        started = _gc_started.pop(ident, None)
        if started is not None:
            _gc_ns += time.perf_counter_ns() - started
            _gc_count += 1


if _PATH is not None and _on_gc not in gc.callbacks:
    gc.callbacks.append(_on_gc)
