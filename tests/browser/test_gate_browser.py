"""A hostile shared link in Chromium: one click on Run is refused by the job gate."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from streamlit_harness import goto

from command_builder.jobs import JobStore
from command_builder.settings import load_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE = "++hydra={callbacks:{x:{_target_:logging.FileHandler,filename:/tmp/gate-browser-x}}}"


def test_run_on_a_hostile_link_is_refused(page: Any, app_server: Any) -> None:
    goto(page, f"/train?exp_name=a&_extra={quote(json.dumps([HOSTILE]))}")
    main = page.get_by_test_id("stMain")
    main.get_by_role("button", name="Run", exact=True).click()
    expect(main.get_by_text("refused to run this command", exact=False)).to_be_visible()
    assert JobStore(load_settings(app_server.workspace)).list(10) == []
