"""Form state and the changes a user (or a use case, or a checkpoint) makes to it.

State is immutable and hashable so that views can be memoised per state. Values
are kept as entered, even when wrong ("abc" in a number field): the view reports
the error, and a pasted command's value is never silently changed. The only
normalisation is `coerce`, which makes equal meanings equal (1 -> 1.0 in a float
field, "" -> None = not set, lists -> tuples).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from ..schema import Element, PageSchema


class FrozenMap(Mapping[str, object]):
    """A read-only mapping that hashes and compares by (key, type, value).

    Typed comparison keeps `seed=True` and `seed=1` apart (Python says True == 1),
    which matters both for memo keys and for "form -> command -> form" identity.
    """

    __slots__ = ("_data", "_typed")

    def __init__(self, data: Mapping[str, object] | Iterable[tuple[str, object]] = ()) -> None:
        self._data = dict(data)
        self._typed = frozenset((k, _type_key(v), v) for k, v in self._data.items())

    def __getitem__(self, key: str) -> object:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(self._typed)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._typed == other._typed
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def _type_key(value: object) -> object:
    if isinstance(value, tuple):
        return (tuple, tuple(_type_key(v) for v in value))
    return type(value)


def same_value(a: object, b: object) -> bool:
    """Equality that also requires equal types (True is not 1, 1 is not 1.0)."""
    return _type_key(a) == _type_key(b) and a == b


@dataclass(frozen=True)
class FormState:
    """What one page's form holds.

    touched: keys the user (or a use case, pasted command, link, checkpoint) set;
    metadata defaults never overwrite them. extra_overrides: overrides the form has
    no field for, kept verbatim and emitted after the form's own. sweeps: key -> the
    sweep spec typed for a sweep element ("1e-3,5e-4", "range(10,40,10)"), kept as
    typed like values; while set, it replaces the field's value in the command.
    """

    page: str
    values: FrozenMap
    touched: frozenset[str] = frozenset()
    extra_overrides: tuple[str, ...] = field(default=())
    sweeps: FrozenMap = field(default_factory=FrozenMap)


class CatalogLike(Protocol):
    """What the engine reads from workspace.Catalog (see CONTRACTS)."""

    version: str
    architectures: Mapping
    optimizers: Mapping
    preprocessing_profiles: Mapping

    def group_options(self, group: str) -> tuple[str, ...]: ...
    def meta_options(self, kind: str) -> tuple[str, ...]: ...


def freeze(value: object) -> object:
    """Lists -> tuples, dicts -> FrozenMap: state must be hashable."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, Mapping) and not isinstance(value, FrozenMap):
        return FrozenMap({str(k): freeze(v) for k, v in value.items()})
    return value


def coerce(element: Element, value: object) -> object:
    """Make equal meanings equal; never turns a wrong value into a right one."""
    value = freeze(value)
    if element.type == "multiselect":
        return () if value is None else value
    if value == "" and isinstance(value, str):
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if element.kind == "float" and is_number:
        return float(value)  # type: ignore[arg-type]
    if element.kind == "str" and is_number:
        return str(value)  # a text field holds text: `exp_name=123` is the text "123"
    return value


def initial_state(schema: PageSchema, catalog: CatalogLike) -> FormState:
    """Schema defaults, plus the default architecture's and optimizer's metadata defaults."""
    values = {e.key: coerce(e, e.default) for e in schema.elements if e.type != "info"}
    touched: frozenset[str] = frozenset()
    held = frozenset(e.key for e in schema.elements if e.config_default)  # what the run uses
    if values.get(schema.architecture_key) is not None:
        _architecture_defaults(schema, catalog, values, held)
    elif values.get(schema.optimizer_key) is not None:
        _optimizer_defaults(schema, catalog, values, held, skip=frozenset())
    return FormState(schema.page, FrozenMap(values), touched)


def _element(schema: PageSchema, key: str) -> Element:
    element = schema.by_key.get(key)
    if element is None or element.type == "info":
        valid = ", ".join(e.key for e in schema.elements if e.type != "info")
        raise KeyError(f"{schema.page} has no field {key!r} (fields: {valid})")
    return element


