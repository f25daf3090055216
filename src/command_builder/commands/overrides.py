"""Hydra overrides written and read in Hydra's own grammar.

Why not string formatting: a value crosses two languages before a runner sees it.
1. Hydra's override grammar (hydra/grammar/OverrideLexer.g4): unquoted values are
   typed (``123`` is an int, ``true`` a bool, ``a,b`` a sweep) and ``= , [ ] ( ) { } :``
   and spaces are syntax. Inside a quoted value (QUOTED_VALUE) everything is literal
   except backslashes *before a quote char*: ``\\"`` is a quote, and a run of n
   backslashes before the closing quote must be written 2n times.
2. OmegaConf: a stored string containing ``${`` is an interpolation. ``\\${`` is a
   literal ``${``; n backslashes before a literal ``${`` are written 2n+1 times.
   The exact string ``???`` is OmegaConf's missing-value marker; we write it as
   ``${oc.decode:'???'}`` (a built-in resolver that returns the text ``???``).
So a user's text s becomes: omegaconf_escape(s) -> Hydra-quoted. Strings made only of
"safe" characters that Hydra would read back as the same string stay unquoted
(``resnet18``, ``bf16-mixed``, ``outputs/run/x.ckpt``) so commands stay readable.
The rules are checked against the real parser and compose by property tests.
"""

from __future__ import annotations

import copy
import math
import re
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Literal

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    Override,
    OverrideType,
    Quote,
    QuotedString,
)
from hydra.errors import HydraException

from ..errors import CommandError

OverrideKind = Literal["value", "group", "append", "force_append", "delete"]

_PREFIX: dict[str, str] = {
    "value": "",
    "group": "",
    "append": "+",
    "force_append": "++",
    "delete": "~",
}

# --- Lexer fragments of OverrideLexer.g4, as Python regexes -----------------------------
_INT_UNSIGNED = r"(?:0|[1-9](?:_?[0-9])*)"
_POINT_FLOAT = rf"(?:{_INT_UNSIGNED}\.|{_INT_UNSIGNED}?\.[0-9](?:_?[0-9])*)"
_EXPONENT_FLOAT = rf"(?:(?:{_INT_UNSIGNED}|{_POINT_FLOAT})[eE][+-]?[0-9](?:_?[0-9])*)"
_FLOAT = rf"[+-]?(?:{_POINT_FLOAT}|{_EXPONENT_FLOAT}|[Ii][Nn][Ff]|[Nn][Aa][Nn])"
_INT = rf"[+-]?{_INT_UNSIGNED}"
_BOOL = r"(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])"
_NULL = r"[Nn][Uu][Ll][Ll]"
# A value that is exactly one of these tokens is not a string (longest match wins).
_NON_STRING_TOKEN = re.compile(rf"(?:{_FLOAT}|{_INT}|{_BOOL}|{_NULL})")
# Characters of ID, INT, FLOAT and UNQUOTED_CHAR minus `\` `$` (escape/interpolation) and
# `:`: a run of them is concatenated verbatim by the visitor (no WS, no ESC).
_SAFE_UNQUOTED = re.compile(r"[A-Za-z0-9_\-/+.%*@?|]+")

_ID = r"[A-Za-z_][A-Za-z0-9_\-]*"
_KEY_SPECIAL = r"[A-Za-z_$][A-Za-z0-9_\-$]*"
_DOT_PATH = rf"(?:{_KEY_SPECIAL}|{_INT_UNSIGNED})(?:\.(?:{_KEY_SPECIAL}|{_INT_UNSIGNED}))+"
_PACKAGE = rf"(?:{_DOT_PATH}|{_KEY_SPECIAL})"
# key: packageOrGroup (AT package)?; packageOrGroup: package | ID (SLASH ID)+
_KEY = re.compile(rf"(?:{_PACKAGE}|{_ID}(?:/{_ID})+)(?:@{_PACKAGE}?)?")
_GROUP_KEY = re.compile(rf"{_ID}(?:/{_ID})*(?:@{_PACKAGE}?)?")

_DICT_KEY = re.compile(_ID)
_OMEGACONF_INTERPOLATION = re.compile(r"(\\*)\$\{")
MISSING_ESCAPED = "${oc.decode:'???'}"


class OverrideSyntaxError(CommandError, ValueError):
    """An override Hydra would refuse; `message` is Hydra's own text."""

    def __init__(self, text: str, message: str) -> None:
        super().__init__(f"{text}: {message}")
        self.text = text
        self.message = message


# --- writing ------------------------------------------------------------------------------


def escape_omegaconf(text: str) -> str:
    """Make OmegaConf read `text` back literally (no interpolation, no ??? marker)."""
    if text == "???":
        return MISSING_ESCAPED
    if "${" not in text:
        return text
    return _OMEGACONF_INTERPOLATION.sub(lambda m: "\\" * (2 * len(m.group(1)) + 1) + "${", text)


