"""The tags dlflash gives notes in Anki: one root, a tag per section and card tag, and the retired tag.

Written once here because three stages meet on them: rendering gives them, sync keeps a learner's
own tags apart from ours and marks retired notes, and ``dlflash retired`` searches for them.
"""

from __future__ import annotations

TAG_ROOT = "dlflash"
OUR_TAG_PREFIX = f"{TAG_ROOT}::"
RETIRED_TAG = f"{TAG_ROOT}::retired"
