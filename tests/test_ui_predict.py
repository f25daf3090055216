"""AppTest: the Predict page's submission export (run submissions, uploads, errors)."""

from __future__ import annotations

import json
import os
import time

import pytest

from command_builder.settings import Settings
from command_builder.ui.export_panel import PREVIEW_KEY
from ui_apptest import has_light_element, light_table, open_app, switch_on, texts

SUBMISSION = {
    "images": {
        "b.jpg": {"words": {"0001": {"points": [[1, 2], [3.4, 4], [5, 6.6]]}}},
        "a.jpg": {"words": {}},
    }
}


def _write_submission(settings: Settings, run: str, name: str, data: object, age_s: float) -> None:
    folder = settings.root / "outputs" / run / "submissions"
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))


def test_export_is_collapsed_until_asked(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = open_app(monkeypatch, demo_settings, page="predict")
    assert at.title[0].value == "Predict"
    assert not at.radio and not has_light_element(at, PREVIEW_KEY)


def test_run_submissions_newest_first_preview_and_csv(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    _write_submission(demo_settings, "old_run", "s.json", {"images": {}}, age_s=600)
    _write_submission(demo_settings, "new_run", "s.json", SUBMISSION, age_s=5)
    at = open_app(monkeypatch, demo_settings, page="predict")
    switch_on(at, "predict.ui.export")
    chooser = at.selectbox(key="predict.ui.export_file")
    assert chooser.options[0].startswith("outputs/new_run/submissions/s.json")
    assert light_table(at, PREVIEW_KEY) == [
        {"filename": "a.jpg", "polygons": ""},
        {"filename": "b.jpg", "polygons": "1 2 3 4 5 7"},
    ]
    assert not at.dataframe  # a light table: no pandas import
    assert at.download_button(key="predict.ui.export_download").label == "Download competition CSV"


def test_bad_upload_shows_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, demo_settings: Settings
) -> None:
    at = open_app(monkeypatch, demo_settings, page="predict")
    switch_on(at, "predict.ui.export")
    at.radio(key="predict.ui.export_source").set_value("Upload a JSON file").run()
    at.file_uploader(key="predict.ui.export_upload").upload(
        "bad.json", b"{not json", "application/json"
    ).run()
    assert any("Cannot export this submission: not valid JSON" in e for e in texts(at.error))
    assert not has_light_element(at, PREVIEW_KEY)


def test_good_upload_previews(monkeypatch: pytest.MonkeyPatch, demo_settings: Settings) -> None:
    at = open_app(monkeypatch, demo_settings, page="predict")
    switch_on(at, "predict.ui.export")
    at.radio(key="predict.ui.export_source").set_value("Upload a JSON file").run()
    at.file_uploader(key="predict.ui.export_upload").upload(
        "mine.json", json.dumps(SUBMISSION).encode(), "application/json"
    ).run()
    assert not any("Cannot export" in e for e in texts(at.error))
    assert [row["polygons"] for row in light_table(at, PREVIEW_KEY)] == ["", "1 2 3 4 5 7"]
