"""The workspace a session works on, and its shared caches as a page run sees them.

A page run must not touch the file system: it reads the page schemas, the
catalog and the checkpoint index as they are and, at most once a second,
asks a background thread to re-check them against the disk
(stale-while-revalidate). A change on disk therefore shows up on the next
interaction, and an idle app does no polling at all.
"""

from __future__ import annotations

import functools
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

_lock = threading.Lock()
_wake = threading.Event()
_worker: threading.Thread | None = None
_last_check: dict[str, float] = {}
_wanted: dict[str, Settings] = {}  # root -> settings to re-check
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
    try:
        return load_schema(settings, page)
    except SchemaError as exc:
        return exc


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
        if now - _last_check.get(key, -math.inf) < REVALIDATE_EVERY_S:
            return
        _last_check[key] = now
        _wanted[key] = settings
        global _worker
        if _worker is None:
            _worker = threading.Thread(target=_revalidate_forever, name="revalidate", daemon=True)
            _worker.start()
    _wake.set()


def _revalidate_forever() -> None:
    """Wait for a request, let the asking run finish, then check what was asked for."""
    while True:
        _wake.wait()
        time.sleep(SETTLE_S)
        _wake.clear()
        with _lock:
            wanted = list(_wanted.values())
            _wanted.clear()
        for settings in wanted:
            _revalidate(settings)


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
