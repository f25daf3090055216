"""Checkpoint index: every ``*.ckpt`` of the workspace's runs, newest first.

Layout: a *run folder* is a folder under ``outputs/`` (up to MAX_DEPTH levels
deep, so ``outputs/<run>`` as well as Hydra's ``outputs/<date>/<time>`` and
multirun ``outputs/<date>/<time>/<n>``) that contains ``checkpoints/`` or
``.hydra/``; its checkpoints are the ``*.ckpt`` files directly in
``checkpoints/``. Run folders are not descended into further.

Rescans are incremental. Each folder is remembered with its stat stamp
(mtime_ns, ctime_ns: ctime also catches chmod, so a run made readable again is
noticed). An unchanged container folder is not listed again (its known
children are visited); an unchanged run folder whose ``checkpoints/`` stamp is
unchanged keeps its checkpoints without a single stat of a checkpoint file. A
no-change refresh of 1,000 runs therefore costs two stats per run. A state is
only reused once it has *settled*: while a folder's stamp or one of its
checkpoints' mtimes is younger than RACY_WINDOW_NS at scan time, the next
refresh lists it again. That catches a checkpoint still being written (size
growing) and changes within the mtime granularity. Limitation: an old
checkpoint rewritten in place under the same name (e.g. Lightning's
``last.ckpt``) does not touch the folder's stamp; its mtime/size are updated
with the next change in that folder or a forced refresh.

A run's recorded config is read only when asked for (`run_config`), once, and
kept until the run folder's own stamp changes (a new checkpoint does not). Deleted or unreadable runs are dropped with
a message in `warnings`; nothing here raises for workspace content.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import yaml

from ..settings import Settings
from .fingerprint import RACY_WINDOW_NS
from .yaml_files import Loader, read_text, yaml_error_issue

MAX_DEPTH = 4  # outputs/<date>/<time>/<n> is depth 3; one level of slack
CHECKPOINTS = "checkpoints"
HYDRA = ".hydra"
# epoch=28-step=23722 (Lightning), epoch-18_step-003895 and epoch_18 (the project's own)
_EPOCH = re.compile(r"(?<![A-Za-z0-9])epoch[=_-](\d+)")
_STEP = re.compile(r"(?<![A-Za-z0-9])step[=_-](\d+)")  # also matches global_step=
_METRIC = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9]*)[=_-](\d+\.\d+)")  # hmean-0.8812
SIDECAR_LIMIT = 64 * 1024  # bytes of a .metadata.json read at most


@dataclass(frozen=True)
class Checkpoint:
    path: str  # relative to the workspace root, posix
    run_dir: str  # relative to the workspace root, posix
    run_name: str  # run folder relative to outputs/ ("receipts_v3", "2024-05-01/12-00-00/3")
    epoch: int | None
    step: int | None
    mtime: float
    size: int
    metric: tuple[str, float] | None = None  # ("hmean", 0.8812) from the name or the sidecar


@dataclass(frozen=True)
class RunConfig:
    """What Hydra recorded for a run: config.yaml, hydra.yaml's choices, overrides.yaml."""

    choices: Mapping[
        str, str | None
    ]  # hydra.yaml runtime.choices: "model/architectures" -> "dbnet"
    values: Mapping[str, object]  # config.yaml flattened to dotted keys (lists stay values)
    overrides: tuple[str, ...] = ()  # overrides.yaml: the run's command-line overrides

    def lookup(self, path: str) -> object | None:
        """A group choice ("model/architectures", "data") or a dotted value.

        The model is what it is built from: `model.encoder.model_name` answers with
        `model.component_overrides.encoder.model_name` when the run has one (the
        project builds its components from component_overrides).
        """
        if path in self.choices:
            return self.choices[path]
        head, dot, rest = path.partition(".")
        if head == "model" and dot and not rest.startswith("component_overrides."):
            effective = self.values.get(f"model.component_overrides.{rest}")
            if effective is not None:
                return effective
        found = self.values.get(path)
        if found is None and path.startswith("model.component_overrides."):
            # a run without that override was built from the component's own config
            return self.values.get("model." + path[len("model.component_overrides.") :])
        return found

    @property
    def dataset(self) -> str | None:
        """The run's `data` option."""
        return self.choices.get("data")


