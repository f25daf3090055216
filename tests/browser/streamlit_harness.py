"""Servers, Chromium and in-page JS shared by tests/browser and benchmarks/page_switch.py.

One module so the browser tests and the benchmark agree on what "visible" and
"idle" mean. Nothing here imports Streamlit or Playwright at import time:
the benchmark and the fixtures import it cheaply and skip cleanly without them.

Idle signal: Streamlit's root element ``[data-testid="stApp"]`` carries
``data-test-script-state`` (``initial``, ``running``, ``rerunRequested``,
``stopRequested``, ``notRunning``, ``compilationError``), set from the app's
``scriptRunState`` (Streamlit's own e2e helper ``wait_for_app_run`` waits on
``[data-testid='stApp'][data-test-script-state='notRunning']``). After a nav click
it leaves ``notRunning`` and comes back when the server reports the script run
finished. For a fast run React may batch "running" and "finished" into one
commit, so the attribute never visibly changes; the server always sends
"running" before the run's first element, so once the target page's content
(which only the new run can render) is on screen, ``notRunning`` means the run
is over. "idle" = after the click, (attribute changed or target shown) and
state is ``notRunning``. The status widget is not used: it appears only after
a delay and fades out with an animation.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("COMMAND_BUILDER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
# Same Streamlit flags as `command-builder serve`, so the floor is served alike.
STREAMLIT_FLAGS: tuple[str, ...] = (
    "--server.headless",
    "true",
    "--server.fileWatcherType",
    "none",
    "--browser.gatherUsageStats",
    "false",
    "--client.toolbarMode",
    "minimal",
)
FLOOR_APP = REPO / "benchmarks" / "floor_app.py"


# A field's label as drawn: Streamlit's widget label, or a light field's (ui/light.py `fields`).
FIELD_LABEL = '[data-testid="stWidgetLabel"], .cb-fields label'
COMMAND = '.st-key-command_block [data-testid="stText"]'  # a form page's command (command_panel)


@dataclass(frozen=True)
class PageSpec:
    """A page as the browser sees it: nav label, URL path and what proves it is shown.

    ``marker`` is the text of the page's first field label (None: the title alone);
    ``marker_selector`` the CSS selector of the elements whose text is compared.
    """

    title: str
    url_path: str
    marker: str | None = None
    marker_selector: str = FIELD_LABEL

    def js(self) -> dict[str, Any]:
        return {"title": self.title, "marker": self.marker, "markerSelector": self.marker_selector}


APP_PAGES: dict[str, PageSpec] = {
    "Train": PageSpec("Train", "train", "Experiment name"),
    "Test": PageSpec("Test", "test", "Checkpoint"),
    "Predict": PageSpec("Predict", "predict", "Checkpoint"),
    "Jobs": PageSpec("Jobs", "jobs"),
}
FLOOR_PAGES: dict[str, PageSpec] = {
    name: PageSpec(name, name.lower()) for name in ("Train", "Test", "Predict")
}

# --------------------------------------------------------------------------- in-page JS
# Shared helpers, prepended to every snippet. `shown(spec)`: the page's h1 with
# the exact title and (if any) its marker label, both rendered, both in
# element containers of the current run (not `data-stale="true"`).
_JS_HELPERS = r"""
const SB = {
  app() { return document.querySelector('[data-testid="stApp"]'); },
  state() { const a = SB.app(); return a ? a.getAttribute('data-test-script-state') : null; },
  // Cheap checks first (text, data-stale: no layout); checkVisibility (forces a
  // style/layout pass) only once a candidate exists, so the observer does not add
  // layout passes to every React commit it watches.
  current(el) {
    if (!el || !el.isConnected) return false;
    const box = el.closest('[data-testid="stElementContainer"]');
    return !(box && box.getAttribute('data-stale') === 'true');
  },
  rendered(el) {
    return el.checkVisibility ? el.checkVisibility({opacityProperty: true, visibilityProperty: true})
                              : el.getClientRects().length > 0;
  },
  candidates(selector, text) {
    const main = document.querySelector('[data-testid="stMain"]') || document;
    const out = [];
    for (const el of main.querySelectorAll(selector)) {
      if (el.textContent.trim() === text && SB.current(el)) out.push(el);
    }
    return out;
  },
  findText(selector, text) {
    return SB.candidates(selector, text).find(SB.rendered) || null;
  },
  shown(spec) {
    const titles = SB.candidates('h1', spec.title);
    if (!titles.length) return false;
    const markers = spec.marker ? SB.candidates(spec.markerSelector, spec.marker) : [];
    if (spec.marker && !markers.length) return false;
    return titles.some(SB.rendered) && (!spec.marker || markers.some(SB.rendered));
  },
  navLink(title) {
    for (const a of document.querySelectorAll('[data-testid="stSidebarNavLink"]')) {
      if (a.textContent.trim() === title) return a;
    }
    return null;
  },
};
"""


def _with_helpers(fn: str) -> str:
    """One function expression: defines SB, then applies `fn` to Playwright's argument."""
    return f"(arg) => {{ {_JS_HELPERS} return ({fn.strip()})(arg); }}"


