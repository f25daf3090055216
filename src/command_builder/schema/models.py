"""Pydantic models of a page schema, in the OCR project's schema format.

The file format is the project's (ui/apps/command_builder/schemas/command_builder_<page>.yaml):
`title`, `constant_overrides`, `ui_elements` with `options_source`
(models.architectures|backbones|decoders|heads|losses|optimizers, datasets, checkpoints),
`{label, value}` options, `min_value`/`max_value`, `metadata_default_key` /
`filter_by_architecture_key` naming metadata keys, `metadata_help_key`,
`optimizer_metadata_key`, `optimizer_help_key`, `architecture_fallback`,
`metadata_info_key` + `info_template`, `validation` and `visible_if`. Our own optional
keys (sections, sweeps, launchers, value formats...) are listed in docs/formats.md.
Keys a file has that neither knows are reported by the loader as warnings, never
rejected. Cross-field rules (unique keys, known keys in expressions, defaults that fit)
are checked here so a broken schema fails when it is loaded.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

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
# The project's options_source names -> the catalog source they read.
PROJECT_SOURCES = {
    "models.architectures": "group:model/architectures",
    "models.optimizers": "group:model/optimizers",
    "datasets": "group:data",
    "models.backbones": "meta:encoders",
    "models.encoders": "meta:encoders",
    "models.decoders": "meta:decoders",
    "models.heads": "meta:heads",
    "models.losses": "meta:losses",
}
# Sources whose value a checkpoint's run recorded (choosing a checkpoint fills them).
_FILLED_SOURCES = frozenset(
    {"group:model/architectures", "group:data", *(f"meta:{k}" for k in META_KINDS[:4])}
)
PROFILE_KEY = "preprocessing_profile"  # the project's profile field (static options)
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
    """A project source name (models.backbones, datasets, ...), `checkpoints`,
    `preprocessing_profiles`, or our `group:<config group>` / `meta:<kind>`; normalised."""
    source = PROJECT_SOURCES.get(source, source)
    if source in ("preprocessing_profiles", "checkpoints"):
        return source
    kind, _, rest = source.partition(":")
    if kind == "group" and _PATH.fullmatch(rest):
        return source
    if kind == "meta" and rest in META_KINDS:
        return source
    raise ValueError(
        f"unknown options_source {source!r}: use {'|'.join(PROJECT_SOURCES)}, checkpoints, "
        "preprocessing_profiles or group:<config group>"
    )


def _normalise_element(data: dict[str, Any]) -> dict[str, Any]:
    """The project's spellings -> the model's fields ({label, value} options, sources, types)."""
    data = dict(data)
    if "optimizer_metadata_key" in data and "optimizer_meta_key" not in data:
        data["optimizer_meta_key"] = data.pop("optimizer_metadata_key")
    options = data.get("options")
    if isinstance(options, list) and any(isinstance(o, dict) for o in options):
        labels = {}
        values = []
        for option in options:
            if isinstance(option, dict):
                value = option.get("value")
                labels[str(value)] = str(option.get("label", value))
                values.append(value)
            else:
                values.append(option)
        data["options"] = values
        data.setdefault("option_labels", labels)
    source = data.get("options_source")
    if isinstance(source, str):
        data["options_source"] = PROJECT_SOURCES.get(source, source)
        if "fill_from_checkpoint" not in data and data.get("hydra_override"):
            data["fill_from_checkpoint"] = data["options_source"] in _FILLED_SOURCES
    if data.get("type") in ("number_input", "slider") and "value_type" not in data:
        numbers = [data.get(k) for k in ("default", "min_value", "max_value", "step")]
        numbers = [n for n in numbers if n is not None]
        whole = bool(numbers) and all(
            isinstance(n, int) and not isinstance(n, bool) for n in numbers
        )
        data["value_type"] = "int" if whole else "float"
    return data


class Validation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

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

    model_config = ConfigDict(frozen=True, extra="ignore")

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
    metadata_default_key: str | None = None  # architecture metadata key: default_backbone, ...
    filter_by_architecture_key: str | None = None  # metadata list: compatible_backbones, ...
    metadata_help_key: str | None = None  # architecture metadata shown as help: notes, ...
    architecture_fallback: str | None = None  # metadata used while no architecture is known
    metadata_info_key: str | None = None  # info: architecture metadata to show (components)
    info_template: str | None = None  # info: "Encoder: {encoder}" filled from that metadata
    optimizer_meta_key: OptimizerMetaKey | None = None  # file: optimizer_metadata_key
    optimizer_help_key: str | None = None  # optimizer metadata shown as help: learning_rate.help
    min_value: float | None = None
    max_value: float | None = None
    config_default: bool = False  # set by the loader: `default` is the composed config's value
    fill_from_checkpoint: bool = False
    info_source: InfoSource | None = None
    value_type: ValueType | None = None
    omit_if_default: bool = False
    sweep: bool = False  # may take several values: the command becomes a Hydra multirun
    value_format: ValueFormat | None = None
    step: float | None = None
    format: str | None = None
    validation: Validation = Validation()

    @model_validator(mode="before")
    @classmethod
    def _project_spellings(cls, data: object) -> object:
        return _normalise_element(data) if isinstance(data, dict) else data

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
    def is_profile(self) -> bool:
        """The preprocessing-profile field: its choice adds the profile's overrides."""
        return self.options_source == "preprocessing_profiles" or (
            self.key == PROFILE_KEY and not self.hydra_override
        )

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
        source = self.options_source or ""
        named = source[6:] if source.startswith("group:") else None
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

    model_config = ConfigDict(frozen=True, extra="ignore")

    page: str = ""  # filled by the loader from the file's name when the file does not say
    title: str
    runner: str | None = None
    elements: tuple[Element, ...] = Field(validation_alias=AliasChoices("ui_elements", "elements"))
    constant_overrides: tuple[str, ...] = ()
    use_cases_source: Literal["architectures"] | None = None
    # Found from the elements' options_source when the file does not name them.
    architecture_key: str = "architecture"
    optimizer_key: str = "optimizer"
    checkpoint_key: str = "checkpoint"
    source_path: str = ""  # filled by the loader: where it came from (for messages)
    warnings: tuple[str, ...] = ()  # filled by the loader: unknown keys ("file:line: ...")

    @model_validator(mode="before")
    @classmethod
    def _special_keys(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        raw = data.get("ui_elements", data.get("elements"))
        data = dict(data)
        for field, source in (
            ("architecture_key", "group:model/architectures"),
            ("optimizer_key", "group:model/optimizers"),
            ("checkpoint_key", "checkpoints"),
        ):
            found = [
                e.get("key")
                for e in (raw if isinstance(raw, list) else ())
                if isinstance(e, dict)
                and PROJECT_SOURCES.get(str(e.get("options_source")), e.get("options_source"))
                == source
            ]
            if field not in data and found and isinstance(found[0], str):
                data[field] = found[0]
        return data

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

    def replaced(self, **update: object) -> PageSchema:
        """A copy with `update` applied; its lookups are rebuilt (model_copy would keep them)."""
        copy = self.model_copy(update=update)
        for name in ("by_key", "by_path", "expressions"):
            copy.__dict__.pop(name, None)
        return copy

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
