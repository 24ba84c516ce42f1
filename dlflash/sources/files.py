"""Stage 0 of loading: a source file's bytes, only from an ordinary file inside the project.

Every file the project reads as input (card files, the cheatsheet, ``skip.yaml``,
``coverage.lock``, ``retired.yaml``, media) comes through here, so that each is
refused the same way, as one located problem (``file:1: message``, exit 1):

- a symbolic link that leads out of the project: its target's bytes would be
  packed into the ``.apkg`` or read as cards;
- anything but a regular file: ``/dev/zero`` reads forever, a FIFO blocks the
  build, a directory named ``NN-x.yaml`` is not a card file;
- a text file larger than ``MAX_SOURCE_BYTES`` (read no further than that), or
  not UTF-8 (the line of the first bad byte is named).

The file is opened without blocking and checked with ``fstat`` on the open
descriptor, so what is checked is what is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dlflash.errors import SourceFileError

# ~100 times the largest source file (a 43 KB card file, a 21 KB cheatsheet)
MAX_SOURCE_BYTES = 4_000_000
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def present(path: Path) -> bool:
    """Whether ``path`` is there at all: a FIFO, a directory or a dangling link is there, and refused
    when read, never silently taken for a missing file."""
    return path.exists() or path.is_symlink()


def read_source_bytes(path: Path, project_root: Path | None = None, limit: int | None = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of ``path``, a regular file inside ``project_root`` (after following links).

    ``project_root`` defaults to the parent of the folder holding ``path``: every
    source file but media sits in the cards folder.
    """
    fd, _resolved = _open_regular(path, project_root or path.parent.resolve().parent, limit)
    try:
        return _read_all(fd, path, limit)
    except OSError as exc:
        raise SourceFileError(path, f"file cannot be read: {_reason(exc)}") from exc
    finally:
        os.close(fd)


def regular_file(path: Path, project_root: Path) -> Path:
    """``path`` resolved, once it is known to be a readable regular file inside ``project_root``."""
    fd, resolved = _open_regular(path, project_root, None)
    os.close(fd)
    return resolved


def _open_regular(path: Path, project_root: Path, limit: int | None) -> tuple[int, Path]:
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError as exc:
        target = f" (a symbolic link to {os.readlink(path)!r}, which does not exist)" if path.is_symlink() else ""
        raise SourceFileError(path, f"file not found{target}") from exc
    except (OSError, RuntimeError) as exc:  # a loop of links
        raise SourceFileError(path, f"file cannot be read: {_reason(exc)}") from exc
    root = project_root.resolve()
    if not resolved.is_relative_to(root):
        message = f"a symbolic link must not lead out of the project ({root}): it leads to {str(resolved)!r}"
        raise SourceFileError(path, message)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: no link swapped in since
        fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise SourceFileError(path, f"file cannot be read: {_reason(exc)}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
            raise SourceFileError(path, f"must be a regular file, not {kind}")
        if limit is not None and info.st_size > limit:
            raise SourceFileError(path, f"file must be at most {limit} bytes, not {info.st_size}")
    except BaseException:
        os.close(fd)
        raise
    return fd, resolved


def read_source_text(path: Path, project_root: Path | None = None, limit: int | None = MAX_SOURCE_BYTES) -> str:
    """``read_source_bytes`` decoded as UTF-8; a bad byte is reported at its line."""
    data = read_source_bytes(path, project_root, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFileError(path, f"file must be UTF-8: byte {data[exc.start]:#04x} is not", line) from exc


def _read_all(fd: int, path: Path, limit: int | None) -> bytes:
    # st_size can lie (files in /proc, a file still growing): never read past the limit
    chunks: list[bytes] = []
    total = 0
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
        total += len(chunk)
        if limit is not None and total > limit:
            raise SourceFileError(path, f"file must be at most {limit} bytes, not more")
    return b"".join(chunks)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
