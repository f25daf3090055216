"""`command-builder build` and `command-builder validate`: the form engine without the UI.

Exit codes: 0 ok, 1 validation errors (form or Hydra compose), 2 usage errors
(unknown key, a --set value that does not parse, an unreadable --from-command,
a broken schema or workspace).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ..commands import effects as fx
from ..commands.command_line import CommandParseError, parse_command_line
from ..commands.overrides import OverrideSyntaxError, parse_override
from ..commands.validate import ComposeResult, compose_check
from ..errors import CommandError
from ..form import (
    FormState,
    apply_change,
    apply_checkpoint,
    apply_sweep,
    apply_use_case,
    build_view,
    initial_state,
    state_from_overrides,
    with_extra_overrides,
)
from ..schema import Element, SchemaError
from ..service import PageContext, command_of, page_context
from ..settings import Settings, resolve_workspace
from . import EXIT_ERRORS, EXIT_OK

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class UsageError(CommandError):
    """Bad command-line input: printed, exit 2."""


def parse_value(element: Element, text: str) -> object:
    """A --set VALUE as the element's type; UsageError if it does not parse."""
    kind = element.kind
    if element.type == "multiselect":
        return tuple(part.strip() for part in text.split(",") if part.strip())
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise UsageError(f"{element.key}: expected true or false, got {text!r}")
    if kind in ("int", "float"):
        try:
            return int(text) if kind == "int" else float(text)
        except ValueError:
            what = "a whole number" if kind == "int" else "a number"
            raise UsageError(f"{element.key}: expected {what}, got {text!r}") from None
    if kind is None and element.options is not None:
        # Static options of mixed types (precision: 32 or "bf16-mixed"): match their text.
        return next((o for o in element.options if str(o) == text), text)
    return text


USE_CASE = "use_case"  # --set use_case=<id>: apply a use case as its card does in the app
_PATH_MARKS = (".", "/", "+", "~", "@")


def _apply_use_case(context: PageContext, state: FormState, case_id: str) -> FormState:
    """The architecture's use case `case_id` (ids are looked up across all architectures)."""
    catalog = context.catalog
    owners = [
        name
        for name, meta in catalog.architectures.items()
        if any(u.id == case_id for u in meta.use_cases)
    ]
    if not owners:
        known = sorted(u.id for m in catalog.architectures.values() for u in m.use_cases)
        raise UsageError(
            f"--set use_case={case_id}: no such use case; known: {', '.join(known) or 'none'}"
        )
    state, _ = apply_use_case(context.schema, catalog, state, owners[0], case_id)
    return state


def _checkpoint_value(settings: Settings, text: str) -> str:
    """A checkpoint given absolute or relative to the workspace, as an absolute path."""
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else (settings.root / path)) if text else text


def _apply_sets(
    context: PageContext, state: FormState, sets: Sequence[str], settings: Settings
) -> FormState:
    """--set KEY=VALUE: KEY is a field key, `use_case`, or a config path (`trainer.max_epochs`,
    `data`, `+callbacks`); a path no field writes becomes an extra override Hydra then judges."""
    schema = context.schema
    for item in sets:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep and not key.startswith("~"):
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
        if key == USE_CASE and USE_CASE not in schema.by_key:
            state = _apply_use_case(context, state, text.strip())
            continue
        element = schema.by_key.get(key) or schema.by_path.get(key)
        if element is None or element.type == "info":
            if any(mark in key for mark in _PATH_MARKS):
                state = _with_override(state, item.strip())
                continue
            valid = ", ".join(e.key for e in schema.elements if e.type != "info")
            raise UsageError(
                f"--set {item!r}: unknown key {key!r}; valid keys: {valid} "
                "(or a config path such as trainer.max_epochs)"
            )
        value = parse_value(element, text)
        if element.options_source == "checkpoints" and isinstance(value, str):
            value = _checkpoint_value(settings, value)
        if element.key == schema.checkpoint_key and context.index is not None:
            state, _ = apply_checkpoint(schema, context.catalog, context.index, state, value)
        else:
            state = apply_change(schema, context.catalog, state, element.key, value)
    return state


def _with_override(state: FormState, text: str) -> FormState:
    try:
        parse_override(text)
    except OverrideSyntaxError as exc:
        raise UsageError(f"--set {text!r}: not a Hydra override: {exc.message}") from None
    return with_extra_overrides(state, (*state.extra_overrides, text))


