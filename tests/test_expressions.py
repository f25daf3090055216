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


@pytest.mark.parametrize(
    "text",
    ["(" * 3000 + "a" + ")" * 3000, "not " * 2400 + "a", "(" * 33 + "a" + ")" * 33],
    ids=["parentheses", "not", "just over the limit"],
)
def test_deep_nesting_is_an_expression_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(ExpressionError, match="nested more than 32 levels"):
        parse_expression(text)


def test_nesting_within_the_limit_parses() -> None:
    assert parse_expression("(" * 32 + "a" + ")" * 32).evaluate({"a": True})


def test_a_long_chain_evaluates_and_a_longer_one_is_refused() -> None:
    chain = parse_expression(" and ".join(["a"] * 1500) + " or b")
    assert chain.evaluate({"a": True}) and not chain.evaluate({"a": False})
    with pytest.raises(ExpressionError, match="more than the limit of 10,000"):
        parse_expression(" or ".join(["a"] * 3000))
