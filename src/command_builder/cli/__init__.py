"""`command-builder`: the CLI's whole surface, every subcommand and flag, in one place.

Handlers live in `serve.py`, `build.py`, `runners.py` and `jobs.py` and are imported only
when their subcommand runs: `serve` must start without importing Hydra or the
form engine, which `build` and `run` need. Each handler is
``func(args) -> int``, the exit code: 0 ok, 1 validation errors or a failed
job, 2 usage errors. A `CommandBuilderError` a handler lets through is printed
once here and exits with its kind's code (2 for bad input, 1 for a job).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import version

from ..errors import EXIT_ERRORS as EXIT_ERRORS
from ..errors import EXIT_USAGE as EXIT_USAGE
from ..errors import CommandBuilderError

EXIT_OK = 0
DISTRIBUTION = "ocr-command-builder"  # the name in pyproject.toml, where the version is read
WORKSPACE_HELP = "project folder (default: $COMMAND_BUILDER_WORKSPACE, else the embedded demo)"


def _handler(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """A handler imported on first call, so parsing stays light."""

    def run(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)(args)

    return run


def _form_arguments(parser: argparse.ArgumentParser) -> None:
    """The form inputs that `build` and `run` share."""
    parser.add_argument(
        "page", metavar="RUNNER", help="a runner of the workspace (see `command-builder runners`)"
    )
    parser.add_argument("--workspace", help=WORKSPACE_HELP)
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a field value; KEY is a field key or a config path: trainer.max_epochs=3, "
        "data=mnist, +callbacks=rich_progress_bar (repeatable)",
    )
    parser.add_argument(
        "--sweep",
        dest="sweeps",
        action="append",
        default=[],
        metavar="KEY=VALUES",
        help="sweep a field: KEY=V1,V2,... or KEY=range(a,b,step) (a Hydra multirun; repeatable)",
    )
    parser.add_argument(
        "--from-command",
        metavar="CMD",
        help="start from a pasted command line instead of the defaults",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object")


def _add_serve(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="start the web app")
    parser.add_argument("--workspace", help=WORKSPACE_HELP)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8501)
    parser.set_defaults(func=_handler("serve", "run"))


def _add_build(subparsers: argparse._SubParsersAction) -> None:
    build = subparsers.add_parser("build", help="build a page's command from field values")
    _form_arguments(build)
    build.add_argument(
        "--show-config",
        action="store_true",
        help="also print the resolved config the run gets, as YAML: the keys this command"
        " changes and the overrides that take no effect are marked",
    )
    build.set_defaults(func=_handler("build", "run_build"))

    validate = subparsers.add_parser("validate", help="check a command with Hydra's compose API")
    validate.add_argument("command_text", metavar="CMD")
    validate.add_argument("--workspace", help=WORKSPACE_HELP)
    validate.add_argument("--json", action="store_true", help="print a JSON object")
    validate.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when an override takes no effect or a value does not resolve"
        " (default: print a warning, exit 0)",
    )
    validate.set_defaults(func=_handler("build", "run_validate"))

    runners = subparsers.add_parser(
        "runners", help="list the workspace's @hydra.main runners and their primary configs"
    )
    runners.add_argument("--workspace", help=WORKSPACE_HELP)
    runners.add_argument("--json", action="store_true", help="print a JSON object")
    runners.set_defaults(func=_handler("runners", "run"))


def _add_jobs(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="build a page's command and run it as a job")
    _form_arguments(run)
    run.add_argument(
        "--yes",
        action="store_true",
        help="start a sweep of more runs than the workspace's sweep_confirm_threshold",
    )
    run.add_argument(
        "--wait", action="store_true", help="follow the log and exit with the job's exit code"
    )
    run.set_defaults(func=_handler("jobs", "cmd_run"))

    jobs = subparsers.add_parser("jobs", help="list, show, follow and cancel jobs")
    actions = jobs.add_subparsers(dest="action", required=True)
    for name, handler, help_text in (
        ("list", "cmd_list", "jobs, newest first"),
        ("show", "cmd_show", "one job's record"),
        ("logs", "cmd_logs", "the end of a job's log"),
        ("cancel", "cmd_cancel", "cancel a queued or running job"),
    ):
        sub = actions.add_parser(name, help=help_text)
        if name != "list":
            sub.add_argument("job_id", type=int, metavar="ID")
        sub.add_argument("--workspace", help=WORKSPACE_HELP)
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        sub.set_defaults(func=_handler("jobs", handler))
        if name == "list":
            sub.add_argument("--limit", type=int, default=50)
        if name == "logs":
            sub.add_argument(
                "--bytes", type=int, help="how much of the end (default: the jobs' tail size)"
            )
            sub.add_argument(
                "--subrun",
                type=int,
                metavar="N",
                help="a multirun's sub-run N: its own log (submitit's, else Hydra's)",
            )
            sub.add_argument(
                "--follow", "-f", action="store_true", help="keep printing until it ends"
            )


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="command-builder",
        description="Compose, check, launch and follow the Hydra commands of an OCR project.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version(DISTRIBUTION)}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in (_add_serve, _add_build, _add_jobs):
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; its errors are shown as one line, never as a traceback."""
    args = make_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CommandBuilderError as exc:
        print(f"command-builder: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
