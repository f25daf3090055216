"""Load page schemas: the workspace's override if present, else the shipped default.

Errors name the file, the line and the element key, because schema files are
edited by hand. Line numbers come from composing the YAML into nodes (each node
keeps its start mark) and following the failing field's location down the tree.
Loaded schemas are cached per (path, mtime_ns): a page run only stats the file.
"""

from __future__ import annotations

import threading
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import PageSchemaError
from ..settings import Settings
from .models import PageSchema, _ElementProblem

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"

_cache: dict[str, tuple[int, PageSchema]] = {}
_lock = threading.Lock()


class SchemaError(PageSchemaError):
    """An unusable page schema: `path`, 1-based `line` (or None) and element `key` (or None)."""

    def __init__(self, path: str, line: int | None, key: str | None, message: str) -> None:
        where = f"{path}:{line}" if line else path
        element = f" element {key!r}:" if key else ""
        super().__init__(f"{where}:{element} {message}")
        self.path, self.line, self.key, self.message = path, line, key, message


def schema_path(settings: Settings, page: str) -> Path:
    """The file that defines `page`: workspace override first, then the shipped default."""
    override = settings.schemas_dir / f"{page}.yaml"
    return override if override.is_file() else DEFAULTS_DIR / f"{page}.yaml"


def load_page_schema(settings: Settings, page: str) -> PageSchema:
    """The page's schema, cached until its file changes; raises SchemaError."""
    path = schema_path(settings, page)
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError as exc:
        raise SchemaError(str(path), None, None, f"no schema for page {page!r}") from exc
    key = str(path)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == mtime_ns:
        return cached[1]
    schema = load_schema_file(path)
    if schema.page != page:
        raise SchemaError(key, None, None, f"declares page {schema.page!r}, expected {page!r}")
    with _lock:
        _cache[key] = (mtime_ns, schema)
    return schema


def load_schema_file(path: Path) -> PageSchema:
    """Parse and validate one schema file (uncached)."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(name, None, None, f"cannot read: {exc}") from exc
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and mark and mark.index >= len(text.rstrip()):
            mark = exc.context_mark  # "unclosed [ at end of file": the opening line helps more
        line = mark.line + 1 if mark else None
        raise SchemaError(name, line, None, f"invalid YAML: {exc.problem or exc}") from exc
    if not isinstance(data, dict):
        raise SchemaError(name, 1, None, "a page schema is a mapping (page, title, elements, ...)")
    try:
        schema = PageSchema.model_validate(data)
    except ValidationError as exc:
        raise _located(name, root, data, exc) from exc
    _check_constant_overrides(name, root, schema)
    return schema.model_copy(update={"source_path": name})


def _check_constant_overrides(name: str, root: yaml.Node, schema: PageSchema) -> None:
    """Constant overrides go into every command: they must follow Hydra's grammar."""
    from ..commands.overrides import OverrideSyntaxError, parse_override

    for index, text in enumerate(schema.constant_overrides):
        try:
            parse_override(text)
        except OverrideSyntaxError as exc:
            node = _node_at(root, ("constant_overrides", index))
            raise SchemaError(
                name, _line(node), None, f"constant override {text!r}: {exc}"
            ) from exc


def _located(name: str, root: yaml.Node, data: dict, exc: ValidationError) -> SchemaError:
    """The first pydantic error, placed at its YAML line and element."""
    error = exc.errors()[0]
    loc: tuple = tuple(error["loc"])
    problem = (error.get("ctx") or {}).get("error")
    message = str(problem) if problem is not None else error["msg"]
    if isinstance(problem, _ElementProblem):
        loc = ("elements", problem.index) + ((problem.field,) if problem.field else ())
        if problem.field == "required_if":
            loc = ("elements", problem.index, "validation", "required_if")
    key = None
    if len(loc) >= 2 and loc[0] == "elements" and isinstance(loc[1], int):
        elements = data.get("elements")
        if (
            isinstance(elements, list)
            and loc[1] < len(elements)
            and isinstance(elements[loc[1]], dict)
        ):
            raw_key = elements[loc[1]].get("key")
            key = str(raw_key) if raw_key is not None else None
    field = ".".join(str(p) for p in loc[2:]) if len(loc) > 2 else ""
    if field and not isinstance(problem, _ElementProblem):
        message = f"{field}: {message}"
    elif not key and loc:
        message = f"{'.'.join(str(p) for p in loc)}: {message}"
    return SchemaError(name, _line(_node_at(root, loc)), key, message)


def _node_at(root: yaml.Node, loc: tuple) -> yaml.Node:
    """The deepest node along `loc` (mapping keys and sequence indexes)."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if found is None:
                return node
            node = found
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            return node
    return node


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1
