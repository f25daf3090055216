"""The composed config's values of each page, kept on disk between server starts.

Composing a primary config through Hydra for a page's defaults (config_defaults.py)
takes 0.2-0.4 s of CPU, and a server start did it before its first page: on 2 shared
cores it delayed that page by about as much. Stored in the workspace's state folder
(`state_dir/config-defaults/<page>.json`), a restart with an unchanged config tree
reads them instead.

The stamp says what the values were composed from: the runner's contract (config
folder, primary config, version base, job name), every YAML file of the config
folder by path, size and mtime (the compose cache's token), and the Hydra, OmegaConf
and builder versions. A tree changed within RACY_WINDOW_NS of composing is not stored
(mtime granularity could hide a later edit). The file is data: bounded, checked key by
key, and any file that is not exactly what `store` writes is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import time
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .. import __version__
from ..settings import Settings
from ..workspace.fingerprint import RACY_WINDOW_NS, config_files

FOLDER = "config-defaults"
MAX_FILE_BYTES = 4 * 2**20
_SCALARS = (str, int, float, bool, type(None))
_log = logging.getLogger(__name__)

Values = dict[str, object]
Choices = dict[str, str]


def stamp(settings: Settings, page: str) -> tuple[str, bool]:
    """(the stamp of `page`'s config tree now, whether the tree is settled enough to store)."""
    from ..commands.validate import compose_target, files_digest

    target = compose_target(settings, page)
    files = sorted(config_files(str(target.config_dir)))
    contract = (str(target.config_dir), str(target.config_name), str(target.version_base))
    versions = (*(_version_of(name) for name in ("hydra-core", "omegaconf")), __version__)
    page_stamp = files_digest(files, *contract, target.job_name, *versions, size=16)
    newest = max((mtime_ns for _, mtime_ns, _ in files), default=0)
    return page_stamp, time.time_ns() - newest > RACY_WINDOW_NS


def load(settings: Settings, page: str, page_stamp: str) -> tuple[Values, Choices] | None:
    """The stored values of `page` if they were composed from `page_stamp`, else None."""
    path = _path(settings, page)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return None
        stored = json.loads(data)
        if not isinstance(stored, dict) or stored.get("stamp") != page_stamp:
            return None
        values, choices = stored.get("values"), stored.get("choices")
        if not (_is_values(values) and _is_choices(choices)):
            return None
    except (OSError, ValueError, RecursionError):
        return None
    return values, choices  # type: ignore[return-value]


def store(settings: Settings, page: str, page_stamp: str, values: Values, choices: Choices) -> None:
    """Write them (atomically) if JSON holds them exactly; a read-only workspace just skips."""
    payload = {"stamp": page_stamp, "values": values, "choices": choices}
    try:
        text = json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError):
        return  # a value JSON cannot hold as it is: compose again next start
    if len(text) > MAX_FILE_BYTES or json.loads(text) != _as_json(payload):
        return
    path = _path(settings, page)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        _log.info("cannot store the %s page's config defaults in %s", page, path, exc_info=True)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def _path(settings: Settings, page: str) -> Path:
    return settings.state_dir / FOLDER / f"{page}.json"


@functools.cache
def _version_of(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "-"


def _as_json(value: object) -> object:
    """`value` as JSON gives it back (tuples as lists): what a faithful round trip returns."""
    if isinstance(value, Mapping):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    return value


def _is_values(values: object) -> bool:
    """Dotted keys to leaves: a mapping here is an empty one (config_values flattens)."""
    return isinstance(values, dict) and all(
        isinstance(k, str) and (v == {} or (not isinstance(v, dict) and _is_value(v)))
        for k, v in values.items()
    )


def _is_value(value: object) -> bool:
    """A config leaf as config_values gives it: a scalar, a list of leaves, an empty mapping."""
    if isinstance(value, list):
        return all(_is_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_value(v) for k, v in value.items())
    return isinstance(value, _SCALARS)


def _is_choices(choices: object) -> bool:
    return isinstance(choices, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in choices.items()
    )
