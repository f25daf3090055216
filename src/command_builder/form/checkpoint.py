"""Choosing a checkpoint fills the form from what its run recorded.

Mismatches are not remembered here: build_view compares the form with the chosen
checkpoint's recorded config on every build, so a later edit, a pasted command or
a shared link that disagrees with the run all show the same warning.
"""

from __future__ import annotations

from ..commands.command_line import CommandParseError
from ..schema import PageSchema
from .state import CatalogLike, FormState, apply_change, changed_keys
from .view import CheckpointIndexLike, find_checkpoint


def apply_checkpoint(
    schema: PageSchema,
    catalog: CatalogLike,
    index: CheckpointIndexLike,
    state: FormState,
    path: str | None,
) -> tuple[FormState, frozenset[str]]:
    """Select checkpoint `path` and fill the fill_from_checkpoint fields from its run.

    Returns the new state and the changed keys. The architecture goes first (through
    apply_change, so untouched metadata defaults follow), then each recorded value;
    filled fields count as touched. An unknown or deleted checkpoint is still selected
    (the view shows the error) and fills nothing.
    """
    new = apply_change(schema, catalog, state, schema.checkpoint_key, path)
    checkpoint = find_checkpoint(index, path)
    config = index.run_config(checkpoint.run_dir) if checkpoint is not None else None
    if config is None:
        return new, changed_keys(state, new)
    recorded = {
        e.key: config.lookup(e.hydra_override[0])
        for e in schema.elements
        if e.fill_from_checkpoint and e.hydra_override
    }
    recorded = {k: v for k, v in recorded.items() if v is not None}
    if schema.architecture_key in recorded:
        new = apply_change(
            schema, catalog, new, schema.architecture_key, recorded.pop(schema.architecture_key)
        )
    for key, value in recorded.items():
        new = apply_change(schema, catalog, new, key, value)
    profile = recorded_profile(schema, catalog, getattr(config, "overrides", ()))
    field = next((e for e in schema.elements if e.is_profile), None)
    if field is not None and profile is not None:
        new = apply_change(schema, catalog, new, field.key, profile)
    return new, changed_keys(state, new)


def recorded_profile(schema: PageSchema, catalog: CatalogLike, overrides: tuple) -> str | None:
    """The preprocessing profile a run's recorded overrides used ("none" if none matches)."""
    from .command import _parse_all, _take_profile

    if "none" not in catalog.preprocessing_profiles:
        return None
    try:
        found, _ = _take_profile(schema, catalog, _parse_all(tuple(overrides)))
    except CommandParseError:
        return None
    return found or "none"
