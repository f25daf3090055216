"""Workspace layer: the catalog of configs/ and runners/, and the checkpoint index of outputs/.

This is the only code that scans the workspace's folders; everything else asks
these two objects. Both are built once per process per workspace root, shared
by all threads, and refreshed cheaply (stat-only) when the folders change.

Catalog (catalog.py, formats/ — one reader per metadata format —, ui_meta.py, fingerprint.py)
    get_catalog(settings, *, max_age_s=0.0) -> Catalog
        Shared, immutable; re-checks the stat-only fingerprint (unless the last
        check is younger than max_age_s; the UI passes ~1 s) and rebuilds only
        when it changed. Unchanged content -> the very same object.
    refresh_catalog(settings) -> Catalog          force a rebuild (Refresh button)
    build_catalog(settings, fingerprint=None) -> Catalog   uncached build
    Catalog: version: str, groups: Mapping[str, tuple[str, ...]], architectures:
        Mapping[str, ArchitectureMeta], optimizers: Mapping[str, OptimizerMeta],
        preprocessing_profiles: Mapping[str, PreprocessingProfile], runners:
        Mapping[str, str], issues: tuple[ConfigIssue, ...], presets: Mapping[arch, Mapping[kind, name]];
        group_options(group) -> tuple[str, ...]; meta_options(kind) -> tuple[str, ...]
        (kind "encoders"...: compatible_* lists + presets' component_overrides names);
        datasets -> tuple[str, ...] (options of the `data` group)
    ConfigIssue(path: str, line: int | None, message: str)   str() = "path:line: message"
    ArchitectureMeta, UseCase, OptimizerMeta, PreprocessingProfile: frozen dataclasses (ui_meta.py)

Checkpoint index (checkpoints.py)
    get_checkpoint_index(settings, *, max_age_s=0.0) -> CheckpointIndex
        Shared; built on first call, incrementally refreshed when the last
        refresh is older than max_age_s.
    CheckpointIndex: refresh(force=False) -> bool; checkpoints -> tuple[Checkpoint, ...]
        (newest first); run_config(run_dir) -> RunConfig | None (read once);
        warnings -> tuple[str, ...]; version -> str; refreshed_at: float | None (monotonic)
        root -> str (the workspace folder)
    Checkpoint(path, run_dir, run_name, epoch, step, mtime, size, metric=(name, value) | None)
    RunConfig(choices, values, overrides).lookup(path) -> object | None (effective model:
        model.X answers with model.component_overrides.X when the run has it); .dataset
    parse_checkpoint_name(name) -> (epoch | None, step | None); parse_checkpoint_metric(name)
"""

from .catalog import Catalog, build_catalog, get_catalog, refresh_catalog
from .checkpoints import (
    Checkpoint,
    CheckpointIndex,
    RunConfig,
    get_checkpoint_index,
    parse_checkpoint_name,
)
from .ui_meta import ArchitectureMeta, OptimizerMeta, PreprocessingProfile, UseCase
from .yaml_files import ConfigIssue

__all__ = [
    "ArchitectureMeta",
    "Catalog",
    "Checkpoint",
    "CheckpointIndex",
    "ConfigIssue",
    "OptimizerMeta",
    "PreprocessingProfile",
    "RunConfig",
    "UseCase",
    "build_catalog",
    "get_catalog",
    "get_checkpoint_index",
    "parse_checkpoint_name",
    "refresh_catalog",
]
