// The form pages' light controls (ui/light.py): plain DOM, no React widget tree.
// Every text is set with textContent, never innerHTML: labels and options are data.
// A click updates the control at once, then tells Python (a trigger value), whose
// callback stores the choice in a plain session key; the rerun sends it back as data.
//
// One file with its styles: a session's first run sends it inline (no request while the
// server is busiest), later elements carry a stub that finds it in `globalThis` (or, if
// this page never ran it, imports it from the app's static folder): see ui/light.py.

// In the page's own DOM, so every rule is under .cb-fields (or the command block, a
// Streamlit st.text in a keyed container: ui/command_panel.py); one <style> in <head>.
const STYLES = `
.st-key-command_block [data-testid="stText"],
.st-key-command_block [data-testid="stText"] * {
  font-family: "Source Code Pro", monospace;
  font-size: 0.875rem;
  line-height: 1.6;
}
.st-key-command_block [data-testid="stText"] {
  padding: 0.75rem 1rem;
  border-radius: 0.5rem;
  background: var(--st-secondary-background-color, #f0f2f6);
  white-space: pre-wrap;
  overflow-wrap: anywhere;
}
.cb-fields {
  display: flex;
  flex-direction: column;
  gap: 1rem;
  font-size: 0.875rem;
  color: var(--st-text-color, inherit);
}
.cb-fields .cb-kind-copy .cb-button {
  align-self: flex-start;
  font-size: 0.75rem;
  min-height: 1.75rem;
  padding: 0.125rem 0.625rem;
}
/* A table (light.py table): scrolls inside its box, the headings stay on top. */
.cb-fields .cb-table-box {
  max-height: 20rem;
  overflow: auto;
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
  border-radius: var(--st-base-radius, 0.5rem);
}
.cb-fields .cb-table {
  width: 100%;
  border-collapse: collapse;
}
.cb-fields .cb-table th,
.cb-fields .cb-table td {
  max-width: 32rem;
  overflow: hidden;
  text-overflow: ellipsis; /* a long cell (a run folder, an image's polygons): its tooltip */
  padding: 0.375rem 0.75rem;
  text-align: left;
  white-space: nowrap;
  border-bottom: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.1));
}
.cb-fields .cb-table th {
  position: sticky;
  top: 0;
  font-weight: 600;
  background: var(--st-secondary-background-color, #f0f2f6);
}
.cb-fields .cb-table .cb-progress progress {
  width: 5rem;
  margin-right: 0.5rem;
  vertical-align: middle;
  accent-color: var(--st-primary-color, #ff4b4b);
}
.cb-fields .cb-table tbody tr:last-child td {
  border-bottom: 0;
}
.cb-fields .cb-field {
  display: flex;
  flex-direction: column;
  gap: 0.25rem;
}
.cb-fields .cb-head {
  display: flex;
  align-items: center;
  gap: 0.5rem;
  min-height: 1.5rem;
}
.cb-fields .cb-label {
  flex: 1;
}
.cb-fields .cb-kind-checkbox .cb-head,
.cb-fields .cb-kind-switch .cb-head {
  justify-content: flex-start;
}
.cb-fields .cb-kind-checkbox .cb-label,
.cb-fields .cb-kind-switch .cb-label {
  flex: none;
  cursor: pointer;
}
.cb-fields .cb-kind-info .cb-label {
  flex: none;
  font-weight: 600;
}
.cb-fields .cb-kind-info .cb-head {
  display: block; /* "Label: text" wraps as one line of text */
  font-size: 1rem;
}
.cb-fields .cb-help {
  display: inline-flex;
  justify-content: center;
  align-items: center;
  width: 1rem;
  height: 1rem;
  border: 1px solid currentColor;
  border-radius: 50%;
  font-size: 0.6875rem;
  opacity: 0.6;
  cursor: help;
}
.cb-fields .cb-help[hidden] {
  display: none;
}
.cb-fields .cb-control {
  font: inherit;
  font-size: 0.875rem;
  color: inherit;
  box-sizing: border-box;
  width: 100%;
  min-height: 2.5rem;
  padding: 0 0.75rem;
  border: 1px solid var(--st-secondary-background-color, #f0f2f6);
  border-radius: var(--st-base-radius, 0.5rem);
  background: var(--st-secondary-background-color, #f0f2f6);
}
.cb-fields textarea.cb-control {
  min-height: 5.5rem;
  padding: 0.5rem 0.75rem;
  resize: vertical;
}
.cb-fields input[type="checkbox"].cb-control {
  width: 1rem;
  min-height: 1rem;
  height: 1rem;
  margin: 0;
  accent-color: var(--st-primary-color, #ff4b4b);
}
/* A switch: a checkbox (role=switch) drawn as a track with a knob, as Streamlit's toggle. */
.cb-fields .cb-kind-switch input.cb-control {
  appearance: none;
  position: relative;
  flex: none;
  width: 2rem;
  height: 1.125rem;
  min-height: 1.125rem;
  margin: 0;
  padding: 0;
  border: 0;
  border-radius: 1rem;
  background: var(--st-border-color, rgba(49, 51, 63, 0.3));
  cursor: pointer;
  transition: background 0.1s;
}
.cb-fields .cb-kind-switch input.cb-control::after {
  content: "";
  position: absolute;
  top: 0.125rem;
  left: 0.125rem;
  width: 0.875rem;
  height: 0.875rem;
  border-radius: 50%;
  background: #fff;
  transition: left 0.1s;
}
.cb-fields .cb-kind-switch input.cb-control:checked {
  background: var(--st-primary-color, #ff4b4b);
}
.cb-fields .cb-kind-switch input.cb-control:checked::after {
  left: 1rem;
}
.cb-fields .cb-control:focus-visible {
  outline: 2px solid var(--st-primary-color, #ff4b4b);
}
.cb-fields .cb-control:disabled {
  opacity: 0.6;
}
.cb-fields .cb-notes:empty {
  display: none;
}
.cb-fields .cb-note {
  margin: 0.25rem 0 0;
  font-size: 0.875rem;
  line-height: 1.5;
  white-space: pre-wrap;
}
.cb-fields .cb-note-error {
  color: var(--st-red-color, #ff2b2b);
}
.cb-fields .cb-note-success {
  color: var(--st-green-color, #21c354);
}
.cb-fields .cb-note-muted {
  opacity: 0.6;
}
.cb-fields .cb-note-info,
.cb-fields .cb-note-warning,
.cb-fields .cb-note-effect {
  padding: 0.5rem 0.75rem;
  border-radius: var(--st-base-radius, 0.5rem);
}
.cb-fields .cb-note-info {
  background: rgba(28, 131, 225, 0.1);
}
.cb-fields .cb-note-warning {
  background: rgba(255, 189, 69, 0.2);
}
.cb-fields .cb-note-effect {
  font-family: var(--st-code-font, monospace);
  font-size: 0.8125rem;
  background: var(--st-secondary-background-color, #f0f2f6);
}
.cb-fields .cb-button {
  align-self: flex-start;
  font: inherit;
  font-size: 0.875rem;
  color: inherit;
  min-height: 2.5rem;
  padding: 0.25rem 0.75rem;
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
  border-radius: var(--st-base-radius, 0.5rem);
  background: var(--st-background-color, transparent);
  cursor: pointer;
}
.cb-fields .cb-button:hover {
  border-color: var(--st-primary-color, #ff4b4b);
  color: var(--st-primary-color, #ff4b4b);
}
.cb-fields .cb-button:focus-visible {
  outline: 2px solid var(--st-primary-color, #ff4b4b);
}
.cb-fields .cb-button:disabled {
  opacity: 0.6;
  cursor: not-allowed;
}
.cb-fields .cb-button.cb-primary {
  color: #fff;
  border-color: var(--st-primary-color, #ff4b4b);
  background: var(--st-primary-color, #ff4b4b);
}
.cb-fields .cb-button.cb-primary:hover {
  color: #fff;
  filter: brightness(0.95);
}
.cb-fields .segments {
  display: flex;
  flex-wrap: wrap;
  gap: 0.25rem;
}
.cb-fields .segments button {
  font: inherit;
  font-size: 0.875rem;
  color: inherit;
  cursor: pointer;
  padding: 0 1rem;
  min-height: 2.5rem;
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
  border-radius: var(--st-base-radius, 0.5rem);
  background: var(--st-background-color, transparent);
}
.cb-fields .segments button:hover {
  border-color: var(--st-primary-color, #ff4b4b);
}
.cb-fields .segments button[aria-checked="true"] {
  border-color: var(--st-primary-color, #ff4b4b);
  color: var(--st-primary-color, #ff4b4b);
  background: color-mix(in srgb, var(--st-primary-color, #ff4b4b) 12%, transparent);
}
.cb-fields .segments button:focus-visible {
  outline: 2px solid var(--st-primary-color, #ff4b4b);
  outline-offset: 1px;
}
.cb-fields input[type="range"].cb-control {
  padding: 0;
  background: none;
  border: 0;
  accent-color: var(--st-primary-color, #ff4b4b);
}
.cb-fields .cb-readout {
  font-variant-numeric: tabular-nums;
}
`;

