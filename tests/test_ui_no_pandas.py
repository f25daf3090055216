"""The pages never import pandas or pyarrow (ui/light.py `table` instead of st.dataframe),
on the demo and on a workspace shaped like the OCR project.

st.dataframe imports both on its first use: 0.3-0.7 s of the first page run that shows one
after a start (README, Architecture: light tables). The Jobs page (a finished job) and the
Predict page's export preview (a run's submission) are rendered in a fresh interpreter,
which then must not hold either; the control renders one st.dataframe the same way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from command_builder.jobs import submit_job
from command_builder.settings import Settings
from jobs_helpers import argv, script_workspace, stop_all, wait_status
from test_ocr_project import project

TESTS = Path(__file__).resolve().parent
HEAVY = ("pandas", "pyarrow")

_RENDER = """
import json, os, sys
sys.path.insert(0, {tests!r})
os.environ["COMMAND_BUILDER_WORKSPACE"] = {root!r}
from streamlit.testing.v1 import AppTest
import test_jobs_page, ui_apptest

jobs = AppTest.from_function(test_jobs_page.app, args=({root!r},), default_timeout=30).run()
predict = AppTest.from_function(ui_apptest._script, default_timeout=30)
predict.session_state["test_page"] = "predict"
predict.session_state["predict.ui.export"] = True  # the export switch, on
predict.run()
if {control!r}:
    AppTest.from_string("import streamlit as st; st.dataframe({{'a': [1]}})").run()
print(json.dumps({{
    "errors": [str(e.value) for at in (jobs, predict) for e in at.exception],
    "jobs": len(ui_apptest.light_table(jobs, "jobs_table")),
    "preview": len(ui_apptest.light_table(predict, "predict.ui.export_preview")),
    "heavy": sorted(m for m in sys.modules if m in {heavy!r}),
}}))
"""


@pytest.fixture(params=["demo", "ocr_project"])
def ws(request: pytest.FixtureRequest, demo_settings: Settings, tmp_path: Path) -> Settings:
    """The demo, or a copy of the OCR project's configs/ and runners/, with a finished job
    and a run's submission."""
    base = demo_settings if request.param == "demo" else project(tmp_path / "ocr")
    settings = script_workspace(base)
    job_id = submit_job(settings, "ok", argv(settings, "ok"), {})
    wait_status(settings, job_id, "succeeded")
    stop_all(settings)
    submissions = settings.root / "outputs" / "a_run" / "submissions"
    submissions.mkdir(parents=True)
    (submissions / "s.json").write_text(
        json.dumps({"images": {"a.jpg": {"words": {"1": {"points": [[0, 0], [4, 0], [4, 4]]}}}}}),
        encoding="utf-8",
    )
    return settings


def _render(settings: Settings, *, control: bool) -> dict[str, object]:
    code = _RENDER.format(tests=str(TESTS), root=str(settings.root), control=control, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_the_jobs_page_and_the_export_preview_import_no_pandas(ws: Settings) -> None:
    result = _render(ws, control=False)
    assert result == {"errors": [], "jobs": 1, "preview": 1, "heavy": []}


def test_a_dataframe_does_import_them(ws: Settings) -> None:
    # The control: the same check sees pandas and pyarrow once a dataframe is drawn.
    assert _render(ws, control=True)["heavy"] == sorted(HEAVY)
