"""Reading workspace YAML without ever raising: problems become ConfigIssues with a line.

libyaml's C loader (``yaml.CSafeLoader``) is used when PyYAML was built with it;
it parses several times faster than the pure-Python one.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]


@dataclass(frozen=True)
class ConfigIssue:
    """A problem in one workspace file; the rest of the catalog still works."""

    path: str  # relative to the workspace root, posix
    line: int | None  # 1-based, None when it concerns the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


def read_text(path: str) -> str:
    """The file as UTF-8 text; OSError / UnicodeDecodeError propagate to the caller."""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def yaml_error_issue(rel_path: str, exc: yaml.YAMLError) -> ConfigIssue:
    """Turn a YAML error into an issue, with the line from its problem mark."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    else:
        message = f"invalid YAML: {exc}"
    return ConfigIssue(rel_path, line, message)


def compose_node(text: str) -> yaml.Node | None:
    """The document's node tree (syntax and aliases checked, no Python objects built)."""
    loader = Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def load_with_node(text: str) -> tuple[object, yaml.Node | None]:
    """The loaded data plus its node tree, whose marks give line numbers for later errors."""
    loader = Loader(text)
    try:
        node = loader.get_single_node()
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