def apply_sweeps(context: PageContext, state: FormState, sweeps: Sequence[str]) -> FormState:
    """--sweep KEY=SPEC items; a bad spec is a field error (exit 1), a bad key a usage error."""
    schema = context.schema
    for item in sweeps:
        key, sep, spec = item.partition("=")
        element = schema.by_key.get(key.strip())
        if not sep or element is None or not element.sweep:
            valid = ", ".join(e.key for e in schema.elements if e.sweep) or "none"
            raise UsageError(f"--sweep {item!r}: {key!r} cannot sweep; fields that can: {valid}")
        state = apply_sweep(schema, state, element.key, spec)
    return state


def _load(args: argparse.Namespace, page: str | None) -> tuple[Settings, PageContext | None]:
    from ..pages import page_entry, page_names

    settings = resolve_workspace(args.workspace)
    if page and page_entry(settings, page) is None:
        known = ", ".join(page_names(settings)) or "none found"
        raise UsageError(f"unknown runner {page!r}; this workspace's runners: {known}")
    context = page_context(settings, page) if page else None
    if context is not None and context.index is not None:
        context.index.refresh()
    return settings, context


def form_from_args(args: argparse.Namespace) -> tuple[Settings, PageContext, FormState]:
    """The form that `--from-command`, `--set` and `--sweep` describe (CommandError if not).

    Shared by `build` and `run`, so both read values the same way (`--set
    checkpoint=...` fills the components from that run, as the page does).
    """
    settings, context = _load(args, args.page)
    assert context is not None
    if args.from_command:
        parsed = parse_command_line(args.from_command, settings)
        if parsed.page != args.page:
            raise UsageError(f"--from-command runs {parsed.runner}, not the {args.page} runner")
        state = state_from_overrides(context.schema, context.catalog, parsed.overrides)
    else:
        state = initial_state(context.schema, context.catalog)
    state = apply_sweeps(context, _apply_sets(context, state, args.sets, settings), args.sweeps)
    return settings, context, state


