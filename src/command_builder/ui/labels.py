"""Short human labels for times and sizes in pickers.

Option labels must not change between runs: Streamlit sends a select's choice
back as its label and maps it to an option with the next run's labels. So a
list shows when a file was written (stable), and only a caption says how long ago.
"""

from __future__ import annotations

import time


def age(seconds: float) -> str:
    """Rough age: 40 s, 12 min, 3 h, 5 d."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{max(int(seconds), 0)} s"


def stamp(mtime: float) -> str:
    """2026-11-27 07:11 (local time): a stable label for a file's age."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(mtime))


def size(num_bytes: int) -> str:
    """1.2 MB, 340 KB, 12 B."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if num_bytes >= scale:
            return f"{num_bytes / scale:.1f} {unit}"
    return f"{num_bytes} B"
