"""Smoke test: the four pages at their own URLs, each titled exactly, reachable from the sidebar.

And what the server tells the browser about embedding: no host page may drive the app.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect
from streamlit_harness import STATE_JS, expect_rerun, goto, switch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {"Train": "/train", "Test": "/test", "Predict": "/predict", "Jobs": "/jobs"}


def _titles(page: Any) -> list[str]:
    return page.locator('[data-testid="stMain"] h1').all_inner_texts()


@pytest.mark.parametrize("title", list(PAGES))
def test_page_at_its_url_has_its_exact_title(page: Any, title: str) -> None:
    goto(page, PAGES[title])
    assert _titles(page) == [title]
    assert (
        page.locator('[data-testid="stSidebarNavLink"][aria-current="page"]').inner_text().strip()
        == title
    )


def test_root_is_train(page: Any) -> None:
    goto(page, "/")
    assert _titles(page) == ["Train"]


def test_sidebar_switches_between_all_pages(page: Any) -> None:
    goto(page, "/")
    for title in ["Test", "Predict", "Jobs", "Train", "Predict", "Test", "Train"]:
        timings = switch(page, title)
        assert _titles(page) == [title]
        assert page.url.rstrip("/").endswith(PAGES[title]) or (
            title == "Train" and page.url.endswith("/")
        )
        assert timings["idle"] > 0


def test_expect_rerun_waits_for_the_run_an_interaction_causes(page: Any) -> None:
    goto(page, "/train")
    field = page.get_by_test_id("stMain").get_by_role("textbox", name="Experiment name", exact=True)
    with expect_rerun(page):
        field.fill("harness_check")
        field.press("Enter")
    assert page.evaluate(STATE_JS) == "notRunning"
    switch(page, "Test")
    switch(page, "Train")
    assert field.input_value() == "harness_check"


def test_no_embedding_page_may_send_the_app_commands(app_server: Any) -> None:
    """Streamlit's default lets pages on 16 Streamlit Cloud origins that frame the app rerun
    it, stop it or rewrite its query parameters by postMessage; the app allows none."""
    with urllib.request.urlopen(app_server.url + "/_stcore/host-config", timeout=10) as resp:
        host_config = json.load(resp)
    assert host_config["allowedOrigins"] == []


def test_the_light_code_is_served_for_a_page_that_never_ran_it(app_server: Any, page: Any) -> None:
    """A session's first run sends light.js inline; later elements carry a stub that uses it.
    A page that never ran it (its first run cut short) imports the served copy instead, so
    the server must answer it as JavaScript (a module import refuses anything else)."""
    from command_builder.ui import light

    with urllib.request.urlopen(app_server.url + light.code_url(), timeout=10) as resp:
        assert resp.headers.get_content_type() in ("text/javascript", "application/javascript")
        assert resp.read() == (light.STATIC / "light.js").read_bytes()
    goto(page, "/train")
    served = "() => performance.getEntriesByType('resource').some(e => e.name.includes('light.js'))"
    assert not page.evaluate(served)  # the first run's code came inline
    page.evaluate("() => { delete globalThis.commandBuilderLight; }")  # as if it never ran
    switch(page, "Test")  # its elements are stubs now
    expect(page.get_by_test_id("stMain").get_by_text("Checkpoint", exact=True)).to_be_visible()
    assert page.evaluate(served)
