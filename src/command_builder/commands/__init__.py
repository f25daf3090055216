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

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

# Loaded on first use, so importing one Hydra-free submodule (launchers, for the detached
# supervisor) does not load Hydra's grammar through this package.
_HOMES = {
    **dict.fromkeys(
        (
            "CommandParseError",
            "ParsedCommand",
            "build_argv",
            "display_command",
            "is_workspace_command",
            "parse_command_line",
            "split_command_line",
        ),
        "command_line",
    ),
    **dict.fromkeys(
        (
            "HYDRA_LOCK",
            "OverrideKind",
            "OverrideSyntaxError",
            "format_override",
            "format_sweep",
            "format_value",
            "has_interpolation",
            "override_key",
            "override_kind",
            "override_value",
            "parse_override",
        ),
        "overrides",
    ),
    **dict.fromkeys(("ComposeIssue", "ComposeResult", "compose_check"), "validate"),
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{home}", __name__), name)


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
