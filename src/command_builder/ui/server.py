"""Start Streamlit in this process so the workspace caches are warm before a browser connects.

`streamlit run` in a subprocess would start cold: the first page would pay for
the catalog build, the checkpoint scan, the schema parse and the Hydra import.
Running Streamlit's bootstrap here lets a background thread fill the same
process-wide caches the pages read, while the first browser is still loading.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
from concurrent import futures
from pathlib import Path
from typing import Any

from ..settings import Settings

APP_ENTRY = Path(__file__).resolve().parent / "app.py"
WORKSPACE_ENV = "COMMAND_BUILDER_WORKSPACE"

WARM_WAITS_FOR_FIRST_PAGE_S = 5.0  # the first visitor's page run goes first (compose_panel)
FREEZE_AFTER_S = 60.0  # the warm-up's Hydra checks are done well before, even on a slow machine
_LOG = logging.getLogger(__name__)


def flag_options(host: str, port: int, settings: Settings) -> dict[str, Any]:
    """Streamlit config for the app (a .streamlit/config.toml is not read under bootstrap).

    - no file watcher: the catalog has its own fingerprint;
    - no garbage collection after every run: the app keeps its object graph
      small, and a full collection per run was most of the old app's switch time;
    - no magic: the pages never rely on it, so the script is not AST-rewritten;
    - XSRF protection on, CORS on: as flag options they win over any
      .streamlit/config.toml in the working folder (a test loads one that turns them off);
    - no host origins: the page takes no commands (rerun, stop, set query params) by
      postMessage from a page that embeds it, Streamlit Cloud's included. It also stops the
      browser checking every message Streamlit posts to itself against 16 origin patterns:
      about 12 ms of main-thread work per page switch in a CPU profile (README, Speed);
    - static serving of ui/static/, which holds only light.js: a page that did not run the
      copy its session's first run sent inline imports it from there (ui/light.py).
    """
    return {
        "server.address": host,
        "server.port": port,
        "server.headless": True,
        "server.fileWatcherType": "none",
        "server.runOnSave": False,
        "server.showEmailPrompt": False,
        "server.maxUploadSize": settings.upload_limit_mb,
        "server.enableXsrfProtection": True,
        "server.enableCORS": True,
        "server.enableStaticServing": True,
        "browser.gatherUsageStats": False,
        "client.toolbarMode": "minimal",
        "client.allowedOrigins": [],
        "runner.postScriptGC": False,
        "runner.magicEnabled": False,
    }


def warm_up(settings: Settings, host: str, port: int) -> None:
    """Once the server listens, fill the caches a first page run reads.

    Waiting for the socket lets Streamlit come up at full speed (both are CPU
    work under one GIL); the warm-up then overlaps with the browser loading
    Streamlit's JavaScript. A failure here shows on the first page instead.
    """
    try:
        _wait_listening("127.0.0.1" if host in ("", "0.0.0.0", "::") else host, port)
        futures.wait(_warm(settings), timeout=FREEZE_AFTER_S)
    except Exception:  # noqa: BLE001 - warm-up is an optimization, never fatal
        _LOG.warning("warm-up failed", exc_info=True)
    finally:
        _freeze()


def _freeze() -> None:
    """Move what is alive after the warm-up (imports, caches: ~100k objects) out of the
    collector's reach: the collections that Hydra's checks trigger in the background then
    scan what is new, not the whole server, while a page run waits for the GIL.

    The collector is off until then (serve): a first page run made 125 collections, 238 ms,
    of the start-up's new objects, which all stay alive anyway."""
    gc.collect()
    gc.freeze()
    gc.enable()


def _wait_listening(host: str, port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)


def _warm(settings: Settings) -> list[futures.Future[Any]]:
    """Fill the caches of every builder page; returns the Hydra checks it queued.

    A page's schema composes its config through Hydra for its defaults (0.2-0.4 s each)
    unless a previous start stored them (schema/stored_defaults.py): only the first page's
    is loaded before the first visitor's page run, which would otherwise wait for the GIL
    while the others compose."""
    from .. import form, pages
    from ..schema import SchemaError
    from . import compose_panel, context, form_page  # noqa: F401

    catalog = context.catalog(settings)
    checks = []
    for number, entry in enumerate(pages.builder_pages(settings)):
        if number == 1:  # the first page (`/`) is warm: its first run goes before the rest
            compose_panel.page_runs.wait_for_first(WARM_WAITS_FOR_FIRST_PAGE_S)
        page = entry.name
        try:
            schema = context.schema(settings, page)
        except SchemaError:
            continue  # the page shows the error
        uses_checkpoints = any(e.options_source == "checkpoints" for e in schema.elements)
        index = context.checkpoint_index(settings) if uses_checkpoints else None
        view = form.build_view(schema, catalog, index, form.initial_state(schema, catalog))
        overrides = view.overrides
        for check_overrides in (overrides, ()):  # the page's command and its base config
            checks.append(
                compose_panel.start(
                    settings,
                    page,
                    check_overrides,
                    multirun=False,
                    version=catalog.version,
                    after_first_page_s=WARM_WAITS_FOR_FIRST_PAGE_S,
                )
            )
    return checks


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the app on `host:port` until interrupted; warms the caches in a background thread."""
    from streamlit import config
    from streamlit.web import bootstrap

    os.environ[WORKSPACE_ENV] = str(settings.root)
    gc.disable()  # until the warm-up is done (_freeze): measured, the first page 0.44 s sooner
    threading.Thread(
        target=warm_up, args=(settings, host, port), name="command-builder-warm-up", daemon=True
    ).start()
    options = flag_options(host, port, settings)
    config._main_script_path = str(APP_ENTRY)  # what `streamlit run` sets before loading config
    bootstrap.load_config_options(flag_options=options)
    bootstrap.run(str(APP_ENTRY), False, [], options)
