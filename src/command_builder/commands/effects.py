"""Effect check: does the run get what the command chose, not only does Hydra compose it.

Hydra composes `model/optimizers=adam` and still hands the runner AdamW when a later
defaults-list entry re-applies `adamw`; it composes `data=preprocessing` whose
interpolations then fail when the runner resolves them. This module judges Hydra's own
results, never a re-implementation of its rules:
- the defaults list and tree of the very composition that was checked (captured with
  `recorded_defaults()`: recomputing them costs as much as half a compose);
- per defaults-list entry, the config's own values (plain data, from the caller's
  `load`), merged in Hydra's order into a provenance map: key -> the entry that wrote it;
- the composed config (plain, unresolved) and the composed DictConfig for resolving.
`check_effects` is pure over those; `resolve_config` resolves with `HydraConfig` set as
at run time, treating resolvers the project registers in its own code (never imported)
as opaque: their value is decided at run time, not an error.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hydra.core.override_parser.types import Override

from .overrides import has_interpolation, override_value

MAX_EFFECTS_PER_OVERRIDE = 50
MAX_RESOLVE_ISSUES = 20
OPAQUE = "<decided at run time: {}>"
UNRESOLVED = "<unresolved: {}>"
COMMAND_LINE = "the command line"
RUN_TIME = "Hydra, at run time"
# Keys Hydra itself writes after composing (load_configuration) or when the job starts.
_HYDRA_WRITES = (
    "hydra.runtime.",
    "hydra.overrides.",
    "hydra.job.override_dirname",
    "hydra.job.config_name",
)
_HYDRA_RUN_TIME = ("hydra.job.num", "hydra.job.id", "hydra.runtime.output_dir")

Reason = Literal["overridden", "deleted", "converted", "runtime"]


class EffectsUnavailable(Exception):
    """Hydra's defaults tree is not what this module reads (an upgrade changed it)."""


@dataclass(frozen=True)
class Effect:
    """One override that does not reach the run as written.

    `key` is the dotted config key; `expected` what the override meant there, `actual`
    what the run gets (None with reason "deleted"); `source` the file whose defaults list
    (or body) wins, or the later override; `set_by` the config file that wrote the value.
    """

    override: str
    key: str
    expected: object
    actual: object
    source: str | None
    reason: Reason
    set_by: str | None = None

    def message(self) -> str:
        """The sentence shown under the field and next to Run."""
        if self.reason == "deleted":
            by = f" by {self.source}" if self.source else ""
            return f"takes no effect: {self.key} is deleted{by}"
        if self.reason == "converted":
            return (
                f"takes no effect as written: {self.key} arrives as {self.actual!r} "
                f"({type(self.actual).__name__}), not {self.expected!r} "
                f"({type(self.expected).__name__}): the config types this key"
            )
        if self.reason == "runtime":
            return f"takes no effect: Hydra sets {self.key} itself when the run starts"
        where = f", set later by {self.source}" if self.source else ""
        via = (
            f" (its defaults list applies {self.set_by})"
            if self.set_by and self.set_by != self.source
            else ""
        )
        return f"takes no effect: {self.key} is {_show(self.actual)}{where}{via}"

    def as_dict(self) -> dict[str, object]:
        return {
            "override": self.override,
            "key": self.key,
            "expected": self.expected,
            "actual": self.actual,
            "source": self.source,
            "reason": self.reason,
            "set_by": self.set_by,
            "message": self.message(),
        }


@dataclass(frozen=True)
class ResolveIssue:
    """An interpolation the run cannot resolve; `override` is the one that introduced it."""

    override: str | None
    key: str
    message: str
    source: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "override": self.override,
            "key": self.key,
            "message": self.message,
            "source": self.source,
        }


@dataclass(frozen=True)
class Entry:
    """One defaults-list entry, in merge order: its config's values at their package.

    `groups` are the override keys (`model/optimizers`, `db@pkg`) of the group choices on
    the path from the root to this entry, with the tree nodes in `nodes` (identity).
    """

    name: str  # display name: model/optimizers/adam.yaml
    parent: str | None  # display name of the config whose defaults list holds it
    is_self: bool
    data: Mapping[str, Any]  # already placed at its package
    nodes: tuple[object, ...] = field(default=(), compare=False)


# --- capturing the defaults list of a composition ----------------------------------------

