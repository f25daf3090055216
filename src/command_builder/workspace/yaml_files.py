"""Reading workspace YAML without ever raising: problems become ConfigIssues with a line.

libyaml's C loader (``yaml.CSafeLoader``) is used when PyYAML was built with it;
it parses several times faster than the pure-Python one.

Bounded: a file over MAX_YAML_BYTES is not parsed, and a document nested deeper
than MAX_YAML_DEPTH is not built into Python objects; each is a YamlLimitError
(a yaml.YAMLError, so every reader already turns it into an issue naming the
file, the line and the limit). A real config file is a few KB, a few levels deep.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import yaml

Loader: type[yaml.CSafeLoader | yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


MAX_YAML_BYTES = 1_000_000
MAX_YAML_DEPTH = 64


class YamlLimitError(yaml.YAMLError):
    """A workspace YAML file over a size or depth limit; `line` is 1-based or None."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class ConfigIssue:
    """A problem in one workspace file; the rest of the catalog still works."""

    path: str  # relative to the workspace root, posix
    line: int | None  # 1-based, None when it concerns the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


def _too_large(size: int) -> YamlLimitError:
    return YamlLimitError(
        f"the file is {size / 1e6:.1f} MB, more than the limit of {MAX_YAML_BYTES / 1e6:g} MB"
        " for a YAML file: it was not read"
    )


def read_text(path: str) -> str:
    """The file as UTF-8 text; OSError / UnicodeDecodeError propagate, YamlLimitError if huge."""
    with open(path, encoding="utf-8") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_YAML_BYTES:
            raise _too_large(size)
        return handle.read()


def yaml_error_issue(rel_path: str, exc: yaml.YAMLError) -> ConfigIssue:
    """Turn a YAML error into an issue, with the line from its problem mark."""
    if isinstance(exc, YamlLimitError):
        return ConfigIssue(rel_path, exc.line, exc.message)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    else:
        message = f"invalid YAML: {exc}"
    return ConfigIssue(rel_path, line, message)


def _bounded_node(loader: yaml.CSafeLoader | yaml.SafeLoader, text: str) -> yaml.Node | None:
    """The single node of `text` within the size and depth limits (YamlLimitError)."""
    if len(text) > MAX_YAML_BYTES:
        raise _too_large(len(text))
    try:
        node = loader.get_single_node()
    except RecursionError:  # the pure-Python composer recurses per level
        raise YamlLimitError(f"nested more than {MAX_YAML_DEPTH} levels deep") from None
    _check_depth(node)
    return node


def _check_depth(root: yaml.Node | None) -> None:
    """YamlLimitError at the first node deeper than MAX_YAML_DEPTH (iterative walk)."""
    stack = [(root, 1)] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if depth > MAX_YAML_DEPTH:
            raise YamlLimitError(
                f"nested more than {MAX_YAML_DEPTH} levels deep", node.start_mark.line + 1
            )
        if id(node) in seen:  # an alias points back at a node already walked
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)


def compose_node(text: str) -> yaml.Node | None:
    """The document's node tree (syntax and aliases checked, no Python objects built)."""
    loader = Loader(text)
    try:
        return _bounded_node(loader, text)
    finally:
        loader.dispose()


def load_with_node(text: str) -> tuple[object, yaml.Node | None]:
    """The loaded data plus its node tree, whose marks give line numbers for later errors."""
    loader = Loader(text)
    try:
        node = _bounded_node(loader, text)
        data = loader.construct_document(node) if node is not None else None
        return data, node
    finally:
        loader.dispose()


def line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the deepest node along `loc` (mapping keys / sequence indexes)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    line = key.start_mark.line + 1
                    child = value
                    break
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
