"""Helpers for the jobs tests: tiny runner scripts placed in a demo workspace copy."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

from command_builder.jobs import Job, JobStore
from command_builder.settings import SETTINGS_FILE, Settings, load_settings

T = TypeVar("T")

RUNNERS = {
    # prints, exits 0
    "ok": "print('hello from ok', flush=True)\n",
    # exits 3 after a line on stderr
    "fail": "import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n",
    # sleeps `seconds=N` (default 60) without printing anything
    "silent": (
        "import sys, time\n"
        "args = dict(a.split('=', 1) for a in sys.argv[1:])\n"
        "time.sleep(float(args.get('seconds', 60)))\n"
    ),
    # waits (silently) until the file `until=NAME` (default: release) exists in its cwd
    "hold": (
        "import os, sys, time\n"
        "args = dict(a.split('=', 1) for a in sys.argv[1:])\n"
        "deadline = time.monotonic() + 300\n"
        "while not os.path.exists(args.get('until', 'release')) and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
    ),
    # writes to probe.txt whether the process in orphan.pid still runs (not a zombie)
    "probe": (
        "import pathlib\n"
        "pid = pathlib.Path('orphan.pid').read_text().strip()\n"
        "try:\n"
        "    state = pathlib.Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]\n"
        "except FileNotFoundError:\n"
        "    state = 'gone'\n"
        "pathlib.Path('probe.txt').write_text('alive' if state not in ('Z', 'gone') else 'dead')\n"
    ),
    # spawns a grandchild that ignores SIGTERM, records its pid, then sleeps
    "tree": (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
        'signal.signal(signal.SIGTERM, signal.SIG_IGN); print("grandchild up", flush=True); '
        "time.sleep(120)'])\n"
        "open('grandchild.pid', 'w').write(str(child.pid))\n"
        "print('tree started', flush=True)\n"
        "time.sleep(120)\n"
    ),
}


# The job gate runs only @hydra.main runners (found with ast). These scripts read argv
# themselves; the decorated function below only makes them runners and is never called.
GATE_MARKER = (  # {name}: the runner's own primary config, configs/<name>.yaml
    "\n\nif False:  # a @hydra.main runner to the gate; never run\n"
    "    import hydra\n\n"
    "    @hydra.main(config_path='../configs', config_name='{name}', version_base='1.3')\n"
    "    def _never(cfg: object) -> None: ...\n"
)


def script_workspace(settings: Settings, **overrides: object) -> Settings:
    """Add the tiny runners to a demo copy and apply settings (e.g. max_running_jobs=1)."""
    for name, body in RUNNERS.items():
        (settings.runners_dir / f"{name}.py").write_text(
            body + GATE_MARKER.format(name=name), encoding="utf-8"
        )
        # The job gate composes every command with Hydra: each runner gets a primary config.
        (settings.configs_dir / f"{name}.yaml").write_text(
            "seconds: 60\nexp_name: job\n", encoding="utf-8"
        )
    path = settings.root / SETTINGS_FILE
    values = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    values.update(overrides)
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    return load_settings(settings.root)


def argv(settings: Settings, runner: str, *overrides: str) -> list[str]:
    return [*settings.command_prefix, f"runners/{runner}.py", *overrides]


def wait_for(check: Callable[[], T], timeout: float = 20.0, interval: float = 0.05) -> T:
    """Poll until `check()` is truthy; fail with the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s; last value {value!r}")
        time.sleep(interval)
        value = check()
    return value


def release(settings: Settings, name: str = "release") -> None:
    """Let every `hold` runner waiting for `name` end."""
    (settings.root / name).write_text("go")


def job(settings: Settings, job_id: int) -> Job:
    """The raw record (no reconcile): what the store says, nothing more."""
    found = JobStore(settings).get(job_id)
    assert found is not None
    return found


def wait_status(settings: Settings, job_id: int, *statuses: str, timeout: float = 20.0) -> Job:
    return wait_for(lambda: (j := job(settings, job_id)).status in statuses and j, timeout)


def read_pid(path: Path, timeout: float = 10.0) -> int:
    wait_for(lambda: path.is_file() and path.read_text().strip(), timeout)
    return int(path.read_text())


def stop_all(settings: Settings) -> None:
    """Teardown: kill every runner group a test left behind, and their supervisors."""
    import os
    import signal

    from command_builder.jobs import JobStoreError
    from command_builder.jobs.procs import is_alive

    try:
        jobs = JobStore(settings).list()
    except JobStoreError:
        jobs = []
    for j in jobs:
        if j.pgid is not None and is_alive(j.pid, j.pid_start):
            try:
                os.killpg(j.pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if is_alive(j.supervisor_pid, j.supervisor_start):
            os.kill(j.supervisor_pid, signal.SIGKILL)  # type: ignore[arg-type]
    pidfile = settings.root / "grandchild.pid"
    if pidfile.is_file():
        try:
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def alive(pid: int) -> bool:
    """Running and not a zombie (a zombie has ended; only its parent has not reaped it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []
