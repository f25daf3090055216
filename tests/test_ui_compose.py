"""AppTest: the Hydra compose check renders when ready and names the override at fault."""

from __future__ import annotations

import threading
import time

import pytest

from command_builder.settings import Settings
from command_builder.ui import compose_panel
from command_builder.ui.command_panel import READY
from ui_apptest import FormField, light_notes, open_app, settle, switch_on, texts


def test_compose_result_appears_when_ready(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_app(monkeypatch, read_only_demo, query={"exp_name": "ok"})
    at = settle(at)
    assert READY in light_notes(at, "success")
    assert not FormField(at, "train.ui.run").disabled


def test_compose_error_names_the_bad_override(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    at = open_app(monkeypatch, read_only_demo, query={"exp_name": "ok"})
    switch_on(at, "train.ui.edit")
    text = at.text_area(key="train.ui.command_text")
    text.input(text.value + " trainer.no_such_option=3").run()
    at = settle(at)
    errors = [e for e in light_notes(at, "error") if "Hydra does not compose" in e]
    assert errors and "trainer.no_such_option=3" in errors[0]


def test_with_form_errors_a_compose_success_is_not_a_go(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    """A batch size out of range: the overrides compose, but the page must not say it is fine."""
    at = settle(open_app(monkeypatch, read_only_demo, query={"batch_size": "0"}))
    assert any("must be between 1 and" in e for e in texts(at.error))
    assert not light_notes(at, "success")
    assert "Fix the errors above first." in light_notes(at, "muted")
    assert FormField(at, "train.ui.run").disabled


def test_an_empty_required_field_is_named_once(
    monkeypatch: pytest.MonkeyPatch, read_only_demo: Settings
) -> None:
    """Test without a checkpoint: Run's line names the field; Hydra's `???` list would repeat it."""
    at = settle(open_app(monkeypatch, read_only_demo, page="test"))
    assert "To fill in before Run: Checkpoint." in light_notes(at, "muted")
    assert not any("Still unset" in w for w in light_notes(at, "warning"))
    assert FormField(at, "test.ui.run").disabled


def test_a_check_begins_only_once_the_browser_had_time_to_draw(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a page run, the check leaves the CPU to the browser for BROWSER_DRAWS_S
    (a lower bound on the wait, not a timing goal)."""
    runs = compose_panel._PageRuns()
    monkeypatch.setattr(compose_panel, "BROWSER_DRAWS_S", 0.3)
    monkeypatch.setattr(compose_panel, "YIELD_TO_PAGE_RUNS_S", 60.0)
    with runs.running():
        pass
    ended = time.monotonic()
    runs.wait_for_quiet()
    assert time.monotonic() - ended >= 0.3


def test_a_check_waits_at_most_its_bound_for_page_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page run that never ends (a hung session) cannot hold the checks back forever."""
    runs = compose_panel._PageRuns()
    monkeypatch.setattr(compose_panel, "YIELD_TO_PAGE_RUNS_S", 0.2)
    with runs.running():
        waiter = threading.Thread(target=runs.wait_for_quiet, daemon=True)
        waiter.start()
        waiter.join(timeout=30)  # a bound on the test, far above the 0.2 s wait
        assert not waiter.is_alive()  # the bound, not the run, ended the wait
