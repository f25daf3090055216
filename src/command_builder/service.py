"""The workspace side of the form engine, for cli/ and ui/: what a page's form needs loaded.

form/ is pure: schemas, a catalog, a checkpoint index and a state in; views and commands
out. This module fetches those inputs from the workspace's caches (pages, schemas,
catalog, checkpoint index) and the environment (the runner's path, whether uv is there),
so the CLI and the app load things one way.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from .commands.command_line import (
    CommandParseError,
    build_argv,
    parse_command_line,
    runner_path,
)
from .form import BuiltCommand, FormState, FormView, build_view, state_from_overrides
from .form.command import command_from_view
from .schema import PageSchema
from .settings import Settings
from .workspace import Catalog, CheckpointIndex, get_catalog, get_checkpoint_index

UV_MISSING = (
    "uv is not on PATH: this workspace is a uv project (pyproject.toml or uv.lock), "
    "so its runners start with `uv run python`; install uv (https://docs.astral.sh/uv/) "
    "or set command_prefix in command_builder.yaml"
)


@dataclass(frozen=True)
class PageContext:
    """What a page needs from the workspace, fetched once per call site."""

    schema: PageSchema
    catalog: Catalog
    index: CheckpointIndex | None  # the workspace's own: the CLI refreshes it


def page_context(settings: Settings, page: str) -> PageContext:
    """Schema (SchemaError if broken), shared catalog, and the checkpoint index if the page
    uses it."""
    from .pages import load_schema

    schema = load_schema(settings, page)
    uses_checkpoints = any(e.options_source == "checkpoints" for e in schema.elements)
    index = get_checkpoint_index(settings) if uses_checkpoints else None
    return PageContext(schema, get_catalog(settings), index)


def command_of(settings: Settings, view: FormView) -> BuiltCommand:
    """The BuiltCommand of an already-built view: the workspace's runner and prefix."""
    argv = build_argv(settings, view.page, view.overrides, multirun=view.multirun)
    missing_uv = argv[:1] == ["uv"] and shutil.which("uv") is None
    return command_from_view(
        view,
        argv,
        confirm_threshold=settings.sweep_confirm_threshold,
        warnings=(UV_MISSING,) if missing_uv else (),
    )


def build_command(settings: Settings, page: str, state: FormState) -> BuiltCommand:
    """The page's command for `state` (form errors included; Hydra's compose check is separate)."""
    context = page_context(settings, page)
    return command_of(settings, build_view(context.schema, context.catalog, context.index, state))


def state_from_command(settings: Settings, page: str, text: str) -> FormState:
    """A pasted command line -> form state; CommandParseError says what is wrong with it."""
    parsed = parse_command_line(text, settings)
    if parsed.page != page:
        raise CommandParseError(
            f"this is a command of {parsed.runner}, not of the {page} page "
            f"({runner_path(settings, page)})"
        )
    context = page_context(settings, page)
    return state_from_overrides(context.schema, context.catalog, parsed.overrides)
