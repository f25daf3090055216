"""Jobs in Chromium: Run on Train, follow progress on Jobs (status within 1 s), cancel another."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from streamlit_harness import goto, wait_idle

from command_builder.jobs import JobStore
from command_builder.settings import load_settings
from command_builder.ui.jobs_page import JOB_COLUMNS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from jobs_helpers import stop_all  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAIN_TEXT_HAS = (
    "(words) => words.every(w => document.querySelector('[data-testid=stMain]')"
    ".innerText.includes(w))"
)


def _main(page: Any) -> Any:
    return page.get_by_test_id("stMain")


def _run_from_train(page: Any, query: str) -> int:
    """Press Run on Train with `query` in the URL; follow the link to the job; return its id."""
    goto(page, f"/train?{query}")
    _main(page).get_by_role("button", name="Run", exact=True).click()
    link = _main(page).get_by_role("link", name=re.compile(r"Job \d+ started"))
    expect(link).to_be_visible()
    job_id = int(re.search(r"Job (\d+)", link.inner_text()).group(1))
    link.click()
    expect(_main(page).get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    wait_idle(page)
    return job_id


def _wait_text(page: Any, *words: str, timeout_ms: float = 30_000) -> float:
    """Wait until the main area shows all `words`; return when (epoch seconds, browser clock)."""
    try:
        page.wait_for_function(MAIN_TEXT_HAS, arg=list(words), timeout=timeout_ms, polling=20)
    except Exception:
        print(_main(page).inner_text())
        raise
    return page.evaluate("Date.now()") / 1000


def test_run_follow_progress_and_cancel(page: Any, app_server: Any) -> None:
    settings = load_settings(app_server.workspace)
    store = JobStore(settings)
    try:
        job_id = _run_from_train(page, "exp_name=browser_job&max_epochs=8")
        _wait_text(page, f"Job #{job_id}: running", "Epoch 2/8")  # progress streams in
        seen = _wait_text(page, f"Job #{job_id}: succeeded")
        ended = store.get(job_id).ended_at
        assert ended is not None  # shown without a reload (speed: benchmarks/)
        print(f"succeeded shown {seen - ended:.3f}s after it was recorded")
        jobs = _main(page).get_by_role("table", name="Jobs")  # a light table (ui/light.py)
        expect(jobs.get_by_role("columnheader")).to_have_text(list(JOB_COLUMNS))
        cells = jobs.get_by_role("row").nth(1).get_by_role("cell")  # the newest job first
        expect(cells.nth(0)).to_have_text(f"#{job_id}")
        expect(cells.nth(2)).to_have_text("succeeded")

        long_job = _run_from_train(page, "exp_name=browser_long&max_epochs=200")
        _wait_text(page, f"Job #{long_job}: running", "Epoch 1/200")
        expect(jobs.get_by_role("progressbar")).to_have_count(1)  # the running job's bar
        _main(page).get_by_role("button", name="Cancel", exact=True).click()
        seen = _wait_text(page, f"Job #{long_job}: cancelled", timeout_ms=15_000)
        record = store.get(long_job)
        assert record.status == "cancelled" and record.ended_at is not None
        print(f"cancelled shown {seen - record.ended_at:.3f}s after it was recorded")
        log = Path(record.log_path).read_text(encoding="utf-8")
        assert "Epoch 1/200" in log and "Epoch 200/200" not in log  # it did not run to its end
    finally:
        stop_all(settings)