# Click the nav link of spec.title inside the page and time, with
# performance.now(), until the target page is shown ("visible") and the script
# state is back to notRunning after having left it ("idle"). Resolves with
# {visible, idle} in ms, or {error, ...partial} after timeoutMs.
SWITCH_JS = _with_helpers(r"""
async ({spec, timeoutMs}) => {
  const link = SB.navLink(spec.title);
  if (!link) return {error: `no sidebar nav link "${spec.title}"`};
  const app = SB.app();
  // A fragment or a follow-up run may still be going: start from an idle app.
  const deadline = performance.now() + timeoutMs;
  while (SB.state() !== 'notRunning') {
    if (performance.now() > deadline) return {error: `script state stays ${SB.state()} before the click`};
    await new Promise((r) => setTimeout(r, 5));
  }
  return await new Promise((resolve) => {
    let visible = null, idle = null, left = false, sawRunning = false;
    let obs = null, timer = null;
    const t0 = performance.now();
    const done = (result) => { obs.disconnect(); clearTimeout(timer); resolve(result); };
    const check = (records) => {
      const now = performance.now();
      for (const r of records || []) {
        if (r.target === app && r.attributeName === 'data-test-script-state') left = true;
      }
      if (visible === null && SB.shown(spec)) visible = now - t0;
      // The run has begun once the state attribute moved or the target's content
      // (which only the new run can render) is on screen; it is over when the
      // state reads notRunning again.
      if (idle === null && (left || visible !== null) && SB.state() === 'notRunning') {
        idle = now - t0;
        sawRunning = left;
      }
      if (visible !== null && idle !== null) {
        const result = {visible, idle, sawRunning};
        if (window.__sbWs) {  // WS_TRACE_INIT_JS installed: split server vs frontend
          const msgs = window.__sbWs.filter((t) => t >= t0 && t <= t0 + idle);
          result.messages = msgs.length;
          if (msgs.length) {
            result.firstMessage = msgs[0] - t0;
            result.lastMessage = msgs[msgs.length - 1] - t0;
          }
        }
        done(result);
      }
    };
    obs = new MutationObserver(check);
    obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    timer = setTimeout(() => done({error: 'timeout', visible, idle, state: SB.state(), left}), timeoutMs);
    link.click();
    check([]);
  });
}
""")


@dataclass(frozen=True)
class EditSpec:
    """A field edit as the browser sees it: the text input's label, and where its value shows.

    "visible" = an element matching ``shown_selector`` in the main area (of the current
    run) contains the new value; for the app that is the command block (an st.text), for the floor
    an ``st.code`` echoing the input.
    """

    label: str
    shown_selector: str = f'[data-testid="stCode"], {COMMAND}'

    def js(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "shownSelector": self.shown_selector,
            "fieldLabel": FIELD_LABEL,
        }


