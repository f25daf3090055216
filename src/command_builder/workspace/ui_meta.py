"""The UI metadata of a workspace as the form engine sees it (frozen dataclasses).

The files behind them (configs/ui_meta/...) are read by the modules of formats/,
one per file format; this module only holds the shapes they produce.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Never

_EMPTY: Mapping[str, Never] = MappingProxyType({})  # empty: fits any str-keyed mapping

# Option kinds of the form (`models.backbones` -> "encoders") -> the architecture
# metadata key that lists the compatible ones.
KIND_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "encoders": "compatible_backbones",
        "decoders": "compatible_decoders",
        "heads": "compatible_heads",
        "losses": "compatible_losses",
        "optimizers": "recommended_optimizers",
    }
)


@dataclass(frozen=True)
class UseCase:
    id: str
    title: str
    description: str
    values: Mapping[str, object]  # schema element key -> value (the file's `recommendations`)


@dataclass(frozen=True)
class ArchitectureMeta:
    """configs/ui_meta/architectures/<name>.yaml (the `ui_metadata:` mapping)."""

    name: str
    label: str
    components_summary: str
    compatible: Mapping[str, tuple[str, ...]]  # "compatible_backbones", ... -> names
    defaults: Mapping[str, object]  # "default_backbone", ..., "recommended_data" -> value
    recommended_optimizers: tuple[str, ...]
    recommended_data: tuple[str, ...]
    notes: str
    use_cases: tuple[UseCase, ...]
    components: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    metadata: Mapping[str, object] = field(default_factory=lambda: _EMPTY)  # as in the file


@dataclass(frozen=True)
class OptimizerMeta:
    """configs/ui_meta/optimizers/<name>.yaml (`ui_metadata.learning_rate`)."""

    name: str
    label: str
    lr_min: float | None
    lr_max: float | None
    lr_default: float | None
    lr_step: float | None
    weight_decay_default: float | None
    help: str
    metadata: Mapping[str, object] = field(default_factory=lambda: _EMPTY)  # as in the file


@dataclass(frozen=True)
class PreprocessingProfile:
    name: str
    label: str
    description: str
    overrides: tuple[str, ...]
