"""Base: a read-only mapping that remembers which keys were looked up.

The lint cache (``checks.lint``) keeps, with a card's findings, each word its rules asked about,
so an entry is trusted only while those words are as rare as they were; the formula property
tests check that the LaTeX shows exactly the symbols the evaluator read. Every kind of look-up
counts: ``m[k]``, ``m.get(k)``, ``k in m``; listing the keys counts as reading all of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

V = TypeVar("V")


class Recording(Mapping[str, V]):
    """``values``, noting in ``read`` every key looked up."""

    def __init__(self, values: Mapping[str, V]) -> None:
        self.values_ = values
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> V:
        self.read.add(key)
        return self.values_[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return self.values_.get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return key in self.values_

    def __iter__(self) -> Iterator[str]:
        self.read.update(self.values_)  # whoever lists the keys may depend on any of them
        return iter(self.values_)

    def __len__(self) -> int:
        return len(self.values_)
