"""A warm page run does no file-system scan, no YAML parse and no subprocess (README, Speed).

A profile hook on every thread records calls made from the package's own code
while pages are switched in one session; the caches were filled by the first
run of each page, as the server's warm-up does before a browser connects.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

import command_builder
from command_builder.settings import Settings
from command_builder.ui import context
from ui_apptest import open_app, switch, write_run

PACKAGE = str(Path(command_builder.__file__).parent)
FORBIDDEN_C = {"stat", "lstat", "scandir", "listdir", "open", "walk", "read_text", "read_bytes"}
FORBIDDEN_PY = {
    ("yaml", "load"),
    ("yaml", "safe_load"),
    ("yaml", "compose"),
    ("subprocess", "Popen"),
}


@contextmanager
def _recording() -> Iterator[list[str]]:
    seen: list[str] = []

    def hook(frame: FrameType, event: str, arg: object) -> None:
        if not frame.f_code.co_filename.startswith(PACKAGE):
            if event == "call":  # a Python function called from the package
                caller = frame.f_back
                module = frame.f_globals.get("__name__", "")
                if (
                    caller is not None
                    and caller.f_code.co_filename.startswith(PACKAGE)
                    and any(
                        module.startswith(m) and frame.f_code.co_name == f for m, f in FORBIDDEN_PY
                    )
                ):
                    seen.append(f"{module}.{frame.f_code.co_name} from {caller.f_code.co_filename}")
            return
        if event == "c_call" and getattr(arg, "__name__", "") in FORBIDDEN_C:
            seen.append(f"{arg.__name__} in {frame.f_code.co_filename}:{frame.f_lineno}")  # type: ignore[attr-defined]

    threading.setprofile(hook)
    sys.setprofile(hook)
    try:
        yield seen
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]


def test_warm_page_switches_touch_no_files(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    write_run(demo_settings.root, "run", architecture="dbnet", encoder="resnet18")
    monkeypatch.setattr(
        context, "REVALIDATE_EVERY_S", 1e9
    )  # the background re-check is not a page run
    monkeypatch.setattr(context, "SYNC_AFTER_S", 1e9)  # nor is a first paint's check
    at = open_app(monkeypatch, demo_settings)
    for page in ("test", "predict", "train"):  # first visits fill the caches
        at = switch(at, page)
    with _recording() as seen:
        for page in ("test", "predict", "train", "test", "train", "predict"):
            at = switch(at, page)
    assert at.title[0].value == "Predict"
    assert seen == []
