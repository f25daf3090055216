"""Chromium: the Jobs page's log shows its newest lines and follows new ones, unless the user
scrolled up; /jobs?job=N in a fresh browser selects job N."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from streamlit_harness import goto

from command_builder.jobs import JobStore
from command_builder.settings import load_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOG = '.st-key-jobs_log [data-testid="stCode"] pre'
# How far the log box's view is from its newest line (0: the newest line is in view).
FROM_BOTTOM_JS = """(sel) => { const pre = document.querySelector(sel);
  const code = pre.querySelector('code') || pre.firstElementChild;
  return Math.round(code.getBoundingClientRect().bottom - pre.getBoundingClientRect().bottom); }"""


def _finished_job(workspace: Path, lines: int) -> tuple[int, Path]:
    """A finished job's record and log (what a supervisor leaves behind)."""
    settings = load_settings(workspace)
    store = JobStore(settings)
    job_id = store.insert("train", [*settings.command_prefix, "runners/train.py"], {}, ".")
    store.finish(job_id, "succeeded", 0)
    log = Path(store.get(job_id).log_path)  # type: ignore[union-attr]
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(f"line {i}\n" for i in range(lines)), encoding="utf-8")
    return job_id, log


def test_the_log_follows_its_newest_line_unless_scrolled_up(page: Any, app_server: Any) -> None:
    job_id, log = _finished_job(app_server.workspace, 200)
    _finished_job(app_server.workspace, 3)  # a newer job: the link must still select job_id
    goto(page, f"/jobs?job={job_id}")
    box = page.locator(LOG)
    expect(box).to_contain_text("line 199")
    assert abs(page.evaluate(FROM_BOTTOM_JS, LOG)) <= 16  # the newest line is in view

    with log.open("a", encoding="utf-8") as handle:
        handle.write("".join(f"line {i}\n" for i in range(200, 260)))
    expect(box).to_contain_text("line 259")
    assert abs(page.evaluate(FROM_BOTTOM_JS, LOG)) <= 16  # followed

    box.evaluate("pre => { pre.scrollTop = -1500; }")  # the user scrolls up
    scrolled = page.evaluate(FROM_BOTTOM_JS, LOG)
    assert scrolled > 1000
    with log.open("a", encoding="utf-8") as handle:
        handle.write("".join(f"line {i}\n" for i in range(260, 280)))
    expect(box).to_contain_text("line 279")
    assert page.evaluate(FROM_BOTTOM_JS, LOG) > 1000  # not dragged back down
