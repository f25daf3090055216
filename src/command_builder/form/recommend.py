"""Use-case recommendations from the architectures' UI metadata."""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import PageSchema
from .state import CatalogLike, FormState


@dataclass(frozen=True)
class Recommendation:
    """A use case and the architecture it belongs to (applying it selects that architecture)."""

    architecture: str
    architecture_label: str
    id: str
    title: str
    description: str
    values: tuple[tuple[str, object], ...]  # (schema key, value) in the use case's order


def recommendations(
    schema: PageSchema, catalog: CatalogLike, state: FormState
) -> tuple[Recommendation, ...]:
    """The chosen architecture's use cases, else the leading use case of each architecture."""
    if schema.use_cases_source != "architectures":
        return ()
    name = state.values.get(schema.architecture_key)
    chosen = catalog.architectures.get(name) if isinstance(name, str) else None
    if chosen is not None:
        pairs = [(chosen, u) for u in chosen.use_cases]
    else:
        pairs = [(m, m.use_cases[0]) for m in catalog.architectures.values() if m.use_cases]
    return tuple(
        Recommendation(
            architecture=meta.name,
            architecture_label=meta.label,
            id=use_case.id,
            title=use_case.title,
            description=use_case.description,
            values=tuple(use_case.values.items()),
        )
        for meta, use_case in pairs
    )