def apply_change(
    schema: PageSchema, catalog: CatalogLike, state: FormState, key: str, value: object
) -> FormState:
    """Set one field (marking it touched) and let untouched dependent fields follow.

    Architecture -> untouched fields with a metadata_default_key take its defaults;
    optimizer -> untouched learning rate / weight decay take its metadata defaults.
    Raises KeyError for a key the page does not have.
    """
    element = _element(schema, key)
    new = coerce(element, value)
    old = state.values.get(key)
    values = dict(state.values)
    values[key] = new
    touched = state.touched | {key}
    if not same_value(old, new):
        if key == schema.architecture_key:
            _architecture_defaults(schema, catalog, values, touched)
        elif key == schema.optimizer_key:
            _optimizer_defaults(schema, catalog, values, touched, skip=frozenset())
    return replace(state, values=FrozenMap(values), touched=touched)


def _architecture_defaults(
    schema: PageSchema, catalog: CatalogLike, values: dict[str, object], touched: frozenset[str]
) -> None:
    meta = catalog.architectures.get(values.get(schema.architecture_key))
    if meta is None:
        return
    optimizer_before = values.get(schema.optimizer_key)
    named: set[str] = set()
    for element in schema.elements:
        name = element.metadata_default_key
        if name and element.key not in touched and name in meta.defaults:
            values[element.key] = coerce(element, meta.defaults[name])
            named.add(element.key)
    if not same_value(values.get(schema.optimizer_key), optimizer_before):
        # The architecture's own defaults (e.g. its learning rate) win over the optimizer's.
        _optimizer_defaults(schema, catalog, values, touched, skip=frozenset(named))


def _optimizer_defaults(
    schema: PageSchema,
    catalog: CatalogLike,
    values: dict[str, object],
    touched: frozenset[str],
    skip: frozenset[str],
) -> None:
    meta = catalog.optimizers.get(values.get(schema.optimizer_key))
    if meta is None:
        return
    for element in schema.elements:
        if element.optimizer_meta_key is None or element.key in touched or element.key in skip:
            continue
        default = (
            meta.lr_default
            if element.optimizer_meta_key == "learning_rate"
            else (meta.weight_decay_default)
        )
        if default is not None:
            values[element.key] = coerce(element, default)


def changed_keys(before: FormState, after: FormState) -> frozenset[str]:
    """Keys whose value differs (type-aware): what the UI highlights after a use case."""
    keys = set(before.values) | set(after.values)
    return frozenset(k for k in keys if not same_value(before.values.get(k), after.values.get(k)))


def apply_use_case(
    schema: PageSchema, catalog: CatalogLike, state: FormState, architecture: str, use_case_id: str
) -> tuple[FormState, frozenset[str]]:
    """Apply a use case of `architecture`; returns the new state and the changed keys.

    Every value the use case names is set and marked touched (keys the page lacks are
    skipped: a train use case may name fields test/predict do not have). A use case of
    another architecture first selects that architecture. Values are applied in schema
    order through apply_change, so untouched dependent fields follow exactly as if the
    user had picked the same values; the named values always win.
    """
    meta = catalog.architectures.get(architecture)
    if meta is None:
        raise KeyError(f"unknown architecture {architecture!r}")
    use_case = next((u for u in meta.use_cases if u.id == use_case_id), None)
    if use_case is None:
        raise KeyError(f"{architecture} has no use case {use_case_id!r}")
    new = state
    if schema.architecture_key in schema.by_key:
        new = apply_change(schema, catalog, new, schema.architecture_key, architecture)
    for element in schema.elements:
        if element.key in use_case.values and element.type != "info":
            new = apply_change(schema, catalog, new, element.key, use_case.values[element.key])
    return new, changed_keys(state, new)


def apply_sweep(schema: PageSchema, state: FormState, key: str, spec: str | None) -> FormState:
    """Sweep a field over the values of `spec`, or stop sweeping it (None or blank).

    KeyError for an unknown key, ValueError for a field whose schema does not allow
    sweeps. The spec is checked by the view (a malformed one is a field error).
    """
    element = _element(schema, key)
    if not element.sweep:
        raise ValueError(f"{element.label} ({key}) cannot sweep")
    sweeps = dict(state.sweeps)
    if spec is None or not spec.strip():
        sweeps.pop(key, None)
    else:
        sweeps[key] = spec
    return replace(state, sweeps=FrozenMap(sweeps))


def with_extra_overrides(state: FormState, overrides: Iterable[str]) -> FormState:
    """Replace the extra overrides (the command panel's free-form part)."""
    return replace(state, extra_overrides=tuple(o for o in overrides if o.strip()))