def parse_checkpoint_name(name: str) -> tuple[int | None, int | None]:
    """(epoch, step) from `epoch=28-step=23722.ckpt`, `epoch-18_step-003895.ckpt`; None if absent."""
    epoch = _EPOCH.search(name)
    step = _STEP.search(name)
    return (int(epoch.group(1)) if epoch else None, int(step.group(1)) if step else None)


def parse_checkpoint_metric(name: str) -> tuple[str, float] | None:
    """("hmean", 0.892) from `best-hmean-0.8920.ckpt` or `..._hmean-0.8812.ckpt`; None if absent."""
    for match in _METRIC.finditer(name):
        if match.group(1).lower() not in ("epoch", "step"):
            return match.group(1), float(match.group(2))
    return None


def read_sidecar(path: str) -> Mapping[str, object]:
    """`<ckpt>.metadata.json` (bounded); {} when absent, unreadable or not a JSON object."""
    import json

    try:
        with open(f"{path}.metadata.json", "rb") as handle:
            data = json.loads(handle.read(SIDECAR_LIMIT + 1)[:SIDECAR_LIMIT])
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _sidecar_number(data: Mapping[str, object], *keys: str) -> int | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


@dataclass(frozen=True)
class _Folder:
    stamp: tuple[int, int]
    settled: bool  # stamp older than RACY_WINDOW_NS when listed: may be reused
    children: tuple[str, ...]  # absolute paths of sub-folders
    warning: str | None = None


@dataclass(frozen=True)
class _Run:
    stamp: tuple[int, int]
    checkpoints_stamp: tuple[int, int] | None  # None: no checkpoints/ folder (yet)
    settled: bool  # stamps and checkpoint mtimes older than RACY_WINDOW_NS when listed
    checkpoints: tuple[Checkpoint, ...]
    warning: str | None = None


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns)


def _flatten(data: Mapping[object, object], prefix: str, out: dict[str, object]) -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            _flatten(value, dotted + ".", out)
        else:
            out[dotted] = value


def _load_mapping(path: str, rel: str) -> tuple[dict[object, object] | None, str | None]:
    """(data, warning); a missing file is (None, None)."""
    try:
        data = yaml.load(read_text(path), Loader=Loader)
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{rel}: cannot read ({exc})"
    except yaml.YAMLError as exc:
        return None, str(yaml_error_issue(rel, exc))
    if not isinstance(data, dict):
        return None, f"{rel}: expected a mapping"
    return data, None


def _read_run_config(path: str, rel: str) -> tuple[RunConfig | None, list[str]]:
    config, warning = _load_mapping(f"{path}/{HYDRA}/config.yaml", f"{rel}/{HYDRA}/config.yaml")
    if config is None:
        return None, [f"{warning}; the run's config is unknown"] if warning else []
    values: dict[str, object] = {}
    _flatten(config, "", values)
    hydra, warning = _load_mapping(f"{path}/{HYDRA}/hydra.yaml", f"{rel}/{HYDRA}/hydra.yaml")
    raw_choices = (hydra or {}).get("hydra") or {}
    raw_choices = (
        raw_choices.get("runtime", {}).get("choices") if isinstance(raw_choices, dict) else None
    )
    choices = {
        str(k): None if v is None else str(v)
        for k, v in (raw_choices.items() if isinstance(raw_choices, dict) else ())
    }
    recorded, _ = _load_list(f"{path}/{HYDRA}/overrides.yaml")
    return RunConfig(MappingProxyType(choices), MappingProxyType(values), recorded), [
        warning
    ] if warning else []


