"""`command-builder serve`: run the web app, bound to loopback by default."""

from __future__ import annotations

import argparse
import sys

from ..settings import WorkspaceError, resolve_workspace


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="start the web app")
    parser.add_argument("--workspace", help="project folder (default: the embedded demo)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8501)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start Streamlit in this process (imported only here, so other subcommands stay light)."""
    try:
        settings = resolve_workspace(args.workspace)
    except WorkspaceError as exc:
        print(f"command-builder: {exc}", file=sys.stderr)
        return 2
    from ..ui.server import serve

    serve(settings, args.host, args.port)
    return 0
