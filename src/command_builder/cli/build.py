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

from ..commands.command_line import CommandParseError, parse_command_line
from ..commands.validate import compose_check
from ..form import (
    FormState,
    PageContext,
    apply_change,
    apply_checkpoint,
    apply_sweep,
    apply_use_case,
    build_view,
    command_of,
    initial_state,
    page_context,
    state_from_overrides,
)
from ..schema import Element, SchemaError
from ..settings import Settings, WorkspaceError, resolve_workspace
from . import EXIT_ERRORS, EXIT_OK, EXIT_USAGE

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class UsageError(Exception):
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
    schema = context.schema
    for item in sets:
        key, sep, text = item.partition("=")
        if not sep:
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
        if key.strip() == USE_CASE and USE_CASE not in schema.by_key:
            state = _apply_use_case(context, state, text.strip())
            continue
        element = schema.by_key.get(key.strip())
        if element is None or element.type == "info":
            valid = ", ".join(e.key for e in schema.elements if e.type != "info")
            raise UsageError(f"--set {item!r}: unknown key {key!r}; valid keys: {valid}")
        value = parse_value(element, text)
        if element.options_source == "checkpoints" and isinstance(value, str):
            value = _checkpoint_value(settings, value)
        if element.key == schema.checkpoint_key and context.index is not None:
            state, _ = apply_checkpoint(schema, context.catalog, context.index, state, value)
        else:
            state = apply_change(schema, context.catalog, state, element.key, value)
    return state


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
    try:
        settings = resolve_workspace(args.workspace)
        context = page_context(settings, page) if page else None
    except (WorkspaceError, SchemaError) as exc:
        raise UsageError(str(exc)) from None
    if context is not None and context.index is not None:
        context.index.refresh()
    return settings, context


def _fail(exc: Exception) -> int:
    print(f"command-builder: {exc}", file=sys.stderr)
    return EXIT_USAGE


def form_from_args(args: argparse.Namespace) -> tuple[Settings, PageContext, FormState]:
    """The form that `--from-command`, `--set` and `--sweep` describe (UsageError, CommandParseError).

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
    try:
        settings, context, state = form_from_args(args)
    except (UsageError, CommandParseError) as exc:
        return _fail(exc)
    view = build_view(context.schema, context.catalog, context.index, state)
    built = command_of(settings, view)
    errors = list(built.errors)
    if not errors:  # form errors first: Hydra would only repeat them in its own words
        result = compose_check(settings, args.page, built.overrides, multirun=built.multirun)
        errors.extend(_issue_text(i.override, i.message) for i in result.issues)
    if args.json:
        payload = built.as_dict()
        payload["errors"] = errors
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(built.command)
        for message in errors:
            print(f"error: {message}", file=sys.stderr)
        for message in built.warnings:
            print(f"warning: {message}", file=sys.stderr)
        if built.multirun:
            print(f"sweep: {built.run_count} runs", file=sys.stderr)
    return EXIT_ERRORS if errors else EXIT_OK


def _issue_text(override: str | None, message: str) -> str:
    return f"{override}: {message}" if override else message


def run_validate(args: argparse.Namespace) -> int:
    """Compose the command and report per override, naming the form field where there is one."""
    try:
        settings, _ = _load(args, None)
    except UsageError as exc:
        return _fail(exc)
    problems: list[dict[str, object]] = []
    warnings: list[str] = []
    page = None
    try:
        parsed = parse_command_line(args.command_text, settings)
        page = parsed.page
    except CommandParseError as exc:
        problems.append({"override": None, "field": None, "message": str(exc)})
    if page is not None:
        problems, warnings = _validate_parsed(settings, page, parsed.overrides, parsed.multirun)
    if args.json:
        print(
            json.dumps(
                {"page": page, "ok": not problems, "issues": problems, "warnings": warnings},
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for problem in problems:
            where = problem["override"] or "command"
            field = f" [{problem['field']}]" if problem["field"] else ""
            print(f"{where}{field}: {problem['message']}")
        for message in warnings:
            print(f"warning: {message}")
        if not problems:
            print("ok: the command composes")
    return EXIT_ERRORS if problems else EXIT_OK


def _validate_parsed(
    settings: Settings, page: str, overrides: tuple[str, ...], multirun: bool
) -> tuple[list[dict[str, object]], list[str]]:
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
    return problems, warnings


def _field_of(context: PageContext, text: str) -> str | None:
    key = text.split("=", 1)[0].lstrip("+~")
    element = context.schema.by_path.get(key)
    return element.key if element is not None else None


def _override_for(context: PageContext, overrides: Sequence[str], key: str) -> str | None:
    return next((o for o in overrides if _field_of(context, o) == key), None)