# Settle first (the app idle for settleMs in a row, so a background follow-up run of the
# previous edit cannot land inside this one), then set the text input's value the way
# React sees typing, blur it (Streamlit commits a text input on blur) and time with
# performance.now() until the new value shows in the target element ("visible") and
# the script state is back to notRunning ("idle"). Resolves like SWITCH_JS.
EDIT_JS = _with_helpers(r"""
async ({spec, value, timeoutMs, settleMs}) => {
  const app = SB.app();
  const deadline = performance.now() + timeoutMs;
  let quietSince = performance.now();
  while (performance.now() - quietSince < settleMs) {
    if (performance.now() > deadline) return {error: `script state stays ${SB.state()} before the edit`};
    if (SB.state() !== 'notRunning') quietSince = performance.now();
    await new Promise((r) => setTimeout(r, 5));
  }
  // Looked up once settled: a follow-up run may have replaced the input meanwhile.
  const label = SB.candidates(spec.fieldLabel, spec.label)[0];
  const box = label && label.closest('[data-testid="stTextInput"]');  // Streamlit's text input
  const input = label && (label.control || (box && box.querySelector('input')));
  if (!input) return {error: `no text input labelled "${spec.label}"`};
  const showsValue = () => {
    const main = document.querySelector('[data-testid="stMain"]') || document;
    for (const el of main.querySelectorAll(spec.shownSelector)) {
      if (el.textContent.includes(value) && SB.current(el) && SB.rendered(el)) return true;
    }
    return false;
  };
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  input.focus();
  return await new Promise((resolve) => {
    let visible = null, idle = null, left = false, t0 = 0;
    let obs = null, timer = null;
    const done = (result) => { obs.disconnect(); clearTimeout(timer); resolve(result); };
    const check = (records) => {
      const now = performance.now();
      for (const r of records || []) {
        if (r.target === app && r.attributeName === 'data-test-script-state') left = true;
      }
      if (visible === null && showsValue()) visible = now - t0;
      if (idle === null && (left || visible !== null) && SB.state() === 'notRunning') idle = now - t0;
      if (visible !== null && idle !== null) done({visible, idle, sawRunning: left});
    };
    obs = new MutationObserver(check);
    obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    timer = setTimeout(() => done({error: 'timeout', visible, idle, state: SB.state(), left}), timeoutMs);
    t0 = performance.now();
    setValue.call(input, value);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.blur();
    check([]);
  });
}
""")


def edit(
    page: Any, spec: EditSpec, value: str, timeout_ms: float = 15_000, settle_ms: float = 300
) -> dict[str, Any]:
    """Type `value` into the text input of `spec` and blur it; return {"visible", "idle"} in ms
    measured in the page (raises TimeoutError when the value never shows)."""
    args = {"spec": spec.js(), "value": value, "timeoutMs": timeout_ms, "settleMs": settle_ms}
    result = page.evaluate(EDIT_JS, args)
    if "error" in result:
        raise_shown_exception(page)
        raise TimeoutError(f"edit of {spec.label!r} to {value!r}: {result}")
    return result


# Optional (context.add_init_script): timestamps of every WebSocket message the
# page receives, so a switch can be split into "server until last message" and
# "frontend after it". A listener added in the constructor runs before Streamlit's.
WS_TRACE_INIT_JS = r"""
(() => {
  const Native = window.WebSocket;
  window.__sbWs = [];
  window.__sbWsCount = 0;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const log = window.__sbWs;
        log.push(performance.now());
        if (log.length > 4000) log.splice(0, 2000);
        window.__sbWsCount += 1;
        window.dispatchEvent(new Event('sb-ws-message'));
      });
    }
  };
})();
"""

# Arm a watcher before an interaction; `window.__sbRerun` resolves when the rerun it
# causes is over: the state attribute left notRunning and came back ("state"), or,
# when React batched that away, server messages arrived and then 150 ms passed with
# notRunning and no further message ("messages"; needs WS_TRACE_INIT_JS).
ARM_RERUN_JS = _with_helpers(r"""
() => {
  const c0 = window.__sbWsCount || 0;
  const t0 = performance.now();
  window.__sbRerun = new Promise((resolve) => {
    let left = false, quiet = null;
    const finish = (via) => {
      obs.disconnect(); window.removeEventListener('sb-ws-message', check); clearTimeout(quiet);
      resolve({via, ms: performance.now() - t0});
    };
    const check = () => {
      if (SB.state() !== 'notRunning') { left = true; clearTimeout(quiet); return; }
      if (left) { finish('state'); return; }
      if ((window.__sbWsCount || 0) > c0) {
        clearTimeout(quiet);
        quiet = setTimeout(() => { if (SB.state() === 'notRunning') finish('messages'); }, 150);
      }
    };
    const obs = new MutationObserver(check);
    obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    window.addEventListener('sb-ws-message', check);
  });
  return true;
}
""")
AWAIT_RERUN_JS = """
(timeoutMs) => Promise.race([
  window.__sbRerun,
  new Promise((resolve) => setTimeout(() => resolve({timeout: true}), timeoutMs)),
])
"""

