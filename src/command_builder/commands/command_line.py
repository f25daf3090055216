"""Command lines <-> argv: build what the job runner starts, read what a user pastes.

Commands are argv lists run without a shell; shlex is used only to show them and to read
pasted text. `is_workspace_command` is the job runner's gate: it accepts exactly
"workspace prefix + one of its runners + Hydra overrides", nothing else.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import CommandError
from ..settings import Settings, WorkspaceError
from .launchers import MULTIRUN_FLAGS
from .overrides import OverrideSyntaxError, parse_override

_CONTINUATION = re.compile(r"\\\r?\n")

# Overrides that would make Hydra run code or change the process environment: the job
# runner refuses them even though they are valid Hydra (a denylist, not a sandbox).
_REFUSED_KEY_PREFIXES = (
    "hydra.callbacks",
    "hydra/callbacks",
    "hydra.job.env_set",
    "hydra.job.env_copy",
    "hydra.searchpath",
    "hydra.launcher.setup",
)


class CommandParseError(CommandError, ValueError):
    """A pasted command line that cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class ParsedCommand:
    """A pasted command split into its parts.

    `runner` is the runner path relative to the workspace root (posix, e.g.
    "runners/train.py") however it was written; `page` is its page name (the file stem,
    unless two runners share one; see workspace/runners.py).
    """

    prefix: tuple[str, ...]
    runner: str
    page: str | None
    overrides: tuple[str, ...]
    multirun: bool


def build_argv(
    settings: Settings, page: str, overrides: Sequence[str], *, multirun: bool = False
) -> list[str]:
    """prefix + runner + [--multirun] + overrides: what the job runner starts (cwd = root)."""
    argv = [*settings.command_prefix, runner_path(settings, page)]
    if multirun:
        argv.append("--multirun")
    argv.extend(overrides)
    return argv


def display_command(argv: Sequence[str]) -> str:
    """The argv as one line a POSIX shell reads back as the same argv."""
    return shlex.join(argv)


def join_continuations(text: str) -> str:
    """Drop each backslash-newline where a POSIX shell does: everywhere but inside '...'.

    Not one regex substitution: inside single quotes the pair is literal text (a value
    may hold it), and an escaped backslash before a newline is no continuation.
    """
    out: list[str] = []
    quote = ""  # the open quote character, "" outside quotes
    i = 0
    while i < len(text):
        char = text[i]
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\":
            continuation = _CONTINUATION.match(text, i)
            step = continuation.end() - i if continuation else 2
            if not continuation:
                out.append(text[i : i + step])
            i += step
            continue
        elif char == '"':
            quote = "" if quote == '"' else '"'
        elif char == "'" and not quote:
            quote = "'"
        out.append(char)
        i += 1
    return "".join(out)


def split_command_line(text: str) -> list[str]:
    """shlex.split after joining backslash-newline continuations as a shell does."""
    joined = join_continuations(text)
    try:
        return shlex.split(joined, comments=False, posix=True)
    except ValueError as exc:
        reason = str(exc)
        if "quotation" in reason:
            hint = "unbalanced quotes: a ' or \" is opened but never closed"
        elif "escape" in reason:
            hint = "the command ends with a lone backslash"
        else:
            hint = reason
        raise CommandParseError(f"cannot read the command line: {hint}") from None


def runner_path(settings: Settings, page: str) -> str:
    """The page's runner relative to the root: the discovered one, else `runners/<page>.py`."""
    from ..workspace.runners import find_runner

    runner = find_runner(settings, page)
    return runner.path if runner is not None else settings.runner_path(page)


def _runner_of(token: str, settings: Settings) -> tuple[str, str] | None:
    """(runner path, page) if `token` names a discovered @hydra.main runner, else None."""
    from ..workspace.runners import runner_of_path

    runner = runner_of_path(settings, token) if _inside(token, settings) else None
    return None if runner is None else (runner.path, runner.page)


