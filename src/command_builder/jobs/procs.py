"""Process identity and process-group signals.

A pid alone is not an identity: after a process dies its pid can be reused.
Where ``/proc`` exists we pair the pid with its start time (field 22 of
``/proc/<pid>/stat``, clock ticks since boot) and treat zombies as dead.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import suppress
from pathlib import Path

_PROC = Path("/proc")


def process_start(pid: int) -> int | None:
    """Start time of a live (non-zombie) process, None when it is gone or unknown."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # after "pid (comm) "; comm may hold spaces
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def is_alive(pid: int | None, start: int | None) -> bool:
    """Is this very process (pid + start time) still running?"""
    if pid is None:
        return False
    if _PROC.is_dir():
        current = process_start(pid)
        return current is not None and (start is None or current == start)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_alive(pgid: int) -> bool:
    """Does any process of the group remain (zombies excluded where /proc tells)?"""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not _PROC.is_dir():
        return True
    return any(
        _in_group_and_alive(entry.name, pgid) for entry in os.scandir(_PROC) if entry.name.isdigit()
    )


def _in_group_and_alive(pid: str, pgid: int) -> bool:
    try:
        text = (_PROC / pid / "stat").read_text()
    except OSError:
        return False
    fields = text[text.rfind(")") + 2 :].split()
    return fields[0] not in ("Z", "X") and int(fields[2]) == pgid


def signal_group(pgid: int, sig: int) -> bool:
    """Send `sig` to the group; False when nothing is left to signal."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def terminate_group(pgid: int, grace_s: float, poll_s: float = 0.05) -> None:
    """SIGTERM the whole group, SIGKILL what is left after `grace_s` (grandchildren too)."""
    if not signal_group(pgid, signal.SIGTERM):
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not group_alive(pgid):
            return
        time.sleep(poll_s)
    signal_group(pgid, signal.SIGKILL)


def process_tree(pid: int, limit: int = 256) -> list[int]:
    """`pid` and its descendants, parents first (from /proc's children lists; Linux only)."""
    found: list[int] = []
    pending = [pid]
    while pending and len(found) < limit:
        current = pending.pop(0)
        found.append(current)
        try:
            text = (_PROC / str(current) / "task" / str(current) / "children").read_text()
        except OSError:
            continue
        pending.extend(int(child) for child in text.split())
    return found


def working_paths(pid: int) -> list[Path]:
    """Where a process works: its current folder, then every regular file it holds open."""
    base = _PROC / str(pid)
    paths = []
    with suppress(OSError):
        paths.append(Path(os.readlink(base / "cwd")))
    try:
        fds = os.listdir(base / "fd")
    except OSError:
        return paths
    for fd in fds:
        with suppress(OSError):
            target = os.readlink(base / "fd" / fd)
            if target.startswith("/"):
                paths.append(Path(target))
    return paths