{
  // Set again by a newer release's code (a tab that outlived a server upgrade).
  let sheet = document.getElementById("command-builder-light");
  if (!sheet) {
    sheet = document.createElement("style");
    sheet.id = "command-builder-light";
    document.head.appendChild(sheet);
  }
  sheet.textContent = STYLES;
}

function node(parent, tag, className) {
  // The child made by an earlier render.
  let el = [...parent.children].find(
    (child) => child.localName === tag && child.classList.contains(className),
  );
  if (!el) {
    el = document.createElement(tag);
    el.className = className;
    parent.appendChild(el);
  }
  return el;
}

function segments(root, data, pick) {
  const group = node(root, "div", "segments");
  group.setAttribute("role", "radiogroup");
  group.setAttribute("aria-label", data.label);
  const check = (chosen) => {
    for (const [i, button] of [...group.children].entries()) {
      button.setAttribute("aria-checked", String(i === chosen));
      button.tabIndex = i === chosen ? 0 : -1;
    }
  };
  const same = group.children.length === data.options.length &&
    data.options.every((option, i) => group.children[i].textContent === option);
  if (!same) group.replaceChildren( // the same options keep their buttons (and the focus)
    ...data.options.map((option, i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "radio");
      button.textContent = option;
      button.onclick = () => {
        check(i);
        pick(i);
      };
      return button;
    }),
  );
  // A radio group is one tab stop; the arrow keys move the choice (WAI-ARIA radio group).
  group.onkeydown = (event) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    const buttons = [...group.children];
    const from = buttons.indexOf(document.activeElement);
    if (step === undefined || from < 0) return;
    event.preventDefault();
    const to = (from + step + buttons.length) % buttons.length;
    buttons[to].focus();
    buttons[to].click();
  };
  check(data.index);
}

