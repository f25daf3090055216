"""How many examples a hypothesis test runs: its full count, scaled by the profile.

`make test` runs the "default" profile: every property test runs the count its decorator
names. `make test-fast` runs the "fast" profile (registered in conftest.py): a fifth of it,
so the edit loop still exercises every property on fresh random inputs, just fewer.
"""

from __future__ import annotations

from hypothesis import settings

DEFAULT_MAX_EXAMPLES = 100  # hypothesis' own default: the "default" profile's scale is 1


def examples(full: int) -> int:
    """`full` under the default profile; scaled by the loaded profile's max_examples / 100."""
    return max(5, full * settings.default.max_examples // DEFAULT_MAX_EXAMPLES)
