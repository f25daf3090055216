"""Sweeps: one field, several values -> a Hydra multirun override in Hydra's own grammar.

Why Hydra's grammar and Hydra's semantics throughout: the runner's BasicSweeper expands
the command, so the run count shown before anything starts must be the count it will
make (cartesian product over keys, the last override of a key wins, `range()` as
Hydra iterates it, floats included). Values are written with the same functions as
single overrides (commands.overrides), so a swept string arrives exactly as typed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.types import FloatRange, Override, RangeSweep, ValueType

from ..errors import CommandError
from .overrides import (
    OverrideKind,
    OverrideSyntaxError,
    check_key,
    format_override,
    format_sweep,
    format_value,
    override_value,
    parse_override,
)

# The most runs one command may make: above it a sweep is refused before anything
# lists its values (a range is counted from its bounds, never expanded).
MAX_RUNS = 10_000
# Float ranges up to this many elements are counted by Hydra's own iterator (exact,
# including its Decimal rounding); beyond it (well above MAX_RUNS, so the cap is exact)
# the closed formula is used.
_EXACT_FLOAT_COUNT = MAX_RUNS + 2

MODE_KEY = "hydra.mode"
MULTIRUN_MODE = f"{MODE_KEY}=MULTIRUN"
_FOLLOWER = re.compile(r"\$\{([A-Za-z_][\w\-]*(?:\.[A-Za-z_][\w\-]*)*)\}")
SPEC_HELP = "values separated by commas (1e-3,5e-4) or range(start, stop, step)"


class SweepError(CommandError, ValueError):
    """A sweep the user must fix; `message` is meant to be shown next to the field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SweepRange:
    """Hydra's `range(start, stop, step)`: start + step*i while before stop (stop excluded)."""

    start: int | float
    stop: int | float
    step: int | float = 1

    def count(self) -> int:
        """Number of values Hydra's RangeSweep yields, without listing them when huge."""
        if self.step == 0:
            raise SweepError("range step must not be 0")
        if all(isinstance(x, int) for x in (self.start, self.stop, self.step)):
            return len(range(int(self.start), int(self.stop), int(self.step)))
        span = (Decimal(self.stop) - Decimal(self.start)) / Decimal(self.step)
        estimate = max(0, math.ceil(span))
        if estimate <= _EXACT_FLOAT_COUNT:
            iterator = FloatRange(self.start, self.stop, self.step)
            return sum(1 for _ in islice(iterator, _EXACT_FLOAT_COUNT + 1))
        return estimate

    def text(self) -> str:
        """`range(a,b,s)` with each number written as commands.overrides writes it."""
        return (
            f"range({format_value(self.start)},{format_value(self.stop)},{format_value(self.step)})"
        )


SweepValues = tuple[object, ...] | SweepRange


def count_values(values: SweepValues) -> int:
    """How many runs one swept field contributes."""
    return values.count() if isinstance(values, SweepRange) else len(values)


def too_many_runs(count: int) -> str | None:
    """The field error for a sweep of `count` runs above MAX_RUNS, else None."""
    if count <= MAX_RUNS:
        return None
    return f"this sweep makes {count:,} runs, more than the limit of {MAX_RUNS:,}"


def run_cap_issue(overrides: Sequence[str]) -> tuple[str | None, str] | None:
    """(override or None, message) when a command's sweeps make more than MAX_RUNS runs.

    Counted from the specs (Hydra's rules), never expanded. Overrides that cannot be
    counted (bad syntax, glob) count 1 here: the compose check reports them itself.
    """
    runs: dict[str, tuple[str, int]] = {}
    for text in overrides:
        try:
            found = override_runs(text)
        except SweepError:
            continue
        runs[found.key] = (text, found.runs)
        problem = too_many_runs(found.runs)
        if problem:
            return text, problem
    problem = too_many_runs(math.prod(count for _, count in runs.values()))
    return (None, f"the command's sweeps together: {problem}") if problem else None


def sweep_override(path: str, values: SweepValues, *, kind: OverrideKind = "value") -> str:
    """`path=a,b,c`, `path=range(1,5,2)` or `group=x,y`; a single value is a plain override."""
    if isinstance(values, SweepRange):
        if kind != "value":
            raise ValueError("only a config value (not a group) can sweep over a range")
        check_key(path, kind)
        return f"{path}={values.text()}"
    if len(values) == 1:
        return format_override(path, values[0], kind=kind)
    return format_sweep(path, values, kind=kind)


def field_sweep_overrides(
    paths: Sequence[str], values: SweepValues, *, kind: OverrideKind = "value"
) -> tuple[str, ...]:
    """One field's sweep over all its override paths: the first sweeps, the others follow.

    Why follow by interpolation (`val.batch_size=${train.batch_size}`): Hydra multiplies
    independent sweeps, so sweeping both batch-size paths would make 2x2 runs with
    mismatched pairs instead of one run per value.
    """
    first, *rest = paths
    if rest and kind != "value":
        raise ValueError("only config values (not groups) can follow another path")
    overrides = [sweep_override(first, values, kind=kind)]
    for path in rest:
        check_key(path)
        overrides.append(f"{path}=${{{first}}}")
    return tuple(overrides)


def follows(text: str) -> str | None:
    """The path an override follows by plain interpolation (`a.b=${c.d}` -> `c.d`), else None."""
    key, sep, value = text.partition("=")
    match = _FOLLOWER.fullmatch(value) if sep else None
    return match.group(1) if match and key else None


