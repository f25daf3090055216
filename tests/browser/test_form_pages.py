"""The form pages in Chromium: state across pages, recommendations, checkpoints, command edits,
shared links, and the submission export (download checked byte for byte)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from streamlit_harness import COMMAND, expect_rerun, goto, switch, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUBMISSION = {
    "images": {
        "b.jpg": {
            "words": {
                "1": {"points": [[1, 2], [3.4, 4], [5, 6.6]]},
                "2": {"points": [[0, 0], [10, 0], [10, 10], [0, 10]]},
            }
        },
        "a.jpg": {"words": {}},
    }
}
EXPECTED_CSV = "filename,polygons\na.jpg,\nb.jpg,1 2 3 4 5 7|0 0 10 0 10 10 0 10\n"


def _main(page: Any) -> Any:
    return page.get_by_test_id("stMain")


def _text_field(page: Any, label: str) -> Any:
    return _main(page).get_by_role("textbox", name=label, exact=True)


def _fill(page: Any, label: str, value: str) -> None:
    """Type into a text input and commit it (Enter), as a user does."""
    field = _text_field(page, label)
    field.fill(value)
    field.press("Enter")


def _command(page: Any) -> Any:
    return _main(page).locator(COMMAND)


def _choose(page: Any, label: str, option_text: str) -> None:
    """Pick, in the form's select labelled `label` (a native <select>), the first option whose
    text contains `option_text`, and wait for the run that follows."""
    choice = _main(page).get_by_role("combobox", name=label, exact=True)
    option = choice.locator("option", has_text=option_text).first
    expect(option).to_be_attached()  # the list may still be on its way (a refresh's rerun)
    with expect_rerun(page):
        choice.select_option(label=option.text_content())


def _section(page: Any, name: str) -> None:
    """Show a section of the form (a segment of the "Section" control)."""
    _main(page).get_by_role("radiogroup", name="Section").get_by_role(
        "radio", name=name, exact=True
    ).click()


def _train_run(workspace: Path, name: str, architecture: str, encoder: str) -> None:
    """A real demo training run: Hydra run folder, recorded config, checkpoints."""
    subprocess.run(
        [
            sys.executable,
            "runners/train.py",
            f"exp_name={name}",
            f"model/architectures={architecture}",
            f"model.component_overrides.encoder.model_name={encoder}",
            "trainer.max_epochs=1",
        ],
        cwd=workspace,
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_values_survive_page_switches_and_reload(page: Any) -> None:
    goto(page, "/train")
    _fill(page, "Experiment name", "receipts_v3")
    expect(_command(page)).to_contain_text("exp_name=receipts_v3")
    _section(page, "Training")
    field = _main(page).get_by_role("spinbutton", name="Max epochs", exact=True)
    field.fill("33")
    field.press("Enter")
    expect(_command(page)).to_contain_text("trainer.max_epochs=33")
    switch(page, "Test")
    _fill(page, "Experiment name", "eval_side")
    expect(_command(page)).to_contain_text("exp_name=eval_side")
    switch(page, "Predict")
    switch(page, "Train")
    expect(_command(page)).to_contain_text("exp_name=receipts_v3")
    expect(_main(page).get_by_role("spinbutton", name="Max epochs", exact=True)).to_have_value("33")
    switch(page, "Test")
    expect(_text_field(page, "Experiment name")).to_have_value("eval_side")
    page.reload()
    wait_idle(page)
    expect(_text_field(page, "Experiment name")).to_have_value("eval_side")


def test_recommendation_applies_in_one_click(page: Any) -> None:
    goto(page, "/train")
    _section(page, "Model")
    _choose(page, "Architecture", "dbnetpp")  # the project's files have no labels: stems
    page.locator(".st-key-use_case_dbnetpp_balanced").get_by_role("button", name="Apply").click()
    # the card's notice (other info alerts, e.g. a field's reset notice, may show too)
    notice = _main(page).get_by_test_id("stAlertContentInfo").filter(has_text="Applied “Balanced”")
    expect(notice).to_be_visible()
    expect(_command(page)).to_contain_text("model/architectures=dbnetpp")
    expect(_command(page)).to_contain_text("model/optimizers=adamw")


def test_checkpoint_fills_components_and_warns_on_mismatch(page: Any, app_server: Any) -> None:
    _train_run(app_server.workspace, "craft_ckpt", "craft", "vgg16_bn")
    goto(page, "/test")
    page.get_by_test_id("stSidebar").get_by_role("button", name="Refresh").click()
    wait_idle(page)
    _choose(page, "Checkpoint", "craft_ckpt")
    expect(_main(page).get_by_test_id("stAlertContentInfo")).to_contain_text(
        "Filled from the checkpoint's run: Architecture, Encoder"
    )
    expect(_command(page)).to_contain_text("model/architectures=craft")
    expect(_command(page)).to_contain_text("model.component_overrides.encoder.model_name=vgg16_bn")
    _section(page, "Model")
    _choose(page, "Encoder", "resnet50")  # the warning shows next to the field that differs
    encoder = _main(page).get_by_role("combobox", name="Encoder", exact=True)
    expect(encoder).to_have_accessible_description(re.compile("used vgg16_bn"))
    expect(_main(page).get_by_role("alert").filter(has_text="used vgg16_bn")).to_be_visible()


def test_edited_command_flows_into_the_form(page: Any) -> None:
    goto(page, "/train")
    _main(page).get_by_text("Edit the command", exact=True).click()
    editor = _main(page).get_by_role("textbox", name="Command text")
    expect(editor).to_have_value(_command(page).inner_text().replace("\n", " ").strip())
    editor.fill(editor.input_value() + " exp_name=typed_in_command")
    editor.press("Control+Enter")
    expect(_text_field(page, "Experiment name")).to_have_value("typed_in_command")
    editor.fill("python runners/nope.py")
    editor.press("Control+Enter")
    expect(
        _main(page)
        .get_by_test_id("stAlertContentError")
        .filter(has_text="Cannot read this command")
    ).to_be_visible()
    expect(_text_field(page, "Experiment name")).to_have_value("typed_in_command")


def test_copy_puts_the_command_on_screen_on_the_clipboard(page: Any, app_server: Any) -> None:
    """The command is plain text (no syntax highlighter to load); Copy copies it in the
    browser, exactly as shown."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server.url)
    goto(page, "/train?exp_name=copied_run")
    expect(_command(page)).to_contain_text("exp_name=copied_run")
    _main(page).get_by_role("button", name="Copy", exact=True).click()
    copy = _main(page).locator(".cb-kind-copy").get_by_role("button")  # its name changes
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == _command(page).text_content()
    expect(_main(page).get_by_test_id("stCode")).to_have_count(0)


