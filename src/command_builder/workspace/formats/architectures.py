"""configs/ui_meta/architectures/<name>.yaml: the OCR project's architecture metadata.

    ui_metadata:
      components: {encoder: timm_backbone, decoder: unet, head: db_head, loss: db_loss}
      compatible_backbones: [...]   compatible_decoders / _heads / _losses: [...]
      default_backbone: resnet18    default_decoder / _head / _loss / _optimizer: ...
      default_learning_rate: 0.001
      recommended_optimizers: [adam, adamw]    recommended_data: default
      notes: "..."
      use_cases: [{id, title, description, recommendations: {element key: value}}]

Without the `ui_metadata:` wrapper the file itself is the mapping (as the project's
own parser allows). `label` is our optional extension (display name).
"""

from __future__ import annotations

from types import MappingProxyType

from ..ui_meta import KIND_KEYS, ArchitectureMeta, UseCase
from ..yaml_files import ConfigIssue
from .common import Doc, Format, load, mapping_at, names_at, number_at, text_at, unknown_keys

WRAPPER = "ui_metadata"
_LISTS = tuple(KIND_KEYS.values())
# default key -> the list it must be one of
_DEFAULTS = {
    "default_backbone": "compatible_backbones",
    "default_decoder": "compatible_decoders",
    "default_head": "compatible_heads",
    "default_loss": "compatible_losses",
    "default_optimizer": "recommended_optimizers",
}
_KNOWN = (
    "components",
    *_LISTS,
    *_DEFAULTS,
    "default_learning_rate",
    "recommended_data",
    "notes",
    "use_cases",
    "label",
)
_USE_CASE_KEYS = ("id", "title", "description", "recommendations")


def unwrap(doc: Doc) -> tuple[dict[str, object], tuple[str, ...]]:
    """The `ui_metadata:` mapping (or the whole file) and its location."""
    top = mapping_at(doc, doc.data, ())
    if WRAPPER in top:
        unknown_keys(doc, top, (WRAPPER,), ())
        return dict(mapping_at(doc, top[WRAPPER], (WRAPPER,))), (WRAPPER,)
    return dict(top), ()


def _use_cases(doc: Doc, raw: object, loc: tuple[int | str, ...]) -> tuple[UseCase, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        doc.issue(loc, "use_cases: expected a list")
        return ()
    found: list[UseCase] = []
    for i, item in enumerate(raw):
        where = (*loc, i)
        case = mapping_at(doc, item, where)
        unknown_keys(doc, case, _USE_CASE_KEYS, where)
        case_id = text_at(doc, case, "id", where)
        if not case_id:
            doc.issue(where, f"use_cases[{i}]: needs an id; left out")
            continue
        if any(c.id == case_id for c in found):
            doc.issue((*where, "id"), f"use_cases: duplicate id {case_id!r}; left out")
            continue
        values = mapping_at(doc, case.get("recommendations"), (*where, "recommendations"))
        found.append(
            UseCase(
                case_id,
                text_at(doc, case, "title", where) or case_id,
                text_at(doc, case, "description", where),
                MappingProxyType(dict(values)),
            )
        )
    return tuple(found)


def read(rel_path: str, stem: str, text: str) -> tuple[dict[str, object], list[ConfigIssue]]:
    """One architecture's metadata; only unusable parts are dropped, with an issue each."""
    doc = load(rel_path, text)
    if doc.issues:
        return {}, doc.issues
    meta, loc = unwrap(doc)
    unknown_keys(doc, meta, _KNOWN, loc)
    components = {
        k: str(v) for k, v in mapping_at(doc, meta.get("components"), (*loc, "components")).items()
    }
    compatible = {}
    for key in _LISTS:
        names = names_at(doc, meta, key, loc)
        if names is not None:
            compatible[key] = names
    defaults: dict[str, object] = {}
    for key, list_key in _DEFAULTS.items():
        value = text_at(doc, meta, key, loc)
        if not value:
            continue
        if list_key in compatible and value not in compatible[list_key]:
            doc.issue((*loc, key), f"{key}: {value!r} is not in {list_key}")
        defaults[key] = value
    rate = number_at(doc, meta, "default_learning_rate", loc)
    if rate is not None:
        defaults["default_learning_rate"] = rate
    data = names_at(doc, meta, "recommended_data", loc) or ()
    if data:
        defaults["recommended_data"] = data[0]
    summary = " · ".join(f"{k}: {v}" for k, v in components.items())
    return {
        stem: ArchitectureMeta(
            name=stem,
            label=text_at(doc, meta, "label", loc) or stem,
            components_summary=summary,
            compatible=MappingProxyType(compatible),
            defaults=MappingProxyType(defaults),
            recommended_optimizers=compatible.get("recommended_optimizers", ()),
            recommended_data=data,
            notes=text_at(doc, meta, "notes", loc),
            use_cases=_use_cases(doc, meta.get("use_cases"), (*loc, "use_cases")),
            components=MappingProxyType(components),
            metadata=MappingProxyType(meta),
        )
    }, doc.issues


FORMAT = Format("architectures", read, folder="ui_meta/architectures")
