"""A tiny, safe expression language for `visible_if` / `required_if`.

Grammar (lowest precedence first)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := atom (("==" | "!=") atom)?
    atom       := "true" | "false" | NUMBER | STRING | KEY | "(" expr ")"

Schema files are data, sometimes written by other people: they are tokenized
and parsed into an AST and evaluated against the form's values; nothing is
ever handed to `eval`. A bare key is true when its value is truthy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import PageSchemaError

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<op>==|!=|\(|\))
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "true", "false"}


class ExpressionError(PageSchemaError, ValueError):
    """The expression does not follow the grammar; `position` is a 0-based column."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at column {position + 1})")
        self.position = position


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class Key:
    name: str


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str  # "and" | "or" | "==" | "!="
    left: Node
    right: Node


Node = Literal | Key | Not | Binary


@dataclass(frozen=True)
class Token:
    kind: str  # op | number | string | name | keyword | end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"unexpected character {text[position]!r}", position)
        kind = match.lastgroup or ""
        if kind != "space":
            word = match.group()
            if kind == "name" and word in _KEYWORDS:
                kind = "keyword"
            tokens.append(Token(kind, word, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def _accept(self, kind: str, text: str) -> bool:
        if self.current.kind == kind and self.current.text == text:
            self.index += 1
            return True
        return False

    def parse(self) -> Node:
        node = self._or()
        if self.current.kind != "end":
            raise ExpressionError(f"unexpected {self.current.text!r}", self.current.position)
        return node

    def _or(self) -> Node:
        node = self._and()
        while self._accept("keyword", "or"):
            node = Binary("or", node, self._and())
        return node

    def _and(self) -> Node:
        node = self._not()
        while self._accept("keyword", "and"):
            node = Binary("and", node, self._not())
        return node

    def _not(self) -> Node:
        if self._accept("keyword", "not"):
            return Not(self._not())
        return self._comparison()

    def _comparison(self) -> Node:
        node = self._atom()
        for op in ("==", "!="):
            if self._accept("op", op):
                return Binary(op, node, self._atom())
        return node

    def _atom(self) -> Node:
        token = self.current
        self.index += 1
        if token.kind == "op" and token.text == "(":
            node = self._or()
            if not self._accept("op", ")"):
                raise ExpressionError("missing ')'", self.current.position)
            return node
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Literal(token.text == "true")
        if token.kind == "number":
            is_float = any(c in token.text for c in ".eE")
            return Literal(float(token.text) if is_float else int(token.text))
        if token.kind == "string":
            return Literal(_unquote(token.text))
        if token.kind == "name":
            return Key(token.text)
        what = "end of expression" if token.kind == "end" else repr(token.text)
        raise ExpressionError(f"expected a value, key or '(' but found {what}", token.position)


def _keys(node: Node) -> frozenset[str]:
    if isinstance(node, Key):
        return frozenset({node.name})
    if isinstance(node, Not):
        return _keys(node.operand)
    if isinstance(node, Binary):
        return _keys(node.left) | _keys(node.right)
    return frozenset()


def _equal(left: object, right: object) -> bool:
    """Equality that does not let `true == 1` hold (Python's bool is an int)."""
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return left == right


def _evaluate(node: Node, values: Mapping[str, object]) -> object:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Key):
        return values.get(node.name)
    if isinstance(node, Not):
        return not _evaluate(node.operand, values)
    if node.op == "and":
        return bool(_evaluate(node.left, values)) and bool(_evaluate(node.right, values))
    if node.op == "or":
        return bool(_evaluate(node.left, values)) or bool(_evaluate(node.right, values))
    same = _equal(_evaluate(node.left, values), _evaluate(node.right, values))
    return same if node.op == "==" else not same


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source, AST and the keys it reads."""

    source: str
    root: Node
    keys: frozenset[str]

    def evaluate(self, values: Mapping[str, object]) -> bool:
        return bool(_evaluate(self.root, values))


def parse_expression(text: str) -> Expression:
    """Parse `text`; raises ExpressionError with the column of the problem."""
    root = _Parser(text).parse()
    return Expression(text, root, _keys(root))
