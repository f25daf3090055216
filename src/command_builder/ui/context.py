"""The workspace a session works on, and its shared caches as a page run sees them.

A page run must not touch the file system: it reads the page schemas, the
catalog and the checkpoint index as they are and, at most once a second,
asks a background thread to re-check them against the disk
(stale-while-revalidate). The thread keeps re-checking every second for
WATCH_S after the last request, so a job's new checkpoints are in the caches
before the user switches pages; an app idle for longer does no polling at all.
A session's first run, and a run that finds the caches unchecked for SYNC_AFTER_S
(the thread had stopped watching), check synchronously first (`ensure_current`):
a first paint shows the workspace as it is on disk, never one interaction behind.

Nothing a workspace file can do stops the thread: any exception of a check is
logged and the loop goes on, so fixing the file is enough to recover.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
import time

from ..export import Submission, list_submissions
from ..pages import load_schema
from ..schema import PageSchema, SchemaError
from ..settings import Settings, resolve_workspace
from ..workspace import Catalog, CheckpointIndex, get_catalog, get_checkpoint_index, refresh_catalog
from ..workspace.runners import get_runners
from .server import WORKSPACE_ENV

REVALIDATE_EVERY_S = 1.0
SETTLE_S = 0.3  # the revalidation starts after the page run that asked for it has ended
WATCH_S = 60.0  # keep re-checking this long after the last page run asked
SYNC_AFTER_S = 5.0  # caches unchecked for longer: the page run checks before it paints

log = logging.getLogger(__name__)

_lock = threading.Lock()
_wake = threading.Event()
_worker: threading.Thread | None = None
_last_check: dict[str, float] = {}  # root -> when a page run last asked for a check
_watched: dict[str, tuple[Settings, float]] = {}  # root -> (settings, last asked)
_checked_at: dict[str, float] = {}  # root -> when its last check (background or not) ended
checks_done: dict[str, int] = {}  # root -> checks attempted, failed ones too (tests wait on it)
_submissions: dict[str, tuple[float, tuple[Submission, ...]]] = {}  # root -> (listed at, list)
_schemas: dict[tuple[str, str], PageSchema | SchemaError] = {}


def current_settings() -> Settings:
    """Settings of $COMMAND_BUILDER_WORKSPACE (set by `command-builder serve`), else the demo."""
    return _settings_for(os.environ.get(WORKSPACE_ENV))


@functools.lru_cache(maxsize=8)
def _settings_for(root: str | None) -> Settings:
    return resolve_workspace(root)


def catalog(settings: Settings) -> Catalog:
    """The cached catalog (built here only if warm-up has not built it yet)."""
    _revalidate_soon(settings)
    return get_catalog(settings, max_age_s=math.inf)


def checkpoint_index(settings: Settings) -> CheckpointIndex:
    """The cached checkpoint index (scanned here only if warm-up has not scanned it yet)."""
    _revalidate_soon(settings)
    return get_checkpoint_index(settings, max_age_s=math.inf)


def schema(settings: Settings, page: str) -> PageSchema:
    """The page's schema (SchemaError if broken); loaded here only the first time."""
    key = (str(settings.root), page)
    if key not in _schemas:
        _schemas[key] = _load_schema(settings, page)
    else:
        _revalidate_soon(settings)
    loaded = _schemas[key]
    if isinstance(loaded, SchemaError):
        raise loaded
    return loaded


def _load_schema(settings: Settings, page: str) -> PageSchema | SchemaError:
    """The schema, or why not: any failure of a workspace file is the page's SchemaError."""
    try:
        return load_schema(settings, page)
    except SchemaError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - e.g. RecursionError from a hostile file
        log.exception("loading the %s page schema failed", page)
        where = str(settings.schemas_dir / f"{page}.yaml")
        return SchemaError(where, None, None, f"cannot be read: {type(exc).__name__}: {exc}")


def submissions(settings: Settings, max_age_s: float = 2.0) -> tuple[Submission, ...]:
    """The workspace's submission files, newest first, listed again when older than `max_age_s`.

    Only the Predict page's export panel asks, and only once opened, so it pays
    for its own listing (a predict job that just finished must come first).
    """
    key = str(settings.root)
    listed = _submissions.get(key)
    if listed is None or time.monotonic() - listed[0] >= max_age_s:
        listed = _submissions[key] = (time.monotonic(), list_submissions(settings))
    return listed[1]


def _revalidate_soon(settings: Settings) -> None:
    """Ask the revalidation thread for a check, at most once a second per workspace.

    The page run only sets an event: starting a thread from inside the run cost
    the large workspace's server p95 up to 30 ms, as the new thread's stat pass
    competed with the run for the GIL.
    """
    key = str(settings.root)
    now = time.monotonic()
    with _lock:
        _watched[key] = (settings, now)
        if now - _last_check.get(key, -math.inf) < REVALIDATE_EVERY_S:
            return
        _last_check[key] = now
        global _worker
        if _worker is None:
            _worker = threading.Thread(target=_revalidate_forever, name="revalidate", daemon=True)
            _worker.start()
    _wake.set()


def ensure_current(settings: Settings, *, first_run: bool) -> None:
    """Check the caches against the disk now if this is a session's first run or they are
    older than SYNC_AFTER_S (nobody watched them): a first paint is never stale."""
    checked = _checked_at.get(str(settings.root), -math.inf)
    if first_run or time.monotonic() - checked > SYNC_AFTER_S:
        _check_logged(settings)


def _watching() -> list[Settings]:
    """The workspaces a page run asked about within WATCH_S (older requests are dropped)."""
    now = time.monotonic()
    with _lock:
        for key in [k for k, (_, asked) in _watched.items() if now - asked > WATCH_S]:
            del _watched[key]
        return [settings for settings, _ in _watched.values()]


def _revalidate_forever() -> None:
    """Check the watched workspaces every REVALIDATE_EVERY_S; sleep while none is watched."""
    while True:
        _wake.wait(timeout=REVALIDATE_EVERY_S if _watching() else None)
        time.sleep(SETTLE_S)  # let the run that asked finish first
        _wake.clear()
        for settings in _watching():
            _check_logged(settings)


def _check_logged(settings: Settings) -> None:
    """One check; whatever it raises is logged, never passed on (the loop must go on)."""
    try:
        _revalidate(settings)
    except Exception:  # noqa: BLE001 - a broken workspace file must not stop the app
        log.exception("re-checking the workspace %s failed; trying again later", settings.root)
    finally:
        _checked_at[str(settings.root)] = time.monotonic()
        checks_done[str(settings.root)] = checks_done.get(str(settings.root), 0) + 1


def _revalidate(settings: Settings) -> None:
    get_runners(settings, max_age_s=0.0)
    get_catalog(settings)
    get_checkpoint_index(settings)
    root = str(settings.root)
    for key in [k for k in _schemas if k[0] == root]:
        _schemas[key] = _load_schema(settings, key[1])


def refresh_workspace(settings: Settings) -> None:
    """Rebuild the catalog and rescan checkpoints now (the sidebar's Refresh button)."""
    refresh_catalog(settings)
    get_runners(settings, max_age_s=0.0)
    get_checkpoint_index(settings).refresh(force=True)
    root = str(settings.root)
    _submissions.pop(root, None)
    for key in [k for k in _schemas if k[0] == root]:
        del _schemas[key]
