// The form pages' light controls (ui/light.py): plain DOM, no React widget tree.
// Every text is set with textContent, never innerHTML: labels and options are data.
// A click updates the control at once, then tells Python (a trigger value), whose
// callback stores the choice in a plain session key; the rerun sends it back as data.

function node(parent, tag, className) {
  // The child made by an earlier render (`parent` may be a shadow root: no :scope).
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

function segments(root, data, setTriggerValue) {
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
        setTriggerValue("pick", i);
      };
      return button;
    }),
  );
  // A radio group is one tab stop; the arrow keys move the choice (WAI-ARIA radio group).
  group.onkeydown = (event) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    const buttons = [...group.children];
    const from = buttons.indexOf(group.getRootNode().activeElement); // a shadow root's focus
    if (step === undefined || from < 0) return;
    event.preventDefault();
    const to = (from + step + buttons.length) % buttons.length;
    buttons[to].focus();
    buttons[to].click();
  };
  check(data.index);
}

function toggle(root, data, setTriggerValue) {
  const button = node(root, "button", "switch");
  button.type = "button";
  button.setAttribute("role", "switch");
  button.setAttribute("aria-checked", String(data.on));
  const track = node(button, "span", "track");
  track.setAttribute("aria-hidden", "true");
  node(button, "span", "label").textContent = data.label;
  button.onclick = () => {
    const on = button.getAttribute("aria-checked") !== "true";
    button.setAttribute("aria-checked", String(on));
    setTriggerValue("flip", on);
  };
}

function select(root, data, setTriggerValue) {
  // A native <select>: the browser draws it, with its own keyboard and type-ahead.
  const field = node(root, "div", "field");
  const head = node(field, "div", "head");
  const label = node(head, "label", "label");
  label.textContent = data.label;
  label.htmlFor = "choice"; // ids are scoped to this control's shadow root
  const help = node(head, "span", "help");
  help.hidden = !data.help;
  help.textContent = "?";
  help.title = data.help; // an attribute holds text, never markup
  help.setAttribute("aria-label", `Help: ${data.help}`);
  const choice = node(field, "select", "choice");
  choice.id = "choice";
  const texts = [data.placeholder, ...data.options];
  const values = ["", ...data.values];
  const same = choice.options.length === texts.length &&
    texts.every((text, i) => choice.options[i].textContent === text) &&
    values.every((value, i) => choice.options[i].value === value);
  if (!same) {
    choice.replaceChildren(...texts.map((text, i) => {
      const option = document.createElement("option");
      option.textContent = text;
      option.value = values[i];
      return option;
    }));
    choice.options[0].disabled = true; // the placeholder: shown while nothing is chosen
  }
  choice.selectedIndex = data.index + 1;
  choice.disabled = data.disabled;
  choice.onchange = () => setTriggerValue("pick", choice.selectedIndex - 1);
}

const KINDS = { segments, toggle, select };

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  KINDS[data.kind](parentElement, data, setTriggerValue);
}
