"""Commands layer: Hydra overrides, argv building, compose-validation.

- overrides: `format_override(path, value, *, kind)` writes an override in Hydra's grammar so
  any str arrives exactly as typed (quoting + OmegaConf `\\${` escape); `parse_override(text)`
  (Hydra's parser; `OverrideSyntaxError(text, message)`), `override_value(Override)`,
  `format_sweep`, `format_value`, `has_interpolation`.
- command_line: `build_argv`, `display_command` (shlex.join), `parse_command_line`
  (`ParsedCommand`, `CommandParseError`), `is_workspace_command` (the job runner's gate).
- validate: `compose_check(settings, page, overrides, *, multirun=False, version=None)
  -> ComposeResult(ok, issues: tuple[ComposeIssue(override, message)], config, missing)`;
  serialized by `HYDRA_LOCK`, cached in a bounded LRU.
"""

from .command_line import (
    CommandParseError,
    ParsedCommand,
    build_argv,
    display_command,
    is_workspace_command,
    parse_command_line,
    split_command_line,
)
from .overrides import (
    HYDRA_LOCK,
    OverrideKind,
    OverrideSyntaxError,
    format_override,
    format_sweep,
    format_value,
    has_interpolation,
    override_key,
    override_kind,
    override_value,
    parse_override,
)
from .validate import ComposeIssue, ComposeResult, compose_check

__all__ = [
    "HYDRA_LOCK",
    "CommandParseError",
    "ComposeIssue",
    "ComposeResult",
    "OverrideKind",
    "OverrideSyntaxError",
    "ParsedCommand",
    "build_argv",
    "compose_check",
    "display_command",
    "format_override",
    "format_sweep",
    "format_value",
    "has_interpolation",
    "is_workspace_command",
    "override_key",
    "override_kind",
    "override_value",
    "parse_command_line",
    "parse_override",
    "split_command_line",
]
