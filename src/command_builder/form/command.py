"""Form <-> command: build the argv of a state, and read a pasted command back into a state.

Reading is the exact inverse of writing for the fields that write the command
(visible, not locked by a preprocessing profile): form -> command -> form is the
identity on those values and on the extra overrides. Overrides the form has no
field for stay "extra overrides", kept verbatim and emitted after the form's own,
so Hydra (last one wins) sees the pasted command's meaning unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from hydra.core.override_parser.types import Override

from ..commands.command_line import CommandParseError, display_command
from ..commands.launchers import format_additional_parameters
from ..commands.overrides import (
    OverrideSyntaxError,
    has_interpolation,
    override_key,
    override_kind,
    override_value,
    parse_override,
)
from ..commands.sweeps import SweepError, follows, parse_sweep_spec
from ..schema import Element, PageSchema
from .state import (
    CatalogLike,
    FormState,
    FrozenMap,
    apply_values,
    coerce,
    initial_state,
    same_value,
)
from .view import FormView


@dataclass(frozen=True)
class BuiltCommand:
    """A page's command: argv (run without a shell), its display form, and what is wrong."""

    argv: tuple[str, ...]
    command: str
    overrides: tuple[str, ...]
    errors: tuple[str, ...]  # "Label: message", one per field with a problem
    warnings: tuple[str, ...]
    field_errors: Mapping[str, str]  # key -> "Label: message"
    run_count: int = 1  # runs of a sweep (Hydra's product); 1 for a single run
    multirun: bool = False  # argv carries --multirun
    needs_confirmation: bool = False  # run_count above settings.sweep_confirm_threshold

    def as_dict(self) -> dict[str, object]:
        """The CLI's --json shape."""
        return {
            "argv": list(self.argv),
            "command": self.command,
            "overrides": list(self.overrides),
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "field_errors": dict(self.field_errors),
            "run_count": self.run_count,
            "multirun": self.multirun,
            "needs_confirmation": self.needs_confirmation,
        }


def command_from_view(
    view: FormView, argv: Sequence[str], *, confirm_threshold: int, warnings: Sequence[str] = ()
) -> BuiltCommand:
    """The BuiltCommand of a view whose argv the caller built (the runner, the prefix).

    A sweep of more than `confirm_threshold` runs needs_confirmation: callers (Run button,
    `command-builder run`) must not start it without the user's yes.
    """
    argv = tuple(argv)
    return BuiltCommand(
        argv=argv,
        command=display_command(argv),
        overrides=view.overrides,
        errors=tuple(view.errors.values()),
        warnings=view.warnings + tuple(warnings),
        field_errors=view.errors,
        run_count=view.run_count,
        multirun=view.multirun,
        needs_confirmation=view.run_count > confirm_threshold,
    )


def _literal(override: Override) -> tuple[bool, object]:
    """(True, python value) for a plain `key=value` the form can hold; (False, None) otherwise.

    Sweeps and `${...}` interpolations are not literal values: a field would write them
    back escaped (as text), which changes their meaning, so they stay extra overrides.
    """
    if override.is_sweep_override():
        return False, None
    value = override.value()  # quoted strings as their text
    if has_interpolation(value) or _nested_interpolation(value):
        return False, None
    return True, override_value(override)


def _nested_interpolation(raw: object) -> bool:
    if isinstance(raw, list):
        return any(_nested_interpolation(v) or has_interpolation(v) for v in raw)
    if isinstance(raw, dict):
        return any(_nested_interpolation(v) or has_interpolation(v) for v in raw.values())
    return False


def _parse_all(overrides: Sequence[str]) -> list[tuple[str, Override]]:
    parsed = []
    for text in overrides:
        try:
            parsed.append((text, parse_override(text)))
        except OverrideSyntaxError as exc:
            raise CommandParseError(f"not a Hydra override: {exc}") from None
    return parsed


def _signature(override: Override) -> tuple[str, str, object]:
    kind = override_kind(override)
    literal, value = _literal(override)
    return kind, override_key(override), (value if literal else repr(override))


