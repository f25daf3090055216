"""Runner discovery: every Python file of the workspace with a `@hydra.main(...)` decorator.

Runners are read with `ast`, never imported: importing a project's runner runs its
imports (torch, CUDA, project code with side effects). What the decorator says is
exactly what Hydra will use, so compose-validation composes with the same config dir,
primary config and version base. A decorator whose arguments are not literals
(`config_path=str(resolver())`) cannot be read without running code: the file is
reported as an issue, never guessed.

The walk skips virtualenvs, `.git`, `outputs/`, `node_modules`, hidden folders and
caches, and is bounded (files looked at, file size, depth). Results are cached per
workspace root and re-checked with a stat-only walk at most every `max_age_s`.
"""

from __future__ import annotations

import ast
import math
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from ..settings import Settings
from .yaml_files import ConfigIssue

MAX_FILES = 5000  # .py files looked at per walk
MAX_FILE_BYTES = 512 * 1024
MAX_DEPTH = 10
SKIP_DIRS = frozenset(
    {
        "outputs",
        "multirun",
        "node_modules",
        "__pycache__",
        "venv",
        "env",
        "site-packages",
        "build",
        "dist",
        "wandb",
        "lightning_logs",
    }
)
MISS_RECHECK_S = 1.0  # a lookup that misses re-walks when the last walk is older than this
RESERVED_PAGES = frozenset({"jobs", "start"})  # the app's own pages
DEFAULT_CONFIG_DIR = "configs"
HYDRA_1_1 = "1.1"  # what Hydra assumes when version_base is not given
_UNSET = object()
_PAGE_CHARS = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class Runner:
    """One `@hydra.main` runner: where it is and what it composes."""

    page: str  # page name: the file stem (parent-qualified when two runners share a stem)
    path: str  # posix, relative to the workspace root (what the command runs)
    config_dir: str  # posix, relative to the root ("" for the root itself)
    config_name: str | None  # the primary config, without ".yaml" (None: no primary)
    version_base: str | None  # passed to hydra.version.setbase (None: the installed version)
    line: int  # the decorator's line
    note: str | None = None  # an assumption made reading it (a computed config_path)

    @property
    def job_name(self) -> str:
        """What @hydra.main names the job: the runner file's stem."""
        return PurePosixPath(self.path).stem

    @property
    def primary_config(self) -> str | None:
        """The primary config file, relative to the root (None when the runner has none)."""
        if self.config_name is None:
            return None
        folder = f"{self.config_dir}/" if self.config_dir else ""
        return f"{folder}{self.config_name}.yaml"

    def config_dir_path(self, settings: Settings) -> Path:
        return settings.root / self.config_dir


@dataclass(frozen=True)
class Runners:
    """The discovered runners (sorted by page name) and the files that could not be read."""

    runners: tuple[Runner, ...]
    issues: tuple[ConfigIssue, ...]
    by_page: Mapping[str, Runner] = field(init=False)
    by_path: Mapping[str, Runner] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_page", MappingProxyType({r.page: r for r in self.runners}))
        object.__setattr__(self, "by_path", MappingProxyType({r.path: r for r in self.runners}))

    @property
    def pages(self) -> tuple[str, ...]:
        return tuple(r.page for r in self.runners)


# --- reading one file ---------------------------------------------------------------------


def _hydra_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to the `hydra` module and to `hydra.main` by the file's imports."""
    modules: set[str] = set()
    mains: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name == "hydra")
        elif isinstance(node, ast.ImportFrom) and node.module == "hydra" and node.level == 0:
            mains.update(a.asname or a.name for a in node.names if a.name == "main")
    return modules, mains


def _is_hydra_main(func: ast.expr, modules: set[str], mains: set[str]) -> bool:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.attr == "main" and func.value.id in modules
    return isinstance(func, ast.Name) and func.id in mains


def find_decorator(tree: ast.Module) -> ast.Call | None:
    """The first `@hydra.main(...)` call decorating a function of the module."""
    modules, mains = _hydra_names(tree)
    if not modules and not mains:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and _is_hydra_main(
                    decorator.func, modules, mains
                ):
                    return decorator
    return None


class _NotLiteral(ValueError):
    pass


COMPUTED = object()  # an argument that is an expression, not a literal


