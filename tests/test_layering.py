"""Layering: only `command_builder.ui` may import Streamlit (README, Architecture).

Checked in a fresh interpreter, since this test process has long imported Streamlit
through the UI tests: every module of the package outside `ui/` is imported there and
`sys.modules` must not hold `streamlit` afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

_IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import command_builder

    imported = []
    for info in pkgutil.walk_packages(command_builder.__path__, "command_builder."):
        name = info.name
        if name == "command_builder.__main__" or name.startswith("command_builder.ui"):
            continue  # __main__ runs the CLI; ui/ is where Streamlit belongs
        importlib.import_module(name)
        imported.append(name)
    streamlit = sorted(m for m in sys.modules if m == "streamlit" or m.startswith("streamlit."))
    print(json.dumps({"imported": imported, "streamlit": streamlit[:5]}))
    """
)


def _run(code: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_core_packages_do_not_import_streamlit() -> None:
    result = _run(_IMPORT_ALL)
    core = {"cli", "commands", "export", "form", "jobs", "schema", "workspace", "settings"}
    assert {name.split(".")[1] for name in result["imported"]} >= core
    assert result["streamlit"] == [], f"imported outside ui/: {result['streamlit']}"


def test_the_ui_does_import_streamlit() -> None:
    # The control: the same check sees Streamlit when it is imported.
    probe = "import json, sys, command_builder.ui.widgets\n"
    probe += "print(json.dumps({'s': 'streamlit' in sys.modules}))"
    assert _run(probe) == {"s": True}
