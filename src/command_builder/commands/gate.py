"""The job gate: a job starts only if what Hydra would compose from its command is safe.

Why judge the composed result, not the spelling: Hydra reaches the same node by many
routes (`hydra.callbacks.x=...`, `++hydra={callbacks:{...}}`, `+x@hydra.callbacks=...`,
an interpolation), and one command composes what a runner and its launcher then
instantiate or run through a shell. So before any job starts (the app's Run and
`command-builder run` alike: both go through jobs.submit_job, which calls check_job)
the command is composed with Hydra and refused unless:

- its `hydra` subtree differs from what the workspace's own configs give (composed
  without overrides, with the same launcher) only in: the launcher choice (one the page's
  schema offers) and its plain scalar parameters (not `setup`/`srun_args`; SLURM's
  `additional_parameters` as a flat dict), the sweeper's `params`/`max_batch_size`, the
  run and sweep folders (`hydra.run.dir`, `hydra.sweep.dir`, `hydra.sweep.subdir`), the
  job name and the mode (RUN/MULTIRUN); callbacks, env_set/env_copy, searchpath and
  logging changes are refused by name;
- no override (key or value, nested values included) contains `_target_`, `_partial_`
  or `_args_`, and no value calls a resolver other than oc.select, oc.decode and those
  the workspace's own configs use (plain `${a.b}` interpolation is fine);
- an interpolation in a value does not bring in a node that carries `_target_` & co.;
- the run folder (or the sweep folder and a job's sub-folder), resolved with the
  composed config, is inside the workspace and not the root, configs/, runners/ or the
  state folder; submitit's folder is inside the workspace;
- `exp_name` stays below outputs/ and every path-like value an override sets (a key
  like checkpoint_path/resume/*_dir, or a value with a `/`) resolves inside the
  workspace, from the root and, with `hydra.job.chdir`, from the run folder;
- a multirun makes at most sweeps.MAX_RUNS runs (hydra.sweeper.params included).

Each refusal names the override (when one is to blame) and why. A denylist would
always miss a route; this is an allowlist over the composed config.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from ..settings import Settings, WorkspaceError
from .command_line import is_workspace_command
from .launchers import MULTIRUN_FLAGS
from .overrides import OverrideSyntaxError, override_value, parse_override, unescape_omegaconf
from .sweeps import run_cap_issue
from .validate import (
    HydraBusy,
    _attribute,
    _compose,
    compose_check,
    config_data,
    hydra_lock,
    hydra_message,
)

FORBIDDEN_NAMES = ("_target_", "_partial_", "_args_")
SAFE_RESOLVERS = frozenset({"oc.select", "oc.decode"})
GATE_LOCK_TIMEOUT_S = 15.0  # a click on Run may wait longer than a background check
LAUNCHER_GROUP = "hydra/launcher"

# Hydra settings an override may change (each checked further below).
_ALLOWED_HYDRA = (
    "hydra.launcher",
    "hydra.sweeper.params",
    "hydra.sweeper.max_batch_size",
    "hydra.sweep.dir",
    "hydra.sweep.subdir",
    "hydra.run.dir",
    "hydra.job.name",
    "hydra.mode",
)
_REASONS = {
    "hydra.callbacks": "Hydra callbacks run code when the job starts",
    "hydra.job.env_set": "it changes the job's environment variables",
    "hydra.job.env_copy": "it changes the job's environment variables",
    "hydra.searchpath": "it adds config sources the workspace does not have",
    "hydra.job_logging": "logging settings can create any handler class",
    "hydra.hydra_logging": "logging settings can create any handler class",
    "hydra.launcher.setup": "submitit runs its setup lines through a shell",
    "hydra.launcher.srun_args": "srun arguments go into the job script",
    "hydra.sweeper._target_": "the sweeper class cannot be changed",
}
_GENERIC = (
    "Hydra's own setting; only the launcher and its parameters, sweep settings, the run "
    "and sweep folders and the job name may change"
)
# Paths Hydra fills in itself while composing; compared through the overrides instead.
_COMPUTED = ("hydra.overrides", "hydra.runtime", "hydra.job.override_dirname")
_PATH_KEY = re.compile(r"(?:^|_)(?:path|paths|dir|dirs|file|files|folder|root|resume|ckpt)$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_JOB_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_SBATCH_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_PLACEHOLDER = "gate_placeholder"


@dataclass(frozen=True)
class GateProblem:
    """Why a command is refused; `override` is the override to blame, None for the command."""

    override: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.override}: {self.reason}" if self.override else self.reason


class GateRefused(ValueError):
    """The command must not run; `problems` says which override and why."""

    def __init__(self, problems: Sequence[GateProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class _Override:
    text: str
    parsed: Override
    dest: str  # dotted config path it writes (package applied, `/` as `.`)


def check_job(settings: Settings, argv: Sequence[str]) -> None:
    """Refuse (GateRefused) unless argv is a workspace command whose composed config is safe."""
    prefix = len(settings.command_prefix)
    reason = is_workspace_command(list(argv[: prefix + 1]), settings)
    if reason is not None:
        raise GateRefused([GateProblem(None, reason)])
    page = PurePath(argv[prefix]).stem
    words = list(argv[prefix + 1 :])
    texts = [w for w in words if w not in MULTIRUN_FLAGS]
    overrides: list[_Override] = []
    problems: list[GateProblem] = []
    for text in texts:
        try:
            overrides.append(_read(text))
        except OverrideSyntaxError as exc:
            problems.append(GateProblem(text, f"not a Hydra override: {exc.message}"))
    multirun = len(texts) < len(words) or any(_sets_multirun(o) for o in overrides)
    problems += [p for o in overrides for p in _spelling_problems(o)]
    if not problems:
        try:
            with hydra_lock(GATE_LOCK_TIMEOUT_S):
                problems = _Judge(settings, page, overrides, multirun).problems()
        except HydraBusy as exc:
            problems = [GateProblem(None, f"{exc}; the job was not started")]
    if problems:
        raise GateRefused(problems)


def _read(text: str) -> _Override:
    """The override and the config path it writes; OverrideSyntaxError if it is none."""
    if text.startswith("-"):
        raise OverrideSyntaxError(text, "options other than --multirun/-m are not allowed")
    parsed = parse_override(text)
    package = parsed.package
    if package is not None and package.removeprefix("_global_").strip("."):
        dest = package.removeprefix("_global_").strip(".")
    else:
        dest = parsed.key_or_group.replace("/", ".")
    return _Override(text, parsed, dest)


def _sets_multirun(override: _Override) -> bool:
    """`hydra.mode=MULTIRUN` makes a multirun without --multirun (Hydra reads both)."""
    value = override_value(override.parsed)
    return override.dest == "hydra.mode" and str(value).upper() == "MULTIRUN"


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root + ".")


def _hydra_reason(path: str) -> str | None:
    """Why changing this hydra path is refused, None if it is an allowed setting."""
    for root, reason in _REASONS.items():
        if _within(path, root):
            return reason
    if any(_within(path, root) for root in _ALLOWED_HYDRA):
        return None
    return _GENERIC


# --- what the text alone says ----------------------------------------------------------


def _spelling_problems(override: _Override) -> Iterator[GateProblem]:
    """Refusals that need no composition: forbidden names, Hydra settings not allowed."""
    text = override.text
    for name in FORBIDDEN_NAMES:
        if name in text:
            yield GateProblem(text, f"contains {name}: Hydra would instantiate what it names")
            return
    if not _within(override.dest, "hydra"):
        return
    if override.parsed.is_delete():
        yield GateProblem(text, f"removes {override.dest}, one of Hydra's own settings")
        return
    if "/" in override.parsed.key_or_group and override.parsed.key_or_group != LAUNCHER_GROUP:
        why = _hydra_reason(override.dest) or _GENERIC
        yield GateProblem(text, f"chooses {override.parsed.key_or_group}: {why}")
        return
    for path in sorted(set(_leaf_paths(override.dest, override.parsed._value))):
        reason = _hydra_reason(path)
        if reason is not None:
            yield GateProblem(text, f"sets {path}: {reason}")
            return


def _leaf_paths(dest: str, raw: object) -> Iterator[str]:
    """The dotted paths a (possibly dict) value writes: `hydra={job:{x:1}}` -> hydra.job.x."""
    if isinstance(raw, dict) and raw:
        for key, value in raw.items():
            yield from _leaf_paths(f"{dest}.{key}", value)
    else:
        yield dest


def _raw_leaves(path: str, raw: object) -> Iterator[tuple[str, object]]:
    """(path, raw value) of every leaf an override writes; a choice sweep's values share a path."""
    from hydra.core.override_parser.types import ChoiceSweep, QuotedString, Sweep

    if isinstance(raw, ChoiceSweep):
        for item in raw.list:
            yield from _raw_leaves(path, item)
    elif isinstance(raw, Sweep):
        return  # range/interval: numbers; glob: the group's own options
    elif isinstance(raw, dict):
        for key, value in raw.items():
            yield from _raw_leaves(f"{path}.{key}", value)
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            yield from _raw_leaves(f"{path}.{index}", value)
    elif isinstance(raw, QuotedString):
        yield path, raw.text
    else:
        yield path, raw