def _arguments(call: ast.Call) -> dict[str, object]:
    """config_path / config_name / version_base as written (positional or keyword).

    A computed config_path is COMPUTED (the caller falls back to the workspace's
    configs/ folder); any other computed argument raises _NotLiteral.
    """
    names = ("config_path", "config_name", "version_base")
    given: dict[str, ast.expr] = dict(zip(names, call.args, strict=False))
    given.update({k.arg: k.value for k in call.keywords if k.arg in names})
    if len(call.args) > len(names) or any(k.arg is None for k in call.keywords):
        raise _NotLiteral("@hydra.main takes config_path, config_name and version_base only")
    values: dict[str, object] = {}
    for name, node in given.items():
        try:
            value = ast.literal_eval(node)
        except ValueError:
            if name == "config_path":
                values[name] = COMPUTED
                continue
            raise _NotLiteral(
                f"{name} is not a literal ({ast.unparse(node)}); the builder reads runners "
                "without running them"
            ) from None
        if value is not None and not isinstance(value, str):
            raise _NotLiteral(f"{name} must be a string or None, got {value!r}")
        values[name] = value
    return values


def _version_base(value: object) -> str | None:
    if value is _UNSET:
        return HYDRA_1_1
    return value if isinstance(value, str) else None  # _arguments lets only str or None through


def _config_dir(root: Path, runner_file: Path, config_path: object, version: str | None) -> str:
    """The config folder relative to the root; ValueError when there is none usable."""
    if config_path is _UNSET:  # Hydra 1.1 semantics default to the runner's own folder
        config_path = "." if version == HYDRA_1_1 else None
    if config_path is None:
        raise ValueError(
            "config_path is None: the config comes from Hydra's ConfigStore (Python code), "
            "which the builder does not import"
        )
    text = str(config_path)
    if "://" in text:
        raise ValueError(f"config_path {text!r}: only folders of the workspace are supported")
    folder = (runner_file.parent / text).resolve()
    resolved_root = root.resolve()
    if folder != resolved_root and resolved_root not in folder.parents:
        raise ValueError(f"config_path {text!r} points outside the workspace")
    if not folder.is_dir():
        raise ValueError(f"config_path {text!r}: folder {folder} does not exist")
    return "" if folder == resolved_root else folder.relative_to(resolved_root).as_posix()


def read_runner(root: Path, rel: str) -> tuple[Runner, None] | tuple[None, ConfigIssue | None]:
    """The runner defined in `rel` (page name still the bare stem), an issue, or (None, None).

    A computed config_path (the OCR project's `str(get_path_resolver()...)`) is taken to
    be the workspace's `configs/` folder, the documented home of its Hydra tree, and the
    runner carries a note saying so. A runner whose primary config file does not exist
    is an issue, not a page.
    """
    path = root / rel
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, ConfigIssue(rel, None, f"cannot read: {exc}")
    if b"hydra" not in data:
        return None, None
    try:
        tree = ast.parse(data, filename=rel)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return None, ConfigIssue(rel, line, f"not valid Python: {getattr(exc, 'msg', exc)}")
    call = find_decorator(tree)
    if call is None:
        return None, None
    try:
        args = _arguments(call)
        version = _version_base(args.get("version_base", _UNSET))
        config_path = args.get("config_path", _UNSET)
        note = None
        if config_path is COMPUTED:
            config_path = os.path.relpath(root / DEFAULT_CONFIG_DIR, path.parent)
            note = f"config_path is computed in code; assumed to be {DEFAULT_CONFIG_DIR}/"
        config_dir = _config_dir(root, path, config_path, version)
        name = args.get("config_name")
        if isinstance(name, str) and name.endswith((".yaml", ".yml")):
            name = name.rsplit(".", 1)[0]
        if isinstance(name, str) and not (root / config_dir / f"{name}.yaml").is_file():
            where = f"{config_dir}/{name}.yaml" if config_dir else f"{name}.yaml"
            raise ValueError(f"its primary config {where} does not exist")
    except ValueError as exc:
        return None, ConfigIssue(rel, call.lineno, f"@hydra.main: {exc}")
    runner = Runner(
        page=_page_name(PurePosixPath(rel).stem),
        path=rel,
        config_dir=config_dir,
        config_name=name if isinstance(name, str) else None,
        version_base=version,
        line=call.lineno,
        note=note,
    )
    return runner, None


def _page_name(stem: str) -> str:
    name = _PAGE_CHARS.sub("_", stem.lower()).strip("_") or "runner"
    return name if name[0].isalpha() else f"r_{name}"


# --- walking the workspace ----------------------------------------------------------------


def _skipped(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith(".") or name in SKIP_DIRS or name.endswith(".egg-info"):
        return True
    return os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))  # a virtualenv of any name


