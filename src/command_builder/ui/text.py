"""Data is text: the one way a value from a link, a file, a log or a job reaches markdown.

Streamlit renders markdown (plus its own `:red[...]`, `:material/...:` and `$math$`)
in st.markdown/caption/error/warning/info/success, widget labels, help tooltips,
button, radio, segmented-control and page-link labels. A value shown there goes through
`md()`, which backslash-escapes every ASCII punctuation character (CommonMark allows
exactly that), so `![a](x)` stays those characters and no image is fetched.
st.code, st.text, dataframes, select options and the light controls (ui/light.py,
which set textContent) show plain text already: values go there as they are
(escaping them would show the backslashes).

Escapes do not stop GFM's autolinks (`http://...`, `www.x`, `a@b.c`: Streamlit's
markdown finds them in the parsed text), so a WORD JOINER (U+2060, invisible) goes
before `://`, after `www` and after `@`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(?=://)|(?<=[Ww]{3})(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"
MAX_LISTED = 20


def md(value: object) -> str:
    """`value` as markdown source that renders as exactly its text."""
    return _PUNCTUATION.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, str(value)))


def bullets(items: Iterable[object], limit: int = MAX_LISTED) -> str:
    """A markdown list of escaped items: the first `limit`, then how many more there are."""
    shown: list[str] = []
    more = 0
    for item in items:
        if len(shown) < limit:
            shown.append(f"- {md(item)}")
        else:
            more += 1
    if more:
        shown.append(f"- … and {more} more")
    return "\n".join(shown)