def resolver_names(text: str) -> set[str]:
    """Resolvers a stored OmegaConf string calls (nested ones too); ValueError if unreadable."""
    if "${" not in text:
        return set()
    from omegaconf import grammar_parser
    from omegaconf.grammar.gen.OmegaConfGrammarParser import OmegaConfGrammarParser

    try:
        tree = grammar_parser.parse(text, parser_rule="configValue")
    except (Exception, RecursionError) as exc:  # GrammarParseError and friends
        raise ValueError(f"not a valid OmegaConf value: {exc}") from None
    names: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, OmegaConfGrammarParser.ResolverNameContext):
            names.add(node.getText())
        stack.extend(getattr(node, "children", None) or ())
    return names


def _strings(node: object) -> Iterator[str]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _forbidden_paths(node: object, prefix: str) -> Iterator[str]:
    stack = [(prefix, node)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if str(key) in FORBIDDEN_NAMES:
                    yield f"{path}.{key}"
                stack.append((f"{path}.{key}", value))
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}", v) for i, v in enumerate(item))


# --- what the composition says ------------------------------------------------------------


class _Judge:
    """Composes the command and the workspace's own config once (caller holds HYDRA_LOCK)."""

    def __init__(
        self, settings: Settings, page: str, overrides: Sequence[_Override], multirun: bool
    ) -> None:
        self.settings = settings
        self.page = page
        self.overrides = list(overrides)
        self.multirun = multirun
        self.root = settings.root.resolve()

    def problems(self) -> list[GateProblem]:
        from hydra.core.utils import setup_globals

        setup_globals()  # Hydra's own resolvers (now, hydra) as a runner has them
        base_data = self._own_config(())
        if base_data is None:
            return [GateProblem(None, "the workspace's own configs do not compose")]
        self.allowed_resolvers = SAFE_RESOLVERS | {
            name for text in _strings(base_data) for name in _safe_names(text)
        }
        problems = [p for o in self.overrides for p in self._resolver_problems(o.text, o)]
        if problems:
            return problems
        try:
            cfg = _compose(
                self.settings, self.page, [o.text for o in self.overrides], self.multirun
            )
        except Exception as exc:  # Hydra raises many types
            culprit = _attribute(exc, [(o.text, o.parsed) for o in self.overrides])
            return [GateProblem(culprit, f"does not compose: {hydra_message(exc)}")]
        data = config_data(cfg)
        problems = self._launcher_problems(data, base_data)
        if problems:
            return problems
        problems = self._hydra_diff_problems(data["hydra"], self._launcher_base["hydra"])
        problems += self._sweep_problems(data)
        if problems:
            return problems
        return self._resolved_problems(cfg)

    # -- resolvers ------------------------------------------------------------------------

    def _resolver_problems(self, text: str, override: _Override | None) -> list[GateProblem]:
        raw = override.parsed._value if override is not None else text
        leaves = _raw_leaves("", raw) if override is not None else [("", raw)]
        for _, value in leaves:
            if not isinstance(value, str):
                continue
            try:
                names = resolver_names(value)
            except ValueError as exc:
                return [GateProblem(text, str(exc))]
            unknown = sorted(names - self.allowed_resolvers)
            if unknown:
                allowed = ", ".join(sorted(self.allowed_resolvers))
                return [
                    GateProblem(
                        text,
                        f"calls the resolver {unknown[0]}; allowed: {allowed} "
                        "(plain ${a.b} interpolation is fine)",
                    )
                ]
        return []

    # -- launcher and the hydra subtree ---------------------------------------------------

    def _launcher_problems(
        self, data: dict[str, Any], base_data: dict[str, Any]
    ) -> list[GateProblem]:
        choice = data["hydra"]["runtime"]["choices"].get(LAUNCHER_GROUP)
        default = base_data["hydra"]["runtime"]["choices"].get(LAUNCHER_GROUP)
        blame = self._blame(LAUNCHER_GROUP.replace("/", "."))
        self._launcher_base = base_data
        if choice == default:
            return []
        allowed = allowed_launchers(self.settings, self.page) | {default}
        if choice not in allowed:
            names = ", ".join(sorted(str(a) for a in allowed))
            return [GateProblem(blame, f"launcher {choice!r} is not one the page offers ({names})")]
        launcher = self._own_config((f"{LAUNCHER_GROUP}={choice}",))
        if launcher is None:
            return [GateProblem(blame, f"launcher {choice!r} is not installed or does not compose")]
        self._launcher_base = launcher
        return []

    def _own_config(self, overrides: tuple[str, ...]) -> dict[str, Any] | None:
        """What the workspace's configs give (with a launcher choice): compose_check's cache."""
        result = compose_check(self.settings, self.page, overrides, multirun=self.multirun)
        return result.config if result.ok else None

    def _hydra_diff_problems(
        self, hydra: dict[str, Any], base: dict[str, Any]
    ) -> list[GateProblem]:
        problems: list[GateProblem] = []
        choices, base_choices = hydra["runtime"]["choices"], base["runtime"]["choices"]
        for group in sorted(set(choices) | set(base_choices)):
            if group.startswith("hydra/") and choices.get(group) != base_choices.get(group):
                why = _hydra_reason(group.replace("/", ".")) or _GENERIC
                problems.append(GateProblem(self._blame(group), f"changes {group}: {why}"))
        for path, value in _changes(hydra, base, "hydra"):
            if any(_within(path, c) for c in _COMPUTED):
                continue
            reason = _value_reason(path, value)
            if reason is not None:
                problems.append(GateProblem(self._blame(path), f"{path}: {reason}"))
        return problems

    def _sweep_problems(self, data: dict[str, Any]) -> list[GateProblem]:
        """Sweeper params are overrides the sweeper applies: checked like overrides, counted."""
        params = data["hydra"]["sweeper"].get("params") or {}
        texts = []
        for key, value in params.items():
            text = f"{key}={value}"
            blame = self._blame("hydra.sweeper.params") or text
            if key.lstrip("+~").startswith("hydra"):
                return [GateProblem(blame, f"sweeper param {text}: Hydra's settings cannot sweep")]
            if any(name in text for name in FORBIDDEN_NAMES):
                return [GateProblem(blame, f"sweeper param {text} names {FORBIDDEN_NAMES}")]
            found = self._resolver_problems(text, None)
            if found:
                return [GateProblem(blame, f"sweeper param {p.reason}") for p in found]
            texts.append(text)
        if not self.multirun:
            return []
        capped = run_cap_issue([*texts, *(o.text for o in self.overrides)])
        return [GateProblem(*capped)] if capped else []

    def _blame(self, path: str) -> str | None:
        """The last override writing `path`, a parent or a child of it (Hydra: last wins)."""
        path = path.replace("/", ".")
        for override in reversed(self.overrides):
            if _within(path, override.dest) or _within(override.dest, path):
                return override.text
        return None

    # -- resolved values: folders, paths, interpolations -------------------------------------

    def _resolved_problems(self, cfg: DictConfig) -> list[GateProblem]:
        from hydra.core.hydra_config import HydraConfig

        hydra_config = HydraConfig.instance()
        saved = hydra_config.cfg
        context = copy.deepcopy(cfg)
        OmegaConf.set_readonly(context, False)
        with open_dict(context):
            context.hydra.job.num = 0
            context.hydra.job.id = "0"
            context.hydra.runtime.output_dir = _PLACEHOLDER
        try:
            hydra_config.set_config(context)
            OmegaConf.set_readonly(context.hydra, False)
            problems, run_dir = self._folder_problems(context)
            if run_dir is None:
                return problems
            with open_dict(context):
                context.hydra.runtime.output_dir = str(run_dir)
            hydra_config.set_config(context)
            OmegaConf.set_readonly(context.hydra, False)
            problems += self._value_problems(context, run_dir)
            return problems
        finally:
            hydra_config.cfg = saved

    def _folder_problems(self, context: DictConfig) -> tuple[list[GateProblem], Path | None]:
        problems: list[GateProblem] = []
        names: tuple[str, ...]
        if self.multirun:
            names = ("hydra.sweep.dir", "hydra.sweep.subdir")
        else:
            names = ("hydra.run.dir",)
        parts = []
        for name in names:
            value, error = _resolve(context, name)
            if error is not None or not isinstance(value, str):
                problems.append(
                    GateProblem(self._blame(name), f"{name} cannot be resolved: {error}")
                )
                return problems, None
            parts.append(value)
        folder = os.path.join(*parts)
        what = "the job's folder (hydra.sweep.dir/subdir)" if self.multirun else "hydra.run.dir"
        reason = self._folder_reason(folder)
        if reason is not None:
            blame = next((b for n in names if (b := self._blame(n))), None)
            blame = blame or self._blame("exp_name")
            problems.append(GateProblem(blame, f"{what} {folder!r} {reason}"))
            return problems, None
        launcher = context.hydra.launcher
        if "submitit_folder" in launcher:
            value, error = _resolve(context, "hydra.launcher.submitit_folder")
            outside = error or self._outside(str(value).replace("%j", "0"))
            if outside:
                blame = self._blame("hydra.launcher.submitit_folder")
                problems.append(GateProblem(blame, f"submitit's folder {value!r}: {outside}"))
        return problems, self.settings.inside(folder)

    def _folder_reason(self, folder: str) -> str | None:
        outside = self._outside(folder)
        if outside:
            return outside
        resolved = self.settings.inside(folder)
        if resolved == self.root:
            return "is the workspace root itself"
        for name, where in (
            ("configs/", self.settings.configs_dir),
            ("runners/", self.settings.runners_dir),
            ("the state folder", self.settings.state_dir),
        ):
            where = where.resolve()
            if resolved == where or where in resolved.parents:
                return f"is inside {name}"
        return None

    def _outside(self, path: str, *, base: Path | None = None) -> str | None:
        candidate = os.path.expanduser(path)
        if base is not None and not os.path.isabs(candidate):
            candidate = os.path.join(base, candidate)
        try:
            self.settings.inside(candidate)
        except (WorkspaceError, OSError, ValueError, RuntimeError):
            return f"is outside the workspace {self.root}"
        return None

    def _value_problems(self, context: DictConfig, run_dir: Path) -> list[GateProblem]:
        chdir = bool(OmegaConf.select(context, "hydra.job.chdir", default=False))
        bases = [run_dir] if chdir else []
        problems: list[GateProblem] = []
        for override in self.overrides:
            if override.parsed.is_delete() or "/" in override.parsed.key_or_group:
                continue
            for path, raw in _raw_leaves(override.dest, override.parsed._value):
                if not isinstance(raw, str):
                    continue
                reason = self._leaf_reason(context, path, raw, bases)
                if reason is not None:
                    problems.append(GateProblem(override.text, reason))
                    break
        name, error = _resolve(context, "hydra.job.name")
        if error is None and not (isinstance(name, str) and _plain_name(name)):
            problems.append(
                GateProblem(self._blame("hydra.job.name"), f"job name {name!r} {_NAME}")
            )
        return problems

    def _leaf_reason(
        self, context: DictConfig, path: str, raw: str, bases: list[Path]
    ) -> str | None:
        if "${" in raw:
            value, error = _resolve(context, path, raw)
            if error is not None:
                return f"{path} cannot be resolved before the run: {error}"
        else:
            value = unescape_omegaconf(raw)
        if isinstance(value, DictConfig | ListConfig):
            data = OmegaConf.to_container(value, resolve=False)
            found = next(_forbidden_paths(data, path), None)
            if found:
                return f"brings in {found}: Hydra would instantiate what it names"
            return None
        if not isinstance(value, str):
            return None
        leaf = path.rsplit(".", 1)[-1]
        if _within(path, "hydra"):
            if _CONTROL.search(value):
                return f"{path}: a control character (newline...) in a launcher or Hydra value"
            return None
        if path == "exp_name":
            return self._exp_name_reason(value)
        if not _looks_like_path(leaf, value):
            return None
        for base in [None, *bases]:
            outside = self._outside(value, base=base)
            if outside:
                where = "" if base is None else " from the run folder (hydra.job.chdir)"
                return f"{path}={value!r} {outside}{where}"
        return None

    def _exp_name_reason(self, value: str) -> str | None:
        if not value.strip() or _CONTROL.search(value) or os.path.isabs(value):
            return f"exp_name {value!r} must be a folder name below outputs/"
        target = os.path.normpath(os.path.join(self.settings.outputs_dir, value))
        outputs = os.path.normpath(self.settings.outputs_dir)
        if not target.startswith(outputs + os.sep):
            return f"exp_name {value!r} leaves outputs/ (the run folder would be outside it)"
        return None


