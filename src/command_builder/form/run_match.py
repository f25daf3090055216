"""The form against the chosen checkpoint's run: what the run says each field is, and where
the form disagrees with it (warnings keyed by field, so the UI shows each next to its field).

Pure: the run's recorded config comes in through RunConfigLike.lookup. The preprocessing
profile is not recorded by name anywhere, so it is recognised from the config: the most
specific profile all of whose overrides the run's config shows (its effective setup).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from ..commands.overrides import OverrideSyntaxError, override_value, parse_override
from ..schema import PageSchema
from .state import CatalogLike, coerce, same_value

if TYPE_CHECKING:  # view.py imports this module: type-only imports avoid the cycle
    from .view import CheckpointLike, FieldView, RunConfigLike

MAX_EPOCHS_PATH = "trainer.max_epochs"  # Lightning's; a page with it and a checkpoint resumes
PROFILES = "preprocessing_profiles"


def recorded_values(
    schema: PageSchema, catalog: CatalogLike, config: RunConfigLike
) -> dict[str, object]:
    """key -> what the run used, for the fill_from_checkpoint fields its config records."""
    found: dict[str, object] = {}
    for element in schema.elements:
        if not element.fill_from_checkpoint:
            continue
        if element.options_source == PROFILES:
            value: object = recorded_profile(catalog, config)
        elif element.hydra_override:
            value = config.lookup(element.hydra_override[0])
        else:
            continue
        if value is not None:
            found[element.key] = coerce(element, value)
    return found


def recorded_profile(catalog: CatalogLike, config: RunConfigLike) -> str | None:
    """The most specific profile whose every override the run's config shows, or None."""
    best: str | None = None
    size = -1
    for name, profile in catalog.preprocessing_profiles.items():
        pairs = _profile_pairs(tuple(profile.overrides))
        if pairs is None or len(pairs) <= size:
            continue
        if all(_equal(config.lookup(key), value) for key, value in pairs):
            best, size = name, len(pairs)
    return best


@lru_cache(maxsize=256)
def _profile_pairs(overrides: tuple[str, ...]) -> tuple[tuple[str, object], ...] | None:
    """(config key or group, value) per override; None if one does not parse."""
    try:
        parsed = [parse_override(text) for text in overrides]
    except OverrideSyntaxError:
        return None  # the catalog reports it; such a profile cannot be recognised
    return tuple((o.key_or_group, override_value(o)) for o in parsed)


def _equal(recorded: object, wanted: object) -> bool:
    """Equal values; 1 and 1.0 alike (YAML and the grammar may type numbers apart), not True."""
    return recorded == wanted and isinstance(recorded, bool) == isinstance(wanted, bool)


def run_warnings(
    schema: PageSchema,
    catalog: CatalogLike,
    checkpoint: CheckpointLike,
    config: RunConfigLike | None,
    fields: Mapping[str, FieldView],
) -> dict[str, str]:
    """key -> "Label: message" for each visible field that disagrees with the chosen run.

    Also: an unreadable run config (on the checkpoint field) and a resume that has
    nothing left to train (on the max-epochs field).
    """
    found: dict[str, str] = {}
    chosen = fields.get(schema.checkpoint_key)
    if config is None and chosen is not None:
        found[chosen.key] = (
            f"{chosen.label}: the run {checkpoint.run_name} has no readable recorded config, "
            "so the form cannot be compared with it"
        )
    elif config is not None:
        for key, value in recorded_values(schema, catalog, config).items():
            shown = fields.get(key)
            if shown is None or not shown.active or shown.sweep is not None:
                continue
            if shown.value is None or same_value(shown.value, value):
                continue
            found[key] = (
                f"{shown.label}: the form has {_text(shown, shown.value)} but the "
                f"checkpoint's run {checkpoint.run_name} used {_text(shown, value)}"
            )
    found.update(_nothing_to_train(schema, checkpoint, fields))
    return found


def _text(field: FieldView, value: object) -> str:
    return field.option_labels.get(value, str(value))


def _nothing_to_train(
    schema: PageSchema, checkpoint: CheckpointLike, fields: Mapping[str, FieldView]
) -> dict[str, str]:
    """Resuming a checkpoint of epoch E (Lightning counts from 0) trains epochs E+1 ..
    max_epochs-1: nothing when max_epochs <= E+1."""
    if checkpoint.epoch is None:
        return {}
    done = checkpoint.epoch + 1
    for element in schema.elements:
        shown = fields.get(element.key)
        if MAX_EPOCHS_PATH not in element.hydra_override or shown is None:
            continue
        value = shown.value
        if not shown.active or shown.sweep is not None or isinstance(value, bool):
            continue
        if isinstance(value, int) and value <= done:
            return {
                element.key: f"{shown.label}: nothing to train: the checkpoint has finished "
                f"{done} epochs (epoch={checkpoint.epoch}, counting from 0) and max epochs is "
                f"{value}; set it above {done} to train more"
            }
    return {}