def candidate_files(root: Path) -> tuple[tuple[str, int, int], ...]:
    """(relative posix path, mtime_ns, size) of the .py files a runner may be in (bounded)."""
    found: list[tuple[str, int, int]] = []
    stack: list[tuple[str, int]] = [(str(root), 0)]
    while stack and len(found) < MAX_FILES:
        folder, depth = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < MAX_DEPTH and not _skipped(entry):
                        stack.append((entry.path, depth + 1))
                elif entry.name.endswith(".py") and entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    if st.st_size <= MAX_FILE_BYTES:
                        rel = Path(entry.path).relative_to(root).as_posix()
                        found.append((rel, st.st_mtime_ns, st.st_size))
            except OSError:
                continue
            if len(found) >= MAX_FILES:
                break
    return tuple(sorted(found))


def _assign_pages(runners: list[Runner]) -> tuple[Runner, ...]:
    """Unique page names: the shallowest runner keeps its stem, the others get `<parent>_<stem>`."""
    taken: set[str] = set()
    named: list[Runner] = []
    ordered = sorted(runners, key=lambda r: (r.path.count("/"), r.path))
    for runner in ordered:
        name = runner.page
        if name in taken or name in RESERVED_PAGES:
            parent = PurePosixPath(runner.path).parent.name or "root"
            name = _page_name(f"{parent}_{runner.page}")
        base, number = name, 2
        while name in taken or name in RESERVED_PAGES:
            name, number = f"{base}_{number}", number + 1
        taken.add(name)
        named.append(replace(runner, page=name))
    return tuple(sorted(named, key=lambda r: r.page))


# --- the shared, cached discovery ---------------------------------------------------------


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    files: tuple[tuple[str, int, int], ...] | None = None
    runners: Runners | None = None
    checked_at: float = -1e18
    parsed: dict[tuple[str, int, int], tuple[Runner | None, ConfigIssue | None]] = field(
        default_factory=dict
    )


_entries: dict[str, _Entry] = {}
_entries_lock = threading.Lock()


def discover_runners(root: Path) -> Runners:
    """An uncached discovery of the runners under `root`."""
    return _discover(Path(root), candidate_files(Path(root)), {})


def _discover(
    root: Path,
    files: tuple[tuple[str, int, int], ...],
    parsed: dict[tuple[str, int, int], tuple[Runner | None, ConfigIssue | None]],
) -> Runners:
    runners: list[Runner] = []
    issues: list[ConfigIssue] = []
    for stamp in files:
        if stamp not in parsed:
            parsed[stamp] = read_runner(root, stamp[0])
        runner, issue = parsed[stamp]
        if runner is not None:
            runners.append(runner)
        if issue is not None:
            issues.append(issue)
    for stale in set(parsed) - set(files):
        del parsed[stale]
    return Runners(_assign_pages(runners), tuple(issues))


def get_runners(settings: Settings, *, max_age_s: float = math.inf) -> Runners:
    """The workspace's runners, shared by all threads; re-walked when older than max_age_s.

    By default the first call walks and later calls read the cache, so a page run or
    the job gate never scans: the app's revalidation thread and Refresh button re-walk
    with max_age_s=0. A re-walk stats files; a file is parsed again only when its mtime
    or size changed.
    """
    key = str(settings.root)
    with _entries_lock:
        entry = _entries.setdefault(key, _Entry())
    with entry.lock:
        now = time.monotonic()
        if entry.runners is not None and now - entry.checked_at < max_age_s:
            return entry.runners
        files = candidate_files(settings.root)
        entry.checked_at = now
        if entry.runners is None or files != entry.files:
            entry.runners = _discover(settings.root, files, entry.parsed)
            entry.files = files
        return entry.runners


def find_runner(settings: Settings, page: str) -> Runner | None:
    """The runner behind `page`, or None when the workspace has no such runner.

    A miss re-walks (at most every MISS_RECHECK_S): a runner added since the first walk
    is found without a restart.
    """
    found = get_runners(settings).by_page.get(page)
    return found or get_runners(settings, max_age_s=MISS_RECHECK_S).by_page.get(page)


def runner_of_path(settings: Settings, token: str) -> Runner | None:
    """The runner a command word names (relative to the root or absolute), or None."""
    candidate = Path(token)
    if not candidate.is_absolute():
        candidate = settings.root / candidate
    try:
        rel = candidate.resolve().relative_to(settings.root.resolve()).as_posix()
    except (OSError, ValueError):
        return None
    found = get_runners(settings).by_path.get(rel)
    return found or get_runners(settings, max_age_s=MISS_RECHECK_S).by_path.get(rel)
