"""What every metadata reader shares: the Format record, YAML loading, key checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import yaml

from ..yaml_files import ConfigIssue, line_of, load_with_node, yaml_error_issue

Reader = Callable[[str, str, str], tuple[dict[str, object], list[ConfigIssue]]]


@dataclass(frozen=True)
class Format:
    """A metadata format: the catalog attribute it fills and which files it reads."""

    attribute: str  # Catalog attribute: "architectures", "optimizers", "preprocessing_profiles"
    read: Reader  # (path relative to the workspace, file stem, text) -> (entries, issues)
    folder: str | None = None  # "ui_meta/architectures": every <name>.yaml in it
    file: str | None = None  # "ui_meta/preprocessing_profiles.yaml": this one file


@dataclass
class Doc:
    """A loaded file: its data, node tree (for lines) and the issues found so far."""

    path: str
    data: object
    node: yaml.Node | None
    issues: list[ConfigIssue]

    def issue(self, loc: tuple[int | str, ...], message: str) -> None:
        self.issues.append(ConfigIssue(self.path, line_of(self.node, loc), message))


def load(rel_path: str, text: str) -> Doc:
    """Parse one file; invalid YAML is an issue, never an exception."""
    try:
        data, node = load_with_node(text)
    except yaml.YAMLError as exc:
        return Doc(rel_path, None, None, [yaml_error_issue(rel_path, exc)])
    return Doc(rel_path, data, node, [])


def mapping_at(doc: Doc, value: object, loc: tuple[int | str, ...]) -> Mapping[str, object]:
    """`value` as a mapping with text keys; anything else is an issue and {}."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        where = ".".join(map(str, loc)) or "file"
        doc.issue(loc, f"{where}: expected a mapping, got {type(value).__name__}")
        return {}
    return {str(k): v for k, v in value.items()}


def unknown_keys(
    doc: Doc, data: Mapping[str, object], known: Iterable[str], loc: tuple[int | str, ...]
) -> None:
    """One issue per key the format does not define (the key is ignored, the file kept)."""
    allowed = set(known)
    prefix = ".".join(map(str, loc))
    for key in data:
        if key not in allowed:
            name = f"{prefix}.{key}" if prefix else key
            doc.issue((*loc, key), f"unknown key {name!r} (ignored)")


def text_at(doc: Doc, data: Mapping[str, object], key: str, loc: tuple[int | str, ...]) -> str:
    """An optional text value ('' when absent); a non-scalar is an issue."""
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, Mapping | list):
        doc.issue((*loc, key), f"{key}: expected text")
        return ""
    return str(value)


def names_at(
    doc: Doc, data: Mapping[str, object], key: str, loc: tuple[int | str, ...]
) -> tuple[str, ...] | None:
    """An optional list of names (None when absent; a single name counts as a list of one)."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        doc.issue((*loc, key), f"{key}: expected a list of names")
        return None
    return tuple(str(v) for v in value)


def number_at(
    doc: Doc, data: Mapping[str, object], key: str, loc: tuple[int | str, ...]
) -> float | None:
    """An optional number; text or a bool is an issue and None."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        doc.issue((*loc, key), f"{key}: expected a number, got {value!r}")
        return None
    return float(value)
