"""Reading a job's log cheaply: only its end, whatever its size.

A training log can reach gigabytes and the Jobs page reads it every second,
so ``tail_log`` seeks to the last ``max_bytes`` and reads nothing else.
Carriage-return progress bars are collapsed to their last state per line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import JobError

DEFAULT_TAIL_BYTES = 64 * 1024

_EPOCH = re.compile(r"\bEpoch\s+(\d+)\s*/\s*(\d+)(.*)")
_STEPS = re.compile(r"\b(\d+)\s*/\s*(\d+)\b")


class LogUnavailable(JobError):
    """The log cannot be read (deleted, never created, unreadable); the message says which."""


def tail_log(path: str | os.PathLike[str], max_bytes: int = DEFAULT_TAIL_BYTES) -> str:
    """The last `max_bytes` of the log as text, starting at a line boundary when cut."""
    try:
        with open(path, "rb") as handle:
            _, data = _tail(handle, max_bytes)
    except FileNotFoundError:
        raise LogUnavailable(f"the log file {path} was deleted (or never created)") from None
    except OSError as exc:
        raise LogUnavailable(f"cannot read the log file {path}: {exc}") from exc
    text = data.decode("utf-8", errors="replace").replace("\x00", "")
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))


def tail_offset(path: str | os.PathLike[str], max_bytes: int = DEFAULT_TAIL_BYTES) -> int:
    """Where `tail_log`'s text starts in the file (0 when the log cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return _tail(handle, max_bytes)[0]
    except OSError:
        return 0


def _tail(handle: BinaryIO, max_bytes: int) -> tuple[int, bytes]:
    """(offset, bytes) of the file's end: the cut first line is dropped, unless it is all."""
    size = handle.seek(0, os.SEEK_END)
    start = max(0, size - max_bytes)
    handle.seek(start)
    data = handle.read(max_bytes)
    if start > 0:
        cut = data.find(b"\n")
        if cut != -1 and data[cut + 1 :].strip():
            return start + cut + 1, data[cut + 1 :]
    return start, data


@dataclass(frozen=True)
class Progress:
    """Where a training is, from its last ``Epoch E/N`` line (E counted from 1)."""

    epoch: int
    total: int
    step: int | None
    steps: int | None
    fraction: float


def parse_progress(text: str) -> Progress | None:
    """Progress from the last line like ``Epoch 3/10: 100% 50/50 steps loss=0.41``.

    With a step count on the line, the fraction is ((epoch - 1) + step/steps) / total;
    without one, epoch / total. None when no such line is in `text`.
    """
    for line in reversed(text.splitlines()):
        match = _EPOCH.search(line)
        if not match:
            continue
        epoch, total = int(match.group(1)), int(match.group(2))
        if total <= 0:
            continue
        steps_match = _STEPS.search(match.group(3))
        step = steps = None
        done = float(epoch)
        if steps_match and int(steps_match.group(2)) > 0:
            step, steps = int(steps_match.group(1)), int(steps_match.group(2))
            done = epoch - 1 + step / steps
        return Progress(epoch, total, step, steps, min(1.0, max(0.0, done / total)))
    return None
