"""The view model: everything a page renders, computed from schema + catalog + index + state.

Pure and memoised: the same (schema, catalog version, index version, state)
returns the same FormView object, so a page run that changed nothing costs a
dict lookup. Values are validated here (types, ranges, options, compatibility):
Hydra does not type-check plain YAML configs, so `lr=abc` would compose.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from ..commands.launchers import LauncherError, parse_additional_parameters
from ..commands.overrides import OverrideSyntaxError, format_override, parse_override
from ..commands.sweeps import (
    SweepError,
    SweepRange,
    SweepValues,
    count_values,
    field_sweep_overrides,
    override_runs,
    parse_sweep_spec,
    too_many_runs,
)
from ..schema import Element, Expression, PageSchema
from .generic import NO_CHOICE
from .run_match import run_warnings
from .state import CatalogLike, FormState, coerce, same_value

if TYPE_CHECKING:  # types only: the engine is given these, never loads them
    from ..workspace import ArchitectureMeta, OptimizerMeta

_EMPTY: Mapping[Any, Any] = MappingProxyType({})  # empty: stands for a mapping of any type


class CheckpointLike(Protocol):
    """What the engine reads from workspace.Checkpoint (frozen: read-only here too)."""

    @property
    def path(self) -> str: ...
    @property
    def run_dir(self) -> str: ...
    @property
    def run_name(self) -> str: ...
    @property
    def epoch(self) -> int | None: ...
    @property
    def step(self) -> int | None: ...
    @property
    def metric(self) -> tuple[str, float] | None: ...


class RunConfigLike(Protocol):
    """What the engine reads from workspace.RunConfig: a run's recorded config."""

    @property
    def overrides(self) -> tuple[str, ...]: ...  # overrides.yaml; () if the run has none
    def lookup(self, path: str) -> object | None: ...


class CheckpointIndexLike(Protocol):
    """What the engine reads from workspace.CheckpointIndex (README, Architecture).

    Its `root` (the workspace folder) lets checkpoint values be given relative to it;
    they are shown and written absolute (the runners chdir). Hashable: views and
    options are memoised per index.
    """

    def __hash__(self) -> int: ...
    @property
    def root(self) -> str: ...
    @property
    def checkpoints(self) -> tuple[CheckpointLike, ...]: ...
    @property
    def version(self) -> str: ...
    def run_config(self, run_dir: str) -> RunConfigLike | None: ...


@dataclass(frozen=True)
class FieldView:
    """One visible element, ready to render."""

    key: str
    type: str
    label: str
    help: str
    section: str
    value: object
    value_type: str | None  # "str" | "int" | "float" | "bool" | None (the option's own type)
    options: tuple[object, ...] = ()  # selectbox/multiselect, filtered by the architecture
    option_labels: Mapping[object, str] = field(default_factory=lambda: _EMPTY)  # display text
    min_value: float | None = None
    max_value: float | None = None
    step: float | None = None
    format: str | None = None
    required: bool = False
    touched: bool = False
    error: str | None = None
    locked_by: str | None = None  # set by the preprocessing profile: show disabled, not emitted
    text: str | None = None  # info elements: the text to show
    sweepable: bool = False  # the schema lets this field take several values
    sweep: str | None = None  # the sweep spec as typed; while set it replaces `value`
    sweep_count: int | None = None  # how many values the sweep has (None: no sweep or error)

    @property
    def active(self) -> bool:
        """Contributes to the command (visible, not an info text, not locked)."""
        return self.type != "info" and self.locked_by is None


@dataclass(frozen=True)
class FormView:
    """A page's form as the UI and the CLI see it. Immutable."""

    page: str
    title: str
    fields: tuple[FieldView, ...]  # visible elements, schema order
    sections: tuple[str, ...]  # section names in first-appearance order
    errors: Mapping[str, str]  # field key (or "extra_overrides") -> message
    warnings: tuple[str, ...]  # every warning, field_warnings' included (the CLI prints these)
    overrides: tuple[str, ...]  # form fields, constant overrides, profile, extras
    state: FormState
    by_key: Mapping[str, FieldView] = field(default_factory=lambda: _EMPTY)
    field_warnings: Mapping[str, str] = field(default_factory=lambda: _EMPTY)  # key -> "Label: …"
    run_count: int = 1  # runs the command makes (Hydra's sweep product; 1 without sweeps)
    multirun: bool = False  # some override sweeps: the command needs --multirun

    @property
    def ok(self) -> bool:
        return not self.errors

    def field(self, key: str) -> FieldView | None:
        return self.by_key.get(key)

    def active_values(self) -> dict[str, object]:
        """Values of the fields that write the command: what form -> command -> form keeps."""
        return {f.key: f.value for f in self.fields if f.active}