# Wait until spec is shown; resolve with the epoch ms (timeOrigin + now) at which it was.
WAIT_SHOWN_JS = _with_helpers(r"""
async ({spec, timeoutMs}) => {
  const stamp = () => performance.timeOrigin + performance.now();
  if (SB.shown(spec)) return {at: stamp()};
  return await new Promise((resolve) => {
    let obs = null;
    const timer = setTimeout(() => { obs.disconnect(); resolve({error: 'timeout'}); }, timeoutMs);
    obs = new MutationObserver(() => {
      if (SB.shown(spec)) { const at = stamp(); obs.disconnect(); clearTimeout(timer); resolve({at}); }
    });
    obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  });
}
""")

# True when the app is connected and no script run is in flight.
IDLE_JS = _with_helpers("() => SB.state() === 'notRunning'")
# True when spec is shown (title + marker); used to probe whether a marker exists.
SHOWN_JS = _with_helpers("(spec) => SB.shown(spec)")
HAS_TEXT_JS = _with_helpers("({selector, text}) => !!SB.findText(selector, text)")
STATE_JS = _with_helpers("() => SB.state()")
# First run over: not running, a title (or an exception) in the main area, and no
# skeleton left (widget code is lazy-loaded on a fresh page: labels and inputs appear
# ~0.3 s after the run; Streamlit's own e2e helper waits for the same two signals).
READY_JS = _with_helpers(
    "() => SB.state() === 'notRunning' && !!document.querySelector("
    '\'[data-testid="stMain"] h1, [data-testid="stMain"] [data-testid="stException"]\')'
    " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
)
# Text of the exceptions shown in the main area ('' when none).
EXCEPTIONS_JS = (
    '() => [...document.querySelectorAll(\'[data-testid="stMain"] [data-testid="stException"]\')]'
    ".map(e => e.innerText).join('\\n---\\n')"
)


# --------------------------------------------------------------------------- page helpers
def wait_idle(page: Any, timeout_ms: float = 15_000) -> None:
    """Block until the app's script state is `notRunning` (Playwright `page`)."""
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)


@contextlib.contextmanager
def expect_rerun(page: Any, timeout_ms: float = 15_000) -> Iterator[None]:
    """Wrap an interaction that triggers a script run; return once that run is over.

        with expect_rerun(page):
            page.get_by_label("Experiment name").fill("x")
            page.keyboard.press("Tab")

    `wait_idle` right after an interaction can return before the rerun even started;
    this arms an in-page watcher first. Needs the `context` fixture (it installs
    WS_TRACE_INIT_JS) or `context.add_init_script(WS_TRACE_INIT_JS)`.
    """
    page.evaluate(ARM_RERUN_JS)
    yield
    result = page.evaluate(AWAIT_RERUN_JS, timeout_ms)
    if result.get("timeout"):
        raise_shown_exception(page)
        raise TimeoutError(f"no script run finished within {timeout_ms} ms after the interaction")


def wait_shown(page: Any, spec: PageSpec, timeout_ms: float = 15_000) -> None:
    """Block until spec's title (and marker, if any) is on screen in a fresh element."""
    page.wait_for_function(SHOWN_JS, arg=spec.js(), timeout=timeout_ms)


def goto(
    page: Any, path: str = "/", *, base_url: str | None = None, timeout_ms: float = 20_000
) -> None:
    """Open `path` (relative to `base_url`, else to the context's base_url) and wait
    until the first script run is over and a title is on screen."""
    url = base_url.rstrip("/") + "/" + path.lstrip("/") if base_url else path
    page.goto(url, timeout=timeout_ms)
    page.wait_for_function(READY_JS, timeout=timeout_ms)
    raise_shown_exception(page)