_RECORD = threading.local()


def _install_recorder() -> None:
    """Record what Hydra's loader computes; idempotent (the wrapper is marked).

    Why a private hook: `ConfigLoader.compute_defaults_list` (public) recomputes the tree
    at 40-65% of a compose's cost; the compose's own result is free. The canary test
    (tests/test_effects.py) fails loudly when a Hydra upgrade moves this call.
    """
    from hydra._internal import config_loader_impl as impl

    original = impl.create_defaults_list
    if getattr(original, "_command_builder_recorder", False):
        return

    @functools.wraps(original)
    def recording(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        holder = getattr(_RECORD, "holder", None)
        if holder is not None:
            holder.append(result)
        return result

    recording._command_builder_recorder = True  # type: ignore[attr-defined]
    impl.create_defaults_list = recording


@contextlib.contextmanager
def recorded_defaults() -> Iterator[list[Any]]:
    """Collect the DefaultsList of every composition in this thread within the block."""
    _install_recorder()
    holder: list[Any] = []
    previous = getattr(_RECORD, "holder", None)
    _RECORD.holder = holder
    try:
        yield holder
    finally:
        _RECORD.holder = previous


def _walk_tree(
    tree: Any, chain: tuple[object, ...] = ()
) -> Iterator[tuple[Any, Any, tuple[object, ...]]]:
    """(tree node, input default, chain) per leaf, in Hydra's _dfs_walk order."""
    here = (*chain, tree.node)
    if not tree.children:
        yield tree.parent, tree.node, here
        return
    for child in tree.children:
        if hasattr(child, "children"):
            yield from _walk_tree(child, here)
        else:
            yield tree, child, here if child.is_self() else (*here, child)


def tree_entries(
    defaults_list: Any, load: Callable[[str], tuple[Mapping[str, Any], str]]
) -> list[Entry]:
    """Entries of a DefaultsList in merge order; `load(config_path)` -> (plain data, name).

    The walk mirrors Hydra's own tree-to-list step and is checked against Hydra's list
    entry by entry, so a changed Hydra raises EffectsUnavailable instead of misleading.
    """
    results = list(defaults_list.defaults)
    walked = []
    for tree, node, chain in _walk_tree(defaults_list.defaults_tree):
        if node.is_deleted() or node.is_missing() or node.is_virtual() or node.get_name() is None:
            continue
        path = tree.node.get_config_path() if node.is_self() else node.get_config_path()
        if path == "_dummy_empty_config_":
            continue
        walked.append((path, chain))
    if [p for p, _ in walked] != [r.config_path for r in results]:
        raise EffectsUnavailable("Hydra's defaults tree and list disagree")
    names: dict[str, str] = {}
    entries = []
    for result, (_, chain) in zip(results, walked, strict=True):
        data, name = load(result.config_path)
        names[result.config_path] = name
        parent = None
        if result.parent and result.parent != "<root>":
            parent = names.get(result.parent) or load(result.parent)[1]
        entries.append(
            Entry(name, parent, result.is_self, _embed(data, result.package or ""), chain)
        )
    return entries


def _embed(data: Mapping[str, Any], package: str) -> Mapping[str, Any]:
    body = {k: v for k, v in data.items() if k != "defaults"}
    for part in reversed([p for p in package.split(".") if p]):
        body = {part: body}
    return body


# --- flattening and provenance -----------------------------------------------------------


def flatten(node: object, prefix: str = "") -> dict[str, object]:
    """Dotted leaf keys -> values; lists are leaves (a merge replaces them), {} adds nothing."""
    out: dict[str, object] = {}
    if isinstance(node, Mapping):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, Mapping):
                out.update(flatten(value, path))
            else:
                out[path] = value
    return out


def _ancestors(key: str) -> Iterator[str]:
    parts = key.split(".")
    for i in range(len(parts) - 1, 0, -1):
        yield ".".join(parts[:i])


def _merge_leaves(
    target: dict[str, Any], leaves: Mapping[str, Any], tag: Any, inner: set[str]
) -> None:
    """Leaf-wise OmegaConf merge: a leaf replaces the subtree below it and any leaf above.

    `inner` holds every key that has (had) keys below it, so the subtree scan is rare.
    """
    for key, value in leaves.items():
        if key not in target:
            if key in inner:
                prefix = key + "."
                for old in [k for k in target if k.startswith(prefix)]:
                    del target[old]
            for above in _ancestors(key):
                target.pop(above, None)
                if above in inner:
                    break
                inner.add(above)
        target[key] = (value, tag)


