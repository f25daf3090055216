"""The workspace catalog: config-group options, UI metadata, runners, issues.

Built once per process per workspace root and shared by every thread
(Streamlit sessions are threads). `get_catalog` re-scans the stat-only
fingerprint (see fingerprint.py) and rebuilds only when it changed; a rebuild
whose content hash equals the old version keeps the old object, so callers may
cache by identity or by `Catalog.version`.

Racy edits: file mtimes have a granularity (a few ms on Linux, 1-2 s on some
file systems), so a same-size edit right after a build could keep the same
fingerprint. While the newest watched file is younger than RACY_WINDOW_NS the
catalog therefore rebuilds on every check (the content hash decides whether
anything changed). This is the only part of the program that scans configs/.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

import yaml

from ..settings import Settings
from .fingerprint import CONFIG_SUFFIX, RACY_WINDOW_NS, Fingerprint, scan
from .formats import format_of
from .formats.profiles import with_none
from .ui_meta import KIND_KEYS, ArchitectureMeta, OptimizerMeta, PreprocessingProfile
from .yaml_files import ConfigIssue, Loader, compose_node, yaml_error_issue

_E = TypeVar("_E")

META_KINDS = tuple(KIND_KEYS)
_UI_META = "ui_meta"
PRESETS = "model/architectures"  # Hydra presets: component_overrides name the real components
# option kind -> (component_overrides.<component>, the key holding its registry name)
_PRESET_NAMES = {
    "encoders": ("encoder", "model_name"),
    "decoders": ("decoder", "name"),
    "heads": ("head", "name"),
    "losses": ("loss", "name"),
}


@dataclass(frozen=True, eq=False)
class Catalog:
    """Everything the forms need to know about a workspace's configs. Immutable."""

    version: str  # content hash: equal versions mean equal catalogs
    groups: Mapping[str, tuple[str, ...]]  # "model/architectures" -> ("craft", "dbnet", "dbnetpp")
    architectures: Mapping[str, ArchitectureMeta]
    optimizers: Mapping[str, OptimizerMeta]
    preprocessing_profiles: Mapping[str, PreprocessingProfile]
    runners: Mapping[str, str]  # page -> runner path relative to the root
    issues: tuple[ConfigIssue, ...]
    # architecture preset -> kind ("encoders") -> registry name its component_overrides use
    presets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def group_options(self, group: str) -> tuple[str, ...]:
        """File stems of a config group ("data", "model/optimizers"); () if there is none."""
        return self.groups.get(group.strip("/"), ())

    def meta_options(self, kind: str) -> tuple[str, ...]:
        """Registry names of a component kind ("encoders"), as the project has them.

        The union of every architecture's compatible list (compatible_backbones, ...)
        and the names its preset's component_overrides use; first-seen order by name.
        """
        seen: dict[str, None] = {}
        key = KIND_KEYS.get(kind, kind)
        for name in sorted(set(self.architectures) | set(self.presets)):
            meta = self.architectures.get(name)
            if meta is not None:
                seen.update(dict.fromkeys(meta.compatible.get(key, ())))
            preset = self.presets.get(name, {}).get(kind)
            if preset:
                seen[preset] = None
        return tuple(seen)

    @property
    def datasets(self) -> tuple[str, ...]:
        """Options of the `data` group (the form's Dataset field)."""
        return self.group_options("data")


def _check_config(rel_path: str, text: str) -> ConfigIssue | None:
    """Syntax-check a Hydra config file: YAML composes and the top level is a mapping.

    Composing (no Python objects built) is ~40% cheaper than loading and catches
    every syntax and alias error; tag/constructor errors are left to Hydra.
    """
    try:
        node = compose_node(text)
    except yaml.YAMLError as exc:
        return yaml_error_issue(rel_path, exc)
    if node is not None and not isinstance(node, yaml.MappingNode):
        return ConfigIssue(
            rel_path, node.start_mark.line + 1, "a Hydra config file must contain a mapping"
        )
    return None