// ------------------------------------------------------------------ fields
// A run of form fields in one element. Each field's box is kept across renders (by key and
// kind), so the focus stays where it was when a change reruns the page. A change is sent
// with every change the server has not applied yet (its `ack`): see light.py _new_changes.
const SENT = new WeakMap(); // root -> {seq, pending: Map(field key -> [seq, value])}

function fields(root, data, setTriggerValue) {
  let sent = SENT.get(root);
  if (!sent) SENT.set(root, (sent = { seq: data.ack, pending: new Map() }));
  sent.seq = Math.max(sent.seq, data.ack);
  for (const [key, [seq]] of sent.pending) if (seq <= data.ack) sent.pending.delete(key);
  const commit = (key, value) => {
    sent.seq += 1;
    sent.pending.set(key, [sent.seq, value]);
    setTriggerValue("change", [...sent.pending].map(([k, [seq, v]]) => [seq, k, v]));
  };
  const list = node(root, "div", "cb-fields");
  const boxes = new Map([...list.children].map((box) => [box.dataset.id, box]));
  const drawn = data.fields.map((field) => {
    const id = `${field.kind}:${field.key}`;
    const box = boxes.get(id) || newField(id, field);
    drawField(box, field, sent.pending.has(field.key), commit);
    return box;
  });
  // Drop the boxes no longer drawn, then put each drawn one in its place; a box already in
  // place is not moved (moving a node drops its focus: a section pick by the arrow keys).
  for (const box of [...list.children]) if (!drawn.includes(box)) box.remove();
  drawn.forEach((box, i) => {
    if (list.children[i] !== box) list.insertBefore(box, list.children[i] || null);
  });
}

const CONTROL = {
  text: "input", number: "input", area: "textarea", checkbox: "input", switch: "input",
  select: "select", range: "input",
};