def provenance(entries: Sequence[Entry]) -> dict[str, tuple[object, int]]:
    """key -> (value, index of the entry that wrote it last), merged in Hydra's order."""
    merged: dict[str, Any] = {}
    inner: set[str] = set()
    for index, entry in enumerate(entries):
        _merge_leaves(merged, flatten(entry.data), index, inner)
    return merged


def lookup(config: object, key: str) -> tuple[bool, object]:
    """(found, value) of a dotted key; digit parts index lists."""
    node = config
    for part in key.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def same(expected: object, actual: object) -> bool:
    """Equal and of the type meant (`"007"` is not 7, True is not 1; an int may become float)."""
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return expected.keys() == actual.keys() and all(
            same(v, actual[k]) for k, v in expected.items()
        )
    if type(expected) is int and type(actual) is float:
        return float(expected) == actual
    return type(expected) is type(actual) and expected == actual


def _show(value: object) -> str:
    return value if isinstance(value, str) else repr(value)


# --- the effect check (pure) --------------------------------------------------------------


def _touches(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _later_override(
    overrides: Sequence[tuple[str, Override]], after: int, key: str
) -> tuple[str, Override] | None:
    """The last value override after position `after` that writes or deletes `key`'s path."""
    found = None
    for text, ov in overrides[after + 1 :]:
        if _touches(ov.key_or_group, key):
            found = (text, ov)
    return found


def _value_effects(
    config: Mapping[str, Any], values: Sequence[tuple[str, Override]]
) -> list[Effect]:
    effects: list[Effect] = []
    for index, (text, ov) in enumerate(values):
        if ov.is_delete() or ov.is_sweep_override():
            continue
        key = ov.key_or_group
        meant = override_value(ov)
        if key.startswith(_HYDRA_RUN_TIME) or key.startswith(_HYDRA_WRITES):
            effects.append(Effect(text, key, meant, None, RUN_TIME, "runtime"))
            continue
        leaves = flatten(meant, key) if isinstance(meant, Mapping) and meant else {key: meant}
        later = _later_override(values, index, key)
        for leaf, expected in list(leaves.items())[:MAX_EFFECTS_PER_OVERRIDE]:
            found, actual = lookup(config, leaf)
            source = later[0] if later else None
            if not found:
                effects.append(Effect(text, leaf, expected, None, source, "deleted"))
            elif not same(expected, actual):
                reason: Reason = "overridden" if later else "converted"
                if reason == "converted" and has_interpolation(expected):
                    continue  # the config keeps interpolations as written; resolved later
                effects.append(Effect(text, leaf, expected, actual, source, reason))
    return effects


def _group_nodes(tree: Any, key: str) -> list[object]:
    """Tree nodes of the group choice `key` (Hydra's own override key), not deleted."""
    from hydra.core.default_element import GroupDefault

    found: list[object] = []
    stack: list[Any] = [tree]
    while stack:
        item = stack.pop()
        node = getattr(item, "node", item)
        if (
            isinstance(node, GroupDefault)
            and not node.is_deleted()
            and node.get_override_key() == key
        ):
            found.append(node)
        stack.extend(getattr(item, "children", None) or ())
    return found


def _group_effects(
    config: Mapping[str, Any],
    text: str,
    nodes: Sequence[object],
    entries: Sequence[Entry],
    merged: Mapping[str, tuple[object, int]],
    values: Sequence[tuple[str, Override]],
) -> list[Effect]:
    """Keys of the chosen option's own values (its subtree, merged) that the run lacks."""
    own: dict[str, Any] = {}
    inner: set[str] = set()
    for entry in entries:
        if any(n is node for n in entry.nodes for node in nodes):
            _merge_leaves(own, flatten(entry.data), None, inner)
    setters = [ov.key_or_group for _, ov in values if not ov.is_delete()]
    deleters = [(ov.key_or_group, t) for t, ov in values if ov.is_delete()]
    effects = []
    for key, (expected, _) in own.items():
        if any(_touches(key, k) for k in setters):
            continue  # the command sets it itself (checked as a value override)
        found, actual = lookup(config, key)
        if found and same(expected, actual):
            continue
        if not found:
            deleter = next((t for k, t in deleters if _touches(key, k)), None)
            effects.append(Effect(text, key, expected, None, deleter, "deleted"))
        else:
            winner = entries[merged[key][1]] if key in merged else None
            source = set_by = None
            if winner is not None:
                set_by = winner.name
                source = winner.name if winner.is_self else winner.parent or winner.name
            effects.append(Effect(text, key, expected, actual, source, "overridden", set_by))
        if len(effects) >= MAX_EFFECTS_PER_OVERRIDE:
            break
    return effects


def check_effects(
    config: Mapping[str, Any],
    defaults_list: Any,
    entries: Sequence[Entry],
    parsed: Sequence[tuple[str, Override]],
    merged: Mapping[str, tuple[object, int]],
) -> tuple[Effect, ...]:
    """Every override's effect on the composed `config` (plain, unresolved, with `hydra`).

    Hydra's own split decides which overrides are value overrides
    (`defaults_list.config_overrides`); the others are group choices, matched to the
    defaults tree by Hydra's override key.
    """
    by_line = {ov.input_line: ov for ov in defaults_list.config_overrides}
    values = [(t, by_line[t]) for t, _ in parsed if t in by_line]
    effects = _value_effects(config, values)
    for text, ov in parsed:
        if text in by_line or ov.is_delete() or ov.is_sweep_override():
            continue
        nodes = _group_nodes(defaults_list.defaults_tree, _group_key(ov))
        effects.extend(_group_effects(config, text, nodes, entries, merged, values))
    return tuple(effects)


def _group_key(ov: Override) -> str:
    """Hydra's override key of a group override (`group`, `group@pkg`)."""
    key = ov.get_key_element()
    return key.lstrip("+")


# --- resolving as at run time ------------------------------------------------------------

_RESOLVER = re.compile(r"(?<!\\)\$\{\s*([A-Za-z_][\w\-]*(?:\.[A-Za-z_][\w\-]*)*)\s*:")
_HYDRA_NODE = re.compile(r"(?<!\\)\$\{\s*hydra\.")


def interpolations(node: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every interpolation string, lists included (`a.0.b`)."""
    if isinstance(node, Mapping):
        items: Any = ((str(k), v) for k, v in node.items())
    elif isinstance(node, list):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        if has_interpolation(node):
            yield prefix, str(node)
        return
    for key, value in items:
        yield from interpolations(value, f"{prefix}.{key}" if prefix else key)


def _opaque_text(text: str) -> str:
    """`text` with each call of an unknown resolver replaced by a "decided at run time" note.

    Nested calls (`${x:${y}}`) make the whole value opaque.
    """
    names = unknown_resolvers(text)
    for name in names:
        call = rf"(?<!\\)\$\{{\s*{re.escape(name)}\s*:[^{{}}]*\}}"
        text = re.sub(call, OPAQUE.format(name), text)
    return OPAQUE.format(", ".join(names)) if unknown_resolvers(text) else text


def unknown_resolvers(text: str) -> list[str]:
    """Resolver names in `text` that this process has not registered (project code's)."""
    from omegaconf import OmegaConf

    return [name for name in _RESOLVER.findall(text) if not OmegaConf.has_resolver(name)]


@dataclass(frozen=True)
class Resolved:
    """The app config as the run resolves it (opaque and failed values as marker text)."""

    config: dict[str, Any]
    issues: tuple[tuple[str, str], ...]  # (key, message)
    opaque: tuple[str, ...]


def resolve_config(cfg: Any, plain: Mapping[str, Any], *, cwd: str, multirun: bool) -> Resolved:
    """Resolve the composed DictConfig `cfg` (mutated: the caller's own) as the runner would.

    As Hydra's run_job: hydra.runtime.cwd is where the command starts, output_dir the
    resolved run (or first sweep job's) folder, HydraConfig holds the config; the task
    config has no `hydra` node, so `${hydra.x}` (not `${hydra:x}`) fails at run time.
    Of the `hydra` node only what Hydra reads when the job starts is resolved.
    """
    from hydra.core.utils import setup_globals
    from omegaconf import OmegaConf

    setup_globals()  # Hydra's own resolvers (now, hydra, python_version)
    read = (
        "hydra.sweep." if multirun else "hydra.run.",
        "hydra.job_logging.",
        "hydra.hydra_logging.",
    )
    found = [
        (k, t) for k, t in interpolations(plain) if not k.startswith("hydra.") or k.startswith(read)
    ]
    opaque = {k: _opaque_text(t) for k, t in found if unknown_resolvers(t)}
    OmegaConf.set_readonly(cfg, False)
    OmegaConf.set_struct(cfg, False)
    root = dict(plain)
    runtime: dict[str, object] = {"hydra.runtime.cwd": cwd}
    if multirun:
        runtime.update({"hydra.job.num": 0, "hydra.job.id": "0"})
    for key, setting in (*opaque.items(), *runtime.items()):
        OmegaConf.update(cfg, key, setting, merge=False)
        _place(root, key, setting)
    resolver = _Resolver(root, cfg, {})
    if multirun:
        folder = os.path.join(
            str(resolver.get("hydra.sweep.dir")), str(resolver.get("hydra.sweep.subdir"))
        )
    else:
        folder = str(resolver.get("hydra.run.dir"))
    output_dir = os.path.abspath(os.path.join(cwd, folder))
    OmegaConf.set_readonly(cfg.hydra, False)
    cfg.hydra.runtime.output_dir = output_dir
    resolver.refresh_hydra()  # Hydra sets output_dir before HydraConfig
    _place(root, "hydra.runtime.output_dir", output_dir)
    resolved = {k: v for k, v in plain.items() if k != "hydra"}
    try:
        for key, text in found:
            if len(resolver.issues) >= MAX_RESOLVE_ISSUES:
                break
            if not key.startswith("hydra.") and _HYDRA_NODE.search(text):
                resolver.issues.append(
                    (key, "the run's config has no `hydra` node: use ${hydra:...}")
                )
                value: object = UNRESOLVED.format(text)
            else:
                value = resolver.get(key, report=True)
            if not key.startswith("hydra."):
                _place(resolved, key, value)
    finally:
        resolver.restore()
    return Resolved(resolved, tuple(resolver.issues), tuple(opaque))


# `${a.b}` (absolute node reference) or `${hydra:a.b}` (Hydra's resolver: the hydra node).
_SIMPLE_REF = re.compile(r"\$\{((?:hydra:)?[A-Za-z_][\w\-]*(?:\.[A-Za-z_0-9][\w\-]*)*)\}")


def _ref_key(reference: str) -> str:
    return "hydra." + reference[6:] if reference.startswith("hydra:") else reference


class _Failed(Exception):
    """A value that does not resolve; the message is OmegaConf's wording."""


class _Resolver:
    """Resolves keys of the composed config, memoized per check.

    Why not OmegaConf for all: it re-parses every interpolation with its ANTLR grammar
    (most of the check's cost). Plain absolute references (`${a.b}`, `x${a}y`) are looked
    up in the plain config here; everything else (resolvers, relative keys, escapes,
    non-text pieces in a concatenation) goes to OmegaConf.select on the real config.
    """

    def __init__(self, root: Mapping[str, Any], cfg: Any, memo: dict[str, object]) -> None:
        self.root, self.cfg, self.memo = root, cfg, memo
        self.issues: list[tuple[str, str]] = []
        self.active: set[str] = set()
        self.hydra_set: Any = None  # HydraConfig's config before this check set it

    def refresh_hydra(self) -> None:
        """Give HydraConfig the current config if this check already set it."""
        from hydra.core.hydra_config import HydraConfig

        if self.hydra_set is not None:
            HydraConfig.instance().set_config(self.cfg)

    def restore(self) -> None:
        """Put HydraConfig back as it was (it is process-global)."""
        from hydra.core.hydra_config import HydraConfig

        if self.hydra_set is not None:
            HydraConfig.instance().cfg = self.hydra_set

    def get(self, key: str, *, report: bool = False) -> object:
        try:
            return self._value(key)
        except _Failed as exc:
            if report:
                self.issues.append((key, str(exc)))
            return UNRESOLVED.format(exc)

    def _value(self, key: str) -> object:
        if key in self.memo:
            value = self.memo[key]
            if isinstance(value, _Failed):
                raise value
            return value
        try:
            value = self._compute(key)
        except _Failed as exc:
            self.memo[key] = exc
            raise
        self.memo[key] = value
        return value

    def _compute(self, key: str) -> object:
        found, raw = lookup(self.root, key)
        if not found:
            raise _Failed(f"Interpolation key '{key}' not found")
        if key in self.active:
            return self._omegaconf(key)  # a cycle: OmegaConf words it
        self.active.add(key)
        try:
            return self._raw(key, raw)
        finally:
            self.active.discard(key)

    def _raw(self, key: str, raw: object) -> object:
        if isinstance(raw, Mapping):
            return {k: self._value(f"{key}.{k}") for k in raw}
        if isinstance(raw, list):
            return [self._value(f"{key}.{i}") for i in range(len(raw))]
        if raw == "???":
            raise _Failed(f"Missing mandatory value: {key}")
        if not has_interpolation(raw):
            return raw
        text = str(raw)
        if "\\" in text or "${" in _SIMPLE_REF.sub("", text):
            return self._omegaconf(key)
        whole = _SIMPLE_REF.fullmatch(text)
        if whole:
            return self._value(_ref_key(whole[1]))
        pieces = []
        for part in re.split(_SIMPLE_REF, text)[1::2]:
            value = self._value(_ref_key(part))
            if isinstance(value, (Mapping, list)) or value == "???":
                return self._omegaconf(key)
            pieces.append(value)
        it = iter(pieces)
        return _SIMPLE_REF.sub(lambda _: str(next(it)), text)

    def _omegaconf(self, key: str) -> object:
        from hydra.core.hydra_config import HydraConfig
        from omegaconf import OmegaConf

        if self.hydra_set is None:  # copying the hydra node costs: only when needed
            self.hydra_set = HydraConfig.instance().cfg
            HydraConfig.instance().set_config(self.cfg)
        try:
            value = OmegaConf.select(self.cfg, key, throw_on_resolution_failure=True)
            if OmegaConf.is_config(value):
                value = OmegaConf.to_container(value, resolve=True)
            return value
        except Exception as exc:  # OmegaConf raises several types; each is the key's issue
            raise _Failed(str(exc).split("\n")[0].strip() or type(exc).__name__) from None


def _place(config: dict[str, Any], key: str, value: object) -> None:
    """Copy-on-write set of a dotted key in plain data shared with the cache."""
    parts = key.split(".")
    node: Any = config
    for part in parts[:-1]:
        index: Any = int(part) if isinstance(node, list) else part
        child = node[index]
        child = dict(child) if isinstance(child, Mapping) else list(child)
        node[index] = child
        node = child
    node[int(parts[-1]) if isinstance(node, list) else parts[-1]] = value


_TARGET = re.compile(r"Interpolation key '([^']+)' not found")


def attribute_resolve_issues(
    issues: Sequence[tuple[str, str]],
    defaults_list: Any,
    entries: Sequence[Entry],
    parsed: Sequence[tuple[str, Override]],
    merged: Mapping[str, tuple[object, int]],
) -> tuple[ResolveIssue, ...]:
    """Name the override that introduced each failing interpolation, and the file that set it.

    In order: a value override at or above the key; the group choice whose option set the
    key; a `~` override or group choice that removed the interpolation's target.
    """
    values = {ov.input_line for ov in defaults_list.config_overrides}
    groups = [
        (t, {id(n) for n in _group_nodes(defaults_list.defaults_tree, _group_key(ov))})
        for t, ov in parsed
        if t not in values and not ov.is_sweep_override()
    ]
    out = []
    for key, message in issues:
        owner = next(
            (t for t, ov in reversed(parsed) if t in values and _touches(key, ov.key_or_group)),
            None,
        )
        writer = _writer(merged, key)
        entry = entries[writer] if writer is not None else None
        if owner is None and entry is not None:
            owner = next((t for t, ids in groups if any(id(n) in ids for n in entry.nodes)), None)
        target = _TARGET.search(message)
        if owner is None and target:
            owner = next(
                (t for t, ov in parsed if ov.is_delete() and _touches(target[1], ov.key_or_group)),
                None,
            )
        source = COMMAND_LINE if owner in values else entry.name if entry else None
        out.append(ResolveIssue(owner, key, message, source))
    return tuple(out)


def _writer(merged: Mapping[str, tuple[object, int]], key: str) -> int | None:
    if key in merged:
        return merged[key][1]
    for above in _ancestors(key):
        if above in merged:
            return merged[above][1]
    prefix = key + "."
    return next((i for k, (_, i) in merged.items() if k.startswith(prefix)), None)


# --- what a command changes ---------------------------------------------------------------


def changed_keys(base: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, str]:
    """Dotted app keys whose value differs from the primary config's defaults: key -> how."""
    before = flatten({k: v for k, v in base.items() if k != "hydra"})
    after = flatten({k: v for k, v in config.items() if k != "hydra"})
    out = {k: "added" for k in after if k not in before}
    out.update({k: "changed" for k, v in after.items() if k in before and not same(before[k], v)})
    out.update({k: "removed" for k in before if k not in after})
    return out


# --- showing what the run gets ------------------------------------------------------------


def config_marks(
    config: Mapping[str, Any],
    base: Mapping[str, Any] | None,
    effects: Sequence[Effect],
    resolve_issues: Sequence[ResolveIssue] = (),
) -> dict[str, str]:
    """Dotted app key -> note: what this command changes (against `base`, the primary
    config composed without overrides) and where an override takes no effect."""
    marks = {k: how for k, how in changed_keys(base, config).items()} if base is not None else {}
    if base is not None:
        before = flatten({k: v for k, v in base.items() if k != "hydra"})
        for key, how in marks.items():
            if how == "changed":
                marks[key] = f"changed (default {_show(before[key])})"
    for issue in resolve_issues:
        marks[issue.key] = f"does not resolve: {issue.message}"
    for effect in effects:
        if not effect.key.startswith("hydra."):
            marks[effect.key] = f"{effect.override} {effect.message()}"
    return marks


def config_yaml(config: Mapping[str, Any], marks: Mapping[str, str] | None = None) -> str:
    """Block YAML of plain data, one key per line, `# note` after each marked key."""
    lines: list[str] = []
    _emit_mapping(config, "", 0, marks or {}, lines)
    removed = [k for k, how in (marks or {}).items() if how == "removed"]
    lines.extend(f"# removed by this command: {key}" for key in removed)
    return "\n".join(lines) + "\n"


def config_lines(config: Mapping[str, Any], marks: Mapping[str, str], query: str) -> str:
    """`dotted.key: value  # note` for the keys containing `query` (case-insensitive)."""
    needle = query.strip().lower()
    out = []
    for key, value in flatten(config).items():
        if needle in key.lower():
            note = marks.get(key)
            out.append(f"{key}: {_scalar(value)}" + (f"  # {_one_line(note)}" if note else ""))
    return "\n".join(out) + ("\n" if out else "")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _scalar(value: object) -> str:
    """One-line YAML of a value; text with line breaks or control characters is escaped."""
    import json

    import yaml

    if isinstance(value, str) and not value.isprintable():
        return json.dumps(value)  # a JSON string is a YAML double-quoted scalar

    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _emit_mapping(
    node: Mapping[str, Any], prefix: str, depth: int, marks: Mapping[str, str], lines: list[str]
) -> None:
    pad = "  " * depth
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        note = marks.get(path)
        comment = f"  # {_one_line(note)}" if note else ""
        if isinstance(value, Mapping) and value:
            lines.append(f"{pad}{_scalar(str(key))}:{comment}")
            _emit_mapping(value, path, depth + 1, marks, lines)
        elif isinstance(value, list) and any(isinstance(v, (Mapping, list)) for v in value):
            lines.append(f"{pad}{_scalar(str(key))}:{comment}")
            _emit_sequence(value, path, depth + 1, marks, lines)
        else:
            lines.append(f"{pad}{_scalar(str(key))}: {_scalar(value)}{comment}")


def _emit_sequence(
    items: list[Any], prefix: str, depth: int, marks: Mapping[str, str], lines: list[str]
) -> None:
    pad = "  " * depth
    for index, item in enumerate(items):
        path = f"{prefix}.{index}"
        if isinstance(item, Mapping) and item:
            start = len(lines)
            _emit_mapping(item, path, depth + 1, marks, lines)
            lines[start] = f"{pad}- {lines[start][len(pad) + 2 :]}"
        elif isinstance(item, list) and item:
            lines.append(f"{pad}-")
            _emit_sequence(item, path, depth + 1, marks, lines)
        else:
            lines.append(f"{pad}- {_scalar(item)}")