def _not_a_runner(token: str, settings: Settings) -> str:
    """Why `token` is refused as a runner (missing file, or no @hydra.main in it)."""
    if _inside(token, settings) and not settings.inside(token).is_file():
        return (
            f"unknown runner {token}: {settings.inside(token)} does not exist "
            "(not a runner of this workspace)"
        )
    return f"{token} is not a runner of this workspace (a Python file with @hydra.main)"


def parse_command_line(text: str, settings: Settings) -> ParsedCommand:
    """Read a pasted command: any prefix (`uv run python`, `python`...), one runner, overrides.

    The runner is the first `*.py` word; it must be one of the workspace's discovered
    @hydra.main runners (relative to the root or absolute). `--multirun`/`-m` may appear anywhere after
    it. Overrides are not checked here (compose_check reports each bad one).
    """
    words = split_command_line(text)
    if not words:
        raise CommandParseError("the command line is empty")
    index = next((i for i, w in enumerate(words) if w.endswith(".py")), None)
    if index is None:
        raise CommandParseError(
            "no runner in the command: expected a script such as "
            f"{settings.runner_path('train')} followed by Hydra overrides"
        )
    token = words[index]
    if not _inside(token, settings):
        raise CommandParseError(f"{token} is outside the workspace {settings.root}")
    found = _runner_of(token, settings)
    if found is None:
        raise CommandParseError(_not_a_runner(token, settings))
    runner, page = found
    multirun = False
    overrides: list[str] = []
    for word in words[index + 1 :]:
        if word in MULTIRUN_FLAGS:
            multirun = True
        elif word.startswith("-"):
            raise CommandParseError(
                f"unsupported option {word}: only Hydra overrides and --multirun/-m are understood"
            )
        else:
            overrides.append(word)
    return ParsedCommand(
        prefix=tuple(words[:index]),
        runner=runner,
        page=page,
        overrides=tuple(overrides),
        multirun=multirun,
    )


def _inside(token: str, settings: Settings) -> bool:
    try:
        settings.inside(token)
    except WorkspaceError:
        return False
    return True


def _refused_key(key: str) -> bool:
    if any(
        key == p or key.startswith(p + ".") or key.startswith(p + "/")
        for p in _REFUSED_KEY_PREFIXES
    ):
        return True
    return "_target_" in key.split(".")


def is_workspace_command(argv: Sequence[str], settings: Settings) -> str | None:
    """None if argv is exactly prefix + a workspace runner + overrides, else why it is refused.

    Strict on purpose (the job runner starts argv without a shell, but still must not
    start arbitrary programs): the prefix must equal settings.command_prefix, the next
    word must be one of the workspace's discovered @hydra.main runners, and every other
    word must be `--multirun`/`-m` or an override Hydra's grammar accepts.
    """
    if isinstance(argv, str) or not all(isinstance(w, str) for w in argv):
        return "the command must be a list of strings"
    prefix = list(settings.command_prefix)
    if list(argv[: len(prefix)]) != prefix:
        return f"the command must start with the workspace's prefix: {display_command(prefix)}"
    rest = list(argv[len(prefix) :])
    if not rest:
        return "the command has no runner"
    token = rest[0]
    if token.startswith("-"):
        return f"option {token} before the runner is not allowed"
    found = _runner_of(token, settings)
    if found is None:
        return _not_a_runner(token, settings)
    if not (settings.root / found[0]).is_file():
        return f"runner {token} does not exist"
    for word in rest[1:]:
        if word in MULTIRUN_FLAGS:
            continue
        if word.startswith("-"):
            return f"option {word} is not allowed (only Hydra overrides and --multirun)"
        try:
            override = parse_override(word)
        except OverrideSyntaxError as exc:
            return f"not a Hydra override: {word}: {exc.message}"
        if _refused_key(override.key_or_group):
            return f"override {word} is refused: it could run code or change the environment"
    return None