function newField(id, field) {
  const box = document.createElement("div");
  box.className = `cb-field cb-kind-${field.kind}`;
  box.dataset.id = id;
  if (field.kind === "button" || field.kind === "copy") {
    const button = node(box, "button", "cb-button"); // its text is its label: no <label>
    button.type = "button";
    return box;
  }
  if (field.kind === "notes") {
    node(box, "div", "cb-notes").setAttribute("aria-live", "polite"); // a status line
    return box;
  }
  if (field.kind === "segments") return box; // segments() draws its radio group
  if (field.kind === "table") {
    node(node(box, "div", "cb-table-box"), "table", "cb-table");
    return box;
  }
  const head = node(box, "div", "cb-head");
  const label = node(head, "label", "cb-label");
  if (field.kind === "info") return box;
  const control = document.createElement(CONTROL[field.kind]);
  control.className = "cb-control";
  control.id = `cb-${Math.random().toString(36).slice(2)}-${field.key}`;
  label.htmlFor = control.id;
  if (field.kind === "checkbox" || field.kind === "switch") {
    control.type = "checkbox";
    if (field.kind === "switch") control.setAttribute("role", "switch"); // drawn as a track
    head.prepend(control); // the box before its label, as in Streamlit
  } else {
    if (field.kind === "text") control.type = "text";
    if (field.kind === "number") control.type = "number";
    if (field.kind === "range") {
      control.type = "range";
      node(head, "output", "cb-readout").htmlFor = control.id; // the value, as it moves
    }
    box.appendChild(control);
  }
  const notes = node(box, "div", "cb-notes");
  notes.id = `${control.id}-notes`;
  control.setAttribute("aria-describedby", notes.id); // a reader hears the notes with the field
  return box;
}

function drawField(box, field, pending, commit) {
  if (field.kind === "button") {
    const button = box.querySelector(".cb-button");
    button.textContent = field.label;
    button.title = field.help;
    button.disabled = field.disabled;
    button.classList.toggle("cb-primary", field.primary);
    button.onclick = () => commit(field.key, true);
    return;
  }
  if (field.kind === "copy") return drawCopy(box.querySelector(".cb-button"), field);
  if (field.kind === "notes") return drawNotes(box, field);
  if (field.kind === "table") return drawTable(box.querySelector(".cb-table"), field);
  if (field.kind === "segments") {
    const row = { label: field.label, options: field.options, index: field.value };
    return segments(box, row, (i) => commit(field.key, i));
  }
  const label = box.querySelector(".cb-label");
  label.textContent = field.label;
  const help = node(box.firstChild, "span", "cb-help");
  help.hidden = !field.help;
  help.textContent = "?";
  help.title = field.help; // an attribute holds text, never markup
  help.setAttribute("aria-label", `Help: ${field.help}`);
  if (field.kind === "info") {
    label.textContent = `${field.label}: `;
    node(box.firstChild, "span", "cb-text").textContent = field.value;
    return;
  }
  const control = box.querySelector(".cb-control");
  control.disabled = field.disabled;
  if (field.kind === "checkbox" || field.kind === "switch") {
    if (!pending) control.checked = field.value;
    control.onchange = () => commit(field.key, control.checked);
  } else if (field.kind === "range") {
    drawRange(control, box.querySelector(".cb-readout"), field, pending, commit);
  } else if (field.kind === "select") {
    drawOptions(control, field);
    if (!pending) control.selectedIndex = field.value + 1;
    control.onchange = () => commit(field.key, control.selectedIndex - 1);
  } else {
    drawText(control, field, pending, commit);
  }
  drawNotes(box, field);
}

const COPIED = new Map(); // field key -> [text, until]: a redraw (a new node) keeps showing it

function drawCopy(button, field) {
  // Copies its value (the command) here in the browser: nothing goes to the server.
  const [text, until] = COPIED.get(field.key) || ["", 0];
  const left = until - Date.now();
  button.textContent = left > 0 ? text : field.label;
  if (left > 0) setTimeout(() => drawCopy(button, field), left);
  button.onclick = async () => {
    const copied = await copyText(field.value);
    COPIED.set(field.key, [copied ? "Copied" : "Select it and copy", Date.now() + 1500]);
    drawCopy(button, field);
  };
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return copyBySelection(text); // no clipboard API here (not a secure context)
  }
}

