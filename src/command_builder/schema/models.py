"""Pydantic models of a page schema (one YAML file per page).

The models check each field on its own; cross-field rules (unique keys, known
keys in expressions, options vs. options_source, defaults that fit the type)
are checked here too so that a broken schema fails when it is loaded, not when
a user happens to reach the broken field.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import PageSchemaError
from .expressions import Expression, ExpressionError, parse_expression

ElementType = Literal[
    "text_input", "selectbox", "slider", "number_input", "checkbox", "info", "multiselect"
]
ValueType = Literal["str", "int", "float", "bool"]
OptimizerMetaKey = Literal["learning_rate", "weight_decay"]
InfoSource = Literal["architecture_summary", "architecture_notes"]
# key_value_lines: a text of `key=value` lines written as one `++path={key:value,...}`
# (SLURM's additional_parameters, a dict the form types line by line).
ValueFormat = Literal["key_value_lines"]
SWEEP_TYPES = ("selectbox", "number_input", "slider")

META_KINDS = ("encoders", "decoders", "heads", "losses", "optimizers")
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_PATH = re.compile(r"[A-Za-z_][\w-]*(?:[./][A-Za-z_][\w-]*)*")

# The value type a widget produces when the schema does not say (None: the option's own type).
_IMPLIED_TYPE: dict[str, ValueType | None] = {
    "text_input": "str",
    "checkbox": "bool",
    "number_input": "float",
    "slider": "float",
    "selectbox": None,
    "multiselect": "str",
    "info": None,
}


def check_options_source(source: str) -> str:
    """`group:<path>`, `meta:<kind>`, `preprocessing_profiles` or `checkpoints`."""
    if source in ("preprocessing_profiles", "checkpoints"):
        return source
    kind, _, rest = source.partition(":")
    if kind == "group" and _PATH.fullmatch(rest):
        return source
    if kind == "meta" and rest in META_KINDS:
        return source
    raise ValueError(
        f"unknown options_source {source!r}: use group:<config group>, "
        f"meta:<{'|'.join(META_KINDS)}>, preprocessing_profiles or checkpoints"
    )


class Validation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    required: bool = False
    required_if: str | None = None
    min: float | None = None
    max: float | None = None
    min_length: int | None = Field(default=None, ge=0)
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from exc
        return value


class Element(BaseModel):
    """One form field (or an info text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    type: ElementType
    label: str
    help: str = ""
    section: str = "General"
    default: Any = None
    options: tuple[Any, ...] | None = None
    options_source: str | None = None
    option_labels: dict[str, str] | None = None  # display text of static options (by str(option))
    visible_if: str | None = None
    hydra_override: tuple[str, ...] = ()
    metadata_default_key: str | None = None
    filter_by_architecture_key: Literal[META_KINDS] | None = None  # type: ignore[valid-type]
    optimizer_meta_key: OptimizerMetaKey | None = None
    fill_from_checkpoint: bool = False
    info_source: InfoSource | None = None
    value_type: ValueType | None = None
    omit_if_default: bool = False
    sweep: bool = False  # may take several values: the command becomes a Hydra multirun
    value_format: ValueFormat | None = None
    step: float | None = None
    format: str | None = None
    validation: Validation = Validation()

    @field_validator("key")
    @classmethod
    def _key_is_identifier(cls, value: str) -> str:
        if not _KEY.fullmatch(value):
            raise ValueError(
                "key must be lower-case letters, digits and '_', starting with a letter"
            )
        return value

    @field_validator("hydra_override", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("hydra_override")
    @classmethod
    def _paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            if not _PATH.fullmatch(path):
                raise ValueError(f"not a config key or group path: {path!r}")
        return value

    @field_validator("options_source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else check_options_source(value)

    @model_validator(mode="after")
    def _consistent(self) -> Element:
        has_options = self.options is not None or self.options_source is not None
        if self.type in ("selectbox", "multiselect"):
            if (self.options is None) == (self.options_source is None):
                raise ValueError(f"a {self.type} needs exactly one of options, options_source")
        elif has_options:
            raise ValueError(f"a {self.type} takes no options")
        if self.type == "info" and self.hydra_override:
            raise ValueError("an info element has no hydra_override")
        if self.value_type == "bool" and self.type != "checkbox":
            raise ValueError("value_type bool is for checkboxes")
        if self.sweep and (self.type not in SWEEP_TYPES or not self.hydra_override):
            raise ValueError(
                f"only {', '.join(SWEEP_TYPES)} elements with a hydra_override can sweep"
            )
        if self.sweep and len(self.hydra_override) > 1 and self.group_paths:
            raise ValueError("a sweeping element with several paths cannot write a config group")
        if self.value_format and (self.type != "text_input" or len(self.hydra_override) != 1):
            raise ValueError(
                f"value_format {self.value_format} needs a text_input with one hydra_override"
            )
        if self.option_labels is not None and self.options is None:
            raise ValueError("option_labels label static options")
        if self.default is not None and not self.accepts(self.default):
            raise ValueError(f"default {self.default!r} does not fit the field")
        return self

    @property
    def kind(self) -> ValueType | None:
        """The Python type this field's value must have (None: whatever the option is)."""
        return self.value_type or _IMPLIED_TYPE[self.type]

    @property
    def group_paths(self) -> frozenset[str]:
        """Override paths that select a config group option (`model/architectures=dbnet`).

        A path with a '/' is a group; so is a path its own `group:` options source names
        (`data` with `group:data`).
        """
        named = (
            self.options_source[6:] if (self.options_source or "").startswith("group:") else None
        )
        return frozenset(p for p in self.hydra_override if "/" in p or p == named)

    def accepts(self, value: object) -> bool:
        """Whether `value` has this field's type (and is one of its static options)."""
        kind = self.kind
        if self.type == "multiselect":
            return isinstance(value, tuple | list) and all(_fits(kind, v) for v in value)
        if self.type == "info":
            return isinstance(value, str)
        if self.options is not None and value not in self.options:
            return False
        return kind is None or _fits(kind, value)


def _fits(kind: ValueType | None, value: object) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return kind is None
    if kind == "int":
        return isinstance(value, int)
    if kind == "float":
        return isinstance(value, int | float)
    if kind == "str":
        return isinstance(value, str)
    return True


class PageSchema(BaseModel):
    """A page: its elements in display order plus what every command of it carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    page: str
    title: str
    runner: str | None = None
    elements: tuple[Element, ...]
    constant_overrides: tuple[str, ...] = ()
    use_cases_source: Literal["architectures"] | None = None
    architecture_key: str = "architecture"
    optimizer_key: str = "optimizer"
    checkpoint_key: str = "checkpoint"
    source_path: str = ""  # filled by the loader: where it came from (for messages)

    @model_validator(mode="after")
    def _cross_checks(self) -> PageSchema:
        keys = [e.key for e in self.elements]
        seen: set[str] = set()
        for index, key in enumerate(keys):
            if key in seen:
                raise _ElementProblem(index, f"duplicate element key {key!r}")
            seen.add(key)
        for index, element in enumerate(self.elements):
            for field, text in (
                ("visible_if", element.visible_if),
                ("required_if", element.validation.required_if),
            ):
                if text is None:
                    continue
                try:
                    expression = parse_expression(text)
                except ExpressionError as exc:
                    raise _ElementProblem(index, f"{field} {text!r}: {exc}", field) from exc
                unknown = sorted(expression.keys - seen)
                if unknown:
                    raise _ElementProblem(
                        index, f"{field} {text!r} names unknown keys {unknown}", field
                    )
        return self

    def element(self, key: str) -> Element | None:
        return self.by_key.get(key)

    @cached_property
    def by_key(self) -> dict[str, Element]:
        return {e.key: e for e in self.elements}

    @cached_property
    def by_path(self) -> dict[str, Element]:
        """Override path -> the element that writes it (reading pasted commands)."""
        return {path: e for e in self.elements for path in e.hydra_override}

    @cached_property
    def expressions(self) -> dict[tuple[str, str], Expression]:
        """Parsed visible_if/required_if per (key, field), once per schema object."""
        parsed: dict[tuple[str, str], Expression] = {}
        for e in self.elements:
            if e.visible_if is not None:
                parsed[(e.key, "visible_if")] = parse_expression(e.visible_if)
            if e.validation.required_if is not None:
                parsed[(e.key, "required_if")] = parse_expression(e.validation.required_if)
        return parsed


class _ElementProblem(PageSchemaError, ValueError):
    """A cross-field problem located at one element (the loader turns it into a line)."""

    def __init__(self, index: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.field = field
