"""`command-builder serve` with Streamlit config overrides, for page_switch.py --compare-config.

    python benchmarks/serve_with_config.py runner.postScriptGC=true -- serve --port 8600 ...
    python benchmarks/serve_with_config.py py:command_builder.ui.context.REVALIDATE_EVERY_S=1e9 -- serve ...

The app's server passes its own flag options to Streamlit's bootstrap, where
flags win over config files and STREAMLIT_* variables are not read. So this
wrapper merges the overrides into every `bootstrap.load_config_options` call
(and also exports them as STREAMLIT_* variables, for a server that execs
`streamlit run` instead).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from typing import Any


def parse_value(text: str) -> Any:
    """true/false, integers, floats and JSON lists as such; anything else as the text."""
    if text.strip().startswith("["):
        return json.loads(text)
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_overrides(items: list[str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"serve_with_config: expected KEY=VALUE, got {item!r}")
        overrides[key.strip()] = parse_value(value)
    return overrides


def env_name(key: str) -> str:
    """Streamlit's variable for an option: runner.postScriptGC -> STREAMLIT_RUNNER_POST_SCRIPT_GC."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key.replace(".", "_"))
    return "STREAMLIT_" + snake.upper()


def log_messages(path: str) -> None:
    """Append one JSON line per ForwardMsg the server enqueues: [type, element/block + delta path, bytes].
    For inventories (what a page switch sends), not for timing: it slows every message."""
    import threading

    from streamlit.runtime import app_session

    original = app_session.AppSession._enqueue_forward_msg
    out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the server
    lock = threading.Lock()

    def enqueue(self: Any, msg: Any) -> None:
        kind, detail = msg.WhichOneof("type"), ""
        if kind == "delta":
            delta = msg.delta
            which = delta.WhichOneof("type")
            if which == "new_element":
                detail = delta.new_element.WhichOneof("type") or ""
            elif which == "add_block":
                detail = "block:" + (delta.add_block.WhichOneof("type") or "vertical")
            else:
                detail = which or ""
            detail += " " + ".".join(map(str, msg.metadata.delta_path))
        with lock:
            out.write(json.dumps([kind, detail, msg.ByteSize()]) + "\n")
            out.flush()
        original(self, msg)

    app_session.AppSession._enqueue_forward_msg = enqueue


def install(overrides: dict[str, Any]) -> None:
    """Streamlit options go to bootstrap; `py:package.module.NAME` items set a module attribute
    (an experiment switch such as a cache interval) before the app starts; `log-messages=PATH`
    logs every ForwardMsg (see log_messages)."""
    if "log-messages" in overrides:
        log_messages(str(overrides.pop("log-messages")))
    for key in [k for k in overrides if k.startswith("py:")]:
        module_name, _, attribute = key[3:].rpartition(".")
        module = importlib.import_module(module_name)
        if not hasattr(module, attribute):
            raise SystemExit(f"serve_with_config: {module_name} has no attribute {attribute}")
        current = getattr(module, attribute)  # the value as the attribute's own type
        value = overrides.pop(key)
        setattr(module, attribute, type(current)(value) if isinstance(value, str) else value)

    from streamlit.web import bootstrap

    original = bootstrap.load_config_options

    def load_config_options(flag_options: dict[str, Any]) -> None:
        original({**flag_options, **overrides})

    bootstrap.load_config_options = load_config_options
    for key, value in overrides.items():
        os.environ[env_name(key)] = str(value).lower() if isinstance(value, bool) else str(value)


def main(argv: list[str]) -> int:
    if "--" not in argv:
        raise SystemExit("usage: serve_with_config.py KEY=VALUE... -- <command-builder args>")
    split = argv.index("--")
    install(parse_overrides(argv[:split]))
    from command_builder.cli import main as cli_main

    return cli_main(argv[split + 1 :])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
