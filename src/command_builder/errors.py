"""One error hierarchy, so the CLI and the UI catch `CommandBuilderError` once.

Every error this package raises on purpose derives from `CommandBuilderError`
through one of four kinds: the workspace (folder, settings, files in it), a page
schema, a command (line, override, sweep, link, CLI usage) or a job (store,
supervisor, log, outputs). The message is always the whole story, ready to show
as text. `exit_code` is what the CLI exits with: 2 for bad input, 1 for a job.
Classes that were `ValueError`s keep that base too, so older `except ValueError`
still holds.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_ERRORS = 1  # validation errors or a failed job
EXIT_USAGE = 2  # bad input: command line, workspace, schema


class CommandBuilderError(Exception):
    """Base of every error the package raises on purpose; the message says what and where."""

    exit_code: ClassVar[int] = EXIT_USAGE


class WorkspaceError(CommandBuilderError):
    """The workspace folder, its settings or a file in it is unusable."""


class PageSchemaError(CommandBuilderError):
    """A page schema (its file, an element or an expression) is unusable."""


class CommandError(CommandBuilderError):
    """A command line, override, sweep, link or CLI argument that cannot be used."""


class JobError(CommandBuilderError):
    """A job cannot be started, found, read or cancelled, or its output is unusable."""

    exit_code: ClassVar[int] = EXIT_ERRORS
