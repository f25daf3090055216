"""configs/ui_meta/optimizers/<name>.yaml: the OCR project's optimizer metadata.

    ui_metadata:
      learning_rate: {default: 0.001, min: 1.0e-5, max: 1.0e-2, step: 1.0e-5, help: "..."}

Optional extensions of ours: `label`, `weight_decay: {default: ...}`.
"""

from __future__ import annotations

from types import MappingProxyType

from ..ui_meta import OptimizerMeta
from ..yaml_files import ConfigIssue
from .architectures import unwrap
from .common import Format, load, mapping_at, number_at, text_at, unknown_keys

_RATE_KEYS = ("default", "min", "max", "step", "help")


def read(rel_path: str, stem: str, text: str) -> tuple[dict[str, object], list[ConfigIssue]]:
    """One optimizer's metadata; bounds that contradict each other are dropped with an issue."""
    doc = load(rel_path, text)
    if doc.issues:
        return {}, doc.issues
    meta, loc = unwrap(doc)
    unknown_keys(doc, meta, ("learning_rate", "weight_decay", "label"), loc)
    rate_loc = (*loc, "learning_rate")
    rate = mapping_at(doc, meta.get("learning_rate"), rate_loc)
    unknown_keys(doc, rate, _RATE_KEYS, rate_loc)
    default, low, high, step = (number_at(doc, rate, k, rate_loc) for k in _RATE_KEYS[:4])
    if low is not None and high is not None and not 0 <= low <= high:
        doc.issue(rate_loc, "learning_rate: expected 0 <= min <= max; bounds ignored")
        low = high = None
    if default is not None and not (
        (low is None or low <= default) and (high is None or default <= high)
    ):
        doc.issue((*rate_loc, "default"), "learning_rate.default: outside min..max; ignored")
        default = None
    decay_loc = (*loc, "weight_decay")
    decay = mapping_at(doc, meta.get("weight_decay"), decay_loc)
    unknown_keys(doc, decay, ("default",), decay_loc)
    return {
        stem: OptimizerMeta(
            name=stem,
            label=text_at(doc, meta, "label", loc) or stem,
            lr_min=low,
            lr_max=high,
            lr_default=default,
            lr_step=step,
            weight_decay_default=number_at(doc, decay, "default", decay_loc),
            help=text_at(doc, rate, "help", rate_loc),
            metadata=MappingProxyType(meta),
        )
    }, doc.issues


FORMAT = Format("optimizers", read, folder="ui_meta/optimizers")
