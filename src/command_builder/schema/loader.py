"""Load page schemas: the project's own if present, else the shipped default.

Where a page's schema comes from, first found wins:
    ui/apps/command_builder/schemas/command_builder_<page>.yaml   (the OCR project's)
    configs/ui_meta/schemas/<page>.yaml                          (an override of ours)
    schema/defaults/<page>.yaml                                  (shipped)
Every field's default is then the value the page's primary config composes to
(config_defaults.py): an unchanged field shows what the run uses and writes nothing.

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
from .config_defaults import with_config_defaults
from .models import Element, PageSchema, Validation, _ElementProblem

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
PROJECT_SCHEMAS = "ui/apps/command_builder/schemas"  # the OCR project's page schemas
_PAGE_KEYS = frozenset(PageSchema.model_fields) - {"source_path", "warnings"} | {"ui_elements"}
_ELEMENT_KEYS = frozenset(Element.model_fields) - {"config_default"} | {"optimizer_metadata_key"}
_VALIDATION_KEYS = frozenset(Validation.model_fields)

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
    """The file that defines `page`: the project's, then an override of ours, then shipped."""
    for candidate in (
        settings.root / PROJECT_SCHEMAS / f"command_builder_{page}.yaml",
        settings.schemas_dir / f"{page}.yaml",
    ):
        if candidate.is_file():
            return candidate
    return DEFAULTS_DIR / f"{page}.yaml"


def load_page_schema(settings: Settings, page: str) -> PageSchema:
    """The page's schema with the composed config's defaults; raises SchemaError.

    The file is parsed once per mtime; the defaults follow the config tree (Hydra's
    compose is cached by compose_check, the merged schema per composed result).
    """
    return with_config_defaults(settings, _load_file_schema(settings, page))


def _load_file_schema(settings: Settings, page: str) -> PageSchema:
    """The page's schema as its file says, cached until the file changes."""
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
    schema = load_schema_file(path, page)
    if schema.page != page:
        raise SchemaError(key, None, None, f"declares page {schema.page!r}, expected {page!r}")
    with _lock:
        _cache[key] = (mtime_ns, schema)
    return schema


def load_schema_file(path: Path, page: str | None = None) -> PageSchema:
    """Parse and validate one schema file (uncached); `page` names it when the file does not."""
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
    if root is None or not isinstance(data, dict):  # an empty file has no node
        raise SchemaError(name, 1, None, "a page schema is a mapping (title, ui_elements, ...)")
    data.setdefault("page", page or path.stem.removeprefix("command_builder_"))
    if data.get("page") == "train":  # the project's Train page offers the use-case cards
        data.setdefault("use_cases_source", "architectures")
    try:
        schema = PageSchema.model_validate(data)
    except ValidationError as exc:
        raise _located(name, root, data, exc) from exc
    _check_constant_overrides(name, root, schema)
    warnings = tuple(_unknown_keys(name, root, data))
    return schema.replaced(source_path=name, warnings=warnings)


def _elements_key(data: dict[object, object]) -> str:
    return "ui_elements" if "ui_elements" in data else "elements"


def _unknown_keys(name: str, root: yaml.Node, data: dict[object, object]) -> list[str]:
    """'file:line: unknown key ...' for every key neither the project's format nor ours has."""
    found: list[str] = []

    def check(mapping: object, known: frozenset[str], loc: tuple[object, ...], where: str) -> None:
        if not isinstance(mapping, dict):
            return
        for key in mapping:
            if key not in known:
                line = _line(_node_at(root, (*loc, key)))
                found.append(f"{name}:{line}: {where}unknown key {key!r} (ignored)")

    check(data, _PAGE_KEYS, (), "")
    elements_key = _elements_key(data)
    elements = data.get(elements_key)
    for index, element in enumerate(elements if isinstance(elements, list) else ()):
        label = f"element {element.get('key')!r}: " if isinstance(element, dict) else ""
        check(element, _ELEMENT_KEYS, (elements_key, index), label)
        if isinstance(element, dict):
            loc = (elements_key, index, "validation")
            check(element.get("validation"), _VALIDATION_KEYS, loc, f"{label}validation: ")
    return found


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


def _located(
    name: str, root: yaml.Node, data: dict[object, object], exc: ValidationError
) -> SchemaError:
    """The first pydantic error, placed at its YAML line and element."""
    error = exc.errors()[0]
    loc: tuple[int | str, ...] = tuple(error["loc"])
    problem = (error.get("ctx") or {}).get("error")
    message = str(problem) if problem is not None else error["msg"]
    elements_key = _elements_key(data)
    if loc[:1] == ("elements",):
        loc = (elements_key, *loc[1:])
    if isinstance(problem, _ElementProblem):
        loc = (elements_key, problem.index) + ((problem.field,) if problem.field else ())
        if problem.field == "required_if":
            loc = (elements_key, problem.index, "validation", "required_if")
    key = None
    if len(loc) >= 2 and loc[0] == elements_key and isinstance(loc[1], int):
        elements = data.get(elements_key)
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


def _node_at(root: yaml.Node, loc: tuple[object, ...]) -> yaml.Node:
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
