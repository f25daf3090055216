// The form pages' light controls (ui/light.py): plain DOM, no React widget tree.
// Every text is set with textContent, never innerHTML: labels and options are data.
// A click updates the control at once, then tells Python (a trigger value), whose
// callback stores the choice in a plain session key; the rerun sends it back as data.
//
// Served once per page load from the app's static folder (ui/light.py), not sent with every
// element; so is light_fields.css, which this module loads before its first draw.

const fieldsCss = document.createElement("link");
fieldsCss.rel = "stylesheet";
fieldsCss.href = new URL(`light_fields.css${new URL(import.meta.url).search}`, import.meta.url).href;
await new Promise((loaded) => {
  fieldsCss.onload = fieldsCss.onerror = loaded;
  document.head.appendChild(fieldsCss);
});

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
  if (field.kind === "button") {
    const button = node(box, "button", "cb-button"); // its text is its label: no <label>
    button.type = "button";
    return box;
  }
  if (field.kind === "notes") {
    node(box, "div", "cb-notes").setAttribute("aria-live", "polite"); // a status line
    return box;
  }
  if (field.kind === "segments") return box; // segments() draws its radio group
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
  if (field.kind === "notes") return drawNotes(box, field);
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

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const data = JSON.parse(utf8.decode(component.data)); // JSON bytes (ui/light.py _payload)
  fields(parentElement, data, setTriggerValue);
}
