"""Base: the one registry type, for every named and ordered set of things a stage runs or looks up.

The checks ``dlflash check`` runs (``checks.run``), the lint rules (``checks.lint``), a project's
figures (``render.figures``) and its torch references (``verify.registry``) are each a
``Registry``: entries keep the order they were added in, a name is added once (a second one is
refused, naming both places), and ``select`` picks some by name for the command line
(``dlflash check --only lint,math``), answering an unknown name with the closest known one.

A registry is a read-only ``Mapping`` from name to entry once built; only ``add`` grows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar

from dlflash.errors import DataError, UsageError
from dlflash.messages import did_you_mean

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """Named entries of one ``kind`` (``"check"``, ``"lint rule"``, ``"figure"``, ``"reference"``), in order."""

    def __init__(self, kind: str, entries: Iterable[tuple[str, T]] = ()) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._where: dict[str, str] = {}
        for name, entry in entries:
            self.add(name, entry)

    def add(self, name: str, entry: T, where: str = "") -> T:
        """Add ``entry`` under ``name`` (``where`` says where it was written, for the duplicate message)."""
        if name in self._entries:
            places = " and ".join(p for p in (self._where[name], where) if p)
            raise DataError(f"{self.kind} {name!r} is registered twice" + (f": in {places}" if places else ""))
        self._entries[name] = entry
        self._where[name] = where
        return entry

    def select(self, names: Iterable[str]) -> Registry[T]:
        """The entries named, in the registry's order; an unknown name is a usage error with a suggestion."""
        wanted = list(dict.fromkeys(names))
        for name in wanted:
            if name not in self._entries:
                known = ", ".join(self._entries)
                raise UsageError(f"unknown {self.kind} {name!r}{did_you_mean(name, self._entries)}; known: {known}")
        return Registry(self.kind, ((n, e) for n, e in self._entries.items() if n in wanted))

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._entries)!r})"