# --- options ----------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _catalog_options(catalog: CatalogLike, source: str) -> tuple[str, ...]:
    kind, _, rest = source.partition(":")
    if kind == "group":
        return catalog.group_options(rest)
    if kind == "meta":
        return catalog.meta_options(rest)
    return tuple(catalog.preprocessing_profiles)


def absolute_checkpoint(index: CheckpointIndexLike | None, path: object) -> object:
    """A checkpoint path as the runners need it: absolute (relative ones start at the root)."""
    if not isinstance(path, str) or not path or index is None:
        return path
    return os.path.normpath(os.path.join(index.root, path))


@lru_cache(maxsize=8)
def _checkpoint_options(
    index: CheckpointIndexLike, version: str
) -> tuple[tuple[str, ...], frozenset[str], Mapping[object, str], Mapping[str, CheckpointLike]]:
    """Absolute paths (newest first), their set, labels and objects; once per index version."""
    checkpoints = index.checkpoints
    paths = tuple(str(absolute_checkpoint(index, c.path)) for c in checkpoints)
    labels: dict[object, str] = {
        p: _checkpoint_label(c) for p, c in zip(paths, checkpoints, strict=True)
    }
    by_path = {c.path: c for c in checkpoints}
    by_path.update(zip(paths, checkpoints, strict=True))
    return paths, frozenset(paths), MappingProxyType(labels), MappingProxyType(by_path)


def _checkpoint_label(c: CheckpointLike) -> str:
    parts = [c.run_name, c.path.rpartition("/")[2]]
    if c.epoch is not None:
        parts.append(f"epoch {c.epoch}")
    if c.step is not None:
        parts.append(f"step {c.step}")
    if c.metric is not None:
        parts.append(f"{c.metric[0]} {c.metric[1]:g}")
    return " · ".join(parts)


def find_checkpoint(index: CheckpointIndexLike | None, path: object) -> CheckpointLike | None:
    """The indexed checkpoint at `path` (absolute, or relative to the workspace), or None."""
    if index is None or not isinstance(path, str):
        return None
    found = _checkpoint_options(index, index.version)[3]
    return found.get(path) or found.get(str(absolute_checkpoint(index, path)))


def _labels(schema: PageSchema, catalog: CatalogLike, element: Element) -> Mapping[object, str]:
    if element.option_labels is not None and element.options is not None:
        named = element.option_labels
        return MappingProxyType({o: named[str(o)] for o in element.options if str(o) in named})
    if element.key == schema.architecture_key:
        return _catalog_labels(catalog, "architectures")
    if element.key == schema.optimizer_key:
        return _catalog_labels(catalog, "optimizers")
    if element.is_profile:
        return _catalog_labels(catalog, "preprocessing_profiles")
    return _EMPTY


@lru_cache(maxsize=64)
def _catalog_labels(catalog: CatalogLike, attribute: str) -> Mapping[object, str]:
    entries = getattr(catalog, attribute)
    return MappingProxyType({name: meta.label for name, meta in entries.items()})


@lru_cache(maxsize=64)
def _profile_paths(profile_overrides: tuple[str, ...]) -> frozenset[str]:
    """Keys a profile's overrides set (so the fields writing them can be locked)."""
    paths = set()
    for text in profile_overrides:
        try:
            paths.add(parse_override(text).key_or_group)
        except OverrideSyntaxError:
            continue  # reported by the catalog's own checks; nothing to lock
    return frozenset(paths)


@lru_cache(maxsize=1024)
def _extra_error(text: str) -> str | None:
    try:
        parse_override(text)
    except OverrideSyntaxError as exc:
        return f"{text}: {exc.message}"
    return None


# --- validation -------------------------------------------------------------------------

_TYPE_NAMES = {"int": "a whole number", "float": "a number", "str": "text", "bool": "true or false"}


def _is_empty(value: object) -> bool:
    return value is None or value == () or (isinstance(value, str) and not value.strip())


