"""`command-builder`: one parser, one module per family of subcommands.

Each module exposes ``register(subparsers)`` and sets ``func`` on its parser;
``func(args) -> int`` is the exit code. Nothing here imports Streamlit: ``serve``
execs ``streamlit run`` in a new process image.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import serve

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _optional_modules() -> list:
    """Subcommand modules; each layer adds its own when it lands."""
    modules = [serve]
    for name in ("build", "jobs"):
        try:
            modules.append(__import__(f"{__name__}.{name}", fromlist=["register"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    return modules


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="command-builder",
        description="Compose, check, launch and follow the Hydra commands of an OCR project.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in _optional_modules():
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
