"""Form state <-> URL query parameters, for shareable links.

Only values that differ from the page's initial state are written, so links stay
short. A string is written as itself unless it would read as JSON (`32`, `true`,
`"x"`); everything else is JSON. Reading tries JSON first and falls back to the
plain text, so the types come back exact (0.001 stays a float, the text "32" stays
text, a wrong "abc" in a number field stays a string). Extra overrides go into the
reserved `_extra` parameter, sweep specs into `_sweeps` (a JSON object). Round trip: the decoded state has exactly the encoded
values and extra overrides; the keys in the link count as touched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace

from ..errors import CommandError
from ..schema import PageSchema
from .state import CatalogLike, FormState, FrozenMap, coerce, initial_state, same_value

EXTRA_PARAM = "_extra"  # element keys start with a letter, so this cannot collide
SWEEPS_PARAM = "_sweeps"


class QueryError(CommandError, ValueError):
    """A link parameter that cannot be read (the message names it)."""


def _reads_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _to_json(value: object) -> object:
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def encode_value(value: object) -> str:
    if isinstance(value, str) and not _reads_as_json(value):
        return value
    return json.dumps(_to_json(value), ensure_ascii=False)


def decode_value(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text


def encode_query(schema: PageSchema, catalog: CatalogLike, state: FormState) -> dict[str, str]:
    """The state's non-initial values as query parameters."""
    base = initial_state(schema, catalog)
    params = {
        key: encode_value(value)
        for key, value in state.values.items()
        if key in schema.by_key and not same_value(value, base.values.get(key))
    }
    if state.extra_overrides:
        params[EXTRA_PARAM] = json.dumps(list(state.extra_overrides), ensure_ascii=False)
    if state.sweeps:
        params[SWEEPS_PARAM] = json.dumps(dict(state.sweeps), ensure_ascii=False)
    return params


def decode_query(schema: PageSchema, catalog: CatalogLike, params: Mapping[str, str]) -> FormState:
    """A state from query parameters; unknown parameters are ignored (links outlive schemas)."""
    base = initial_state(schema, catalog)
    values = dict(base.values)
    touched: set[str] = set()
    for key, text in params.items():
        element = schema.by_key.get(key)
        if element is None or element.type == "info":
            continue
        values[key] = coerce(element, decode_value(text))
        touched.add(key)
    extras: tuple[str, ...] = ()
    if EXTRA_PARAM in params:
        loaded = decode_value(params[EXTRA_PARAM])
        if not isinstance(loaded, list) or not all(isinstance(o, str) for o in loaded):
            raise QueryError(f"link parameter {EXTRA_PARAM} must be a JSON list of overrides")
        extras = tuple(loaded)
    sweeps = decode_value(params.get(SWEEPS_PARAM, "{}"))
    if not isinstance(sweeps, dict) or not all(isinstance(v, str) for v in sweeps.values()):
        raise QueryError(f"link parameter {SWEEPS_PARAM} must be a JSON object of sweep specs")
    sweeps = {k: v for k, v in sweeps.items() if getattr(schema.by_key.get(k), "sweep", False)}
    return replace(
        base,
        values=FrozenMap(values),
        touched=frozenset(touched),
        extra_overrides=extras,
        sweeps=FrozenMap(sweeps),
    )
