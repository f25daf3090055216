"""Overrides: any text arrives exactly as typed, through Hydra's parser and OmegaConf.

The property test checks every example with the real parser plus an OmegaConf node (what
Hydra's config loader does with an override value: OmegaConf.update, then the runner reads
it resolved); composing per example (~60 ms) would allow too few examples, so real
compose runs on the table of nasty strings in one composition (test_compose_sample).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from command_builder.commands import (
    OverrideSyntaxError,
    compose_check,
    format_override,
    format_sweep,
    has_interpolation,
    override_kind,
    override_value,
    parse_override,
)
from command_builder.commands.overrides import quote
from command_builder.settings import Settings
from examples_budget import examples

NASTY = [
    "",
    " ",
    "a b",
    "a=b",
    "==",
    "it's",
    'say "hi"',
    "mix ' and \"",
    "'",
    '"',
    "''",
    '""',
    "a,b",
    "[1,2]",
    "{a:1}",
    "(x)",
    "f(x)",
    "$",
    "$$",
    "${",
    "${seed}",
    "${oc.env:HOME}",
    "\\${seed}",
    "\\\\${seed}",
    "\\",
    "\\\\",
    "trail\\",
    "trail\\\\",
    "\\'",
    '\\"',
    "'\\'",
    '"\\"',
    'a\\\\"b',
    "ünï©ødé 文字 🚀",
    "123",
    "-1",
    "1_000",
    "0x10",
    "1e5",
    "1.5",
    ".5",
    "true",
    "True",
    "FALSE",
    "null",
    "NULL",
    "nan",
    "inf",
    "-inf",
    "01",
    "1.5.3",
    "16-mixed",
    "bf16-mixed",
    "???",
    "?",
    "~x",
    "+x",
    "@x",
    " lead",
    "trail ",
    "\t",
    "a\nb",
    "x:y",
    ":",
    "#comment",
    "a#b",
    "outputs/run 1/checkpoints/epoch=3-step=120.ckpt",
    "}{",
    "${a}${b}",
]


def arrives_as(override: str) -> object:
    """What the runner reads: Hydra parses the override, OmegaConf stores and resolves it."""
    cfg = OmegaConf.create({"exp_name": "placeholder"})
    OmegaConf.update(cfg, "exp_name", parse_override(override).value(), merge=True)
    return cfg.exp_name


@pytest.mark.parametrize("text", NASTY)
def test_nasty_strings_arrive_exactly(text: str) -> None:
    override = format_override("exp_name", text)
    assert arrives_as(override) == text
    assert override_value(parse_override(override)) == text


TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\\'\"$ {}=,[]():@#~+-_./?*%|!\t\n0123456789eE")),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)


@settings(max_examples=examples(400), deadline=None)
@given(TEXT)
def test_any_text_arrives_exactly(text: str) -> None:
    override = format_override("exp_name", text)
    assert arrives_as(override) == text
    assert override_value(parse_override(override)) == text


def _quoted_by_the_rules(text: str) -> str:
    """The escaping rules of overrides.py's module doc, written out (quote() used to be this)."""
    q = "'" if ('"' in text and "'" not in text) else '"'
    # n backslashes before a quote char -> 2n+1 backslashes + the quote (an escaped quote).
    body = re.sub(r"(\\*)" + q, lambda m: "\\" * (2 * len(m.group(1)) + 1) + q, text)
    # n trailing backslashes before the closing quote -> 2n (else they escape it).
    body = re.sub(r"(\\+)\Z", lambda m: m.group(1) * 2, body)
    return q + body + q


@settings(max_examples=examples(500), deadline=None)
@given(TEXT)
def test_hydras_with_quotes_follows_the_documented_rules(text: str) -> None:
    # quote() delegates to QuotedString.with_quotes(): a Hydra upgrade that changes its
    # escaping shows here, against the rules the module documents.
    assert quote(text) == _quoted_by_the_rules(text)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(TEXT, max_size=5))
def test_lists_of_text_arrive_exactly(values: list[str]) -> None:
    parsed = parse_override(format_override("tags", values, kind="append"))
    cfg = OmegaConf.create({})
    OmegaConf.update(cfg, "tags", parsed.value(), force_add=True)
    assert list(cfg.tags) == values
    assert override_value(parsed) == values


