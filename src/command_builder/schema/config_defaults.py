"""A page's defaults are what its primary config composes to, not what the schema guesses.

The primary config is composed once through Hydra (compose_check, cached per config
tree; its values stored on disk between server starts, stored_defaults.py) and every
element that writes a path the config has takes that value as its default, with
`omit_if_default`: an unchanged field shows what the run will use and adds nothing to the
command. The schema's own `default` stays only where the config has no value (or one the
field cannot hold). A static option list that lacks the config's value gets it prepended
(precision `32-true`), so the field can show it.

This runs where schemas are loaded (warm-up, the CLI), never in a page run.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

from ..settings import Settings
from . import stored_defaults
from .models import Element, PageSchema

_REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.]*)\}")
_MAX_HOPS = 8  # ${a} -> ${b} -> ... bound
_cache: dict[tuple[str, str], tuple[str, PageSchema, PageSchema]] = {}  # -> (stamp, file's, merged)
_lock = threading.Lock()


def with_config_defaults(settings: Settings, schema: PageSchema) -> PageSchema:
    """`schema` with the composed config's defaults (itself when the config does not compose)."""
    try:
        page_stamp, settled = stored_defaults.stamp(settings, schema.page)
    except Exception:  # noqa: BLE001 - defaults are a convenience; the compose panel reports
        return schema
    key = (str(settings.root), schema.page)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == page_stamp and hit[1] is schema:
        return hit[2]
    composed = stored_defaults.load(settings, schema.page, page_stamp)
    if composed is None:
        composed = _compose_values(settings, schema.page)
        if composed is None:
            return schema
        if settled:
            stored_defaults.store(settings, schema.page, page_stamp, *composed)
    merged = merge_defaults(schema, *composed)
    with _lock:
        _cache[key] = (page_stamp, schema, merged)
    return merged


def _compose_values(
    settings: Settings, page: str
) -> tuple[dict[str, object], dict[str, str]] | None:
    """The values of `page`'s primary config as Hydra composes it, None if it does not."""
    from ..commands.validate import compose_check

    try:
        result = compose_check(settings, page, ())
    except Exception:  # noqa: BLE001 - defaults are a convenience; the compose panel reports
        return None
    if not result.ok or result.config is None:
        return None
    return config_values(result.config)


def clear_cache() -> None:
    """Forget the merged schemas (tests: what a new server process starts with)."""
    with _lock:
        _cache.clear()


def config_values(config: Mapping[str, object]) -> tuple[dict[str, object], dict[str, str]]:
    """(dotted key -> value without the hydra node, group -> chosen option) of a composed config."""
    hydra = config.get("hydra")
    runtime = hydra.get("runtime") if isinstance(hydra, Mapping) else None
    raw = runtime.get("choices") if isinstance(runtime, Mapping) else None
    choices = {str(k): str(v) for k, v in (raw or {}).items() if v is not None}
    values: dict[str, object] = {}
    _flatten({k: v for k, v in config.items() if k != "hydra"}, "", values)
    return values, choices


def _flatten(data: Mapping[str, object], prefix: str, out: dict[str, object]) -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            _flatten(value, dotted + ".", out)
        else:
            out[dotted] = value


def _resolve(values: Mapping[str, object], value: object) -> tuple[bool, object]:
    """(known, value): `${other.key}` followed (bounded); other interpolations are unknown."""
    for _ in range(_MAX_HOPS):
        if value == "???":  # mandatory: the config has no value, the user must give one
            return False, None
        if not isinstance(value, str) or "${" not in value:
            return True, value
        match = _REFERENCE.fullmatch(value)
        if match is None or match.group(1) not in values:
            return False, None
        value = values[match.group(1)]
    return False, None


def _as_field_value(element: Element, value: object) -> object:
    """The config's value as the field holds it (3 -> 3.0 in a float field, lists -> tuples)."""
    if isinstance(value, list):
        return tuple(value)
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if element.kind == "float" and number is not None:
        return float(number)
    if element.kind == "str" and number is not None:
        return str(number)
    return value


def _config_default(
    element: Element, values: Mapping[str, object], choices: Mapping[str, str]
) -> tuple[bool, object]:
    path = element.hydra_override[0]
    if path in element.group_paths:
        return (True, choices[path]) if path in choices else (False, None)
    if path not in values:
        return False, None
    known, value = _resolve(values, values[path])
    return known, _as_field_value(element, value)


def merge_defaults(
    schema: PageSchema, values: Mapping[str, object], choices: Mapping[str, str]
) -> PageSchema:
    """The schema with each element's default taken from the composed config where it has one."""
    elements = []
    changed = False
    for element in schema.elements:
        known = False
        value: object = None
        if element.hydra_override and element.type != "info" and not element.value_format:
            known, value = _config_default(element, values, choices)
        update: dict[str, object] = {}
        if known and value is None:
            update = {"default": None, "omit_if_default": True, "config_default": True}
        elif known and element.accepts(value):
            update = {"default": value, "omit_if_default": True, "config_default": True}
        elif known and element.options is not None and isinstance(value, str | int | float):
            update = {
                "default": value,
                "options": (value, *element.options),
                "omit_if_default": True,
                "config_default": True,
            }
        if update:
            element = element.model_copy(update=update)
            changed = True
        elements.append(element)
    if not changed:
        return schema
    return schema.replaced(elements=tuple(elements))
