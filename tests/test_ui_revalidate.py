"""AppTest: the background re-check survives any failure, and the page recovers with the file.

A `visible_if` nested 3,000 deep once raised RecursionError inside the revalidation
thread, which then died and left the app on stale data until a restart. Whatever a
check raises is logged now and the loop goes on.
"""

from __future__ import annotations

import logging
import threading

import pytest

from command_builder.schema.loader import DEFAULTS_DIR
from command_builder.settings import Settings
from command_builder.ui import context
from jobs_helpers import wait_for
from ui_apptest import FormField, open_app, texts

PICK = "test.field.checkpoint"


def _checks_after(settings: Settings, done: int) -> None:
    """Wait for two more checks of this workspace (one may have begun before the change)."""
    wait_for(lambda: _done(settings) >= done + 2, timeout=30)


def _done(settings: Settings) -> int:
    return context.checks_done.get(str(settings.root), 0)


@pytest.fixture
def fast_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "REVALIDATE_EVERY_S", 0.0)
    monkeypatch.setattr(context, "SETTLE_S", 0.0)
    monkeypatch.setattr(context, "SYNC_AFTER_S", 1e9)  # only the thread checks here


def test_a_hostile_schema_neither_stops_the_thread_nor_sticks(
    monkeypatch: pytest.MonkeyPatch,
    demo_settings: Settings,
    fast_checks: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    demo_settings.schemas_dir.mkdir(parents=True, exist_ok=True)
    schema = demo_settings.schemas_dir / "test.yaml"
    good = (DEFAULTS_DIR / "test.yaml").read_text(encoding="utf-8")
    at = open_app(monkeypatch, demo_settings, page="test")
    assert FormField(at, PICK).label == "Checkpoint"

    deep = "(" * 3000 + "architecture" + ")" * 3000
    schema.write_text(good.replace("visible_if: architecture", f"visible_if: '{deep}'"), "utf-8")
    done = _done(demo_settings)
    at.run()  # asks for a check
    _checks_after(demo_settings, done)
    at.run()
    assert not at.exception
    assert "schemas/test.yaml" in " ".join(texts(at.error))  # the page names the bad file

    schema.write_text(good.replace("label: Checkpoint\n", "label: Checkpoint file\n"), "utf-8")
    done = _done(demo_settings)
    at.run()
    _checks_after(demo_settings, done)
    at.run()
    assert not at.error
    assert FormField(at, PICK).label == "Checkpoint file"
    assert context._worker is not None and context._worker.is_alive()


def test_any_exception_of_a_check_is_logged_and_the_loop_goes_on(
    monkeypatch: pytest.MonkeyPatch,
    demo_settings: Settings,
    fast_checks: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A check that raises (a fixture fake: the index scan fails once) must not end the loop."""
    at = open_app(monkeypatch, demo_settings, page="test")
    real = context.get_checkpoint_index
    failed = threading.Event()

    def fails_once(settings: Settings, **kwargs: object) -> object:
        if not failed.is_set() and kwargs.get("max_age_s") is None:
            failed.set()
            raise OSError("disk on fire")
        return real(settings, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(context, "get_checkpoint_index", fails_once)
    caplog.set_level(logging.ERROR, logger=context.__name__)
    done = _done(demo_settings)
    at.run()
    _checks_after(demo_settings, done)
    assert failed.is_set()
    assert "disk on fire" in caplog.text
    assert context._worker is not None and context._worker.is_alive()
    (demo_settings.root / "outputs" / "later" / "checkpoints").mkdir(parents=True)
    (demo_settings.root / "outputs" / "later" / "checkpoints" / "last.ckpt").write_bytes(b"x")
    done = _done(demo_settings)
    at.run()
    _checks_after(demo_settings, done)
    at.run()
    assert any("later" in o for o in FormField(at, PICK).options)