def _type_error(element: Element, value: object) -> str | None:
    kind = element.kind
    values = value if element.type == "multiselect" and isinstance(value, tuple) else (value,)
    for item in values:
        wrong = (
            (kind == "bool" and not isinstance(item, bool))
            or (kind in ("int", "float", "str") and isinstance(item, bool))
            or (kind == "int" and not isinstance(item, int))
            or (kind == "float" and not isinstance(item, int | float))
            or (kind == "str" and not isinstance(item, str))
        )
        if wrong:
            return f"expected {_TYPE_NAMES[kind or 'str']}, got {item!r}"
        if isinstance(item, float) and not math.isfinite(item):
            return f"expected a finite number, got {item!r}"
    if element.type == "multiselect" and not isinstance(value, tuple):
        return f"expected a list, got {value!r}"
    return None


def _option_error(
    element: Element,
    value: object,
    members: Collection[object],
    allowed: tuple[object, ...],
    arch_meta: ArchitectureMeta | None,
) -> str | None:
    items = value if element.type == "multiselect" and isinstance(value, tuple) else (value,)
    for item in items:
        if item in members:
            if item not in allowed:
                label = "the architecture" if arch_meta is None else arch_meta.label
                shown = ", ".join(map(str, allowed))
                return f"{item} is not compatible with {label} (compatible: {shown})"
            continue
        source = element.options_source or ""
        if source == "checkpoints":
            return f"checkpoint {item} does not exist (deleted, or not in this workspace)"
        if source.startswith("group:"):
            shown = ", ".join(map(str, members)) or "none"
            return f"{item!r} is not an option of config group {source[6:]} (options: {shown})"
        return f"{item!r} is not one of the options ({', '.join(map(str, members))})"
    return None


def _range_error(
    element: Element, value: object, low: float | None, high: float | None
) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if low is not None and value < low:
        return (
            f"must be at least {low:g}" if high is None else f"must be between {low:g} and {high:g}"
        )
    if high is not None and value > high:
        return (
            f"must be at most {high:g}" if low is None else f"must be between {low:g} and {high:g}"
        )
    return None


def _text_error(element: Element, value: object) -> str | None:
    rules = element.validation
    if not isinstance(value, str | tuple):
        return None
    if rules.min_length is not None and len(value) < rules.min_length:
        unit = "characters" if isinstance(value, str) else "choices"
        return f"needs at least {rules.min_length} {unit}"
    if (
        rules.pattern is not None
        and isinstance(value, str)
        and not re.fullmatch(rules.pattern, value)
    ):
        return f"does not match the pattern {rules.pattern}"
    return None


# --- building ---------------------------------------------------------------------------

_cache: OrderedDict[tuple[object, ...], tuple[PageSchema, CatalogLike, object, FormView]] = (
    OrderedDict()
)
_cache_lock = threading.Lock()
CACHE_SIZE = 512


def build_view(
    schema: PageSchema,
    catalog: CatalogLike,
    checkpoint_index: CheckpointIndexLike | None,
    state: FormState,
) -> FormView:
    """The page's view model; memoised per (schema, catalog.version, index version, state)."""
    index_key = (
        None if checkpoint_index is None else (id(checkpoint_index), checkpoint_index.version)
    )
    key = (id(schema), catalog.version, index_key, state)
    with _cache_lock:
        hit = _cache.get(key)
        if (
            hit is not None
            and hit[0] is schema
            and hit[1] is catalog
            and (hit[2] is checkpoint_index)
        ):
            _cache.move_to_end(key)
            return hit[3]
    view = _build(schema, catalog, checkpoint_index, state)
    with _cache_lock:
        _cache[key] = (schema, catalog, checkpoint_index, view)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return view


