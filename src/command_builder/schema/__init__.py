"""Page schemas: what fields a page's form has and which Hydra overrides they write.

Public API:
    load_page_schema(settings, page) -> PageSchema   # workspace override, else shipped default; cached per mtime
    load_schema_file(path) -> PageSchema             # one file, uncached
    schema_path(settings, page) -> Path
    SchemaError(path, line, key, message)            # str(): "file:line: element 'key': message"
    PageSchema, Element, Validation                  # frozen pydantic models (see models.py)
    parse_expression(text) -> Expression; ExpressionError   # visible_if / required_if language
    ADVANCED_SECTION                                 # the section the app starts collapsed
"""

from .expressions import Expression, ExpressionError, parse_expression
from .loader import DEFAULTS_DIR, SchemaError, load_page_schema, load_schema_file, schema_path
from .models import META_KINDS, Element, PageSchema, Validation

ADVANCED_SECTION = "Advanced"

__all__ = [
    "ADVANCED_SECTION",
    "DEFAULTS_DIR",
    "META_KINDS",
    "Element",
    "Expression",
    "ExpressionError",
    "PageSchema",
    "SchemaError",
    "Validation",
    "load_page_schema",
    "load_schema_file",
    "parse_expression",
    "schema_path",
]
