"""Verify stage: the verdict of one formula against its reference, and the tolerance it is judged by.

Apart from the runner (which needs torch) so that a cached verdict is read back without importing torch.
"""

from __future__ import annotations

from dataclasses import dataclass

# Error is |formula - torch| / max(1, |torch|): absolute near zero, relative for large values.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Outcome:
    """The result of one formula against one reference: the worst error over all cases."""

    reference: str
    worst_error: float
    cases: int
    failure: str = ""  # the first failing case, for a person to reproduce

    @property
    def passed(self) -> bool:
        return not self.failure
