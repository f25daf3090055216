"""The Jobs page under Streamlit's AppTest, against real jobs in a workspace copy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from command_builder.jobs import submit_job
from command_builder.settings import Settings
from jobs_helpers import argv, job, script_workspace, stop_all, wait_status
from ui_apptest import light_table


def app(root: str) -> None:
    """Jobs page plus stand-ins for the builder pages at their real URLs."""
    import streamlit as st

    from command_builder.settings import load_settings
    from command_builder.ui import jobs_page

    settings = load_settings(root)
    pages = [
        st.Page(lambda: jobs_page.render(settings), title="Jobs", url_path="jobs", default=True)
    ]
    for name in ("train", "test", "predict"):
        pages.append(
            st.Page(lambda name=name: st.title(name.title()), title=name.title(), url_path=name)
        )
    st.navigation(pages).run()


@pytest.fixture
def ws(demo_settings: Settings) -> Iterator[Settings]:
    settings = script_workspace(demo_settings, job_cancel_grace_s=0.5, max_running_jobs=2)
    yield settings
    stop_all(settings)


def open_page(settings: Settings) -> AppTest:
    at = AppTest.from_function(app, args=(str(settings.root),), default_timeout=20)
    return at.run()


def test_empty_store(ws: Settings) -> None:
    at = open_page(ws)
    assert not at.exception
    assert [t.value for t in at.title] == ["Jobs"]
    assert "No jobs yet" in at.info[0].value


def test_finished_job_shows_status_and_log_tail(ws: Settings) -> None:
    job_id = submit_job(ws, "ok", argv(ws, "ok"), {})
    wait_status(ws, job_id, "succeeded")
    at = open_page(ws)
    assert not at.exception
    assert at.selectbox(key="jobs_selected").value == job_id
    assert "hello from ok" in at.code[1].value
    assert f"Job #{job_id}: **succeeded**" in at.markdown[0].value


def test_the_job_list_is_a_light_table_of_texts(ws: Settings) -> None:
    done = submit_job(ws, "ok", argv(ws, "ok"), {})
    wait_status(ws, done, "succeeded")
    running = submit_job(ws, "silent", argv(ws, "silent", "seconds=60"), {})
    wait_status(ws, running, "running")
    with open(job(ws, running).log_path, "a", encoding="utf-8") as log:
        log.write("Epoch 2/4: 50% 5/10 steps loss=0.41\n")  # what a training runner prints
    at = open_page(ws)
    assert not at.exception
    rows = light_table(at, "jobs_table")
    assert [(row["Job"], row["Page"], row["Status"]) for row in rows] == [
        (f"#{running}", "silent", "running"),
        (f"#{done}", "ok", "succeeded"),
    ]
    assert rows[0]["Progress"] == 0.375 and rows[1]["Progress"] == ""  # (1 + 5/10) / 4
    assert rows[1]["Exit"] == "0" and rows[0]["Exit"] == ""  # no exit code while it runs
    assert re.fullmatch(r"\d+:\d\d", rows[1]["Duration"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[1]["Started"])
    assert not at.dataframe  # no pandas import, no canvas grid on every refresh


def test_cancel_button_cancels_a_running_job(ws: Settings) -> None:
    job_id = submit_job(ws, "silent", argv(ws, "silent", "seconds=60"), {})
    wait_status(ws, job_id, "running")
    at = open_page(ws)
    at.button(key="jobs_cancel").click().run()
    assert not at.exception
    assert wait_status(ws, job_id, "cancelled").status == "cancelled"


def test_rerun_selects_the_new_job_and_delete_removes_it(ws: Settings) -> None:
    first = submit_job(ws, "ok", argv(ws, "ok"), {"x": 1})
    wait_status(ws, first, "succeeded")
    at = open_page(ws)
    at.button(key="jobs_rerun").click().run()
    second = at.session_state["jobs_selected"]
    assert second != first and job(ws, second).form_values == {"x": 1}
    assert f"as job #{second}" in at.success[0].value
    wait_status(ws, second, "succeeded")
    at.button(key="jobs_delete").click().run()
    assert job(ws, second) is not None  # Delete asks first
    at.button(key="jobs_delete_yes").click().run()
    assert not at.exception
    assert f"Deleted job #{second}" in at.success[0].value
    assert at.selectbox(key="jobs_selected").value == first


def test_open_in_builder_hands_the_form_values_to_the_page(ws: Settings) -> None:
    job_id = submit_job(
        ws,
        "train",
        argv(ws, "train", "trainer.max_epochs=1", "demo.epoch_seconds=0"),
        {"max_epochs": 1},
    )
    wait_status(ws, job_id, "succeeded", "failed")
    at = open_page(ws)
    at.button(key="jobs_open").click().run()
    assert not at.exception
    pending = at.session_state["pending_form_load"]
    assert pending["page"] == "train" and pending["values"] == {"max_epochs": 1}
    assert pending["command"].endswith("runners/train.py trainer.max_epochs=1 demo.epoch_seconds=0")
    assert [t.value for t in at.title] == ["Train"]


def test_deleted_log_is_a_clear_message(ws: Settings) -> None:
    job_id = submit_job(ws, "ok", argv(ws, "ok"), {})
    done = wait_status(ws, job_id, "succeeded")
    Path(done.log_path).unlink()
    at = open_page(ws)
    assert not at.exception
    assert "was deleted" in at.warning[0].value


def test_unusable_state_folder_is_an_error_not_a_crash(ws: Settings) -> None:
    ws.state_dir.write_text("a file where the state folder should be")
    at = open_page(ws)
    assert not at.exception
    assert "must be a writable folder" in at.error[0].value


def test_a_run_link_selects_its_job_even_after_another_selection(ws: Settings) -> None:
    first = submit_job(ws, "ok", argv(ws, "ok"), {})
    second = submit_job(ws, "ok", argv(ws, "ok"), {})
    wait_status(ws, second, "succeeded")
    at = open_page(ws)
    assert at.selectbox(key="jobs_selected").value == second
    at.query_params["job"] = str(first)
    at.run()
    assert at.selectbox(key="jobs_selected").value == first
    at.selectbox(key="jobs_selected").select(second).run()
    assert at.selectbox(key="jobs_selected").value == second  # the link is not re-applied
