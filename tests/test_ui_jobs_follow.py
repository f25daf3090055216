"""AppTest: a Jobs page a user can follow (the link selects, Delete asks, no false alarms)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from command_builder.jobs import get_job, submit_job
from command_builder.settings import Settings
from jobs_helpers import argv, script_workspace, stop_all, wait_status
from test_jobs_page import app
from ui_apptest import open_app, open_section

SELECT = "jobs_selected"


@pytest.fixture
def ws(demo_settings: Settings) -> Iterator[Settings]:
    settings = script_workspace(demo_settings, job_cancel_grace_s=0.5, max_running_jobs=1)
    yield settings
    stop_all(settings)


def fresh(settings: Settings, job: int | None = None) -> AppTest:
    """A fresh browser on /jobs (or /jobs?job=N)."""
    at = AppTest.from_function(app, args=(str(settings.root),), default_timeout=20)
    if job is not None:
        at.query_params["job"] = str(job)
    return at.run()


def test_a_link_always_selects_its_job_and_a_choice_updates_the_link(ws: Settings) -> None:
    first = submit_job(ws, "ok", argv(ws, "ok"), {})
    wait_status(ws, first, "succeeded")
    second = submit_job(ws, "ok", argv(ws, "ok"), {})
    wait_status(ws, second, "succeeded")
    for _ in range(3):
        at = fresh(ws, first)
        assert at.selectbox(key=SELECT).value == first
        at.run()  # the page's own refresh keeps it
        assert at.selectbox(key=SELECT).value == first
    at.selectbox(key=SELECT).select(second).run()
    assert at.query_params["job"] in (str(second), [str(second)])


def test_delete_asks_first_and_keep_keeps(ws: Settings) -> None:
    job_id = submit_job(ws, "ok", argv(ws, "ok"), {})
    wait_status(ws, job_id, "succeeded")
    at = fresh(ws)
    at.button(key="jobs_delete").click().run()
    assert any("cannot be undone" in w.value for w in at.warning)
    at.button(key="jobs_delete_keep").click().run()
    assert get_job(ws, job_id) is not None
    assert "jobs_delete_yes" not in [b.key for b in at.button]


def test_a_queued_rerun_is_no_output_yet_not_a_deleted_log(ws: Settings) -> None:
    done = submit_job(ws, "ok", argv(ws, "ok"), {})
    wait_status(ws, done, "succeeded")
    busy = submit_job(ws, "silent", argv(ws, "silent", "seconds=60"), {})
    wait_status(ws, busy, "running")  # the only slot is taken: a re-run waits in the queue
    at = fresh(ws, done)
    at.button(key="jobs_rerun").click().run()
    rerun = at.session_state[SELECT]
    assert get_job(ws, rerun).status == "queued"
    assert not any("deleted" in w.value for w in at.warning)
    assert at.code[-1].value == "(no output yet)"


def test_a_sweep_box_never_says_now_none(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = open_section(open_app(monkeypatch, demo_settings), "train", "Sweeps")
    placeholders = [t.placeholder for t in at.text_input if t.key and ".sweep." in t.key]
    assert placeholders and not any("None" in p for p in placeholders)
