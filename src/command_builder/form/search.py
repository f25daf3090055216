"""Fuzzy search over a form's fields, by config path, label and value (pure).

Why our own matcher: the generic page of a big config has hundreds of fields in many
sections; a user knows a key's name roughly (`maxep`, `lr`, `batch`) or a value
(`resnet`). A field matches when the query's characters appear in order in its
searchable text; contiguous and early matches rank first.
"""

from __future__ import annotations

from ..schema import PageSchema
from .view import FieldView, FormView

MAX_QUERY = 100
MAX_RESULTS = 8


def _score(query: str, text: str) -> tuple[int, int, int] | None:
    """Lower is better; None when the query's characters are not in order in `text`."""
    position = text.find(query)
    if position >= 0:
        return (0, position, len(text))
    gaps, start, last = 0, -1, -1
    for char in query:
        found = text.find(char, last + 1)
        if found < 0:
            return None
        if last >= 0 and found != last + 1:
            gaps += 1
        if start < 0:
            start = found
        last = found
    return (1 + gaps, start, len(text))


def searchable(schema: PageSchema, field: FieldView) -> str:
    """What a query is matched against: the config path(s), the label and the value."""
    element = schema.by_key.get(field.key)
    paths = " ".join(element.hydra_override) if element is not None else field.key
    return f"{paths} {field.label} {'' if field.value is None else field.value}".lower()


def search_fields(
    schema: PageSchema, view: FormView, query: str, limit: int = MAX_RESULTS
) -> tuple[FieldView, ...]:
    """The best-matching visible fields for `query` (bounded), best first."""
    needle = " ".join(query.lower().split())[:MAX_QUERY]
    if not needle:
        return ()
    scored = []
    for index, field in enumerate(view.fields):
        if field.type == "info":
            continue
        score = _score(needle, searchable(schema, field))
        if score is not None:
            scored.append((score, index, field))
    scored.sort(key=lambda item: (item[0], item[1]))
    return tuple(field for _, _, field in scored[:limit])
