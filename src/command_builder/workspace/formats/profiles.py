"""configs/ui_meta/preprocessing_profiles.yaml: named sets of data overrides.

    profiles:
      lens_style: {label: "...", description: "...", overrides: ["+preset/datasets=...", ...]}

`none` (no overrides) is always offered, whether or not the file lists it, as in
the project's own builder.
"""

from __future__ import annotations

from ..ui_meta import PreprocessingProfile
from ..yaml_files import ConfigIssue
from .common import Format, load, mapping_at, names_at, text_at, unknown_keys

NONE = PreprocessingProfile(
    "none",
    "None (standard transforms)",
    "The dataset's own transforms, no document preprocessing.",
    (),
)
_PROFILE_KEYS = ("label", "description", "overrides")


def with_none(profiles: dict[str, object]) -> dict[str, object]:
    """`none` first, then the file's profiles (a listed `none` keeps its own text)."""
    return {"none": profiles.get("none", NONE), **profiles}


def read(rel_path: str, stem: str, text: str) -> tuple[dict[str, object], list[ConfigIssue]]:
    """The file's profiles; a profile that is not a mapping is left out with an issue."""
    doc = load(rel_path, text)
    if doc.issues:
        return with_none({}), doc.issues
    top = mapping_at(doc, doc.data, ())
    unknown_keys(doc, top, ("profiles",), ())
    found: dict[str, object] = {}
    for name, raw in mapping_at(doc, top.get("profiles"), ("profiles",)).items():
        loc = ("profiles", name)
        if raw is not None and not isinstance(raw, dict):
            doc.issue(loc, f"profiles.{name}: expected a mapping; left out")
            continue
        entry = mapping_at(doc, raw, loc)
        unknown_keys(doc, entry, _PROFILE_KEYS, loc)
        found[name] = PreprocessingProfile(
            name,
            text_at(doc, entry, "label", loc) or name.replace("_", " ").title(),
            text_at(doc, entry, "description", loc),
            names_at(doc, entry, "overrides", loc) or (),
        )
    return with_none(found), doc.issues


FORMAT = Format("preprocessing_profiles", read, file="ui_meta/preprocessing_profiles.yaml")