_NAME = "must be a plain name (letters, digits, _ . -), not a path"


def _plain_name(name: str) -> bool:
    return bool(_JOB_NAME.fullmatch(name)) and name not in (".", "..")


def _safe_names(text: str) -> set[str]:
    try:
        return resolver_names(text)
    except ValueError:
        return set()


def _looks_like_path(leaf: str, value: str) -> bool:
    """A value a runner may open or write: a path-ish key, or text with a slash or ~."""
    if not value or _URL.match(value):
        return False
    return (
        bool(_PATH_KEY.search(leaf.lower()))
        or "checkpoint" in leaf.lower()
        or "/" in value
        or "\\" in value
        or value.startswith("~")
        or value in (".", "..")
    )


def _value_reason(path: str, value: object) -> str | None:
    """Why a changed hydra value is refused (None: allowed). `value` is the composed one."""
    reason = _hydra_reason(path)
    if reason is not None:
        return reason
    if value is _REMOVED:
        return "removed, but it is one of Hydra's own settings"
    if _within(path, "hydra.launcher.additional_parameters"):
        key = path.removeprefix("hydra.launcher.additional_parameters").strip(".")
        if key and not _SBATCH_KEY.fullmatch(key.split(".")[0]):
            return f"{key!r} is not an sbatch option name"
        if isinstance(value, dict):
            if any(not _SBATCH_KEY.fullmatch(str(k)) for k in value):
                return "keys must be sbatch option names"
            if any(not _scalar(v) for v in value.values()):
                return "sbatch parameters must be plain values"
            return None
    if _within(path, "hydra.sweeper.params"):
        return None  # checked entry by entry (_sweep_problems)
    if not _scalar(value):
        return "must be a plain value (text, number, true/false or null)"
    if isinstance(value, str) and _CONTROL.search(value):
        return "a control character (newline...) would reach the job script"
    if path == "hydra.mode" and str(value).split(".")[-1] not in ("RUN", "MULTIRUN"):
        return "must be RUN or MULTIRUN"
    return None


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool) or hasattr(value, "name")