def unescape_omegaconf(text: str) -> str:
    """Inverse of escape_omegaconf; strings with a real interpolation come back unchanged."""
    if text == MISSING_ESCAPED:
        return "???"
    if "${" not in text or has_interpolation(text):
        return text
    return _OMEGACONF_INTERPOLATION.sub(lambda m: "\\" * (len(m.group(1)) // 2) + "${", text)


def has_interpolation(value: object) -> bool:
    """True if OmegaConf would interpolate this string (a `${` behind an even backslash run)."""
    if not isinstance(value, str) or "${" not in value:
        return False
    if value == MISSING_ESCAPED:
        return False
    return any(len(m.group(1)) % 2 == 0 for m in _OMEGACONF_INTERPOLATION.finditer(value))


def quote(text: str) -> str:
    """Hydra QUOTED_VALUE whose content unescapes to exactly `text` (Hydra's own escaping).

    Double quotes unless the text has `"` and no `'`: shlex.join then shows it inside
    single quotes without the `'"'"'` dance.
    """
    kind = Quote.single if ('"' in text and "'" not in text) else Quote.double
    return QuotedString(text, kind).with_quotes()


def _format_string(text: str) -> str:
    if (
        _SAFE_UNQUOTED.fullmatch(text)
        and not _NON_STRING_TOKEN.fullmatch(text)
        and escape_omegaconf(text) == text
    ):
        return text
    return quote(escape_omegaconf(text))


@lru_cache(maxsize=4096)
def _format_string_cached(text: str) -> str:
    return _format_string(text)


def format_value(value: object) -> str:
    """The part after `=`: str quoted as needed, numbers/bools/None as Hydra literals.

    Floats use repr() (shortest round-trip form, which Hydra's FLOAT token accepts).
    Lists/tuples become `[a,b]`, mappings with identifier keys `{k:v}`.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value)
    if isinstance(value, str):
        return _format_string_cached(value)
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if (
                not isinstance(key, str)
                or not _DICT_KEY.fullmatch(key)
                or _NON_STRING_TOKEN.fullmatch(key)
            ):
                raise ValueError(f"dict key {key!r} is not a plain identifier")
            items.append(f"{key}:{format_value(item)}")
        return "{" + ",".join(items) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(format_value(item) for item in value) + "]"
    raise TypeError(f"cannot write a {type(value).__name__} as a Hydra override value")


def check_key(path: str, kind: OverrideKind = "value") -> None:
    """Refuse a key the grammar would not read as one key (schema typo, stray space...)."""
    if kind not in _PREFIX:
        raise ValueError(f"unknown override kind {kind!r}")
    pattern = _GROUP_KEY if kind == "group" else _KEY
    if not path or not pattern.fullmatch(path):
        what = "config group" if kind == "group" else "config key"
        raise OverrideSyntaxError(path, f"not a valid {what} in Hydra's override grammar")


def format_override(path: str, value: object = None, *, kind: OverrideKind = "value") -> str:
    """One override: `a.b=v`, `group/x=option`, `+a.b=v`, `++a.b=v`, `~a.b` (`~a.b=v`).

    Any str value arrives in the composed config exactly as given (see module doc).
    """
    check_key(path, kind)
    prefix = _PREFIX[kind]
    if kind == "delete":
        return f"~{path}" if value is None else f"~{path}={format_value(value)}"
    return f"{prefix}{path}={format_value(value)}"


def format_sweep(path: str, values: Sequence[object], *, kind: OverrideKind = "value") -> str:
    """A choice sweep `path=v1,v2` (needs --multirun); each value written as format_value."""
    if kind == "delete":
        raise ValueError("a delete override cannot sweep")
    if not values:
        raise ValueError("a sweep needs at least one value")
    check_key(path, kind)
    return f"{_PREFIX[kind]}{path}=" + ",".join(format_value(v) for v in values)


# --- reading ------------------------------------------------------------------------------

# Every call into Hydra (parser included: ANTLR's Python runtime shares DFA caches between
# parser instances without locks) runs under this lock; validate.py composes under it too.
HYDRA_LOCK = threading.RLock()
_PARSER: OverridesParser | None = None


def _parser() -> OverridesParser:
    global _PARSER
    if _PARSER is None:  # creating it registers the sweep functions; do it once
        _PARSER = OverridesParser.create()
    return _PARSER


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Override | OverrideSyntaxError:
    with HYDRA_LOCK:
        try:
            return _parser().parse_overrides([text])[0]
        except HydraException as exc:
            message = getattr(exc, "message", None) or str(exc)
            return OverrideSyntaxError(text, message)


def parse_override(text: str) -> Override:
    """Parse with Hydra's OverridesParser; OverrideSyntaxError carries Hydra's message.

    Results are cached per text (a form re-parses the same overrides on every run); each
    call returns its own shallow copy so callers may not disturb the cache.
    """
    result = _parse_cached(text)
    if isinstance(result, OverrideSyntaxError):
        raise OverrideSyntaxError(result.text, result.message)
    return copy.copy(result)


def _plain(value: object) -> object:
    if isinstance(value, QuotedString):
        return unescape_omegaconf(value.text)
    if isinstance(value, str):
        return unescape_omegaconf(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def override_value(override: Override) -> object:
    """The Python value the runner reads for this override (OmegaConf escapes undone).

    A choice sweep gives a tuple of values (lists stay lists); other sweeps (range,
    interval, glob) are returned as Hydra's objects. A string with a real `${...}`
    interpolation comes back as written: check has_interpolation() before treating
    it as a literal. `~key` without a value gives None.
    """
    value = override.value()
    if isinstance(value, ChoiceSweep):  # `a,b` or choice(a,b); glob() is no ChoiceSweep
        return tuple(_plain(v) for v in value.list)
    if override.is_sweep_override():
        return value
    return _plain(value)


def override_kind(override: Override) -> OverrideKind:
    """value/group/append/force_append/delete; group means the key names a config group path."""
    if override.type == OverrideType.DEL:
        return "delete"
    if override.type == OverrideType.ADD:
        return "append"
    if override.type == OverrideType.FORCE_ADD:
        return "force_append"
    return "group" if "/" in override.key_or_group else "value"


def override_key(override: Override) -> str:
    """The key as written without +/~ (`model/architectures`, `db@pkg`, `a.b`)."""
    key = override.key_or_group
    return f"{key}@{override.package}" if override.package is not None else key