def build_catalog(settings: Settings, fingerprint: Fingerprint | None = None) -> Catalog:
    """Read and parse the watched files into a new Catalog (no caching; never raises for content)."""
    configs_dir = str(settings.configs_dir)
    if fingerprint is None:
        fingerprint = scan(configs_dir, str(settings.runners_dir))
    digest = hashlib.blake2b(digest_size=8)
    groups: dict[str, list[str]] = {}
    found: dict[str, dict[str, object]] = {
        "architectures": {},
        "optimizers": {},
        "preprocessing_profiles": with_none({}),
    }
    presets: dict[str, Mapping[str, str]] = {}
    issues: list[ConfigIssue] = []
    for rel, _mtime, _size in sorted(fingerprint.config_files):
        rel_root = f"configs/{rel}"
        try:
            with open(os.path.join(configs_dir, rel), "rb") as handle:
                raw = handle.read()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(ConfigIssue(rel_root, None, f"cannot read: {exc}"))
            continue
        digest.update(rel.encode() + b"\0" + raw + b"\0")
        folder, _, filename = rel.rpartition("/")
        stem = filename[: -len(CONFIG_SUFFIX)]
        reader = format_of(rel)
        if reader is not None:
            entries, problems = reader.read(rel_root, stem, text)
            if reader.file is not None:
                found[reader.attribute] = dict(entries)  # one file holds them all
            else:
                found[reader.attribute].update(entries)
        else:
            issue = _check_config(rel_root, text)
            problems = [issue] if issue else []
            if folder and folder != _UI_META and not folder.startswith(_UI_META + "/"):
                groups.setdefault(folder, []).append(stem)
            if folder == PRESETS and issue is None:
                presets[stem] = _preset_components(text)
        issues.extend(problems)
    runners = {name[:-3]: f"runners/{name}" for name in fingerprint.runner_files}
    digest.update("\0".join(fingerprint.runner_files).encode())
    return Catalog(
        version=digest.hexdigest(),
        groups=MappingProxyType({g: tuple(sorted(o)) for g, o in sorted(groups.items())}),
        architectures=_typed_entries(sorted(found["architectures"].items()), ArchitectureMeta),
        optimizers=_typed_entries(sorted(found["optimizers"].items()), OptimizerMeta),
        preprocessing_profiles=_typed_entries(
            found["preprocessing_profiles"].items(), PreprocessingProfile
        ),
        runners=MappingProxyType(runners),
        issues=tuple(issues),
        presets=MappingProxyType(presets),
    )


def _typed_entries(items: Iterable[tuple[str, object]], kind: type[_E]) -> Mapping[str, _E]:
    """A format reader's entries as the class it produces (formats/: name -> entry)."""
    entries: dict[str, _E] = {}
    for name, entry in items:
        if not isinstance(entry, kind):  # a reader's bug, not the workspace's
            raise TypeError(f"{name}: a {type(entry).__name__}, not a {kind.__name__}")
        entries[name] = entry
    return MappingProxyType(entries)


def _preset_components(text: str) -> Mapping[str, str]:
    """kind -> registry name from an architecture preset's component_overrides (may be {})."""
    try:
        data = yaml.load(text, Loader=Loader)
    except yaml.YAMLError:
        return {}
    overrides = data.get("component_overrides") if isinstance(data, dict) else None
    if not isinstance(overrides, dict):
        return {}
    names = {}
    for kind, (component, key) in _PRESET_NAMES.items():
        part = overrides.get(component)
        value = part.get(key) if isinstance(part, dict) else None
        if isinstance(value, str) and value:
            names[kind] = value
    return MappingProxyType(names)


@dataclass
class _Entry:
    """Cache slot of one workspace root; `lock` makes one thread build while others wait."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    catalog: Catalog | None = None
    fingerprint: Fingerprint | None = None
    racy: bool = False
    checked_at: float = 0.0  # time.monotonic() of the last fingerprint check


_entries: dict[str, _Entry] = {}
_entries_lock = threading.Lock()


def _entry(settings: Settings) -> _Entry:
    key = str(settings.root)
    with _entries_lock:
        return _entries.setdefault(key, _Entry())


def _update(entry: _Entry, settings: Settings, force: bool) -> Catalog:
    """Scan; rebuild when forced, changed or racy. Caller holds entry.lock."""
    fingerprint = scan(str(settings.configs_dir), str(settings.runners_dir))
    entry.checked_at = time.monotonic()
    old = entry.catalog
    if old is not None and not force and not entry.racy and fingerprint == entry.fingerprint:
        return old
    new = build_catalog(settings, fingerprint)
    entry.fingerprint = fingerprint
    entry.racy = fingerprint.newest_mtime_ns >= time.time_ns() - RACY_WINDOW_NS
    if old is None or new.version != old.version:
        entry.catalog = new
        return new
    return old


def get_catalog(settings: Settings, *, max_age_s: float = 0.0) -> Catalog:
    """The shared catalog of the workspace, rebuilt only if its fingerprint changed.

    Costs one fingerprint scan (~0.1 ms for the demo, ~3.5 ms for 2,000 config
    files). `max_age_s` > 0 skips the scan when the last one is younger than
    that: the UI passes ~1 s so a page run costs a dict lookup, and edits show
    up within a second.
    """
    entry = _entry(settings)
    with entry.lock:
        if entry.catalog is not None and time.monotonic() - entry.checked_at < max_age_s:
            return entry.catalog
        return _update(entry, settings, force=False)


def refresh_catalog(settings: Settings) -> Catalog:
    """Rebuild now (the sidebar's Refresh button); unchanged content keeps the same object."""
    entry = _entry(settings)
    with entry.lock:
        return _update(entry, settings, force=True)