_REMOVED = object()


def _changes(new: object, old: object, path: str) -> Iterator[tuple[str, object]]:
    """(path, new value) for every leaf that differs; a removed key gives _REMOVED."""
    if isinstance(new, dict) and isinstance(old, dict):
        if not new and old is not new and old:
            yield path, new
            return
        for key in sorted(set(new) | set(old), key=str):
            child = f"{path}.{key}"
            if key not in new:
                yield child, _REMOVED
            elif key not in old:
                yield child, new[key]
            else:
                yield from _changes(new[key], old[key], child)
    elif new != old:
        yield path, new


def _resolve(context: DictConfig, path: str, raw: str | None = None) -> tuple[object, str | None]:
    """The value at `path` resolved in `context` (raw put there first); (value, error)."""
    try:
        if raw is not None or _unknown_resolver_in(context, path):
            text = raw if raw is not None else _raw_at(context, path)
            OmegaConf.update(context, path, _placeholders(text), force_add=True)
        return OmegaConf.select(context, path, throw_on_missing=True), None
    except Exception as exc:  # noqa: BLE001 - OmegaConf's errors are many
        return None, str(exc).split("\n")[0]


def _raw_at(context: DictConfig, path: str) -> str:
    parent, _, leaf = path.rpartition(".")
    node = OmegaConf.select(context, parent) if parent else context
    data = OmegaConf.to_container(node, resolve=False)
    assert isinstance(data, dict)
    return str(data[leaf])