def run_build(args: argparse.Namespace) -> int:
    settings, context, state = form_from_args(args)
    view = build_view(context.schema, context.catalog, context.index, state)
    built = command_of(settings, view)
    errors = list(built.errors)
    result = None
    if not errors:  # form errors first: Hydra would only repeat them in its own words
        result = compose_check(settings, args.page, built.overrides, multirun=built.multirun)
        sets = frozenset(item.strip() for item in args.sets) & set(state.extra_overrides)
        errors.extend(_issue_text(i.override, i.message, sets) for i in result.issues)
    shown = _shown_config(settings, args.page, result) if args.show_config else None
    if args.json:
        payload = built.as_dict()
        payload["errors"] = errors
        if result is not None:
            payload["effects"] = [e.as_dict() for e in result.effects]
            payload["resolve_issues"] = [i.as_dict() for i in result.resolve_issues]
        if shown is not None:
            payload["config"], payload["marks"] = shown
        print(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        print(built.command)
        for message in errors:
            print(f"error: {message}", file=sys.stderr)
        for message in built.warnings:
            print(f"warning: {message}", file=sys.stderr)
        for line in effect_lines(result) if result is not None else ():
            print(f"warning: {line}", file=sys.stderr)
        if built.multirun:
            print(f"sweep: {built.run_count} runs", file=sys.stderr)
        if shown is not None:
            print(f"# Composed config of this command, resolved as the run gets it; {_LEGEND}")
            print(fx.config_yaml(*shown), end="")
    return EXIT_ERRORS if errors else EXIT_OK


_LEGEND = "'# note' marks keys it changes from the primary config's defaults"


def _shown_config(
    settings: Settings, page: str, result: ComposeResult | None
) -> tuple[dict[str, object], dict[str, str]] | None:
    """(resolved config, marks) for --show-config; None when the command does not compose."""
    if result is None or result.resolved is None or result.config is None:
        return None
    base = compose_check(settings, page, ())
    marks = fx.config_marks(result.config, base.config, result.effects, result.resolve_issues)
    return result.resolved, marks


def effect_lines(result: ComposeResult) -> list[str]:
    """One line per ineffective override (its first key, the winning value and file), then
    one per interpolation that does not resolve."""
    lines = []
    by_override: dict[str, list[fx.Effect]] = {}
    for effect in result.effects:
        by_override.setdefault(effect.override, []).append(effect)
    for override, found in by_override.items():
        more = f" (and {len(found) - 1} more keys)" if len(found) > 1 else ""
        lines.append(f"{override}: {found[0].message()}{more}")
    for issue in result.resolve_issues:
        head = f"{issue.override}: " if issue.override else ""
        key = f"{issue.key}: " if issue.key else ""
        where = f" (set by {issue.source})" if issue.source else ""
        lines.append(f"{head}does not resolve: {key}{issue.message}{where}")
    return lines


def _issue_text(override: str | None, message: str, sets: frozenset[str] = frozenset()) -> str:
    """Hydra's message, attributed to its override (`--set X` when the user gave it so)."""
    if override in sets:
        return f"--set {override}: {message}"
    return f"{override}: {message}" if override else message


def run_validate(args: argparse.Namespace) -> int:
    """Compose the command and report per override, naming the form field where there is one."""
    settings, _ = _load(args, None)
    problems: list[dict[str, object]] = []
    warnings: list[str] = []
    page = None
    result = None
    fields: dict[str, str] = {}
    try:
        parsed = parse_command_line(args.command_text, settings)
        page = parsed.page
    except CommandParseError as exc:
        problems.append({"override": None, "field": None, "message": str(exc)})
    if page is not None:
        problems, warnings, result, fields = _validate_parsed(
            settings, page, parsed.overrides, parsed.multirun
        )
    ineffective = result is not None and bool(result.effects or result.resolve_issues)
    if args.json:
        payload: dict[str, object] = {
            "page": page,
            "ok": not problems,
            "issues": problems,
            "warnings": warnings,
            "effects": [],
            "resolve_issues": [],
        }
        if result is not None:
            payload["effects"] = [
                {**e.as_dict(), "field": fields.get(e.override)} for e in result.effects
            ]
            payload["resolve_issues"] = [
                {**i.as_dict(), "field": fields.get(i.override or "")}
                for i in result.resolve_issues
            ]
        print(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        for problem in problems:
            where = problem["override"] or "command"
            field = f" [{problem['field']}]" if problem["field"] else ""
            print(f"{where}{field}: {problem['message']}")
        for message in warnings:
            print(f"warning: {message}")
        for line in effect_lines(result) if result is not None else ():
            print(f"warning: {line}")
        if not problems:
            print(
                "ok: the command composes"
                + (
                    ", with the warnings above"
                    if ineffective
                    else " and every override takes effect"
                )
            )
    if problems or (args.strict and ineffective):
        return EXIT_ERRORS
    return EXIT_OK


def _validate_parsed(
    settings: Settings, page: str, overrides: tuple[str, ...], multirun: bool
) -> tuple[list[dict[str, object]], list[str], ComposeResult, dict[str, str]]:
    """Problems, warnings, the compose result and the form field of each override."""
    problems: list[dict[str, object]] = []
    warnings: list[str] = []
    try:
        context = page_context(settings, page)
    except SchemaError:
        context = None  # a page without a form schema is still composed
    fields = {}
    if context is not None:
        if context.index is not None:
            context.index.refresh()
        for text in overrides:
            field = _field_of(context, text)
            if field is not None:
                fields[text] = field
        try:
            state = state_from_overrides(context.schema, context.catalog, overrides)
        except CommandParseError:
            state = None  # compose_check reports the syntax error per override
        if state is not None:
            view = build_view(context.schema, context.catalog, context.index, state)
            warnings.extend(view.warnings)
            for key, message in view.errors.items():
                if key in state.touched or key in state.sweeps:  # only what the command says
                    problems.append(
                        {
                            "override": _override_for(context, overrides, key),
                            "field": key,
                            "message": message,
                        }
                    )
    result = compose_check(settings, page, overrides, multirun=multirun)
    for issue in result.issues:
        problems.append(
            {
                "override": issue.override,
                "field": fields.get(issue.override or ""),
                "message": issue.message,
            }
        )
    warnings.extend(f"{key} is mandatory and not set (???)" for key in result.missing)
    return problems, warnings, result, fields


def _field_of(context: PageContext, text: str) -> str | None:
    key = text.split("=", 1)[0].lstrip("+~")
    element = context.schema.by_path.get(key)
    return element.key if element is not None else None


def _override_for(context: PageContext, overrides: Sequence[str], key: str) -> str | None:
    return next((o for o in overrides if _field_of(context, o) == key), None)
