"""Layering: only `command_builder.ui` may import Streamlit, and form/ is pure (README,
Architecture).

Checked in a fresh interpreter, since this test process has long imported Streamlit
through the UI tests: every module of the package outside `ui/` is imported there and
`sys.modules` must not hold `streamlit` afterwards.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

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


SRC = Path(__file__).resolve().parents[1] / "src" / "command_builder"

# Each part of the package, by layer: a part imports only from lower layers (or its own).
LAYERS = {
    "errors": 0,
    "__version__": 0,
    "settings": 1,
    "workspace": 2,
    "commands": 3,
    "schema": 3,  # one layer with commands: a schema's defaults come from a compose
    "export": 3,
    "form": 4,
    "jobs": 4,
    "pages": 5,
    "service": 6,
    "ui": 7,
    "cli": 8,  # `serve` starts the ui
    "__main__": 9,
}


def _runtime_imports(path: Path) -> set[str]:
    """Modules a file of command_builder imports when it runs (not under `if TYPE_CHECKING:`),
    as absolute names."""
    package = ["command_builder", *path.relative_to(SRC).parts[:-1]]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parent = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*parent, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _part(name: str) -> str | None:
    """`command_builder.form.view` -> "form"; None outside the package."""
    parts = name.split(".")
    return (
        parts[1].removesuffix(".py") if parts[0] == "command_builder" and len(parts) > 1 else None
    )


def test_every_part_imports_only_downwards() -> None:
    upward = set()
    for path in sorted(SRC.rglob("*.py")):
        own = path.relative_to(SRC).parts[0].removesuffix(".py")
        for name in _runtime_imports(path):
            part = _part(name)
            if part is not None and part != own and LAYERS[part] > LAYERS[own]:
                upward.add(f"{path.relative_to(SRC)}: {name}")
    assert len(LAYERS) > 10 and not upward, upward


def test_the_form_engine_is_pure() -> None:
    """form/ gets schemas, catalogs and indexes from its callers (command_builder.service
    loads them): it imports no loader, no settings, nothing that touches files or processes."""
    forbidden = (
        "command_builder.workspace.get_",
        "command_builder.pages",
        "command_builder.settings",
        "command_builder.service",
        "command_builder.jobs",
        "shutil",
        "subprocess",
        "streamlit",
    )
    form_dir = SRC / "form"
    offending = {
        f"{path.name}: {name}"
        for path in sorted(form_dir.glob("*.py"))
        for name in _runtime_imports(path)
        if name.startswith(forbidden)
    }
    assert form_dir.is_dir() and not offending, offending
