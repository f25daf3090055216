"""Log tail and progress: bounded reads whatever the log's size, clear message when it is gone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from command_builder.jobs import (
    LogUnavailable,
    Progress,
    cancel_job,
    parse_progress,
    submit_job,
    tail_log,
)
from command_builder.settings import Settings
from jobs_helpers import argv, script_workspace, stop_all, wait_status

GIB = 1 << 30


def bytes_read() -> int:
    """Bytes this process has read through read(2) so far (Linux /proc/self/io `rchar`)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


needs_proc_io = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs /proc/self/io")


@pytest.fixture
def ws(demo_settings: Settings) -> Iterator[Settings]:
    settings = script_workspace(demo_settings, job_cancel_grace_s=0.5)
    yield settings
    stop_all(settings)


@needs_proc_io
@pytest.mark.slow
def test_silent_job_with_a_1gb_log_tails_in_bounded_reads(ws: Settings) -> None:
    job_id = submit_job(ws, "silent", argv(ws, "silent", "seconds=60"), {})
    running = wait_status(ws, job_id, "running")
    log = Path(running.log_path)
    with open(log, "ab") as handle:  # 1 GiB of hole, then the last progress line
        handle.truncate(GIB)
        handle.seek(0, os.SEEK_END)
        handle.write(b"Epoch 4/10: 50% 5/10 steps loss=0.5\n")
    assert log.stat().st_size > GIB
    before = bytes_read()
    text = tail_log(log, max_bytes=4096)
    read = bytes_read() - before
    assert read <= 4096 + 1024, read  # bounded by max_bytes, not by the log's size
    assert parse_progress(text) == Progress(4, 10, 5, 10, 0.35)
    cancel_job(ws, job_id)
    wait_status(ws, job_id, "cancelled")


def test_tail_starts_at_a_line_boundary_and_collapses_carriage_returns(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_bytes(
        b"x" * 5000
        + b"\nfirst full line\n"
        + b"Epoch 1/2:  10%\rEpoch 1/2:  50%\rEpoch 1/2: 100% 8/8\r\n"
        + b"bad byte \xff here\n"
    )
    text = tail_log(log, max_bytes=120)
    assert text.splitlines() == ["first full line", "Epoch 1/2: 100% 8/8", "bad byte \ufffd here"]


def test_deleted_log_gives_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(LogUnavailable, match="was deleted"):
        tail_log(tmp_path / "gone.log")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Epoch 3/10: 100% 50/50 steps loss=0.4", Progress(3, 10, 50, 50, 0.3)),
        ("Epoch 1/10 ...\nEpoch 2/4 loss=0.1\nother line", Progress(2, 4, None, None, 0.5)),
        ("Epoch 1/4: 25% 1/4 steps", Progress(1, 4, 1, 4, 0.0625)),
        ("no epochs here", None),
        ("", None),
    ],
)
def test_parse_progress(text: str, expected: Progress | None) -> None:
    assert parse_progress(text) == expected
