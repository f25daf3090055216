"""The visible_if / required_if language: grammar, evaluation, errors."""

from __future__ import annotations

import pytest

from command_builder.schema.expressions import ExpressionError, parse_expression

VALUES = {"resume": True, "architecture": "craft", "epochs": 3, "lr": 0.5, "name": None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("resume", True),
        ("not resume", False),
        ("name", False),
        ("architecture == 'craft'", True),
        ('architecture != "dbnet"', True),
        ("epochs == 3", True),
        ("lr == 0.5", True),
        ("resume == true and epochs != 4", True),
        ("resume == false or architecture == 'craft'", True),
        ("not (resume and architecture == 'dbnet')", True),
        ("resume and not architecture == 'craft'", False),
        ("false or true and false", False),  # and binds tighter than or
        ("resume == 1", False),  # a bool is not a number
        ("'it\\'s' == 'it\\'s'", True),
        ("unknown_key == 3", False),  # evaluation of an absent key: None
    ],
)
def test_evaluates(text: str, expected: bool) -> None:
    assert parse_expression(text).evaluate(VALUES) is expected


def test_keys_are_collected() -> None:
    expr = parse_expression("resume and (architecture == 'x' or not epochs)")
    assert expr.keys == frozenset({"resume", "architecture", "epochs"})


@pytest.mark.parametrize(
    "text",
    [
        "",
        "resume ==",
        "(resume",
        "resume)",
        "a = b",
        "__import__('os')",
        "a == b == c",
        "resume and",
        "'unterminated",
        "1 +",
        "a.b",
        "x == 'a' 'b'",
    ],
)
def test_bad_expressions_raise(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text)


def test_error_names_the_column() -> None:
    with pytest.raises(ExpressionError, match="column 10"):
        parse_expression("resume ==")