def _take_profile(
    schema: PageSchema, catalog: CatalogLike, parsed: list[tuple[str, Override]]
) -> tuple[str | None, list[tuple[str, Override]]]:
    """The preprocessing profile whose overrides all appear (the most specific one), consumed."""
    if not any(e.is_profile for e in schema.elements):
        return None, parsed
    signatures = [_signature(o) for _, o in parsed]
    best: tuple[str, list[int]] | None = None
    for name, profile in catalog.preprocessing_profiles.items():
        if not profile.overrides:
            continue
        try:
            wanted = [_signature(parse_override(t)) for t in profile.overrides]
        except OverrideSyntaxError:
            continue
        used: list[int] = []
        for signature in wanted:
            match = next(
                (i for i, s in enumerate(signatures) if i not in used and _same_sig(s, signature)),
                None,
            )
            if match is None:
                break
            used.append(match)
        else:
            if best is None or len(used) > len(best[1]):
                best = (name, used)
    if best is None:
        return None, parsed
    return best[0], [p for i, p in enumerate(parsed) if i not in best[1]]


def _same_sig(a: tuple[str, str, object], b: tuple[str, str, object]) -> bool:
    return a[0] == b[0] and a[1] == b[1] and same_value(a[2], b[2])


def state_from_overrides(
    schema: PageSchema, catalog: CatalogLike, overrides: Sequence[str]
) -> FormState:
    """Overrides -> state: fields' values (touched) from the overrides that map to them.

    Starts from the initial state (the composed config's values); a command that picks
    another architecture also moves the fields it does not name to that architecture's
    metadata defaults (what its preset builds). For a field with several paths (batch size) the first
    value wins; a later, different one stays an extra override (and still wins in Hydra).
    A sweep of a sweep field's first path becomes its sweep spec (its other paths follow
    it as `path=${first}`); a sweep the field cannot hold stays an extra override.
    """
    base = initial_state(schema, catalog)
    values = dict(base.values)
    touched: set[str] = set()
    extras: list[str] = []
    sweeps: dict[str, str] = {}
    profile, remaining = _take_profile(schema, catalog, _parse_all(overrides))
    if profile is not None:
        for key in (e.key for e in schema.elements if e.is_profile):
            values[key] = profile
            touched.add(key)
    by_path = schema.by_path
    for text, override in remaining:
        element = by_path.get(override_key(override))
        spec = None if element is None else _sweep_spec(element, text, override, touched)
        if element is not None and spec is not None:
            sweeps[element.key] = spec
            touched.add(element.key)
            continue
        if element is not None and element.key in sweeps:  # only its followers belong to it
            if follows(text) != element.hydra_override[0]:
                extras.append(text)
            continue
        literal, value = _literal(override)
        kind = override_kind(override)
        if (
            element is not None
            and element.value_format == "key_value_lines"
            and isinstance(value, dict)
        ):
            value, kind = format_additional_parameters(value), "value"
        if element is None or not literal or kind not in ("value", "group"):
            extras.append(text)
            continue
        value = coerce(element, value)
        if element.key in touched:
            if not same_value(values[element.key], value):
                extras.append(text)
            continue
        values[element.key] = value
        touched.add(element.key)
    _switch_on_toggles(schema, values, touched)
    # One transition, as in the app: what the command names is chosen; a different
    # architecture or optimizer moves the fields it does not name to their defaults.
    chosen = frozenset(touched)
    state = apply_values(schema, catalog, base, {k: values[k] for k in chosen}, chosen=chosen)
    return replace(
        state,
        extra_overrides=tuple(extras),
        sweeps=FrozenMap(sweeps),
        notices=FrozenMap(),
    )


def _switch_on_toggles(schema: PageSchema, values: dict[str, object], touched: set[str]) -> None:
    """A command that sets a field shown only under a UI-only checkbox turns that box on.

    (The project's train page: `resume=<path>` is its checkpoint field, visible while
    "Resume training", which writes nothing itself, is ticked.)
    """
    for element in schema.elements:
        expression = schema.expressions.get((element.key, "visible_if"))
        if element.key not in touched or expression is None:
            continue
        for key in expression.keys:
            toggle = schema.by_key.get(key)
            if toggle is not None and toggle.type == "checkbox" and not toggle.hydra_override:
                values[key] = True
                touched.add(key)


def _sweep_spec(element: Element, text: str, override: Override, taken: set[str]) -> str | None:
    """The spec of a sweep override the element can hold (as written after `=`), else None.

    Not when an earlier override already gave the field its value (`taken`).
    """
    if (
        not element.sweep
        or element.key in taken
        or not override.is_sweep_override()
        or override_key(override) != element.hydra_override[0]
        or override_kind(override) not in ("value", "group")
    ):
        return None
    spec = text.split("=", 1)[1]
    try:
        parse_sweep_spec(spec, numeric=element.kind in ("int", "float"))
    except SweepError:
        return None
    return spec
