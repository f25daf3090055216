"""The light controls (ui/light.py) in Chromium: a click takes effect, the choice outlives a
page switch, and a label from a workspace file is shown as its text, never as HTML."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from playwright.sync_api import expect
from streamlit_harness import COMMAND, expect_rerun, goto, switch

from command_builder.settings import ensure_demo_workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE_SECTION = '<img src=x onerror="window.__pwned=1"> **bold** [t](http://x)'


def _sections(page: Any) -> Any:
    return page.get_by_test_id("stMain").get_by_role("radiogroup", name="Section")


def _pick(page: Any, name: str) -> None:
    with expect_rerun(page):
        _sections(page).get_by_role("radio", name=name, exact=True).click()


def test_a_section_click_shows_it_and_the_choice_outlives_a_page_switch(page: Any) -> None:
    goto(page, "/train")
    model = _sections(page).get_by_role("radio", name="Model", exact=True)
    expect(model).to_have_attribute("aria-checked", "false")
    _pick(page, "Model")
    expect(model).to_have_attribute("aria-checked", "true")
    architecture = page.get_by_test_id("stMain").get_by_text("Architecture", exact=True)
    expect(architecture).to_be_visible()
    switch(page, "Test")
    switch(page, "Train")
    expect(_sections(page).get_by_role("radio", name="Model", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    expect(architecture).to_be_visible()


def test_a_switch_flips_on_click_and_back(page: Any) -> None:
    goto(page, "/train")
    toggle = page.get_by_test_id("stMain").get_by_role("switch", name="Edit the command")
    expect(toggle).not_to_be_checked()
    with expect_rerun(page):
        toggle.click()
    expect(toggle).to_be_checked()
    editor = page.get_by_test_id("stMain").get_by_role("textbox", name="Command text")
    expect(editor).to_be_visible()
    with expect_rerun(page):
        toggle.click()
    expect(toggle).not_to_be_checked()
    expect(editor).to_have_count(0)


def test_a_hostile_section_name_and_select_label_show_as_their_text(
    start_app: Callable[..., Any], tmp_path: Path, page: Any
) -> None:
    """A hand-edited schema names a section and labels a select with HTML and markdown: the
    segment and the select show those characters, no element is made from them, no script
    runs."""
    workspace = tmp_path / "workspace"
    shutil.copytree(ensure_demo_workspace(tmp_path / "demo-home"), workspace)
    shipped = resources.files("command_builder.schema") / "defaults" / "train.yaml"
    schema = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    for field in schema["ui_elements"]:
        if field["section"] == "Experiment":
            field["section"] = HOSTILE_SECTION
        if field["key"] == "architecture":
            field["label"] = HOSTILE_SECTION + " arch"
    schemas = workspace / "configs" / "ui_meta" / "schemas"
    schemas.mkdir(parents=True, exist_ok=True)
    (schemas / "train.yaml").write_text(yaml.safe_dump(schema), encoding="utf-8")
    app = start_app(workspace=workspace)
    goto(page, app.url + "/train")
    segment = _sections(page).get_by_role("radio", name=HOSTILE_SECTION, exact=True)
    expect(segment).to_have_text(HOSTILE_SECTION)
    _pick(page, HOSTILE_SECTION)
    expect(segment).to_have_attribute("aria-checked", "true")
    expect(page.get_by_test_id("stMain").get_by_text("Experiment name", exact=True)).to_be_visible()
    assert page.evaluate("() => window.__pwned") is None
    radios = _sections(page).get_by_role("radio")
    assert radios.evaluate_all("els => els.flatMap(el => [...el.children]).length") == 0
    _pick(page, "Model")
    select = page.get_by_test_id("stMain").get_by_role("combobox", name=HOSTILE_SECTION + " arch")
    expect(select).to_be_visible()
    assert select.evaluate("el => el.labels[0].textContent") == HOSTILE_SECTION + " arch"
    assert select.evaluate("el => el.labels[0].children.length") == 0
    assert page.evaluate("() => window.__pwned") is None


def test_the_section_picker_is_one_tab_stop_moved_by_the_arrow_keys(page: Any) -> None:
    goto(page, "/train")
    experiment = _sections(page).get_by_role("radio", name="Experiment", exact=True)
    model = _sections(page).get_by_role("radio", name="Model", exact=True)
    expect(experiment).to_have_attribute("tabindex", "0")
    expect(model).to_have_attribute("tabindex", "-1")
    experiment.focus()
    with expect_rerun(page):
        page.keyboard.press("ArrowRight")
    expect(model).to_have_attribute("aria-checked", "true")
    expect(model).to_be_focused()


def test_a_light_select_on_a_workspace_shaped_like_the_ocr_project(
    start_app: Callable[..., Any], tmp_path: Path, page: Any
) -> None:
    """The OCR project's own schema and configs (tests/fixtures/ocr_project): picking an
    architecture in its light select reaches the command, and the encoder and head
    follow its metadata (only craft's backbones, its head); its batch size slider is a
    light range whose move reaches the command."""
    fixture = Path(__file__).parents[1] / "fixtures" / "ocr_project"
    workspace = tmp_path / "ocr-project"
    for name in ("configs", "runners"):
        shutil.copytree(fixture / name, workspace / name)
    shutil.copytree(fixture / "schemas", workspace / "ui/apps/command_builder/schemas")
    app = start_app(workspace=workspace)
    goto(page, app.url + "/train")
    main = page.get_by_test_id("stMain")
    architecture = main.get_by_role("combobox", name="Architecture", exact=True)
    expect(architecture).to_have_value("dbnet")
    with expect_rerun(page):
        architecture.select_option("craft")
    command = main.locator(COMMAND)
    expect(command).to_contain_text("model/architectures=craft")
    encoder = main.get_by_role("combobox", name="Backbone (Encoder)", exact=True)
    expect(encoder.locator("option:not([disabled])")).to_have_text(["resnet18", "vgg16_bn"])
    expect(main.get_by_role("combobox", name="Head", exact=True)).to_have_value("craft_head")
    batch = main.get_by_role("slider", name="Batch Size", exact=True)  # a range in the run
    with expect_rerun(page):
        batch.fill("16")
    expect(command).to_contain_text("dataloaders.train_dataloader.batch_size=16")
    expect(batch).to_have_value("16")


def test_light_fields_commit_on_tab_and_keep_the_focus(page: Any) -> None:
    """A run of fields is one element: Tab commits the number (as Streamlit's input does),
    the rerun redraws the run in place, and the next field keeps the focus the user gave it;
    a click on a checkbox right after typing sends both changes (none is lost)."""
    goto(page, "/train")
    main = page.get_by_test_id("stMain")
    _pick(page, "Advanced")
    seed = main.get_by_role("spinbutton", name="Seed", exact=True)
    seed.fill("7")
    with expect_rerun(page):
        seed.press("Tab")
    command = main.locator(COMMAND)
    expect(command).to_contain_text("seed=7")
    wandb = main.get_by_role("checkbox", name="Use W&B", exact=True)
    expect(wandb).to_be_focused()  # the field after it, redrawn in place
    seed.fill("9")
    with expect_rerun(page):
        wandb.click()  # the seed's blur and the click: two changes before one run
    expect(command).to_contain_text("seed=9")
    expect(command).to_contain_text("logger.wandb.enabled=true")
    expect(wandb).to_be_checked()
    with expect_rerun(page):
        main.get_by_role("button", name="Reset form", exact=True).click()  # a light button too
    expect(seed).to_have_value("42")
    expect(wandb).not_to_be_checked()


def test_a_hostile_link_value_shows_as_text_in_a_light_field(page: Any) -> None:
    """A shared link sets a number field to HTML and markdown: the light field edits it as
    text, its error note quotes nothing as markup, and no element is made from it."""
    goto(page, f"/train?max_epochs={quote(HOSTILE_SECTION)}")
    _pick(page, "Training")
    main = page.get_by_test_id("stMain")
    field = main.get_by_role("textbox", name="Max epochs", exact=True)  # not a spinbutton
    expect(field).to_have_value(HOSTILE_SECTION)
    notes = page.locator(".cb-fields .cb-note")
    expect(notes.first).to_be_visible()
    assert notes.evaluate_all("els => els.flatMap(el => [...el.children]).length") == 0
    assert page.locator(".cb-fields img").count() == 0
    assert page.evaluate("() => window.__pwned") is None


DRAW_IN_ORDER_JS = """
async (order) => {
  // Streamlit (1.67) can call a light element's script with its older data after its newer
  // data while the module loads: call light.js's own draw so, on one root, as it would.
  const { default: draw } = await globalThis.commandBuilderLight;
  const root = document.createElement("div");
  const payload = (server, revision, disabled) => new TextEncoder().encode(JSON.stringify({
    server, revision,
    data: { ack: 0, fields: [{ key: "run", kind: "button", label: "Run", disabled,
                               help: "", primary: true }] },
  }));
  for (const [server, revision, disabled] of order) {
    draw({ parentElement: root, data: payload(server, revision, disabled),
           setTriggerValue: () => {} });
  }
  return root.querySelector("button").disabled;
}
"""


def test_an_element_keeps_its_newest_data_when_older_data_comes_after_it(page: Any) -> None:
    goto(page, "/train")
    newer_then_older = [["s1", 7, False], ["s1", 6, True]]
    assert page.evaluate(DRAW_IN_ORDER_JS, newer_then_older) is False  # the older one skipped
    assert page.evaluate(DRAW_IN_ORDER_JS, [["s1", 6, True], ["s1", 7, False]]) is False
    restarted = [["s1", 7, False], ["s2", 1, True]]  # a new server counts from 1 again
    assert page.evaluate(DRAW_IN_ORDER_JS, restarted) is True