def raise_shown_exception(page: Any) -> None:
    """Fail loudly when the app shows a Python exception instead of a page."""
    shown = page.evaluate(EXCEPTIONS_JS)
    if shown:
        raise AssertionError(f"the app shows an exception at {page.url}:\n{shown}")


def switch(page: Any, target: PageSpec | str, timeout_ms: float = 15_000) -> dict[str, Any]:
    """Click the sidebar link of `target` (a spec, or a title: then the h1 alone proves it)
    and wait until it is shown and idle; return {"visible": ms, "idle": ms, "sawRunning": bool}
    measured in the page."""
    spec = target if isinstance(target, PageSpec) else PageSpec(target, target.lower())
    result = page.evaluate(SWITCH_JS, {"spec": spec.js(), "timeoutMs": timeout_ms})
    if "error" in result:
        raise_shown_exception(page)
        raise TimeoutError(f"switch to {spec.title}: {result}")
    return result


def launch_chromium(playwright: Any, **kwargs: Any) -> Any:
    """Headless Debian Chromium with the flags that keep it quiet and deterministic."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS), **kwargs
    )


# --------------------------------------------------------------------------- servers
def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def health_ok(base_url: str, timeout_s: float = 0.5) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/_stcore/health", timeout=timeout_s) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Server:
    """A Streamlit server in its own process group; `stop()` ends the whole group."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    cwd: Path = REPO
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0  # time.time() just before spawning
    _log: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.started_at = time.time()
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def wait_healthy(self, timeout_s: float = 30.0) -> None:
        """Poll /_stcore/health; raise with the server's log tail if it dies or times out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} server exited ({self.process.returncode}):\n{self.log_tail()}"
                )
            if health_ok(self.url):
                return
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} server not healthy after {timeout_s}s:\n{self.log_tail()}")

    def log_tail(self, max_bytes: int = 4000) -> str:
        try:
            return self.log_path.read_bytes()[-max_bytes:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, grace_s: float = 5.0) -> None:
        """SIGTERM the process group, SIGKILL after `grace_s`; idempotent."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=grace_s)
        if self._log is not None:
            self._log.close()
            self._log = None


def bin_path(name: str) -> str:
    """An executable of the running venv (command-builder, streamlit)."""
    return str(Path(sys.executable).parent / name)


def app_server(
    workspace: Path,
    home: Path,
    log_dir: Path,
    *,
    port: int | None = None,
    extra_env: Mapping[str, str] | None = None,
    name: str = "app",
) -> Server:
    """`command-builder serve` on the given workspace (not started)."""
    port = port or free_port()
    env = _clean_env(home, extra_env)
    argv = [
        bin_path("command-builder"),
        "serve",
        "--workspace",
        str(workspace),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return Server(name, argv, env, port, log_dir / f"{name}-{port}.log")


def floor_server(
    home: Path,
    log_dir: Path,
    *,
    port: int | None = None,
    extra_env: Mapping[str, str] | None = None,
    name: str = "floor",
    script: Path | str = FLOOR_APP,
) -> Server:
    """`streamlit run benchmarks/floor_app.py` (or another bare `script`) with the same
    flags as serve had before it went in-process (not started)."""
    port = port or free_port()
    env = _clean_env(home, extra_env)
    path, _, script_arg = str(script).partition("::")  # "PATH::ARG": ARG goes to the script
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        path,
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        *STREAMLIT_FLAGS,
    ]
    if script_arg:
        argv += ["--", script_arg]
    return Server(name, argv, env, port, log_dir / f"{name}-{port}.log")


def _clean_env(home: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    """Environment of a server: private COMMAND_BUILDER_HOME, no inherited workspace/timing vars."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("COMMAND_BUILDER_", "STREAMLIT_"))
    }
    env["COMMAND_BUILDER_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@contextlib.contextmanager
def running(servers: Sequence[Server], timeout_s: float = 60.0) -> Iterator[Sequence[Server]]:
    """Start servers (not yet started ones), wait healthy, always stop them."""
    try:
        for server in servers:
            if server.process is None:
                server.start()
        for server in servers:
            server.wait_healthy(timeout_s)
        yield servers
    finally:
        for server in servers:
            server.stop()
