"""A consistent, read-only snapshot of a learner's collection (``dlflash health``, ``stats --collection``).

Owns the rule that reading never writes: the collection file is copied with
SQLite's online backup API (a consistent copy even of a database another
reader has open) into a temporary folder, and only the copy is opened with
the ``anki`` package, which may rewrite a file it opens. A collection Anki
holds open is refused with the same message ``dlflash sync`` gives.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dlflash.anki.collection import _locked_message
from dlflash.errors import CollectionRefused, UsageError

if TYPE_CHECKING:
    from anki.collection import Collection


@contextmanager
def collection_snapshot(path: Path) -> Iterator[Collection]:
    """Open a throw-away copy of the collection at ``path``; the file itself is only read."""
    # no read-write lock probe as sync makes: closing a read-write connection can checkpoint the
    # write-ahead log into the file; a read-only backup fails by itself when Anki holds the lock
    if not path.is_file():
        raise UsageError(f"collection not found: {str(path)!r}")
    try:
        from anki.collection import Collection
        from anki.errors import AnkiException
    except ImportError as exc:
        raise UsageError("reading a collection needs the anki package: pip install anki==26.9.3") from exc
    with tempfile.TemporaryDirectory(prefix="dlflash-read-") as tmp:
        target = Path(tmp) / "collection.anki2"
        _backup(path, target)
        try:
            col = Collection(str(target))
        except AnkiException as exc:
            raise CollectionRefused(f"{path}: not a usable Anki collection: {exc}") from exc
        try:
            yield col
        finally:
            col.close()


def _backup(path: Path, target: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            raise CollectionRefused(_locked_message(path, str(exc))) from exc
        raise CollectionRefused(f"{path}: cannot read the collection file ({exc}); nothing was changed") from exc
