"""SLURM's extra sbatch parameters, typed as `key=value` lines, for Hydra's submitit launcher.

The launcher itself and its other parameters are ordinary schema elements (`launcher`
writes `hydra/launcher=...`, `slurm_partition` writes `hydra.launcher.partition=...`):
they are fields of the plugin's structured configs, so Hydra type-checks them when
the command composes. `additional_parameters` is the one dict field: it starts empty
and in struct mode, so a plain `hydra.launcher.additional_parameters.k=v` is refused;
the form writes the whole dict with `++hydra.launcher.additional_parameters={k:v,...}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import CommandError
from .overrides import format_value

# sbatch long option names (submitit writes `#SBATCH --<key>=<value>`, `_` as `-`).
_SBATCH_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class LauncherError(CommandError, ValueError):
    """A line of additional parameters that cannot be used; `message` names the line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _writable_key(key: str) -> bool:
    """Hydra's dict keys cannot be value tokens (`true`, `null`, `inf`...)."""
    try:
        format_value({key: ""})
    except ValueError:
        return False
    return True


def parse_additional_parameters(text: str) -> dict[str, str | bool]:
    """`key=value` lines (as typed in the form) -> the dict submitit passes to sbatch.

    A line with a key alone is a flag (`exclusive` -> `#SBATCH --exclusive`, submitit's
    rendering of True). Blank lines and `#` comments are skipped; values stay text.
    """
    parsed: dict[str, str | bool] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip().removeprefix("--")
        if not _SBATCH_KEY.fullmatch(key) or not _writable_key(key):
            raise LauncherError(
                f"line {number}: {line!r} is not key=value with an sbatch option name as key"
            )
        if key in parsed:
            raise LauncherError(f"line {number}: {key} is given twice")
        parsed[key] = value.strip() if sep else True
    return parsed


def format_additional_parameters(parameters: Mapping[str, object]) -> str:
    """Inverse of parse_additional_parameters (a flag is its key alone)."""
    return "\n".join(
        key if value is True else f"{key}={value}" for key, value in parameters.items()
    )