def test_shared_link_restores_the_form_in_a_new_browser(
    page: Any, browser: Any, app_server: Any
) -> None:
    goto(page, "/train")
    _fill(page, "Experiment name", "shared run")
    _section(page, "Advanced")
    seed = _main(page).get_by_role("spinbutton", name="Seed", exact=True)
    seed.fill("7")
    seed.press("Enter")
    expect(_command(page)).to_contain_text("seed=7")
    expect(page).to_have_url(re.compile(r"exp_name=shared.*seed=7"))
    link = page.url
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        goto(fresh, link)
        expect(_text_field(fresh, "Experiment name")).to_have_value("shared run")
        expect(_command(fresh)).to_contain_text("seed=7")
    finally:
        other.close()


def test_export_rejects_bad_json_and_downloads_the_csv(page: Any, tmp_path: Path) -> None:
    goto(page, "/predict")
    _main(page).get_by_text("Export a submission to the competition CSV").click()
    _main(page).get_by_text("Upload a JSON file").click()
    uploader = _main(page).get_by_test_id("stFileUploaderDropzoneInput")
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"images": {"x.jpg": {"words": {"1": {"points": [[1, 2]]}}}}}', encoding="utf-8"
    )
    uploader.set_input_files(str(bad))
    expect(
        _main(page)
        .get_by_test_id("stAlertContentError")
        .filter(has_text="Cannot export this submission")
    ).to_contain_text("at least 3 points")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(SUBMISSION), encoding="utf-8")
    uploader.set_input_files(str(good))
    preview = _main(page).get_by_role("table", name="Competition CSV preview")
    expect(preview.get_by_role("columnheader")).to_have_text(["filename", "polygons"])
    expect(preview.get_by_role("row")).to_have_count(1 + len(SUBMISSION["images"]))
    with page.expect_download() as download:
        _main(page).get_by_role("button", name="Download competition CSV").click()
    assert download.value.suggested_filename == "good.csv"
    assert Path(download.value.path()).read_text(encoding="utf-8") == EXPECTED_CSV