def _is_glob(override: Override) -> bool:
    return override.value_type == ValueType.GLOB_CHOICE_SWEEP


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_sweep_spec(text: str, *, numeric: bool = False) -> SweepValues:
    """A user-typed sweep ("1e-3,5e-4", "range(10,40,10)", "adam,adamw") -> values.

    `numeric`: every value must be a number (ranges are allowed only then); the
    caller checks each value against its field (type, options, bounds).
    SweepError messages are field errors.
    """
    spec = text.strip()
    if not spec:
        raise SweepError(f"no values: give {SPEC_HELP}")
    try:
        override = parse_override(f"sweep={spec}")
    except OverrideSyntaxError as exc:
        if spec.startswith("range"):
            raise SweepError(
                f"malformed range {spec!r}: write range(start, stop, step) with numbers, "
                "e.g. range(10,40,10)"
            ) from None
        raise SweepError(f"cannot read {spec!r} ({exc.message}); give {SPEC_HELP}") from None
    if override.is_range_sweep():
        return _parsed_range(spec, override, numeric=numeric)
    if override.is_sweep_override() and (not override.is_choice_sweep() or _is_glob(override)):
        raise SweepError(f"{spec!r}: only lists of values and range() can sweep here")
    parsed = override_value(override)
    values = parsed if override.is_sweep_override() else (parsed,)
    assert isinstance(values, tuple)
    return _checked_values(values, numeric=numeric)


def _parsed_range(spec: str, override: Override, *, numeric: bool) -> SweepRange:
    if not numeric:
        raise SweepError("range() needs a number field; list the values separated by commas")
    sweep = override.value()
    assert isinstance(sweep, RangeSweep) and sweep.start is not None and sweep.stop is not None
    if sweep.shuffle:
        raise SweepError(f"{spec!r}: shuffle() is not supported here; use range(start, stop, step)")
    values = SweepRange(sweep.start, sweep.stop, sweep.step)
    count = values.count()
    if count == 0:
        raise SweepError(
            f"{spec!r} has no values: the start must lie before the stop in the step's direction"
        )
    problem = too_many_runs(count)
    if problem:
        raise SweepError(f"{spec!r}: {problem}")
    return values


def _checked_values(values: tuple[object, ...], *, numeric: bool) -> tuple[object, ...]:
    if numeric:
        for value in values:
            if not _is_number(value):
                raise SweepError(f"{format_value(value)} is not a number; give {SPEC_HELP}")
    seen: set[str] = set()
    for value in values:
        key = format_value(value)
        if key in seen:
            raise SweepError(f"{key} is listed twice (it would run twice)")
        seen.add(key)
    return values


# --- whole commands -------------------------------------------------------------------


def _parse_all(overrides: Sequence[str]) -> list[Override]:
    parsed = []
    for text in overrides:
        try:
            override = parse_override(text)
        except OverrideSyntaxError as exc:
            raise SweepError(str(exc)) from None
        if override.is_sweep_override() and override.is_hydra_override():
            raise SweepError(f"{text}: Hydra's own configuration (hydra.*) cannot sweep")
        parsed.append(override)
    return parsed


def _override_count(override: Override) -> int:
    text = override.input_line or override.key_or_group
    if override.is_range_sweep():
        sweep = override.value()
        assert isinstance(sweep, RangeSweep) and sweep.start is not None and sweep.stop is not None
        try:
            return SweepRange(sweep.start, sweep.stop, sweep.step).count()
        except SweepError as exc:
            raise SweepError(f"{text}: {exc.message}") from None
    if _is_glob(override):
        raise SweepError(f"{text}: glob() sweeps cannot be counted here; list the options")
    if override.is_choice_sweep():
        values = override_value(override)
        assert isinstance(values, tuple)
        return len(values)
    if override.is_sweep_override():
        raise SweepError(f"{text}: Hydra's basic sweeper only runs lists and range() sweeps")
    return 1


class OverrideRuns(NamedTuple):
    """One override as Hydra's basic sweeper sees it."""

    key: str  # the sweeper's key (`a.b`, `+a.b`, `group`); the last override of a key wins
    runs: int  # values it contributes (1 unless it sweeps)
    sweeps: bool  # a sweep, or hydra.mode=MULTIRUN: the command needs --multirun


def is_multirun_mode(override: Override) -> bool:
    """`hydra.mode=MULTIRUN`: Hydra runs the command as a multirun, as --multirun does."""
    value = override.value() if not override.is_delete() else None
    return override.key_or_group == MODE_KEY and str(value).upper() == "MULTIRUN"


@lru_cache(maxsize=4096)
def override_runs(text: str) -> OverrideRuns:
    """How one override counts in a multirun; cached, as commands repeat between keystrokes."""
    override = _parse_all([text])[0]
    count = 1 if override.is_hydra_override() else _override_count(override)
    needs_multirun = override.is_sweep_override() or is_multirun_mode(override)
    return OverrideRuns(override.get_key_element(), count, needs_multirun)


def count_runs(overrides: Sequence[str]) -> int:
    """Runs Hydra's basic sweeper makes: product over keys, the last override of a key wins."""
    return math.prod({r.key: r.runs for r in map(override_runs, overrides)}.values())


def expand_runs(overrides: Sequence[str], *, limit: int = 10_000) -> list[list[str]]:
    """Each run's overrides, exactly as Hydra's BasicSweeper writes them (job order).

    Refuses more than `limit` runs rather than building a huge list.
    """
    total = count_runs(overrides)
    if total > limit:
        raise SweepError(f"{total} runs is more than {limit}")
    task = [o for o in _parse_all(overrides) if not o.is_hydra_override()]
    return [run for batch in BasicSweeper.split_arguments(task, None) for run in batch]
