"""A consistent, read-only snapshot of a learner's collection (``dlflash health``, ``stats --collection``).

Owns the rule that reading never writes: the collection file is copied with
SQLite's online backup API (a consistent copy even of a database another
reader has open) into a temporary folder, and only the copy is opened with
the ``anki`` package, which may rewrite a file it opens. A collection Anki
holds open is refused with the same message ``dlflash sync`` gives: Anki
keeps SQLite's lock in exclusive mode, and a backup from it does not fail but
waits until Anki closes, so the lock is looked at first with ``F_GETLK``,
which asks the kernel who holds a lock and takes none.
"""

from __future__ import annotations

import os
import sqlite3
import struct
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
    holder = lock_holder(path)
    if holder is not None:
        raise CollectionRefused(_locked_message(path, f"process {holder} holds its write lock"))
    with tempfile.TemporaryDirectory(prefix="dlflash-read-") as tmp:
        target = Path(tmp) / "collection.anki2"
        _backup(path, target)
        try:
            col = Collection(str(target))
        except AnkiException as exc:
            raise CollectionRefused(f"{path}: not a usable Anki collection: {exc}") from exc
        try:
            yield col
        except AnkiException as exc:
            # the backend refusing a query on the copy (a search, the optimizer, the simulator)
            raise CollectionRefused(f"{path}: Anki failed on a copy of it: {exc}; nothing was changed") from exc
        finally:
            col.close()


# SQLite's lock bytes in the database file (os_unix.c): PENDING, RESERVED, then the SHARED range
_PENDING_BYTE = 0x40000000
_LOCK_BYTES = 2 + 510


def lock_holder(path: Path) -> int | None:
    """The id of another process holding a write lock on the collection's SQLite lock bytes, if any.

    A write lock there is a writer or a connection in exclusive locking mode (Anki); a reader's shared
    lock is no reason to refuse, the backup copies a consistent state beside it. POSIX only: on
    Windows, SQLite's locks are mandatory and the backup itself fails with "locked".
    """
    try:
        import fcntl
    except ImportError:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, _PENDING_BYTE, _LOCK_BYTES, 0)
        kind, _, _, _, pid = struct.unpack("hhqqi", fcntl.fcntl(fd, fcntl.F_GETLK, query))
    finally:
        os.close(fd)
    return pid if kind == fcntl.F_WRLCK else None


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
