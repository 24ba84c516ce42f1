"""Writing output so that a failed or interrupted run never leaves half a file; one build at a time.

``--out`` may name something other than a regular file: a character device or
a FIFO (``/dev/stdout``, ``>(cmd)``) is written as a stream, never replaced; a
symlink is followed, so the file it points at is replaced and the link stays;
anything else that is not a regular file is refused. A failed write (a full
disk, a read-only folder) is a ``DlflashError`` naming the file, and the
previous file stays as it was.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dlflash.errors import DlflashError, WriteFailed


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path`` (or stream to a device)."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise WriteFailed(f"{path}: cannot write: {exc.strerror}") from exc
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        _write_stream(path, target, data)
    elif mode is not None and not stat.S_ISREG(mode):
        raise WriteFailed(f"{path}: cannot write: not a regular file, character device or FIFO")
    else:
        _replace(path, target, data)


def _write_stream(path: Path, target: Path, data: bytes) -> None:
    # a device or pipe cannot be renamed over, and replacing it would break whatever reads it
    try:
        with target.open("wb", buffering=0) as handle:
            view = memoryview(data)
            while view:
                view = view[handle.write(view) or 0 :]
    except OSError as exc:
        raise WriteFailed(f"{path}: cannot write: {exc.strerror}") from exc


def _replace(path: Path, target: Path, data: bytes) -> None:
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            # a full disk may only say so when the data reaches it
            os.fsync(handle.fileno())
        # mkstemp makes 0600 files; outputs are ordinary files others may read
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise WriteFailed(f"{path}: cannot write: {exc.strerror or exc}; the previous file is unchanged") from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


@contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (waiting for it); other holders of it wait meanwhile.

    The lock is ``flock`` on the folder itself, so no lock file is left behind, and
    the kernel drops it when the holder dies (``kill -9`` included).
    """
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise DlflashError(f"{folder}: cannot lock the folder: {exc.strerror}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