def _unknown_resolver_in(context: DictConfig, path: str) -> bool:
    try:
        text = _raw_at(context, path)
    except (AssertionError, KeyError, TypeError, ValueError):
        return False
    return any(not OmegaConf.has_resolver(n) for n in _safe_names(text))


def _placeholders(text: str) -> str:
    """`text` with calls of resolvers this process lacks (a runner registers them) as a name.

    Only the workspace's own resolvers get here (others are refused first); what they
    return is the workspace's business, so a plain folder name stands in for it.
    """
    out: list[str] = []
    index = 0
    while index < len(text):
        start = text.find("${", index)
        if start < 0:
            out.append(text[index:])
            break
        end = _closing(text, start)
        inner = text[start + 2 : end]
        name, colon, _ = inner.partition(":")
        out.append(text[index:start])
        unknown = colon and "${" not in name and not OmegaConf.has_resolver(name.strip())
        out.append(_PLACEHOLDER if unknown else text[start : end + 1])
        index = end + 1
    return "".join(out)


def _closing(text: str, start: int) -> int:
    depth = 0
    index = start
    while index < len(text):
        if text.startswith("${", index):
            depth += 1
            index += 2
            continue
        if text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return len(text) - 1


def allowed_launchers(settings: Settings, page: str) -> set[str]:
    """Launcher options the page's schema offers (its `hydra/launcher` field); none without one."""
    from ..schema import SchemaError, load_page_schema

    try:
        schema = load_page_schema(settings, page)
    except SchemaError:
        return set()
    return {
        str(option)
        for element in schema.elements
        if element.hydra_override[:1] == (LAUNCHER_GROUP,)
        for option in element.options or ()
    }


def problems_of(settings: Settings, argv: Sequence[str]) -> tuple[GateProblem, ...]:
    """check_job's refusals as data: () when the command may run."""
    try:
        check_job(settings, argv)
    except GateRefused as exc:
        return exc.problems
    return ()
