"""Playwright fixtures: Chromium, a real app server on a private demo workspace, fresh pages.

Fixtures
- ``browser`` (session): headless /usr/bin/chromium; every browser test is skipped,
  with the reason, when Chromium or Playwright is missing.
- ``app_server`` (module): ``command-builder serve`` on a free 127.0.0.1 port with a
  fresh demo workspace (COMMAND_BUILDER_HOME in a temp folder); healthy and its
  first page rendered once before any test uses it. ``.url``, ``.workspace``,
  ``.home``, ``.log_tail()``.
- ``start_app`` (function): factory ``start_app(workspace=None, env=None) -> AppServer``
  for a test that needs its own server (own workspace, env such as timings);
  stopped at teardown.
- ``context`` / ``page`` (function): a fresh browser context (own session, cookies,
  downloads accepted) with ``base_url`` = the app, and a page in it.

Helpers (import them: ``from streamlit_harness import goto, wait_idle, switch, expect_rerun``):
``goto(page, "/test")`` opens a URL and waits for the first run to end;
``wait_idle(page)`` waits until the script state is ``notRunning``;
``switch(page, "Test")`` clicks the sidebar link and waits for its title + idle;
``with expect_rerun(page): <interaction>`` returns once the run it caused is over.

Every test in this folder is marked ``browser`` and ``slow``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit_harness import (
    CHROMIUM,
    WS_TRACE_INIT_JS,
    Server,
    goto,
    launch_chromium,
)
from streamlit_harness import (
    app_server as make_app_server,
)

from command_builder.settings import ensure_demo_workspace

VIEWPORT = {"width": 1400, "height": 1000}
DEFAULT_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@dataclass
class AppServer:
    """A started app server and the workspace it serves."""

    server: Server
    workspace: Path
    home: Path

    @property
    def url(self) -> str:
        return self.server.url

    def log_tail(self) -> str:
        return self.server.log_tail()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` "
            "(or `make chromium`) to run the browser tests"
        )
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[dev]'")
    # expect() has its own 5 s default, which a loaded machine exceeds: the same bound as
    # every other wait (a bound on waiting, not an assertion on time).
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    chromium = launch_chromium(playwright_instance)
    yield chromium
    chromium.close()


def _start(
    home: Path, workspace: Path | None, env: Mapping[str, str] | None, browser: Any
) -> AppServer:
    """Start serve on a demo copy (or `workspace`), wait healthy and for its first page."""
    home.mkdir(parents=True, exist_ok=True)
    workspace = workspace or ensure_demo_workspace(home)
    server = make_app_server(workspace, home, home, extra_env=env).start()
    try:
        server.wait_healthy(60)
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            goto(page, server.url, timeout_ms=30_000)
        finally:
            context.close()
    except BaseException:
        print(server.log_tail())
        server.stop()
        raise
    return AppServer(server, workspace, home)


@pytest.fixture(scope="module")
def app_server(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    home = tmp_path_factory.mktemp("app-home")
    app = _start(home, None, None, browser)
    yield app
    app.server.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def start_app(browser: Any, tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    started: list[AppServer] = []

    def start(workspace: Path | None = None, env: Mapping[str, str] | None = None) -> AppServer:
        app = _start(tmp_path / f"home{len(started)}", workspace, env, browser)
        started.append(app)
        return app

    yield start
    for app in started:
        app.server.stop()


@pytest.fixture
def context(browser: Any, app_server: AppServer) -> Iterator[Any]:
    ctx = browser.new_context(base_url=app_server.url, viewport=VIEWPORT, accept_downloads=True)
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    ctx.add_init_script(WS_TRACE_INIT_JS)  # for expect_rerun
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    yield context.new_page()
