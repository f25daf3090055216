"""The replica's Test page with its form, and its command controls, each drawn by ONE element.

    R=benchmarks/layout_variants
    .venv/bin/python benchmarks/page_switch.py --tuned-floor --rounds 30 --first-page-runs 1 \
        --script replica=$R/replica.py::none --script light-form=$R/light_form.py \
        --script keep-checkpoint=$R/light_form.py::keep-checkpoint \
        --script keep-controls=$R/light_form.py::keep-controls

An experiment, not the app: what the page would cost if its fields were plain DOM drawn
by one components-v2 element instead of one Streamlit widget each. The same parts as
replica.py (section row, the no-checkpoint link, Checkpoint, "Required", two text inputs,
Reset form; Edit the command, Run, its status line, Composed config), the same title,
columns, code block and sidebar. The fields' labels carry Streamlit's label test id, so
the benchmark's markers ("Checkpoint", "Experiment name") are found inside the element:
"visible" includes the frame the element's script takes to draw.

`::` options (comma-separated): keep-checkpoint (section row, link, Checkpoint and its
caption stay Streamlit/light.py elements), keep-controls (the command controls stay as the
app draws them), isolate (the elements in shadow roots, as light.py's are).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import streamlit as st

from command_builder.ui import light

OPTIONS = set(sys.argv[1].split(",")) if len(sys.argv) > 1 else set()

JS = r"""
export default function (component) {
  const { parentElement, data } = component;
  let root = parentElement.querySelector(':scope > .lf');
  if (!root) {
    root = document.createElement('div');
    root.className = 'lf';
    parentElement.appendChild(root);
  }
  root.textContent = '';
  const add = (parent, tag, cls, text) => {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined) el.textContent = text;
    parent.appendChild(el);
    return el;
  };
  for (const field of data.fields) {
    const box = add(root, 'div', 'lf-field');
    if (field.kind === 'segments') {
      const row = add(box, 'div', 'lf-row');
      for (const option of field.options) add(row, 'button', '', option);
    } else if (field.kind === 'button') {
      add(box, 'button', '', field.label);
    } else if (field.kind === 'caption') {
      add(box, 'p', 'lf-caption', field.label);
    } else if (field.kind === 'toggle') {
      const label = add(box, 'label');
      add(label, 'input').type = 'checkbox';
      label.appendChild(document.createTextNode(' ' + field.label));
    } else {
      add(box, 'label', '', field.label).setAttribute('data-testid', 'stWidgetLabel');
      const input = add(box, field.kind === 'select' ? 'select' : 'input');
      for (const option of field.options || []) add(input, 'option', '', option);
    }
  }
}
"""
CSS = """
.lf { display: flex; flex-direction: column; gap: 0.75rem; font-family: inherit; }
.lf-field label { display: block; font-size: 14px; margin-bottom: 4px; }
.lf-field input:not([type=checkbox]), .lf-field select {
  width: 100%; height: 40px; box-sizing: border-box; border-radius: 8px;
  border: 1px solid #ccc; padding: 0 12px;
}
.lf-row { display: flex; gap: 4px; }
.lf-row button, .lf-field > button {
  border-radius: 8px; border: 1px solid #ccc; padding: 6px 12px; background: white;
}
.lf-caption { font-size: 14px; color: #777; margin: 0; }
"""
FIELDS = st.components.v2.component("layout_variants.light_form", js=JS, css=CSS)

SECTION_ROW = [
    {"kind": "segments", "options": ["Experiment", "Data", "Run"]},
    {"kind": "caption", "label": "No checkpoints in this workspace yet: train one first"},
    {"kind": "select", "label": "Checkpoint", "options": []},
    {"kind": "caption", "label": "Required"},
]
INPUTS = [
    {"kind": "text", "label": "Experiment name"},
    {"kind": "text", "label": "Output folder"},
    {"kind": "button", "label": "Reset form"},
]
CONTROLS = [
    {"kind": "toggle", "label": "Edit the command"},
    {"kind": "button", "label": "Run"},
    {"kind": "caption", "label": "To fill in before Run: Checkpoint."},
    {"kind": "toggle", "label": "Composed config"},
]


def _draw(key: str, fields: list[dict[str, object]]) -> None:
    FIELDS(key=key, data={"fields": fields}, isolate_styles="isolate" in OPTIONS)


def _form(first_page: st.Page) -> None:
    if "keep-checkpoint" in OPTIONS:
        light.segments("Section", ["Experiment", "Data", "Run"], key="section")
        st.page_link(first_page, label="No checkpoints in this workspace yet: train one first")
        st.selectbox("Checkpoint", [], key="checkpoint", placeholder="No checkpoints yet")
        st.caption("Required")
        _draw("form", INPUTS)
    else:
        _draw("form", SECTION_ROW + INPUTS)


def _command() -> None:
    st.code("python runners/test.py exp_name=ocr_demo", language="bash", wrap_lines=True)
    if "keep-controls" in OPTIONS:
        light.toggle("Edit the command", key="edit")
        st.button("Run", type="primary", disabled=True, key="run")
        st.caption("To fill in before Run: Checkpoint.")
        light.toggle("Composed config", key="config")
    else:
        _draw("controls", CONTROLS)


def _page(name: str) -> Callable[[], None]:
    def page() -> None:
        st.title(name)
        form, command = st.columns([3, 2], gap="large")
        with command:
            _command()
        with form:
            _form(PAGES[0])

    page.__name__ = name.lower()
    return page


PAGES = [
    st.Page(_page(name), title=name, url_path=name.lower(), default=name == "Train")
    for name in ("Train", "Test", "Predict")
]
current = st.navigation(PAGES)
with st.sidebar:
    st.caption("Workspace: /home/user/ocr-project")
    st.button("Refresh", help="Re-read the configs and rescan checkpoints now.")
current.run()
