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
_EPOCH = re.compile(r"(?<![A-Za-z0-9])epoch=(\d+)")
_STEP = re.compile(r"(?<![A-Za-z0-9])step=(\d+)")  # also matches global_step=


@dataclass(frozen=True)
class Checkpoint:
    path: str  # relative to the workspace root, posix
    run_dir: str  # relative to the workspace root, posix
    run_name: str  # run folder relative to outputs/ ("receipts_v3", "2024-05-01/12-00-00/3")
    epoch: int | None
    step: int | None
    mtime: float
    size: int


@dataclass(frozen=True)
class RunConfig:
    """What Hydra recorded for a run."""

    choices: Mapping[
        str, str | None
    ]  # hydra.yaml runtime.choices: "model/architectures" -> "dbnet"
    values: Mapping[str, object]  # config.yaml flattened to dotted keys (lists stay values)

    def lookup(self, path: str) -> object | None:
        """A group choice ("model/architectures", "data") or a dotted value ("model.encoder.model_name")."""
        if path in self.choices:
            return self.choices[path]
        return self.values.get(path)


def parse_checkpoint_name(name: str) -> tuple[int | None, int | None]:
    """(epoch, step) from Lightning-style names: `epoch=3-step=120.ckpt`, `best-epoch=3...`; None if absent."""
    epoch = _EPOCH.search(name)
    step = _STEP.search(name)
    return (int(epoch.group(1)) if epoch else None, int(step.group(1)) if step else None)


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
    return RunConfig(MappingProxyType(choices), MappingProxyType(values)), [
        warning
    ] if warning else []


class CheckpointIndex:
    """Thread-safe, incrementally refreshed index of a workspace's checkpoints."""

    def __init__(self, settings: Settings) -> None:
        self._root = str(settings.root)
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
        try:
            with os.scandir(path) as entries:
                subdirs = [(e.name, e.path) for e in entries if e.is_dir()]
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
        try:
            with os.scandir(f"{path}/{CHECKPOINTS}") as entries:
                for entry in entries:
                    name = entry.name
                    if not name.endswith(".ckpt"):
                        continue
                    try:
                        if not entry.is_file():
                            continue
                        st = entry.stat()
                    except OSError:
                        continue  # removed between listing and stat
                    settled = settled and st.st_mtime_ns < self._settled_before
                    epoch, step = parse_checkpoint_name(name)
                    found.append(
                        Checkpoint(
                            f"{rel_run}/{CHECKPOINTS}/{name}",
                            rel_run,
                            run_name,
                            epoch,
                            step,
                            st.st_mtime,
                            st.st_size,
                        )
                    )
        except OSError as exc:
            return _Run(
                stamp,
                checkpoints_stamp,
                settled,
                (),
                f"{rel_run}: cannot list {CHECKPOINTS}/ ({exc.strerror}); run skipped",
            )
        return _Run(stamp, checkpoints_stamp, settled, tuple(found))

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
