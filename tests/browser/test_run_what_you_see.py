"""Chromium: Run starts the command on screen, and data from links and jobs stays text.

The walk edits the command into a text Hydra's lexer cannot read and into one Hydra
refuses (Run disabled both times, with the reason), then into a valid one: the job's
argv equals the displayed command, byte for byte. A hostile value in every field a link
can set (and in a job's exp_name) never becomes an <img> or an <a> in the DOM.
"""

from __future__ import annotations

import json
import shlex
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect
from streamlit_harness import COMMAND, goto

from command_builder.jobs import JobStore, get_job
from command_builder.schema import load_page_schema
from command_builder.settings import load_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE = "![a](http://127.0.0.1:9/x.png) [t](http://x) <img src=x onerror=alert(1)> `x` ``y"
FROM_DATA_JS = """() => [
  ...[...document.querySelectorAll('img')].map(i => i.getAttribute('src') || '')
      .filter(s => s === 'x' || s.includes('127.0.0.1:9')).map(s => 'img ' + s),
  ...[...document.querySelectorAll('a')].map(a => a.getAttribute('href') || '')
      .filter(h => h.startsWith('http://x') || h.includes('127.0.0.1:9')).map(h => 'a ' + h),
]"""


def _main(page: Any) -> Any:
    return page.get_by_test_id("stMain")


def _run_button(page: Any) -> Any:
    return _main(page).get_by_role("button", name="Run", exact=True)


def _edit(page: Any, text: str) -> None:
    editor = _main(page).get_by_role("textbox", name="Command text")
    editor.fill(text)
    editor.press("Control+Enter")


def test_run_is_disabled_for_unreadable_and_refused_text_and_runs_what_is_shown(
    page: Any, app_server: Any
) -> None:
    goto(page, "/train?exp_name=walk")
    _main(page).get_by_text("Edit the command", exact=True).click()
    _edit(page, """python runners/train.py exp_name="it's edited" trainer.max_epochs=3""")
    expect(_main(page).get_by_text("Cannot read this command", exact=False)).to_be_visible()
    expect(_main(page).get_by_text("""'exp_name="it'"'"'s edited"'""", exact=False)).to_be_visible()
    expect(_run_button(page)).to_be_disabled()
    expect(_main(page).get_by_text("The editor holds another text", exact=False)).to_be_visible()

    _edit(page, "python runners/train.py exp_name=refused model.optimizer.lrr=1")
    expect(_main(page).get_by_text("Hydra does not compose this command:")).to_be_visible()
    expect(_run_button(page)).to_be_disabled()

    _edit(page, "python runners/train.py exp_name=browser_walk trainer.max_epochs=1")
    expect(_main(page).get_by_text("Hydra composes this command;")).to_be_visible()
    expect(_run_button(page)).to_be_enabled()
    shown = _main(page).locator(COMMAND).text_content() or ""
    _run_button(page).click()
    link = _main(page).get_by_text("started: follow it on Jobs", exact=False)
    expect(link).to_be_visible()
    job_id = int((link.text_content() or "").split()[1])
    job = get_job(load_settings(app_server.workspace), job_id)
    assert job is not None and list(job.argv) == shlex.split(shown.strip())


@pytest.mark.parametrize("name", ["train", "test", "predict"])
def test_a_hostile_link_puts_no_image_or_link_in_the_dom(
    page: Any, app_server: Any, name: str
) -> None:
    settings = load_settings(app_server.workspace)
    schema = load_page_schema(settings, name)
    params = {e.key: HOSTILE for e in schema.elements if e.type != "info"}
    params["_extra"] = json.dumps([f"+evil={HOSTILE}"])
    params["_sweeps"] = json.dumps({e.key: HOSTILE for e in schema.elements})
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "127.0.0.1:9/" in r.url else None)
    goto(page, f"/{name}?{urlencode(params)}")
    sections = _main(page).get_by_role("radiogroup", name="Section").get_by_role("radio")
    for index in range(sections.count()):
        sections.nth(index).click()
        page.wait_for_timeout(300)  # let the section's run paint (no assertion on time)
        assert page.evaluate(FROM_DATA_JS) == []
    expect(_main(page).get_by_text("[t](http", exact=False).first).to_be_visible()  # as text
    assert fetched == []


def test_a_hostile_exp_name_on_the_jobs_page_stays_text(page: Any, app_server: Any) -> None:
    settings = load_settings(app_server.workspace)
    store = JobStore(settings)  # a finished job's record, as the supervisor leaves it
    argv = [*settings.command_prefix, "runners/train.py", f"exp_name={HOSTILE}"]
    job_id = store.insert("train", argv, {"exp_name": HOSTILE}, str(settings.root))
    store.set_run_dir(job_id, f"outputs/{HOSTILE}")
    store.finish(job_id, "failed", 1, f"failed in outputs/{HOSTILE}")
    goto(page, f"/jobs?job={job_id}")
    expect(_main(page).get_by_text(f"Job #{job_id}: failed", exact=False)).to_be_visible()
    expect(_main(page).get_by_text("failed in outputs/![a](http", exact=False)).to_be_visible()
    assert page.evaluate(FROM_DATA_JS) == []
