"""Choosing a checkpoint brings its setup: the form is filled from what its run recorded.

Mismatches are not remembered here: build_view compares the form with the chosen
checkpoint's run on every build (run_match.py), so a later edit, a pasted command or
a shared link that disagrees with the run all show the same per-field warning.
"""

from __future__ import annotations

from ..commands.command_line import CommandParseError
from ..schema import PageSchema
from .run_match import recorded_values
from .state import CatalogLike, FormState, apply_values, changed_keys
from .view import CheckpointIndexLike, find_checkpoint


def apply_checkpoint(
    schema: PageSchema,
    catalog: CatalogLike,
    index: CheckpointIndexLike,
    state: FormState,
    path: object,
) -> tuple[FormState, frozenset[str]]:
    """Select checkpoint `path` and fill the fill_from_checkpoint fields from its run.

    Returns the new state and the changed keys. Architecture, components, dataset and
    preprocessing profile take the run's values in one step, so what the run did not
    record follows the run's architecture; the filled fields are not touched (the user
    did not choose them), a component the user chose that the run's architecture does
    not support is reset with a notice. An unknown or deleted checkpoint is still
    selected (the view shows the error) and fills nothing, as is any other value.
    """
    checkpoint = find_checkpoint(index, path)
    config = index.run_config(checkpoint.run_dir) if checkpoint is not None else None
    filled = recorded_values(schema, catalog, config) if config is not None else {}
    profile_field = next((e for e in schema.elements if e.is_profile), None)
    if config is not None and profile_field is not None:
        # The run's recorded overrides name its profile exactly; the config match is a fallback.
        # No overrides.yaml reads as (): then only the config can say (not "none").
        overrides = config.overrides
        profile = profile_of_overrides(schema, catalog, overrides) if overrides else None
        if profile is not None:
            filled[profile_field.key] = profile
    picked = {schema.checkpoint_key: path}
    new = apply_values(
        schema, catalog, state, {**filled, **picked}, chosen=frozenset({schema.checkpoint_key})
    )
    return new, changed_keys(state, new)


def profile_of_overrides(
    schema: PageSchema, catalog: CatalogLike, overrides: tuple[str, ...]
) -> str | None:
    """The preprocessing profile a run's recorded overrides used ("none" if none matches)."""
    from .command import _parse_all, _take_profile

    if "none" not in catalog.preprocessing_profiles:
        return None
    try:
        found, _ = _take_profile(schema, catalog, _parse_all(tuple(overrides)))
    except CommandParseError:
        return None
    return found or "none"
