"""UI metadata of a workspace (configs/ui_meta): architectures, optimizers, preprocessing profiles.

The files are validated with pydantic models of their *file* shape and turned
into small frozen dataclasses of the public API. Anything invalid becomes a
ConfigIssue naming the file and, where the YAML node is known, the line; the
entry is then left out (never half-loaded), everything else still loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .yaml_files import ConfigIssue, line_of, load_with_node, yaml_error_issue

# defaults key -> compatible key: a default must be one of the compatible choices
_DEFAULT_KINDS = {
    "encoder": "encoders",
    "decoder": "decoders",
    "head": "heads",
    "loss": "losses",
    "optimizer": "optimizers",
}


@dataclass(frozen=True)
class UseCase:
    id: str
    title: str
    description: str
    values: Mapping[str, object]  # schema element key -> value


@dataclass(frozen=True)
class ArchitectureMeta:
    name: str
    label: str
    components_summary: str
    compatible: Mapping[str, tuple[str, ...]]  # encoders/decoders/heads/losses/optimizers -> names
    defaults: Mapping[str, object]  # schema metadata_default_key -> value
    recommended_optimizers: tuple[str, ...]
    recommended_data: tuple[str, ...]
    notes: str
    use_cases: tuple[UseCase, ...]


@dataclass(frozen=True)
class OptimizerMeta:
    name: str
    label: str
    lr_min: float
    lr_max: float
    lr_default: float
    lr_step: float | None
    weight_decay_default: float | None
    help: str


@dataclass(frozen=True)
class PreprocessingProfile:
    name: str
    label: str
    description: str
    overrides: tuple[str, ...]


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _UseCaseFile(_File):
    id: str
    title: str
    description: str = ""
    values: dict[str, Any] = {}


class _ArchitectureFile(_File):
    name: str | None = None
    label: str | None = None
    components_summary: str = ""
    compatible: dict[str, list[str]] = {}
    defaults: dict[str, Any] = {}
    recommended_optimizers: list[str] = []
    recommended_data: list[str] = []
    notes: str = ""
    use_cases: list[_UseCaseFile] = []


class _LearningRateFile(_File):
    min: float
    max: float
    default: float
    step: float | None = None


class _WeightDecayFile(_File):
    default: float


class _OptimizerFile(_File):
    name: str | None = None
    label: str | None = None
    learning_rate: _LearningRateFile
    weight_decay: _WeightDecayFile | None = None
    help: str = ""


class _ProfilesFile(_File):
    profiles: dict[str, Any]  # each profile is validated on its own


class _ProfileFile(_File):
    label: str | None = None
    description: str = ""
    overrides: list[str] = []


_M = TypeVar("_M", bound=BaseModel)


def _load(rel_path: str, text: str) -> tuple[object, yaml.Node | None, list[ConfigIssue]]:
    try:
        data, node = load_with_node(text)
    except yaml.YAMLError as exc:
        return None, None, [yaml_error_issue(rel_path, exc)]
    return data, node, []


def _validate(
    model: type[_M],
    data: object,
    node: yaml.Node | None,
    rel_path: str,
    loc: tuple[int | str, ...] = (),
) -> tuple[_M | None, list[ConfigIssue]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        issues = []
        for error in exc.errors(include_url=False):
            where = loc + tuple(error["loc"])
            field = ".".join(str(p) for p in where) or "file"
            issues.append(ConfigIssue(rel_path, line_of(node, where), f"{field}: {error['msg']}"))
        return None, issues


def _check_name(
    parsed_name: str | None, stem: str, node: yaml.Node | None, rel_path: str
) -> list[ConfigIssue]:
    if parsed_name is None or parsed_name == stem:
        return []
    return [
        ConfigIssue(
            rel_path,
            line_of(node, ("name",)),
            f"name: {parsed_name!r} differs from the file name {stem!r}",
        )
    ]


def parse_architecture(
    rel_path: str, stem: str, text: str
) -> tuple[ArchitectureMeta | None, list[ConfigIssue]]:
    """configs/ui_meta/architectures/<stem>.yaml -> metadata, or None and the issues."""
    data, node, issues = _load(rel_path, text)
    if issues:
        return None, issues
    parsed, issues = _validate(_ArchitectureFile, data, node, rel_path)
    if parsed is None:
        return None, issues
    issues = _check_name(parsed.name, stem, node, rel_path)
    for key, kind in _DEFAULT_KINDS.items():
        value = parsed.defaults.get(key)
        choices = parsed.compatible.get(kind)
        if value is not None and choices is not None and value not in choices:
            issues.append(
                ConfigIssue(
                    rel_path,
                    line_of(node, ("defaults", key)),
                    f"defaults.{key}: {value!r} is not in compatible.{kind}",
                )
            )
    ids = [case.id for case in parsed.use_cases]
    for i, case_id in enumerate(ids):
        if case_id in ids[:i]:
            issues.append(
                ConfigIssue(
                    rel_path,
                    line_of(node, ("use_cases", i, "id")),
                    f"use_cases: duplicate id {case_id!r}",
                )
            )
    if issues:
        return None, issues
    return ArchitectureMeta(
        name=stem,
        label=parsed.label or stem,
        components_summary=parsed.components_summary,
        compatible=MappingProxyType({k: tuple(v) for k, v in parsed.compatible.items()}),
        defaults=MappingProxyType(dict(parsed.defaults)),
        recommended_optimizers=tuple(parsed.recommended_optimizers),
        recommended_data=tuple(parsed.recommended_data),
        notes=parsed.notes,
        use_cases=tuple(
            UseCase(c.id, c.title, c.description, MappingProxyType(dict(c.values)))
            for c in parsed.use_cases
        ),
    ), []


def parse_optimizer(
    rel_path: str, stem: str, text: str
) -> tuple[OptimizerMeta | None, list[ConfigIssue]]:
    """configs/ui_meta/optimizers/<stem>.yaml -> metadata, or None and the issues."""
    data, node, issues = _load(rel_path, text)
    if issues:
        return None, issues
    parsed, issues = _validate(_OptimizerFile, data, node, rel_path)
    if parsed is None:
        return None, issues
    issues = _check_name(parsed.name, stem, node, rel_path)
    lr = parsed.learning_rate
    if not (0 < lr.min <= lr.default <= lr.max):
        issues.append(
            ConfigIssue(
                rel_path,
                line_of(node, ("learning_rate",)),
                "learning_rate: expected 0 < min <= default <= max",
            )
        )
    if issues:
        return None, issues
    return OptimizerMeta(
        name=stem,
        label=parsed.label or stem,
        lr_min=lr.min,
        lr_max=lr.max,
        lr_default=lr.default,
        lr_step=lr.step,
        weight_decay_default=parsed.weight_decay.default if parsed.weight_decay else None,
        help=parsed.help,
    ), []


def parse_profiles(
    rel_path: str, text: str
) -> tuple[dict[str, PreprocessingProfile], list[ConfigIssue]]:
    """configs/ui_meta/preprocessing_profiles.yaml -> profiles; an invalid one is left out."""
    data, node, issues = _load(rel_path, text)
    if issues:
        return {}, issues
    parsed, issues = _validate(_ProfilesFile, data, node, rel_path)
    if parsed is None:
        return {}, issues
    profiles: dict[str, PreprocessingProfile] = {}
    for name, raw in parsed.profiles.items():
        profile, profile_issues = _validate(_ProfileFile, raw, node, rel_path, ("profiles", name))
        issues.extend(profile_issues)
        if profile is not None:
            profiles[name] = PreprocessingProfile(
                name, profile.label or name, profile.description, tuple(profile.overrides)
            )
    return profiles, issues
