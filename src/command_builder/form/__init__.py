"""The form engine: schema + catalog + checkpoint index + state -> view model and command.

Pure Python (no Streamlit, no file access except through the workspace objects it is
given; command_builder.service loads those for the CLI and the app). Everything returned is immutable; build_view is memoised per
(schema, catalog.version, checkpoint-index version, state).

Public API (exact signatures)
-----------------------------
State (state.py)
    FormState(page: str, values: FrozenMap, touched: frozenset[str] = frozenset(),
              extra_overrides: tuple[str, ...] = (), sweeps: FrozenMap = FrozenMap(),
              use_case_keys: frozenset[str] = frozenset(), notices: FrozenMap = FrozenMap())
                                                                frozen, hashable
        touched: keys the user chose (widget, --set, pasted command, link); use cases and
        checkpoints fill without touching. use_case_keys: what the applied use case set
        and nobody changed since. notices: key -> what the last change did to a field the
        user had chosen (a component reset because the new architecture lacks it).
    FrozenMap(mapping)                      read-only Mapping, typed equality (True != 1 != 1.0)
    initial_state(schema, catalog) -> FormState
    apply_change(schema, catalog, state, key, value) -> FormState
        the user sets one field (touched); architecture -> every architecture-dependent
        field (metadata_default_key / filter_by_architecture_key) the user did not choose
        takes the new architecture's default, a chosen one it does not support is reset to
        it with a notice; optimizer (or architecture) -> learning rate / weight decay the
        user did not choose take their defaults (the architecture's own learning rate
        while its default optimizer is chosen). KeyError for an unknown key.
    apply_values(schema, catalog, state, values, *, chosen=frozenset()) -> FormState
        several fields at once, winning over what follows them (a checkpoint's run)
    apply_use_case(schema, catalog, state, architecture, use_case_id)
        -> tuple[FormState, frozenset[str]]                     (new state, changed keys)
        sets every field it names (untouched, in use_case_keys); the previous use case's
        fields it does not name and the user did not change go back to their defaults
    apply_checkpoint(schema, catalog, index, state, path | None)
        -> tuple[FormState, frozenset[str]]                     (new state, changed keys)
        fills the fill_from_checkpoint fields (architecture, components, dataset,
        preprocessing profile) from the run (run_match.recorded_values), untouched
    apply_sweep(schema, state, key, spec | None) -> FormState
        sweeps a `sweep: true` field over "v1,v2,..." or "range(a,b,step)" (None/blank: stop);
        KeyError unknown key, ValueError if the field cannot sweep; a bad spec is a field error
    with_extra_overrides(state, overrides) -> FormState
    changed_keys(before, after) -> frozenset[str]
    coerce(element, value) -> object        the normalisation every entry point applies

View (view.py)
    build_view(schema, catalog, checkpoint_index | None, state) -> FormView
    FormView: page, title, fields: tuple[FieldView, ...] (visible, schema order),
        sections: tuple[str, ...], errors: Mapping[key, "Label: message"] (key may be
        "extra_overrides"), warnings: tuple[str, ...] (all, field_warnings' included),
        field_warnings: Mapping[key, "Label: message"] (where a field disagrees with the
        chosen checkpoint's run; "nothing to train" on max epochs when resuming with
        max epochs <= the checkpoint's epoch + 1, Lightning counting from 0; see
        run_match.py), overrides: tuple[str, ...],
        state, by_key, run_count (Hydra's sweep product), multirun;
        .ok, .field(key) -> FieldView | None, .active_values() -> dict
    FieldView: key, type, label, help, section, value, value_type, options (filtered by
        the architecture's compatibility list), option_labels: Mapping[option, str],
        min_value, max_value, step, format, required, touched, error, locked_by, text
        (info elements), sweepable, sweep (spec or None), sweep_count;
        .active (writes the command: not info, not locked)
    find_checkpoint(index, path) -> Checkpoint | None

Commands (command.py; command_builder.service builds them from a workspace)
    command_from_view(view, argv, *, confirm_threshold, warnings=()) -> BuiltCommand
    BuiltCommand(argv: tuple[str, ...], command: str, overrides: tuple[str, ...],
                 errors: tuple[str, ...], warnings: tuple[str, ...],
                 field_errors: Mapping[str, str], run_count: int, multirun: bool,
                 needs_confirmation: bool); .as_dict() (the CLI's --json)
        needs_confirmation: run_count > confirm_threshold — do not start such a
        command without the user's explicit yes
    state_from_overrides(schema, catalog, overrides) -> FormState  raises CommandParseError
        form -> command -> form is the identity on view.active_values() and extra_overrides.

Links (query.py)
    encode_query(schema, catalog, state) -> dict[str, str]     non-initial values only
    decode_query(schema, catalog, params) -> FormState          raises QueryError
        decode_query(encode_query(s)).values == s.values, extra_overrides equal.

Use cases (recommend.py)
    recommendations(schema, catalog, state) -> tuple[Recommendation, ...]
    Recommendation(architecture, architecture_label, id, title, description,
                   values: tuple[tuple[str, object], ...])
"""

from .checkpoint import apply_checkpoint
from .command import (
    BuiltCommand,
    command_from_view,
    state_from_overrides,
)
from .query import QueryError, decode_query, encode_query
from .recommend import Recommendation, recommendations
from .state import (
    FormState,
    FrozenMap,
    apply_change,
    apply_sweep,
    apply_use_case,
    apply_values,
    changed_keys,
    coerce,
    initial_state,
    same_value,
    with_extra_overrides,
)
from .view import FieldView, FormView, build_view, find_checkpoint

__all__ = [
    "BuiltCommand",
    "FieldView",
    "FormState",
    "FormView",
    "FrozenMap",
    "QueryError",
    "Recommendation",
    "apply_change",
    "apply_checkpoint",
    "apply_sweep",
    "apply_use_case",
    "apply_values",
    "build_view",
    "changed_keys",
    "coerce",
    "command_from_view",
    "decode_query",
    "encode_query",
    "find_checkpoint",
    "initial_state",
    "recommendations",
    "same_value",
    "state_from_overrides",
    "with_extra_overrides",
]