def _build(
    schema: PageSchema,
    catalog: CatalogLike,
    index: CheckpointIndexLike | None,
    state: FormState,
) -> FormView:
    values = state.values
    arch_meta = _architecture_meta(schema, catalog, values)
    optimizer = values.get(schema.optimizer_key)
    opt_meta = catalog.optimizers.get(optimizer) if isinstance(optimizer, str) else None
    expressions = schema.expressions

    locked_paths: frozenset[str] = frozenset()
    profile_overrides: tuple[str, ...] = ()
    profile_label = ""
    for element in schema.elements:
        if element.is_profile:
            name = values.get(element.key)
            profile = catalog.preprocessing_profiles.get(name) if isinstance(name, str) else None
            if profile is not None and _visible(element, expressions, values):
                profile_overrides = tuple(profile.overrides)
                locked_paths = _profile_paths(profile_overrides)
                profile_label = profile.label

    moved = any(
        (lead := schema.by_key.get(key)) is not None
        and not same_value(values.get(key), lead.default)
        for key in (schema.architecture_key, schema.optimizer_key)
    )
    fields: list[FieldView] = []
    errors: dict[str, str] = {}
    warnings: list[str] = list(schema.warnings)
    overrides: list[str] = []
    runs: dict[str, int] = {}  # sweeper key -> values, of the field sweeps (the rest count 1)
    multirun = False
    sections: dict[str, None] = {}
    for element in schema.elements:
        if not _visible(element, expressions, values):
            continue
        sections.setdefault(element.section)
        value = values.get(element.key)
        if _is_empty(value) and element.config_default:
            value = element.default  # left empty: the run uses the config's value, so show it
        if element.options_source == "checkpoints":
            value = absolute_checkpoint(index, value)
        if element.type == "info":
            fields.append(_info_field(element, arch_meta))
            continue
        locked = (
            f"set by the preprocessing profile {profile_label!r}"
            if locked_paths.intersection(element.hydra_override)
            else None
        )
        members, allowed, labels = _options(schema, catalog, index, element, arch_meta)
        if not allowed and members and element.filter_by_architecture_key and arch_meta:
            warnings.append(
                f"{element.label}: none of {arch_meta.name}'s "
                f"{element.filter_by_architecture_key} is an option here; nothing to offer"
            )
        low, high, step, help_text = _bounds(element, opt_meta)
        help_text = _metadata_help(element, arch_meta, help_text)
        required = element.validation.required or (
            (element.key, "required_if") in expressions
            and expressions[(element.key, "required_if")].evaluate(values)
        )
        spec = state.sweeps.get(element.key) if element.sweep else None
        swept: SweepValues | None = None
        if locked is not None:
            error = None
        elif isinstance(spec, str):
            swept, error = _sweep_values(
                element,
                spec,
                members,
                allowed,
                arch_meta,
                low,
                high,
                lambda v: absolute_checkpoint(index, v),
            )
        else:
            error = _field_error(element, value, members, allowed, arch_meta, low, high, required)
        if error:
            errors[element.key] = f"{element.label}: {error}"
        fields.append(
            FieldView(
                key=element.key,
                type=element.type,
                label=element.label,
                help=help_text,
                section=element.section,
                value=value,
                value_type=element.kind,
                options=allowed,
                option_labels=labels,
                min_value=low,
                max_value=high,
                step=step,
                format=element.format,
                required=required,
                touched=element.key in state.touched,
                error=error,
                locked_by=locked,
                sweepable=element.sweep,
                sweep=spec if isinstance(spec, str) else None,
                sweep_count=None if swept is None else count_values(swept),
            )
        )
        if locked is None and isinstance(spec, str):
            if swept is not None:
                written = field_sweep_overrides(
                    element.hydra_override,
                    swept,
                    kind="group" if element.hydra_override[0] in element.group_paths else "value",
                )
                overrides.extend(written)
                runs[element.hydra_override[0]] = count_values(swept)
                multirun = multirun or isinstance(swept, SweepRange) or len(swept) > 1
        elif locked is None:
            own = _overrides_of(element, value, moved)
            if isinstance(own, str):
                errors.setdefault(element.key, f"{element.label}: {own}")
            else:
                overrides.extend(own)

    by_key = {f.key: f for f in fields}
    field_warnings = _checkpoint_warnings(schema, catalog, index, by_key)
    warnings.extend(field_warnings.values())
    overrides.extend(schema.constant_overrides)
    overrides.extend(profile_overrides)
    for text in state.extra_overrides:
        problem = _extra_error(text)
        if problem:
            errors.setdefault("extra_overrides", f"Extra overrides: {problem}")
    overrides.extend(state.extra_overrides)
    if "extra_overrides" not in errors:  # the form's own overrides need no parsing to count
        try:
            for extra in map(override_runs, state.extra_overrides):
                runs[extra.key] = extra.runs  # Hydra: the last override of a key wins
                multirun = multirun or extra.sweeps
        except SweepError as exc:
            errors["extra_overrides"] = f"Extra overrides: {exc.message}"
    run_count = math.prod(runs.values())
    too_many = too_many_runs(run_count)
    if too_many:  # at the first sweep field (unless it already has its own error)
        errors.setdefault(next(iter(state.sweeps), "extra_overrides"), f"Sweeps: {too_many}")
    return FormView(
        page=schema.page,
        title=schema.title,
        fields=tuple(fields),
        sections=tuple(sections),
        errors=MappingProxyType(errors),
        warnings=tuple(warnings),
        overrides=tuple(overrides),
        state=state,
        by_key=MappingProxyType(by_key),
        field_warnings=MappingProxyType(field_warnings),
        run_count=run_count,
        multirun=multirun,
    )


