"""A sweep in Chromium: Train with two values through submitit local -> one job, two sub-runs on Jobs."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect
from streamlit_harness import goto, wait_idle

from command_builder.jobs import get_job, job_multirun
from command_builder.settings import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from jobs_helpers import stop_all, wait_for  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAIN_TEXT_HAS = (
    "(words) => words.every(w => document.querySelector('[data-testid=stMain]')"
    ".innerText.includes(w))"
)


def test_two_value_sweep_runs_as_one_job_with_two_subruns(page: Any, app_server: Any) -> None:
    settings = load_settings(app_server.workspace)
    main = page.get_by_test_id("stMain")
    query = urlencode(
        {
            "exp_name": "browser_sweep",
            "launcher": "submitit_local",
            "_sweeps": json.dumps({"max_epochs": "1,2"}),
        }
    )
    try:
        goto(page, f"/train?{query}")
        expect(main.get_by_text("makes 2 runs")).to_be_visible()
        main.get_by_role("button", name="Run", exact=True).click()
        link = main.get_by_role("link", name=re.compile(r"Job \d+ started"))
        expect(link).to_be_visible()
        job_id = int(re.search(r"Job (\d+)", link.inner_text()).group(1))
        link.click()
        wait_idle(page)
        job = wait_for(lambda: (j := get_job(settings, job_id)).finished and j, timeout=120)
        assert job.status == "succeeded" and "--multirun" in job.argv
        assert [s.status for s in job_multirun(settings, job).subruns] == ["succeeded", "succeeded"]
        page.wait_for_function(
            MAIN_TEXT_HAS,
            arg=[
                f"Job #{job_id}: succeeded",
                "Sub-runs · 2 · submitit_local launcher",
                "Epoch 1/1",
            ],
            timeout=30_000,
            polling=50,
        )
    finally:
        stop_all(settings)
