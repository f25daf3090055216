"""Stat-only fingerprint of the folders the catalog is built from.

Watched: every ``*.yaml`` under ``configs/`` (ui_meta included, page-schema
overrides in ui_meta/schemas not) and the ``*.py`` names in ``runners/``. For config files the entry is
(relative path, mtime_ns, size): a new, removed or renamed file changes the set
of paths, an edit changes mtime (and usually size). Directory mtimes would
add nothing: they change only on add/remove/rename, which the path set already
shows. The runners folder only contributes its names (the catalog lists runners,
it never reads them). Nothing is opened or read here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

CONFIG_SUFFIX = ".yaml"
# mtimes have a granularity (a few ms on Linux, 1-2 s on some file systems): a
# change within that window after a scan may leave the stamp unchanged, so a
# stamp younger than this is not trusted (catalog and checkpoint index re-check).
RACY_WINDOW_NS = 2_000_000_000
# Page-schema overrides are read (and cached per mtime) by the schema layer, not the catalog.
UNWATCHED = frozenset({"ui_meta/schemas"})
RUNNER_SUFFIX = ".py"


@dataclass(frozen=True)
class Fingerprint:
    """What a scan saw; equal fingerprints mean the catalog need not be rebuilt."""

    config_files: tuple[tuple[str, int, int], ...]  # (path relative to configs/, mtime_ns, size)
    runner_files: tuple[str, ...]  # file names in runners/
    newest_mtime_ns: int


def _walk_configs(path: str, prefix: str, out: list[tuple[str, int, int]]) -> None:
    try:
        entries = list(os.scandir(path))
    except OSError:
        return  # vanished or unreadable folder: its files simply are not there
    for entry in entries:
        name = entry.name
        if name[0] == "." or name == "__pycache__":
            continue
        try:
            if entry.is_dir():
                if prefix + name not in UNWATCHED:
                    _walk_configs(entry.path, prefix + name + "/", out)
            elif name.endswith(CONFIG_SUFFIX):
                st = entry.stat()
                out.append((prefix + name, st.st_mtime_ns, st.st_size))
        except OSError:
            continue  # removed between listing and stat


def config_files(configs_dir: str) -> list[tuple[str, int, int]]:
    """(path relative to `configs_dir`, mtime_ns, size) of each config file, in scandir order:
    the one walk of a config tree (the catalog's fingerprint, the compose cache's token)."""
    out: list[tuple[str, int, int]] = []
    _walk_configs(configs_dir, "", out)
    return out


def scan(configs_dir: str, runners_dir: str) -> Fingerprint:
    """Walk the watched folders with os.scandir; one stat per config file.

    Entries keep scandir's order (stable for an unchanged folder); sorting 2,000
    entries on every check would cost more than the rare extra rebuild an order
    change causes (a rebuild with unchanged content keeps the same Catalog).
    """
    files = config_files(configs_dir)
    try:
        runner_files = sorted(
            e.name
            for e in os.scandir(runners_dir)
            if e.name.endswith(RUNNER_SUFFIX) and e.name[0] not in "._"
        )
    except OSError:
        runner_files = []
    newest = max((mtime for _, mtime, _ in files), default=0)
    return Fingerprint(tuple(files), tuple(runner_files), newest)
