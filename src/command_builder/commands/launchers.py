"""Launcher choice -> Hydra launcher overrides (hydra-submitit-launcher's own config keys).

Why Hydra's launcher plugins and not a scheduler of our own: people already send runs
to SLURM with them. The keys below are fields of the plugin's structured configs
(SlurmQueueConf, LocalQueueConf), so `hydra.launcher.<key>=v` is type-checked by
Hydra when the command composes. `additional_parameters` is a Dict[str, Any] field
that starts empty and is in struct mode: a new key must be appended
(`+hydra.launcher.additional_parameters.<key>=v`), a plain assignment is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .overrides import format_override

LAUNCHERS: Mapping[str, str] = {
    "local": "Local (plain process)",
    "submitit_local": "Submitit local",
    "submitit_slurm": "Submitit SLURM",
}
DEFAULT_LAUNCHER = "local"  # no override: Hydra's basic launcher, one process
# SlurmQueueConf fields the form offers, with the Python type Hydra expects.
SLURM_PARAMS: Mapping[str, type] = {
    "partition": str,
    "nodes": int,
    "gpus_per_node": int,
    "tasks_per_node": int,
    "cpus_per_task": int,
    "mem_gb": int,
    "timeout_min": int,
    "account": str,
    "qos": str,
    "constraint": str,
}
ADDITIONAL_PARAMETERS = "additional_parameters"
# sbatch long option names (submitit writes `#SBATCH --<key>=<value>`, `_` as `-`).
_SBATCH_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class LauncherError(ValueError):
    """Bad launcher input; `key` is the parameter (or additional_parameters) it is about."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True)
class LauncherChoice:
    """A launcher and its SLURM parameters (unset ones are left to the plugin's defaults)."""

    name: str = DEFAULT_LAUNCHER
    slurm: Mapping[str, object] = field(default_factory=dict)
    additional_parameters: Mapping[str, str | bool] = field(default_factory=dict)


def launcher_overrides(choice: LauncherChoice) -> tuple[str, ...]:
    """`hydra/launcher=<name>` plus one `hydra.launcher.*` override per SLURM parameter set.

    SLURM parameters count only for submitit_slurm; None and "" mean unset.
    """
    if choice.name not in LAUNCHERS:
        raise LauncherError("launcher", f"unknown launcher {choice.name!r} (one of {', '.join(LAUNCHERS)})")
    if choice.name == DEFAULT_LAUNCHER:
        return ()
    overrides = [format_override("hydra/launcher", choice.name, kind="group")]
    if choice.name != "submitit_slurm":
        return tuple(overrides)
    unknown = sorted(set(choice.slurm) - set(SLURM_PARAMS))
    if unknown:
        raise LauncherError(unknown[0], f"not a SLURM parameter (one of {', '.join(SLURM_PARAMS)})")
    for key, kind in SLURM_PARAMS.items():
        value = choice.slurm.get(key)
        if value is None or value == "":
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise LauncherError(key, f"must be a positive whole number, not {value!r}")
        if kind is str and not isinstance(value, str):
            raise LauncherError(key, f"must be text, not {value!r}")
        overrides.append(format_override(f"hydra.launcher.{key}", value))
    for key, value in choice.additional_parameters.items():
        _check_sbatch_key(key)
        overrides.append(
            format_override(f"hydra.launcher.{ADDITIONAL_PARAMETERS}.{key}", value, kind="append")
        )
    return tuple(overrides)


def _check_sbatch_key(key: str) -> None:
    if not _SBATCH_KEY.fullmatch(key):
        raise LauncherError(
            ADDITIONAL_PARAMETERS, f"{key!r} is not an sbatch option name (letters, digits, - and _)"
        )


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
        if not _SBATCH_KEY.fullmatch(key):
            raise LauncherError(
                ADDITIONAL_PARAMETERS,
                f"line {number}: {line!r} is not key=value with an sbatch option name as key",
            )
        if key in parsed:
            raise LauncherError(ADDITIONAL_PARAMETERS, f"line {number}: {key} is given twice")
        parsed[key] = value.strip() if sep else True
    return parsed


def format_additional_parameters(parameters: Mapping[str, str | bool]) -> str:
    """Inverse of parse_additional_parameters (a flag is its key alone)."""
    return "\n".join(key if value is True else f"{key}={value}" for key, value in parameters.items())