function copyBySelection(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

function drawTable(table, field) {
  // Its box is kept across redraws, and with it where the user scrolled to.
  table.setAttribute("aria-label", field.label);
  const row = (tag, texts) => {
    const tr = document.createElement("tr");
    tr.append(...texts.map((text) => {
      const cell = document.createElement(tag);
      if (tag === "th") cell.scope = "col";
      if (typeof text === "number") return progressCell(cell, text);
      cell.textContent = text;
      if (tag === "td") cell.title = text; // an attribute holds text, never markup
      return cell;
    }));
    return tr;
  };
  node(table, "thead", "cb-table-head").replaceChildren(row("th", field.columns));
  node(table, "tbody", "cb-table-body").replaceChildren(...field.value.map((texts) => row("td", texts)));
}

function progressCell(cell, fraction) {
  // A fraction done (light.py table): a bar and its percentage.
  const percent = `${Math.round(fraction * 100)}%`;
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = fraction;
  bar.setAttribute("aria-label", percent);
  const text = document.createElement("span");
  text.textContent = percent;
  cell.className = "cb-progress";
  cell.append(bar, text);
  return cell;
}

function drawNotes(box, field) {
  const notes = box.querySelector(".cb-notes");
  notes.replaceChildren(...field.notes.map(([tone, text]) => {
    const line = document.createElement(tone === "effect" ? "pre" : "p");
    line.className = `cb-note cb-note-${tone}`;
    if (tone === "info" || tone === "warning") line.setAttribute("role", "alert"); // as st.warning
    line.textContent = text;
    return line;
  }));
}

function drawText(control, field, pending, commit) {
  // Committed on blur and on Enter (Ctrl+Enter in a text area), as Streamlit's text inputs are.
  const typing = control.getRootNode().activeElement === control && control.value !== control.dataset.shown;
  if (!pending && !typing && control.value !== field.value) control.value = field.value;
  control.dataset.shown = field.value;
  control.maxLength = field.maxLength;
  control.placeholder = field.placeholder;
  if (field.kind === "number") control.step = field.step || "any";
  const send = () => {
    if (control.value === control.dataset.shown) return;
    control.dataset.shown = control.value;
    commit(field.key, control.value);
  };
  control.onblur = send;
  control.onkeydown = (event) => {
    if (event.key === "Enter" && (field.kind !== "area" || event.ctrlKey || event.metaKey)) send();
  };
}

function drawRange(control, readout, field, pending, commit) {
  // Sent when the thumb is let go (a "change"), as Streamlit's slider does; the readout
  // follows it while it moves.
  control.min = field.low;
  control.max = field.high;
  control.step = field.step || "any";
  if (!pending) control.value = field.value;
  readout.textContent = control.value;
  control.oninput = () => { readout.textContent = control.value; };
  control.onchange = () => commit(field.key, control.value);
}

function drawOptions(choice, field) {
  const texts = [field.placeholder, ...field.options];
  const values = ["", ...field.values];
  const same = choice.options.length === texts.length &&
    texts.every((text, i) => choice.options[i].textContent === text) &&
    values.every((value, i) => choice.options[i].value === value);
  if (same) return;
  choice.replaceChildren(...texts.map((text, i) => {
    const option = document.createElement("option");
    option.textContent = text;
    option.value = values[i];
    return option;
  }));
  choice.options[0].disabled = true; // the placeholder: shown while nothing is chosen
}

const utf8 = new TextDecoder();
const DRAWN = new WeakMap(); // root -> {server, revision} of the data it shows

// Streamlit can call this with an element's older data after its newer data while the
// module loads (ui/light.py _payload): an older revision from the same server is skipped.
function isStale(root, { server, revision }) {
  const drawn = DRAWN.get(root);
  if (drawn && drawn.server === server && revision < drawn.revision) return true;
  DRAWN.set(root, { server, revision });
  return false;
}

export default function draw(component) {
  const { parentElement, setTriggerValue } = component;
  const payload = JSON.parse(utf8.decode(component.data)); // JSON bytes (ui/light.py _payload)
  if (!isStale(parentElement, payload)) fields(parentElement, payload.data, setTriggerValue);
}

globalThis.commandBuilderLight = Promise.resolve({ default: draw }); // for the stubs
