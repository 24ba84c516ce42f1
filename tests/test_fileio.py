"""`--out` and every other output: never half a file, never a replaced device, FIFO or symlink."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from dlflash.errors import WriteFailed
from dlflash.fileio import write_atomic


def test_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    out.write_bytes(b"old")
    write_atomic(out, b"new")
    assert out.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["deck.apkg"]


def device(tmp_path: Path, name: str, minor: int) -> Path:
    """A copy of /dev/null (minor 3) or /dev/full (minor 7) in tmp_path where mknod is allowed, else the real one."""
    node = tmp_path / name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError:
        return Path("/dev") / name
    return node


def test_a_character_device_is_written_as_a_stream_and_stays_a_device(tmp_path: Path) -> None:
    null = device(tmp_path, "null", 3)
    before = null.stat()
    write_atomic(null, b"x" * 100_000)
    after = null.stat()
    assert (after.st_ino, after.st_rdev, after.st_mode) == (before.st_ino, before.st_rdev, before.st_mode)


def test_a_full_device_is_reported_not_called_a_success(tmp_path: Path) -> None:
    full = device(tmp_path, "full", 7)
    with pytest.raises(WriteFailed, match=r"full: cannot write: No space left on device"):
        write_atomic(full, b"x" * 10)
    assert full.is_char_device()


def test_a_fifo_is_written_as_a_stream_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, b"deck bytes" * 10_000)
    reader.join(10)
    assert got == [b"deck bytes" * 10_000]
    assert fifo.is_fifo()


def test_a_symlink_is_followed_deliberately_the_link_stays_and_its_target_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "deck.apkg"
    target.write_bytes(b"old")
    link = tmp_path / "deck.apkg"
    link.symlink_to(target)

    write_atomic(link, b"new")

    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new"


def test_a_directory_or_socket_is_refused_by_name(tmp_path: Path) -> None:
    import socket

    sock_path = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        with pytest.raises(WriteFailed, match=r"s: cannot write: not a regular file, character device or FIFO"):
            write_atomic(sock_path, b"x")
    finally:
        server.close()

