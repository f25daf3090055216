"""Workspace settings: where a project's folders are and how its runners are started.

A workspace is a project folder with ``configs/`` (the Hydra tree) and
``runners/``. Optional per-workspace settings live in ``command_builder.yaml``
at its root. Without ``--workspace`` the embedded demo is copied to a writable
data folder on first use, so nothing is ever written into site-packages.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import __version__
from .errors import WorkspaceError as WorkspaceError  # its home was here; callers import it here

SETTINGS_FILE = "command_builder.yaml"
STATE_DIR = ".command_builder"
PYTHON_TOKEN = "{python}"  # in command_prefix: the interpreter running this app
DEMO_SOURCE = Path(__file__).parent / "demo"
DEMO_MARKER = ".demo-version"


def default_command_prefix() -> tuple[str, ...]:
    """`uv run python` when uv is on PATH, else the running Python."""
    if shutil.which("uv"):
        return ("uv", "run", "python")
    return (sys.executable,)


@dataclass(frozen=True)
class Settings:
    """Everything the program needs to know about one workspace."""

    root: Path
    command_prefix: tuple[str, ...] = field(default_factory=default_command_prefix)
    max_running_jobs: int = 1
    sweep_confirm_threshold: int = 16
    upload_limit_mb: int = 50
    job_cancel_grace_s: float = 5.0

    @property
    def configs_dir(self) -> Path:
        return self.root / "configs"

    @property
    def runners_dir(self) -> Path:
        return self.root / "runners"

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs"

    @property
    def ui_meta_dir(self) -> Path:
        return self.configs_dir / "ui_meta"

    @property
    def schemas_dir(self) -> Path:
        """Workspace overrides of the shipped page schemas (`<page>.yaml`)."""
        return self.ui_meta_dir / "schemas"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def runner_path(self, page: str) -> str:
        """The runner of a page, relative to the workspace root (the job's cwd)."""
        return f"runners/{page}.py"

    def inside(self, path: str | os.PathLike[str]) -> Path:
        """Resolve `path` (relative to the root) and refuse anything outside the workspace."""
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = self.root / candidate
        resolved = candidate.resolve()
        root = self.root.resolve()
        if resolved != root and root not in resolved.parents:
            raise WorkspaceError(f"{path} is outside the workspace {root}")
        return resolved


class _SettingsFile(BaseModel):
    """What `command_builder.yaml` may set: each key typed and bounded, any other refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    command_prefix: tuple[str, ...] = Field(default_factory=default_command_prefix)
    max_running_jobs: int = Field(Settings.max_running_jobs, ge=1, le=1024)
    sweep_confirm_threshold: int = Field(Settings.sweep_confirm_threshold, ge=1, le=1_000_000)
    upload_limit_mb: int = Field(Settings.upload_limit_mb, ge=1, le=100_000)
    job_cancel_grace_s: float = Field(
        Settings.job_cancel_grace_s, ge=0, le=3600, allow_inf_nan=False
    )

    @field_validator("command_prefix", mode="before")
    @classmethod
    def _split_prefix(cls, value: object) -> tuple[str, ...]:
        """A shell-like string or a list of words; `{python}` is this interpreter."""
        if isinstance(value, str):
            value = shlex.split(value)  # unbalanced quotes: ValueError, reported by field
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            raise ValueError("must be a string or a list of strings")
        if not value:
            raise ValueError("is empty")
        return tuple(sys.executable if p == PYTHON_TOKEN else p for p in value)


def _settings_problem(source: Path, exc: ValidationError) -> str:
    """One line per bad key, naming the file, the key and what was wrong with its value."""
    known = ", ".join(_SettingsFile.model_fields)
    lines = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            lines.append(f"{source}: unknown setting {name!r} (known: {known})")
        else:
            message = error["msg"].removeprefix("Value error, ")
            got = repr(error.get("input"))
            got = got if len(got) <= 60 else got[:57] + "..."
            lines.append(f"{source}: {name}: {message} (got {got})")
    return "\n".join(lines)


def load_settings(root: str | os.PathLike[str]) -> Settings:
    """Settings of the workspace at `root`; WorkspaceError names what is missing."""
    root_path = Path(root).expanduser().resolve()
    if not root_path.is_dir():
        raise WorkspaceError(f"workspace folder does not exist: {root_path}")
    if not (root_path / "configs").is_dir():
        raise WorkspaceError(
            f"{root_path} is not a workspace: the folder configs/ (the Hydra config tree) is missing"
        )
    settings_file = root_path / SETTINGS_FILE
    loaded: object = {}
    if settings_file.is_file():
        try:
            loaded = yaml.safe_load(settings_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise WorkspaceError(f"{settings_file}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise WorkspaceError(f"{settings_file}: expected a mapping of settings")
    try:
        parsed = _SettingsFile.model_validate(loaded)
    except ValidationError as exc:
        raise WorkspaceError(_settings_problem(settings_file, exc)) from None
    return Settings(root=root_path, **parsed.model_dump(exclude_unset=True))


def data_home() -> Path:
    """Where the demo workspace is copied: $COMMAND_BUILDER_HOME or the user data folder."""
    explicit = os.environ.get("COMMAND_BUILDER_HOME")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "command-builder"


def ensure_demo_workspace(home: Path | None = None) -> Path:
    """Copy the embedded demo to a writable place (once per package version)."""
    target = (home or data_home()) / "demo-workspace"
    marker = target / DEMO_MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == __version__:
        return target
    copy_demo_workspace(target)
    marker.write_text(__version__, encoding="utf-8")
    return target


def copy_demo_workspace(target: Path) -> Path:
    """Copy the demo's configs, runners and settings into `target` (kept: outputs, state)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("configs", "runners"):
        shutil.copytree(
            DEMO_SOURCE / name,
            target / name,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    shutil.copy2(DEMO_SOURCE / SETTINGS_FILE, target / SETTINGS_FILE)
    return target


def resolve_workspace(path: str | os.PathLike[str] | None) -> Settings:
    """`--workspace PATH`, else $COMMAND_BUILDER_WORKSPACE, else the demo copy."""
    chosen = path or os.environ.get("COMMAND_BUILDER_WORKSPACE")
    if chosen:
        return load_settings(chosen)
    return load_settings(ensure_demo_workspace())
