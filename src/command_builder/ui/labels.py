"""Short human labels for ages and sizes in pickers."""

from __future__ import annotations


def age(seconds: float) -> str:
    """Rough age: 40 s, 12 min, 3 h, 5 d."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{max(int(seconds), 0)} s"


def size(num_bytes: int) -> str:
    """1.2 MB, 340 KB, 12 B."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if num_bytes >= scale:
            return f"{num_bytes / scale:.1f} {unit}"
    return f"{num_bytes} B"
