"""The seam between the project's metadata files and the catalog: one reader per format.

Each reader module exports FORMAT, a `Format` saying which files it reads (a folder
of `<name>.yaml` files, or one file) and how: `read(rel_path, stem, text)` returns
what it parsed (name -> entry; an entry that cannot be used is left out) and the
ConfigIssues found. Unknown keys are issues that name the file, line and key; they
never reject a file. A later format is one new module added to FORMATS.

Formats (as the OCR project writes them, see docs/formats.md):
    configs/ui_meta/architectures/<name>.yaml   architectures.py -> ArchitectureMeta
    configs/ui_meta/optimizers/<name>.yaml      optimizers.py    -> OptimizerMeta
    configs/ui_meta/preprocessing_profiles.yaml profiles.py      -> PreprocessingProfile
"""

from __future__ import annotations

from . import architectures, optimizers, profiles
from .common import Format

FORMATS: tuple[Format, ...] = (architectures.FORMAT, optimizers.FORMAT, profiles.FORMAT)


def format_of(rel: str) -> Format | None:
    """The reader of configs/<rel>, or None for an ordinary Hydra config file."""
    folder = rel.rpartition("/")[0]
    return next((f for f in FORMATS if f.file == rel or f.folder == folder), None)


__all__ = ["FORMATS", "Format", "format_of"]
