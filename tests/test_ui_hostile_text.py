"""AppTest: every value a link, a job or a file sets reaches markdown escaped (ui.text.md).

One hostile value (a markdown image, a link, raw HTML, code-span breakers) goes into
every field a link can set, the extra overrides and the sweeps, on Train, Test and
Predict (all sections shown), and into a job's exp_name on the Jobs page. No markdown
source the page sends may carry any of it unescaped: Streamlit would render an <img>
(fetching it) or an <a>. The browser test checks the same in the DOM.
"""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from command_builder.commands.overrides import format_override
from command_builder.jobs import JobStore, submit_job
from command_builder.schema import load_page_schema
from command_builder.settings import Settings
from command_builder.ui.text import md
from jobs_helpers import argv, script_workspace, stop_all, wait_status
from test_jobs_page import open_page
from ui_apptest import light_fields, light_table, open_app, open_section

HOSTILE = "![a](http://127.0.0.1:9/x.png) [t](http://x) <img src=x onerror=alert(1)> `x` ``y"
UNESCAPED = [re.compile(r"(?<!\\)" + p) for p in (r"!\[a\]", r"\[t\]\(", "<img", r"`x`")]


def hostile_link(settings: Settings, page: str) -> dict[str, str]:
    """Every element of the page, the extra overrides and every sweep set to HOSTILE."""
    schema = load_page_schema(settings, page)
    params = {e.key: HOSTILE for e in schema.elements if e.type != "info"}
    params["_extra"] = json.dumps([f"+evil={HOSTILE}", HOSTILE])
    params["_sweeps"] = json.dumps({e.key: HOSTILE for e in schema.elements})
    return params


def markdown_sources(at: AppTest) -> list[str]:
    """What the page hands to Streamlit's markdown: alerts, captions, markdown, labels, help."""
    sources = [
        e.value
        for kind in ("error", "warning", "info", "success", "caption", "markdown")
        for e in getattr(at, kind)
    ]
    for kind in ("text_input", "text_area", "selectbox", "multiselect", "number_input", "button"):
        for widget in getattr(at, kind):
            sources.append(widget.label)
            sources.append(getattr(widget, "help", None) or "")
    return sources


def assert_no_markup(sources: list[str]) -> None:
    for source in sources:
        for pattern in UNESCAPED:
            assert not pattern.search(source), (pattern.pattern, source)


@pytest.mark.parametrize("page", ["train", "test", "predict"])
def test_a_hostile_link_shows_as_text_in_every_section(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings, page: str
) -> None:
    at = open_app(monkeypatch, demo_settings, page=page, query=hostile_link(demo_settings, page))
    assert not at.exception
    (row,) = [f for f in light_fields(at) if f["kind"] == "segments"]
    sections = row["options"]
    sources: list[str] = []
    for section in sections:
        at = open_section(at, page, section)
        assert not at.exception
        sources += markdown_sources(at)
    assert_no_markup(sources)
    assert any(md("[t](http://x)") in s for s in sources)  # shown, as text


def test_a_hostile_exp_name_shows_as_text_on_the_jobs_page(demo_settings: Settings) -> None:
    ws = script_workspace(demo_settings)
    try:
        override = format_override("exp_name", HOSTILE)
        job_id = submit_job(ws, "train", argv(ws, "fail", override), {"exp_name": HOSTILE})
        wait_status(ws, job_id, "failed")
        store = JobStore(ws)  # what the supervisor records for a run named after exp_name
        store.set_run_dir(job_id, f"outputs/{HOSTILE}")
        store.finish(job_id, "failed", 3, f"runner failed in outputs/{HOSTILE}")
        at = open_page(ws)
        assert not at.exception
        assert_no_markup(markdown_sources(at))
        assert HOSTILE in at.code[0].value.replace("'\"'\"'", "'")  # the command, as text
        (row,) = light_table(at, "jobs_table")  # drawn with textContent (light.js)
        assert row["Run folder"] == f"outputs/{HOSTILE}"
    finally:
        stop_all(ws)
