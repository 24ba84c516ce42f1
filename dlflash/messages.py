"""Base: how a message quotes a value and suggests a fix — one cut length, one ellipsis, one did-you-mean.

Every stage's problems read alike: a quoted value is cut so that one problem stays one readable
line (``shown``), and an unknown name is answered with the closest known one (``did_you_mean``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# A quoted value longer than this is cut in messages: one problem stays one readable line.
MAX_SHOWN_CHARS = 60
ELLIPSIS = "..."


def clip(text: str, limit: int = MAX_SHOWN_CHARS, mark: str = ELLIPSIS) -> str:
    """``text`` cut to at most ``limit`` characters, ending in ``mark`` when cut."""
    return text if len(text) <= limit else text[: limit - len(mark)] + mark


def shown(text: str) -> str:
    """``text`` quoted for a message, cut to ``MAX_SHOWN_CHARS`` with ``...``."""
    return repr(clip(text))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or the empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
