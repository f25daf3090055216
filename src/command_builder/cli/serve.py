"""`command-builder serve`: run the web app, bound to loopback by default."""

from __future__ import annotations

import argparse
import sys

from ..settings import WorkspaceError, resolve_workspace


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