def _architecture_meta(
    schema: PageSchema, catalog: CatalogLike, values: Mapping[str, object]
) -> ArchitectureMeta | None:
    """The chosen architecture's metadata, else that of its field's architecture_fallback."""
    chosen = values.get(schema.architecture_key)
    meta = catalog.architectures.get(chosen) if isinstance(chosen, str) else None
    element = schema.by_key.get(schema.architecture_key)
    if meta is None and element is not None and element.architecture_fallback:
        meta = catalog.architectures.get(element.architecture_fallback)
    return meta


def _shown(value: object) -> str:
    """Metadata as help text: lists joined, mappings as `key: value` pairs."""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if isinstance(value, Mapping):
        return " · ".join(f"{k}: {v}" for k, v in value.items())
    return "" if value is None else str(value)


def _metadata_help(element: Element, arch_meta: ArchitectureMeta | None, help_text: str) -> str:
    key = element.metadata_help_key
    if not key or arch_meta is None:
        return help_text
    extra = _shown(arch_meta.metadata.get(key))
    if not extra:
        return help_text
    label = key.replace("_", " ").capitalize()
    return f"{help_text} {label}: {extra}".strip()


def metadata_value(metadata: Mapping[str, object], dotted: str) -> object | None:
    """`learning_rate.help` in a metadata mapping; None where the path ends early."""
    value: object = metadata
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


_FIELD = re.compile(r"\{([A-Za-z_]\w*)\}")


def _template_text(template: str, data: object) -> str:
    """`Encoder: {encoder}` filled from a metadata mapping; only plain names are replaced."""
    if not isinstance(data, Mapping):
        return _shown(data)
    return _FIELD.sub(lambda m: str(data.get(m.group(1), "?")), template)


def _visible(
    element: Element,
    expressions: Mapping[tuple[str, str], Expression],
    values: Mapping[str, object],
) -> bool:
    expression = expressions.get((element.key, "visible_if"))
    return expression is None or expression.evaluate(values)


def _info_field(element: Element, arch_meta: ArchitectureMeta | None) -> FieldView:
    text = element.default
    if element.metadata_info_key and arch_meta is not None:
        data = arch_meta.metadata.get(element.metadata_info_key)
        text = _template_text(element.info_template, data) if element.info_template else None
        text = text if text is not None else _shown(data)
    elif element.info_source == "architecture_summary" and arch_meta is not None:
        text = arch_meta.components_summary
    elif element.info_source == "architecture_notes" and arch_meta is not None:
        text = arch_meta.notes
    return FieldView(
        key=element.key,
        type="info",
        label=element.label,
        help=element.help,
        section=element.section,
        value=None,
        value_type=None,
        text=text,
    )


def _options(
    schema: PageSchema,
    catalog: CatalogLike,
    index: CheckpointIndexLike | None,
    element: Element,
    arch_meta: ArchitectureMeta | None,
) -> tuple[Collection[object], tuple[object, ...], Mapping[object, str]]:
    """(all options, for membership tests; options compatible with the architecture; labels)."""
    source = element.options_source
    if source == "checkpoints":
        if index is None:
            return (), (), _EMPTY
        paths, members, labels, _ = _checkpoint_options(index, index.version)
        return members, paths, labels
    if source is not None:
        base: tuple[object, ...] = _catalog_options(catalog, source)
    elif element.options is not None:
        base = element.options
    else:
        return (), (), _EMPTY
    allowed = base
    kind = element.filter_by_architecture_key
    if kind and arch_meta is not None:
        compatible = arch_meta.compatible.get(kind)
        if compatible is not None:  # in the metadata's order: its author ranks them
            allowed = tuple(o for o in compatible if o in base)
    return base, allowed, _labels(schema, catalog, element)


def _bounds(
    element: Element, opt_meta: OptimizerMeta | None
) -> tuple[float | None, float | None, float | None, str]:
    """min, max, step and help: the optimizer's metadata for the learning rate."""
    rules = element.validation
    low = rules.min if rules.min is not None else element.min_value
    high = rules.max if rules.max is not None else element.max_value
    step = element.step
    help_text = element.help
    if element.optimizer_meta_key == "learning_rate" and opt_meta is not None:
        low = opt_meta.lr_min if opt_meta.lr_min is not None else low
        high = opt_meta.lr_max if opt_meta.lr_max is not None else high
        step = opt_meta.lr_step or step
    if opt_meta is not None and (element.optimizer_help_key or element.optimizer_meta_key):
        key = element.optimizer_help_key
        extra = (
            _shown(metadata_value(opt_meta.metadata, key))
            if key
            else opt_meta.help
            if element.optimizer_meta_key == "learning_rate"
            else ""
        )
        if extra:
            help_text = f"{help_text} {opt_meta.label}: {extra}".strip()
    return low, high, step, help_text