def _load_list(path: str) -> tuple[tuple[str, ...], None]:
    """overrides.yaml: a list of override texts (() when absent or not a list of text)."""
    try:
        data = yaml.load(read_text(path), Loader=Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return (), None
    if not isinstance(data, list):
        return (), None
    return tuple(str(item) for item in data if isinstance(item, str | int | float)), None


class CheckpointIndex:
    """Thread-safe, incrementally refreshed index of a workspace's checkpoints."""

    def __init__(self, settings: Settings) -> None:
        self._root = str(settings.root)
        self._real_root = os.path.realpath(self._root)
        self._seen: set[str] = set()  # real paths listed in this refresh (symlink loops)
        self._outputs = str(settings.outputs_dir)
        self._lock = threading.Lock()
        self._folders: dict[str, _Folder | _Run] = {}  # absolute path -> state
        self._configs: dict[str, RunConfig | None] = {}  # run path -> config, read on demand
        self._config_warnings: dict[str, list[str]] = {}
        self._events: tuple[str, ...] = ()  # from the last refresh that changed something
        self._warnings: tuple[str, ...] = ()
        self._checkpoints: tuple[Checkpoint, ...] = ()
        self._generation = 0
        self._settled_before = 0  # time_ns: stamps older than this are trusted (set per refresh)
        self.refreshed_at: float | None = None  # time.monotonic() of the last refresh

    @property
    def root(self) -> str:
        """The workspace folder (checkpoint paths are relative to it)."""
        return self._root

    @property
    def checkpoints(self) -> tuple[Checkpoint, ...]:
        """All checkpoints, newest (mtime) first."""
        return self._checkpoints

    @property
    def warnings(self) -> tuple[str, ...]:
        """Runs dropped by the last change, unreadable runs and unreadable run configs."""
        return self._warnings

    @property
    def version(self) -> str:
        """Changes whenever `checkpoints` changes (a counter, per index)."""
        return str(self._generation)

    def refresh(self, force: bool = False) -> bool:
        """Rescan; only changed folders are listed again. True if the checkpoints changed.

        `force` forgets every stamp and cached run config and rescans everything.
        """
        with self._lock:
            old = {} if force else self._folders
            new: dict[str, _Folder | _Run] = {}
            self._settled_before = time.time_ns() - RACY_WINDOW_NS
            self._seen = set()
            self._visit(self._outputs, 0, old, new)
            self.refreshed_at = time.monotonic()
            old_runs = {p: s for p, s in self._folders.items() if isinstance(s, _Run)}
            new_runs = {p: s for p, s in new.items() if isinstance(s, _Run)}
            folders_changed = new != self._folders
            self._folders = new
            if force:
                self._configs.clear()
                self._config_warnings.clear()
                self._update_warnings()
            if not folders_changed:
                return False
            for path in list(self._configs):
                new_run, old_run = new_runs.get(path), old_runs.get(path)
                if new_run is None or old_run is None or new_run.stamp != old_run.stamp:
                    del self._configs[path]
                    self._config_warnings.pop(path, None)
            self._events = tuple(
                f"{self._rel(path)}: run folder is gone; "
                f"{len(state.checkpoints)} checkpoint(s) dropped"
                for path, state in old_runs.items()
                if path not in new_runs
            )
            checkpoints = sorted(
                (c for state in new_runs.values() for c in state.checkpoints),
                key=lambda c: (-c.mtime, c.path),
            )
            changed = tuple(checkpoints) != self._checkpoints
            self._checkpoints = tuple(checkpoints)
            self._update_warnings()
            if changed:
                self._generation += 1
            return changed

    def run_config(self, run_dir: str | os.PathLike[str]) -> RunConfig | None:
        """The recorded config of a known run (relative or absolute path), read once; None if unknown."""
        path = os.path.normpath(os.path.join(self._root, os.fspath(run_dir)))
        with self._lock:
            if not isinstance(self._folders.get(path), _Run):
                return None
            if path not in self._configs:
                config, warnings = _read_run_config(path, self._rel(path))
                self._configs[path] = config
                if warnings:
                    self._config_warnings[path] = warnings
                    self._update_warnings()
            return self._configs[path]

    def _rel(self, path: str) -> str:
        rel = path[len(self._root) + 1 :]
        return rel if os.sep == "/" else rel.replace(os.sep, "/")

    def _update_warnings(self) -> None:
        found = list(self._events)
        found.extend(s.warning for s in self._folders.values() if s.warning)
        for warnings in self._config_warnings.values():
            found.extend(warnings)
        self._warnings = tuple(found)

    def _visit(
        self,
        path: str,
        depth: int,
        old: Mapping[str, _Folder | _Run],
        new: dict[str, _Folder | _Run],
    ) -> None:
        stamp = _stamp(path)
        if stamp is None:
            return  # gone: runs that disappear are reported by refresh()
        prev = old.get(path)
        if prev is not None and prev.stamp == stamp and prev.settled:
            if isinstance(prev, _Folder):
                new[path] = prev
                for child in prev.children:
                    self._visit(child, depth + 1, old, new)
                return
            checkpoints_stamp = _stamp(f"{path}/{CHECKPOINTS}")
            if checkpoints_stamp == prev.checkpoints_stamp:  # prev.settled covers this stamp too
                new[path] = prev
            else:
                new[path] = self._scan_run(path, stamp, checkpoints_stamp)
            return
        real = os.path.realpath(path)
        if real in self._seen and depth > 0:
            return  # reached again through a link: listed once, under its first path
        self._seen.add(real)
        try:
            with os.scandir(path) as entries:
                subdirs = [(e.name, e.path) for e in entries if self._followable(e)]
        except OSError as exc:
            new[path] = _Folder(
                stamp,
                self._is_settled(stamp),
                (),
                f"{self._rel(path)}: cannot list ({exc.strerror})",
            )
            return
        names = {name for name, _ in subdirs}
        if depth > 0 and (CHECKPOINTS in names or HYDRA in names):
            new[path] = self._scan_run(path, stamp, _stamp(f"{path}/{CHECKPOINTS}"))
            return
        children = (
            tuple(sorted(p for name, p in subdirs if name[0] != ".")) if depth < MAX_DEPTH else ()
        )
        new[path] = _Folder(stamp, self._is_settled(stamp), children)
        for child in children:
            self._visit(child, depth + 1, old, new)

    def _inside(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def _followable(self, entry: os.DirEntry[str]) -> bool:
        """A folder to descend into: not a broken link or loop, not a link out of the workspace."""
        try:
            if not entry.is_dir():
                return False
            if entry.is_symlink():
                real = os.path.realpath(entry.path)
                if not self._inside(real) or real in self._seen:
                    return False
        except OSError:
            return False  # ELOOP, EACCES: this entry only, never the whole listing
        return True

    def _scan_run(
        self, path: str, stamp: tuple[int, int], checkpoints_stamp: tuple[int, int] | None
    ) -> _Run:
        rel_run = self._rel(path)
        settled = self._is_settled(stamp)
        if checkpoints_stamp is None:
            return _Run(stamp, None, settled, ())
        settled = settled and self._is_settled(checkpoints_stamp)
        run_name = rel_run[len(self._rel(self._outputs)) + 1 :]
        found: list[Checkpoint] = []
        refused: list[str] = []
        try:
            with os.scandir(f"{path}/{CHECKPOINTS}") as entries:
                for entry in entries:
                    name = entry.name
                    if not name.endswith(".ckpt"):
                        continue
                    try:
                        if not entry.is_file():
                            continue
                        if entry.is_symlink() and not self._inside(entry.path):
                            refused.append(name)
                            continue
                        st = entry.stat()
                    except OSError:
                        continue  # removed between listing and stat
                    settled = settled and st.st_mtime_ns < self._settled_before
                    found.append(self._checkpoint(entry.path, rel_run, run_name, name, st))
        except OSError as exc:
            return _Run(
                stamp,
                checkpoints_stamp,
                settled,
                (),
                f"{rel_run}: cannot list {CHECKPOINTS}/ ({exc.strerror}); run skipped",
            )
        warning = (
            f"{rel_run}/{CHECKPOINTS}: refused {', '.join(sorted(refused))} "
            "(a link to outside the workspace)"
            if refused
            else None
        )
        return _Run(stamp, checkpoints_stamp, settled, tuple(found), warning)

    @staticmethod
    def _checkpoint(
        path: str, rel_run: str, run_name: str, name: str, st: os.stat_result
    ) -> Checkpoint:
        """One checkpoint: epoch, step and metric from its name, else from its sidecar."""
        epoch, step = parse_checkpoint_name(name)
        metric = parse_checkpoint_metric(name)
        if epoch is None or step is None:
            sidecar = read_sidecar(path)
            epoch = epoch if epoch is not None else _sidecar_number(sidecar, "epoch")
            step = step if step is not None else _sidecar_number(sidecar, "global_step", "step")
        return Checkpoint(
            f"{rel_run}/{CHECKPOINTS}/{name}",
            rel_run,
            run_name,
            epoch,
            step,
            st.st_mtime,
            st.st_size,
            metric,
        )

    def _is_settled(self, stamp: tuple[int, int]) -> bool:
        return max(stamp) < self._settled_before


_indexes: dict[str, CheckpointIndex] = {}
_indexes_lock = threading.Lock()


def get_checkpoint_index(settings: Settings, *, max_age_s: float = 0.0) -> CheckpointIndex:
    """The process-wide index of the workspace, refreshed if its last refresh is older than `max_age_s`.

    The first call builds it; later calls cost one incremental refresh (two
    stats per run) unless `max_age_s` says the last one is recent enough.
    """
    key = str(settings.root)
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = CheckpointIndex(settings)
    last = index.refreshed_at
    if last is None or time.monotonic() - last >= max_age_s:
        index.refresh()
    return index