def test_compose_sample(demo_settings: Settings) -> None:
    """Real compose, once: every nasty text as its own appended key, read as the runner does."""
    overrides = [format_override("exp_name", NASTY[-1])]
    overrides += [format_override(f"nasty.k{i}", t, kind="append") for i, t in enumerate(NASTY)]
    result = compose_check(demo_settings, "train", tuple(overrides))
    assert result.ok, result.issues
    cfg = OmegaConf.create(result.config)
    assert cfg.exp_name == NASTY[-1]
    assert [cfg.nasty[f"k{i}"] for i in range(len(NASTY))] == NASTY


@pytest.mark.slow  # seconds of real Hydra composes; not in `make test-fast`
@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_random_text_through_real_compose(demo_settings: Settings, texts: list[str]) -> None:
    # Read-only use of the workspace: sharing the fixture across examples is safe.
    overrides = tuple(format_override(f"rand.k{i}", t, kind="append") for i, t in enumerate(texts))
    result = compose_check(demo_settings, "train", overrides)
    assert result.ok, result.issues
    cfg = OmegaConf.create(result.config)
    assert [cfg.rand[f"k{i}"] for i in range(len(texts))] == texts


@pytest.mark.parametrize(
    ("value", "expected_text", "expected_value"),
    [
        (3, "k=3", 3),
        (-7, "k=-7", -7),
        (True, "k=true", True),
        (False, "k=false", False),
        (None, "k=null", None),
        (0.001, "k=0.001", 0.001),
        (5e-4, "k=0.0005", 5e-4),
        (1e-05, "k=1e-05", 1e-05),
        (1.7976931348623157e308, "k=1.7976931348623157e+308", 1.7976931348623157e308),
        (5e-324, "k=5e-324", 5e-324),
        (float("inf"), "k=inf", float("inf")),
        ("resnet18", "k=resnet18", "resnet18"),
        ("123", 'k="123"', "123"),
        ("true", 'k="true"', "true"),
        ("null", 'k="null"', "null"),
        ("my run", 'k="my run"', "my run"),
        ("${x}", 'k="\\${x}"', "${x}"),
        ([1, "a b"], 'k=[1,"a b"]', [1, "a b"]),
    ],
)
def test_literals(value: object, expected_text: str, expected_value: object) -> None:
    text = format_override("k", value)
    assert text == expected_text
    assert override_value(parse_override(text)) == expected_value


@given(st.floats(allow_nan=False))
def test_floats_round_trip_exactly(value: float) -> None:
    parsed = override_value(parse_override(format_override("model.optimizer.lr", value)))
    assert isinstance(parsed, float) and parsed == value
    assert str(parsed) == repr(value)  # same sign of zero, same digits


def test_kinds() -> None:
    assert (
        format_override("model/architectures", "dbnet", kind="group") == "model/architectures=dbnet"
    )
    assert format_override("foo.bar", 1, kind="append") == "+foo.bar=1"
    assert format_override("seed", 1, kind="force_append") == "++seed=1"
    assert format_override("seed", kind="delete") == "~seed"
    assert format_override("seed", 3, kind="delete") == "~seed=3"
    assert override_kind(parse_override("~seed")) == "delete"
    assert override_kind(parse_override("+a=1")) == "append"
    assert override_kind(parse_override("model/architectures=dbnet")) == "group"
    assert format_sweep("model.optimizer.lr", [0.1, 0.01]) == "model.optimizer.lr=0.1,0.01"
    assert override_value(parse_override(format_sweep("exp_name", ["a b", "c,d"]))) == (
        "a b",
        "c,d",
    )


@pytest.mark.parametrize("path", ["", "a b", "a=b", "a..b", ".a", "a/", "1abc/x", "a,b"])
def test_bad_keys_refused(path: str) -> None:
    with pytest.raises(OverrideSyntaxError):
        format_override(path, 1)


def test_parse_error_carries_hydras_message() -> None:
    with pytest.raises(OverrideSyntaxError) as info:
        parse_override("model.optimizer.lr=[1,")
    assert info.value.text == "model.optimizer.lr=[1,"
    assert "no viable alternative" in info.value.message
    with pytest.raises(OverrideSyntaxError):
        parse_override("exp_name='unterminated")


def test_interpolation_detection() -> None:
    assert has_interpolation("${seed}")
    assert not has_interpolation("\\${seed}")
    assert has_interpolation("\\\\${seed}")
    pasted = parse_override("exp_name=run_${seed}")
    assert has_interpolation(override_value(pasted))


def test_parse_returns_independent_copies() -> None:
    first = parse_override("seed=1")
    first.key_or_group = "changed"
    assert parse_override("seed=1").key_or_group == "seed"
