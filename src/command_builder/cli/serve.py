"""`command-builder serve`: exec Streamlit on the app entry, bound to loopback by default."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..settings import WorkspaceError, resolve_workspace

APP_ENTRY = Path(__file__).resolve().parent.parent / "ui" / "app.py"
WORKSPACE_ENV = "COMMAND_BUILDER_WORKSPACE"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="start the web app")
    parser.add_argument("--workspace", help="project folder (default: the embedded demo)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8501)
    parser.set_defaults(func=run)


def streamlit_argv(host: str, port: int) -> list[str]:
    """Streamlit's flags: headless, no file watcher (the catalog has its own fingerprint)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_ENTRY),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]


def run(args: argparse.Namespace) -> int:
    try:
        settings = resolve_workspace(args.workspace)
    except WorkspaceError as exc:
        print(f"command-builder: {exc}", file=sys.stderr)
        return 2
    env = dict(os.environ, **{WORKSPACE_ENV: str(settings.root)})
    argv = streamlit_argv(args.host, args.port)
    os.execve(argv[0], argv, env)
    return 0  # not reached