def _field_error(
    element: Element,
    value: object,
    members: Collection[object],
    allowed: tuple[object, ...],
    arch_meta: ArchitectureMeta | None,
    low: float | None,
    high: float | None,
    required: bool,
) -> str | None:
    if _is_empty(value):
        if required:
            return "required"
        if element.default is not None and value is None:
            return f"needs a value (default: {element.default})"
        return None
    return (
        _type_error(element, value)
        or (
            _option_error(element, value, members, allowed, arch_meta)
            if element.options is not None or element.options_source is not None
            else None
        )
        or _range_error(element, value, low, high)
        or _text_error(element, value)
        or _format_error(element, value)
    )


def _format_error(element: Element, value: object) -> str | None:
    if element.value_format == "key_value_lines" and isinstance(value, str):
        try:
            parse_additional_parameters(value)
        except LauncherError as exc:
            return exc.message
    return None


def _sweep_values(
    element: Element,
    spec: str,
    members: Collection[object],
    allowed: tuple[object, ...],
    arch_meta: ArchitectureMeta | None,
    low: float | None,
    high: float | None,
    absolute: Callable[[object], object],
) -> tuple[SweepValues | None, str | None]:
    """The values a sweep spec names, each checked like a single value; or an error.

    Values that name an option become that option (precision's 32 stays an int); a
    range is checked at both ends (its values lie between them).
    """
    try:
        parsed = parse_sweep_spec(spec, numeric=element.kind in ("int", "float"))
    except SweepError as exc:
        return None, exc.message
    if isinstance(parsed, SweepRange):
        last = parsed.start + parsed.step * (parsed.count() - 1)
        checked: tuple[object, ...] = (parsed.start, last)
    else:
        by_text = {str(m): m for m in members}
        parsed = tuple(coerce(element, by_text.get(str(v), v)) for v in parsed)
        if element.options_source == "checkpoints":
            parsed = tuple(absolute(v) for v in parsed)
        checked = parsed
    for value in checked:
        error = _field_error(element, value, members, allowed, arch_meta, low, high, False)
        if error:  # name the value unless the message already does
            named = re.search(rf"(?<![\w.]){re.escape(str(value))}(?![\w.])", error)
            return None, error if named else f"{value}: {error}"
    return parsed, None


def _overrides_of(element: Element, value: object, moved: bool = False) -> tuple[str, ...] | str:
    """The element's overrides, () when it writes nothing, or an error message.

    `moved`: the architecture or optimizer differs from its default, so a field that
    follows it is written even at its default (reading the command back must not move it).
    """
    if not element.hydra_override or value is None or value == ():
        return ()
    follows = element.metadata_default_key is not None or element.optimizer_meta_key is not None
    if element.omit_if_default and same_value(value, element.default) and not (moved and follows):
        return ()
    groups = element.group_paths
    if value == NO_CHOICE and element.options is not None and NO_CHOICE in element.options:
        return tuple(format_override(path, kind="delete") for path in element.hydra_override)
    try:
        if element.value_format == "key_value_lines":
            parsed = parse_additional_parameters(str(value))
            path = element.hydra_override[0]
            return (format_override(path, parsed, kind="force_append"),) if parsed else ()
        return tuple(
            format_override(path, value, kind="group" if path in groups else "value")
            for path in element.hydra_override
        )
    except (TypeError, ValueError) as exc:
        return f"cannot be written as an override: {exc}"


def _checkpoint_warnings(
    schema: PageSchema,
    catalog: CatalogLike,
    index: CheckpointIndexLike | None,
    fields: Mapping[str, FieldView],
) -> dict[str, str]:
    """Per field: where the form disagrees with the chosen checkpoint's run (run_match.py)."""
    chosen = fields.get(schema.checkpoint_key)
    checkpoint = find_checkpoint(index, chosen.value) if chosen is not None else None
    if checkpoint is None or index is None:
        return {}
    config = index.run_config(checkpoint.run_dir)
    return run_warnings(schema, catalog, checkpoint, config, fields)
