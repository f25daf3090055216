"""The job store: change counter, concurrency, and clear errors when it cannot write."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from command_builder.jobs import JobStore, JobStoreError
from command_builder.jobs.runner import submit_job
from command_builder.settings import Settings


def test_version_moves_on_writes_only(demo_settings: Settings) -> None:
    store = JobStore(demo_settings)
    start = store.version()
    job_id = store.insert("train", ["python", "runners/train.py"], {"k": "v"}, "/w")
    assert store.version() > start
    seen = store.version()
    store.list()
    store.get(job_id)
    assert store.version() == seen
    store.delete(job_id)
    assert store.version() > seen


def test_many_threads_inserting_at_once(demo_settings: Settings) -> None:
    store = JobStore(demo_settings)
    barrier = threading.Barrier(8)

    def insert() -> None:
        barrier.wait()
        for _ in range(10):
            store.insert("train", ["x"], {}, "/w")

    threads = [threading.Thread(target=insert) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    jobs = store.list(limit=1000)
    assert len(jobs) == 80 and len({j.id for j in jobs}) == 80
    assert {j.log_path for j in jobs} == {str(store.logs_dir / f"{j.id}.log") for j in jobs}


def test_state_folder_that_is_a_file_is_a_clear_error(demo_settings: Settings) -> None:
    """Root ignores permission bits, so the unwritable folder is a regular file in its place."""
    demo_settings.state_dir.write_text("not a folder")
    argv = [*demo_settings.command_prefix, "runners/train.py"]
    with pytest.raises(JobStoreError, match="must be a writable folder"):
        submit_job(demo_settings, "train", argv, {})
    assert demo_settings.state_dir.read_text() == "not a folder"


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 1 MiB tmpfs (needs mount rights: root in a privileged container)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        shutil.which("mount") is None
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here (not root or no CAP_SYS_ADMIN)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_is_a_clear_error_and_keeps_records(tiny_disk: Path) -> None:
    (tiny_disk / "configs").mkdir()
    settings = Settings(root=tiny_disk)
    store = JobStore(settings)
    kept = store.insert("train", ["python", "runners/train.py"], {"exp_name": "keep me"}, "/w")
    filler = tiny_disk / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    big = {"blob": "x" * 200_000}
    with pytest.raises(JobStoreError, match="disk is full"):
        for _ in range(20):
            store.insert("train", ["python", "runners/train.py"], big, "/w")
    assert store.get(kept) is not None and store.get(kept).form_values == {"exp_name": "keep me"}
    filler.unlink()
    assert store.insert("train", ["python"], {}, "/w") > kept
