"""A generic page schema derived from a runner's composed primary config (pure: no I/O).

Any Hydra project gets a form without hand-written metadata: each config group of the
defaults list becomes a select of its options (the current choice preselected, "none"
for optional groups), each scalar leaf a typed input showing the composed value, `???`
a required field. Sections follow the config's top-level keys. Every element has
`omit_if_default`, so a command carries only what the user changed. The result is an
ordinary PageSchema: the form engine, views, links, commands and Run work unchanged.

The composing is done elsewhere (commands/primary.py) and arrives here as a ConfigTree.
A page schema file, when the workspace has one, refines the derived elements it names
by override path (label, help, section, validation, order) and may add its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..commands.primary import ConfigTree, GroupChoice
from ..schema import Element, PageSchema, Validation

NO_CHOICE = "(none)"  # a group select's "none": the override deletes the group (`~group`)
GENERAL = "General"
MISSING = "???"
MAX_FIELDS = 600  # leaves beyond this are reachable through extra overrides only
MAX_DEPTH = 12
_REFINED = ("label", "help", "section", "validation", "default", "step", "format")
_PATH_PART = re.compile(r"[A-Za-z_][\w-]*")
_KEY_CHARS = re.compile(r"[^a-z0-9_]+")
_GROUP_PATH = re.compile(r"[A-Za-z_][\w-]*(?:/[A-Za-z_][\w-]*)*")


def generic_schema(
    page: str, tree: ConfigTree, refine: PageSchema | None = None, runner: str | None = None
) -> PageSchema:
    """The page's schema: one element per group and scalar leaf, refined by `refine`."""
    taken = {e.key for e in refine.elements} if refine is not None else set()
    keys = _Keys(taken)
    top_level = [str(k) for k in tree.config]
    groups = [_group_element(g, keys, top_level) for g in tree.groups if _selectable(g)]
    leaves = [_leaf_element(p, v, keys) for p, v in _leaves(tree.config)]
    elements = _in_section_order(groups + leaves, top_level)
    title = page.replace("_", " ").title()
    if refine is not None:
        return _refined(page, elements, refine, runner)
    return PageSchema(
        page=page, title=title, runner=runner, elements=tuple(elements), source_path=tree.primary
    )


class _Keys:
    """Unique element keys from config paths (`trainer.max_epochs` -> `trainer__max_epochs`)."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def __call__(self, path: str) -> str:
        base = _KEY_CHARS.sub("_", path.lower().replace(".", "__").replace("/", "__"))
        base = base.strip("_") or "field"
        if not base[0].isalpha():
            base = f"k_{base}"
        key, number = base, 2
        while key in self.taken:
            key, number = f"{base}_{number}", number + 1
        self.taken.add(key)
        return key


def _selectable(group: GroupChoice) -> bool:
    """Groups with options whose override is the plain group path (not `g@pkg`)."""
    return bool(group.options) and _GROUP_PATH.fullmatch(group.path) is not None


def _group_element(group: GroupChoice, keys: _Keys, top_level: list[str]) -> Element:
    options = list(group.options)
    if group.choice is not None and group.choice not in options:
        options.insert(0, group.choice)  # an option Hydra found elsewhere (search path)
    if group.optional and not group.mandatory:
        options.insert(0, NO_CHOICE)
    head = group.path.split("/")[0]
    if group.mandatory:
        return Element(
            key=keys(group.path),
            type="selectbox",
            label=group.path,
            help=f"Config group {group.path}: required (`???` in the defaults list)",
            section=head if head in top_level else GENERAL,
            options=tuple(options),
            hydra_override=(group.path,),
            validation=Validation(required=True),
        )
    return Element(
        key=keys(group.path),
        type="selectbox",
        label=group.path,
        help=f"Config group {group.path} (options: {', '.join(group.options)})",
        section=head if head in top_level else GENERAL,
        default=group.choice if group.choice is not None else NO_CHOICE,
        options=tuple(options),
        option_labels={NO_CHOICE: "none"} if NO_CHOICE in options else None,
        hydra_override=(group.path,),
        omit_if_default=True,
    )


def _leaves(config: Mapping[str, Any]) -> Iterator[tuple[str, object]]:
    """(dotted path, value) of every scalar leaf, in config order, bounded."""
    count = 0
    stack: list[tuple[str, Any, int]] = [("", config, 0)]
    while stack:
        prefix, node, depth = stack.pop(0)
        nested: list[tuple[str, Any, int]] = []
        for key, value in node.items():
            name = str(key)
            if not _PATH_PART.fullmatch(name) or (name.startswith("_") and name.endswith("_")):
                continue  # `_target_` & co. are code, not settings; odd keys have no path
            path = f"{prefix}.{name}" if prefix else name
            if isinstance(value, Mapping):
                if depth < MAX_DEPTH:
                    nested.append((path, value, depth + 1))
            elif _scalar(value):
                yield path, value
                count += 1
                if count >= MAX_FIELDS:
                    return
        stack[0:0] = nested  # depth first, keeping each mapping's key order


def _scalar(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, bool | int | str)


def _leaf_element(path: str, value: object, keys: _Keys) -> Element:
    parts = path.split(".")
    common: dict[str, Any] = {
        "key": keys(path),
        "label": parts[-1],
        "help": f"{path} (composed value: {MISSING if value == MISSING else value!r})",
        "section": parts[0] if len(parts) > 1 else GENERAL,
        "hydra_override": (path,),
        "omit_if_default": True,
    }
    if value == MISSING:
        return Element(type="text_input", validation=Validation(required=True), **common)
    if isinstance(value, bool):
        return Element(type="checkbox", default=value, **common)
    if isinstance(value, int):
        return Element(type="number_input", value_type="int", step=1, default=value, **common)
    if isinstance(value, float):
        return Element(type="number_input", value_type="float", default=value, **common)
    return Element(type="text_input", default=value, **common)


def _in_section_order(elements: list[Element], top_level: list[str]) -> list[Element]:
    """General first, then one section per top-level key in the config's order."""
    rank = {GENERAL: -1, **{name: i for i, name in enumerate(top_level)}}
    return sorted(elements, key=lambda e: rank.get(e.section, len(rank)))


def _refined(
    page: str, derived: list[Element], refine: PageSchema, runner: str | None
) -> PageSchema:
    """Schema elements first (in their order), each merged into the derived one of its path."""
    by_path = {e.hydra_override[0]: e for e in derived}
    used: set[str] = set()
    merged: list[Element] = []
    for element in refine.elements:
        path = element.hydra_override[0] if element.hydra_override else None
        base = by_path.get(path) if path is not None else None
        if base is None or path is None:
            merged.append(element)
            continue
        used.add(path)
        update = {f: getattr(element, f) for f in _REFINED if f in element.model_fields_set}
        merged.append(base.model_copy(update={"key": element.key, **update}))
    merged.extend(e for e in derived if e.hydra_override[0] not in used)
    return PageSchema.model_validate(
        {
            **refine.model_dump(exclude={"elements", "page", "runner"}),
            "page": page,
            "runner": runner,
            "elements": [e.model_dump(exclude_defaults=True) for e in merged],
        }
    )
