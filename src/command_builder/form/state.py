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
from typing import TYPE_CHECKING, Protocol, TypeVar

from ..commands.sweeps import SweepError, parse_sweep_spec
from ..schema import Element, PageSchema

if TYPE_CHECKING:  # types only: the engine reads the catalog it is given, never loads one
    from ..workspace import ArchitectureMeta, OptimizerMeta, PreprocessingProfile

_Meta = TypeVar("_Meta")


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

    touched: keys the user chose explicitly (a widget, --set, a pasted command, a link);
    the engine never moves them, except a component the new architecture does not
    support (reset, with a notice). Values a use case or a checkpoint filled are not
    touched: they follow a later architecture or optimizer change like defaults do.
    extra_overrides: overrides the form has no field for, kept verbatim and emitted
    after the form's own. sweeps: key -> the sweep spec typed for a sweep element
    ("1e-3,5e-4", "range(10,40,10)"), kept as typed like values; while set, it replaces
    the field's value in the command. use_case_keys: keys the applied use case set and
    nobody changed since (the next use case resets those it does not name). notices:
    key -> what the last change did to a field the user had chosen.
    """

    page: str
    values: FrozenMap
    touched: frozenset[str] = frozenset()
    extra_overrides: tuple[str, ...] = field(default=())
    sweeps: FrozenMap = field(default_factory=FrozenMap)
    use_case_keys: frozenset[str] = frozenset()
    notices: FrozenMap = field(default_factory=FrozenMap)


class CatalogLike(Protocol):
    """What the engine reads from workspace.Catalog (README, Architecture).

    Read-only and hashable, as the frozen Catalog is: views are memoised per catalog.
    """

    def __hash__(self) -> int: ...
    @property
    def version(self) -> str: ...
    @property
    def architectures(self) -> Mapping[str, ArchitectureMeta]: ...
    @property
    def optimizers(self) -> Mapping[str, OptimizerMeta]: ...
    @property
    def preprocessing_profiles(self) -> Mapping[str, PreprocessingProfile]: ...

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
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if element.kind == "float" and number is not None:
        return float(number)
    if element.kind == "str" and number is not None:
        return str(number)  # a text field holds text: `exp_name=123` is the text "123"
    return value


def initial_state(schema: PageSchema, catalog: CatalogLike) -> FormState:
    """Schema defaults, plus the default architecture's and optimizer's metadata defaults."""
    values = {e.key: coerce(e, e.default) for e in schema.elements if e.type != "info"}
    held = frozenset(e.key for e in schema.elements if e.config_default)  # what the run uses
    base = FormState(schema.page, FrozenMap(values))
    leading = {
        k: values[k]
        for k in (schema.architecture_key, schema.optimizer_key)
        if values.get(k) is not None
    }
    if not leading:
        return base
    # From "nothing chosen" to the schema's defaults: the dependent fields follow them,
    # except those holding the composed config's value (held as if chosen, for this step).
    start = replace(base, values=FrozenMap({**values, **dict.fromkeys(leading)}), touched=held)
    followed = _transition(schema, catalog, start, leading, chosen=frozenset())
    return replace(followed, touched=frozenset(), notices=FrozenMap())


def _element(schema: PageSchema, key: str) -> Element:
    element = schema.by_key.get(key)
    if element is None or element.type == "info":
        valid = ", ".join(e.key for e in schema.elements if e.type != "info")
        raise KeyError(f"{schema.page} has no field {key!r} (fields: {valid})")
    return element


def apply_change(
    schema: PageSchema, catalog: CatalogLike, state: FormState, key: str, value: object
) -> FormState:
    """The user sets one field (it becomes touched); the fields depending on it follow.

    Architecture -> every architecture-dependent field the user has not chosen takes the
    new architecture's default; a chosen one the architecture does not support is reset
    to that default with a notice. Optimizer -> learning rate / weight decay the user has
    not chosen take its defaults. Raises KeyError for a key the page does not have.
    """
    element = _element(schema, key)
    return _transition(
        schema, catalog, state, {key: coerce(element, value)}, chosen=frozenset({key})
    )


def apply_values(
    schema: PageSchema,
    catalog: CatalogLike,
    state: FormState,
    values: Mapping[str, object],
    *,
    chosen: frozenset[str] = frozenset(),
) -> FormState:
    """Set several fields at once (a checkpoint's run): they win over what follows them.

    Keys in `chosen` become touched, the others untouched (filled, not chosen); keys
    the page lacks are skipped.
    """
    assigned = {
        k: coerce(schema.by_key[k], v)
        for k, v in values.items()
        if k in schema.by_key and schema.by_key[k].type != "info"
    }
    return _transition(schema, catalog, state, assigned, chosen=chosen)


def _transition(
    schema: PageSchema,
    catalog: CatalogLike,
    state: FormState,
    assigned: Mapping[str, object],
    *,
    chosen: frozenset[str],
    reset: frozenset[str] = frozenset(),
    use_case_keys: frozenset[str] | None = None,
) -> FormState:
    """The one state transition: set `assigned`, then let the dependent fields follow.

    `chosen` (a subset of assigned) become touched, the rest of assigned untouched.
    `reset` keys go back to their default (the previous use case's values). Order:
    architecture-dependent fields, then the other resets, then optimizer-dependent ones
    (their defaults depend on the final architecture and optimizer).
    """
    keys = frozenset(assigned)
    touched = (state.touched - keys) | chosen
    values = {**state.values, **assigned}
    arch_changed = _changed(state.values, values, schema.architecture_key)
    meta = _meta(catalog.architectures, values.get(schema.architecture_key))
    notices = _follow_architecture(schema, meta, values, keys, touched, reset, arch_changed)
    sweeps = state.sweeps
    if arch_changed and meta is not None:
        sweeps, stopped = _supported_sweeps(schema, meta, state.sweeps)
        notices.update(stopped)
    for key in reset - keys:
        element = schema.by_key[key]
        if not _follows_architecture(element) and not element.optimizer_meta_key:
            values[key] = coerce(element, element.default)
    follow = arch_changed or _changed(state.values, values, schema.optimizer_key)
    for element in schema.elements:
        key = element.key
        if element.optimizer_meta_key and key not in keys:
            if key in reset or (follow and key not in touched):
                values[key] = _optimizer_default(schema, catalog, values, element)
    return replace(
        state,
        values=FrozenMap(values),
        touched=touched,
        sweeps=sweeps,
        use_case_keys=state.use_case_keys - keys if use_case_keys is None else use_case_keys,
        notices=FrozenMap(notices),
    )


def _changed(before: Mapping[str, object], after: Mapping[str, object], key: str) -> bool:
    return not same_value(before.get(key), after.get(key))


def _follow_architecture(
    schema: PageSchema,
    meta: ArchitectureMeta | None,
    values: dict[str, object],
    assigned: frozenset[str],
    touched: frozenset[str],
    reset: frozenset[str],
    arch_changed: bool,
) -> dict[str, str]:
    """Architecture-dependent fields (not the optimizer-dependent ones) take the
    architecture's defaults: unchosen ones on a change, resets always, chosen ones the
    architecture does not support on a change (with a notice, returned by key)."""
    notices: dict[str, str] = {}
    for element in schema.elements:
        key = element.key
        if key in assigned or element.optimizer_meta_key or not _follows_architecture(element):
            continue
        if key in reset or (arch_changed and key not in touched):
            values[key] = _architecture_default(element, meta, values.get(key))
        elif arch_changed and meta is not None and not _supports(element, meta, values.get(key)):
            new = _architecture_default(element, meta, values.get(key))
            notices[key] = (
                f"{element.label}: {values.get(key)} is not compatible with {meta.label}, "
                f"so it was reset to {new}."
            )
            values[key] = new
    return notices


def _supported_sweeps(
    schema: PageSchema, meta: ArchitectureMeta, sweeps: FrozenMap
) -> tuple[FrozenMap, dict[str, str]]:
    """Stop the sweeps over choices the architecture does not support; say which."""
    kept = dict(sweeps)
    stopped: dict[str, str] = {}
    for key, spec in sweeps.items():
        element = schema.by_key.get(key)
        compatible = _compatible(element, meta) if element is not None else ()
        if element is None or not compatible or not isinstance(spec, str):
            continue
        try:
            swept = parse_sweep_spec(spec, numeric=False)
        except SweepError:
            continue  # the view reports the spec itself
        if not isinstance(swept, tuple):
            continue
        lacking = [str(v) for v in swept if str(v) not in map(str, compatible)]
        if lacking:
            del kept[key]
            stopped[key] = (
                f"{element.label}: the sweep {spec} includes {', '.join(lacking)}, which "
                f"{meta.label} does not support, so the sweep was stopped."
            )
    return FrozenMap(kept), stopped


def _meta(entries: Mapping[str, _Meta], name: object) -> _Meta | None:
    return entries.get(name) if isinstance(name, str) else None


def _follows_architecture(element: Element) -> bool:
    return bool(element.metadata_default_key or element.filter_by_architecture_key)


def _compatible(element: Element, meta: ArchitectureMeta | None) -> tuple[object, ...]:
    """The architecture's choices for this field; () = no restriction (as the view filters)."""
    kind = element.filter_by_architecture_key
    return tuple(meta.compatible.get(kind) or ()) if kind and meta is not None else ()


def _supports(element: Element, meta: ArchitectureMeta | None, value: object) -> bool:
    compatible = _compatible(element, meta)
    items = value if isinstance(value, tuple) else (value,)
    return not compatible or all(v is None or v in compatible for v in items)


def _architecture_default(
    element: Element, meta: ArchitectureMeta | None, current: object
) -> object:
    """The architecture's default; without one, the current value if it fits, else the
    first compatible choice (the metadata ranks them), else the schema's default."""
    name = element.metadata_default_key
    if meta is not None and name and name in meta.defaults:
        return coerce(element, meta.defaults[name])
    if current is not None and _supports(element, meta, current):
        return current
    compatible = _compatible(element, meta)
    if compatible and element.type != "multiselect":
        return coerce(element, compatible[0])
    return coerce(element, element.default)


def _optimizer_default(
    schema: PageSchema, catalog: CatalogLike, values: Mapping[str, object], element: Element
) -> object:
    """Learning rate / weight decay for the current architecture and optimizer.

    The architecture's own value (its learning rate) applies while its default optimizer
    is chosen; with another optimizer, that optimizer's default; else the schema's.
    """
    meta = _meta(catalog.architectures, values.get(schema.architecture_key))
    optimizer = values.get(schema.optimizer_key)
    name = element.metadata_default_key
    if meta is not None and name and name in meta.defaults:
        opt_element = schema.by_key.get(schema.optimizer_key)
        opt_name = opt_element.metadata_default_key if opt_element else None
        if opt_name is None or same_value(meta.defaults.get(opt_name), optimizer):
            return coerce(element, meta.defaults[name])
    opt_meta = _meta(catalog.optimizers, optimizer)
    if opt_meta is not None:
        default = (
            opt_meta.lr_default
            if element.optimizer_meta_key == "learning_rate"
            else opt_meta.weight_decay_default
        )
        if default is not None:
            return coerce(element, default)
    return coerce(element, element.default)


def changed_keys(before: FormState, after: FormState) -> frozenset[str]:
    """Keys whose value differs (type-aware): what the UI highlights after a use case."""
    keys = set(before.values) | set(after.values)
    return frozenset(k for k in keys if not same_value(before.values.get(k), after.values.get(k)))


def apply_use_case(
    schema: PageSchema, catalog: CatalogLike, state: FormState, architecture: str, use_case_id: str
) -> tuple[FormState, frozenset[str]]:
    """Apply a use case of `architecture`; returns the new state and the changed keys.

    Selects the architecture and sets every value the use case names (keys the page
    lacks are skipped: a train use case may name fields test/predict do not have); the
    fields the previous use case set that this one does not name go back to their
    defaults, unless the user changed them since. The rest follows the architecture and
    optimizer as after apply_change; the named values are not touched (the user did not
    choose them one by one), so a later architecture change moves them too.
    """
    meta = catalog.architectures.get(architecture)
    if meta is None:
        raise KeyError(f"unknown architecture {architecture!r}")
    use_case = next((u for u in meta.use_cases if u.id == use_case_id), None)
    if use_case is None:
        raise KeyError(f"{architecture} has no use case {use_case_id!r}")
    named = dict(use_case.values)
    if schema.architecture_key in schema.by_key:
        named[schema.architecture_key] = architecture
    assigned = {
        k: coerce(schema.by_key[k], v)
        for k, v in named.items()
        if k in schema.by_key and schema.by_key[k].type != "info"
    }
    keys = frozenset(assigned)
    new = _transition(
        schema,
        catalog,
        state,
        assigned,
        chosen=frozenset(),
        reset=state.use_case_keys - keys - state.touched,
        use_case_keys=keys,
    )
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
