"""Compose a runner's primary config and read its defaults tree: the generic form's input.

The generic form (form/generic.py) is pure; this module asks Hydra, with the runner's
own config dir, primary config and version base (the loader compose-validation uses),
for the composed config and for each config group of the defaults tree: its current
choice, whether it is optional, and its options (Hydra's repository, so groups from
the search path count too). Results are cached per (root, page, config fingerprint).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from ..settings import Settings
from .overrides import HYDRA_LOCK
from .validate import (
    _compose,
    _loader,
    compose_target,
    config_data,
    config_fingerprint,
    hydra_message,
)

MAX_PROBES = 8  # mandatory groups probed per primary config
_MANDATORY = re.compile(r"You must specify '([\w/-]+)'")
_cache: dict[tuple[str, str], tuple[str, ConfigTree]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class GroupChoice:
    """One config group of the defaults list: its path, current choice and options."""

    path: str  # "data", "model/optimizer" (no leading /)
    choice: str | None  # None: the group is null (nothing selected)
    options: tuple[str, ...]
    optional: bool  # may be left out (`optional` in the defaults list, or null now)
    mandatory: bool = False  # `group: ???`: the user must choose (the tree shows the first)


@dataclass(frozen=True)
class ConfigTree:
    """What the generic form is derived from: the composed app config and its groups."""

    primary: str  # the primary config file, relative to the workspace (for messages)
    config: Mapping[str, Any]  # composed, unresolved, without `hydra`
    groups: tuple[GroupChoice, ...]


class PrimaryConfigError(Exception):
    """The runner's primary config does not compose (Hydra's own message)."""


def primary_tree(settings: Settings, page: str) -> ConfigTree:
    """The composed primary config of `page`'s runner and its config groups (cached)."""
    target = compose_target(settings, page)
    token = config_fingerprint(target.config_dir)
    key = (str(settings.root), page)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == token:
        return cached[1]
    primary = target.primary
    shown = (
        primary.relative_to(settings.root).as_posix()
        if primary is not None and settings.root in primary.parents
        else str(primary or target.config_dir)
    )
    with HYDRA_LOCK:
        try:
            cfg, groups = _compose_probing(settings, page, target.config_dir, target.config_name)
        except Exception as exc:  # Hydra raises many types; the page shows its message
            raise PrimaryConfigError(f"{shown}: {hydra_message(exc)}") from exc
    tree = ConfigTree(
        primary=shown,
        config={k: v for k, v in config_data(cfg).items() if k != "hydra"},
        groups=groups,
    )
    with _lock:
        _cache[key] = (token, tree)
    return tree


def _compose_probing(
    settings: Settings, page: str, config_dir: Path, config_name: str | None
) -> tuple[DictConfig, tuple[GroupChoice, ...]]:
    """Compose the primary config; a mandatory group (`domain: ???`) is composed with its
    first option, so the form still has the leaves, and marked mandatory."""
    from hydra.errors import ConfigCompositionException

    probes: dict[str, str] = {}
    for _ in range(MAX_PROBES):
        overrides = [f"{group}={option}" for group, option in probes.items()]
        try:
            cfg = _compose(settings, page, overrides, False)
        except ConfigCompositionException as exc:
            match = _MANDATORY.search(str(exc))
            options = _loader(config_dir).get_group_options(match.group(1)) if match else []
            if match is None or not options or match.group(1) in probes:
                raise
            probes[match.group(1)] = options[0]
            continue
        optional = _optional_groups(config_dir, config_name)
        return cfg, _groups(cfg, config_dir, optional, frozenset(probes))
    raise PrimaryConfigError(f"more than {MAX_PROBES} mandatory config groups")


def _groups(
    cfg: DictConfig, config_dir: Path, optional: frozenset[str], mandatory: frozenset[str]
) -> tuple[GroupChoice, ...]:
    """The composed config's group choices (hydra.runtime.choices, in defaults-list order),
    without Hydra's own groups; their options from Hydra's repository.

    Why choices and not the defaults tree: computing the tree again costs as much as the
    composition itself (seconds on a wide tree); the choices come with the composition.
    """
    loader = _loader(config_dir)
    choices = OmegaConf.to_container(cfg.hydra.runtime.choices)
    assert isinstance(choices, dict)
    found = []
    for key, choice in reversed(list(choices.items())):  # Hydra records them last first
        path = str(key)
        group = path.split("@", 1)[0]
        if group == "hydra" or group.startswith("hydra/"):
            continue
        if choice is not None and not isinstance(choice, str):
            continue  # a list of options (`group: [a, b]`) has no single select
        found.append(
            GroupChoice(
                path=path,
                choice=choice,
                options=tuple(loader.get_group_options(group)),
                optional=group in optional or choice is None,
                mandatory=group in mandatory,
            )
        )
    return tuple(found)


def _optional_groups(config_dir: Path, config_name: str | None) -> frozenset[str]:
    """Groups the primary config's own defaults list marks `optional`."""
    import yaml

    if config_name is None:
        return frozenset()
    try:
        with open(f"{config_dir}/{config_name}.yaml", encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError):
        return frozenset()
    defaults = data.get("defaults") if isinstance(data, dict) else None
    names = set()
    for item in defaults if isinstance(defaults, list) else ():
        for key in item if isinstance(item, dict) else ():
            words = str(key).split()
            if "optional" in words[:-1]:
                names.add(words[-1].lstrip("/").split("@", 1)[0])
    return frozenset(names)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
