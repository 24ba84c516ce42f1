"""Modification times that move only when content moves.

Anki's importer ("update notes: if newer") updates a note only when the
package's mtime is newer than the collection's. One timestamp for the whole
package would update nothing or everything (and overwrite users' edits), so
the committed ledger ``cards/ledger.json`` keeps, per card id and per note
type, the hash of what Anki stores and the time that hash first appeared.
A rebuild of unchanged sources reuses every time and so is byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dlflash.errors import DlflashError
from dlflash.fileio import write_atomic

LEDGER_VERSION = 1


@dataclass(frozen=True)
class Entry:
    hash: str
    mtime: int


@dataclass(frozen=True)
class Ledger:
    notes: Mapping[str, Entry]
    notetypes: Mapping[str, Entry]


def content_hash(*parts: object) -> str:
    """A stable hash of JSON-able parts (what Anki will store for one note)."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def now() -> int:
    """Wall-clock seconds, or SOURCE_DATE_EPOCH when set (reproducible-builds.org)."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH")
    return int(fixed) if fixed else int(time.time())


def read_ledger(path: Path) -> Ledger:
    if not path.is_file():
        return Ledger({}, {})
    try:
        data = json.loads(path.read_text("utf-8"))
        return Ledger(
            notes={k: Entry(**v) for k, v in data["notes"].items()},
            notetypes={k: Entry(**v) for k, v in data["notetypes"].items()},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise DlflashError(f"{path}: ledger is not readable ({exc}); restore it from git") from exc


def write_ledger(path: Path, ledger: Ledger) -> None:
    data = {
        "version": LEDGER_VERSION,
        "notetypes": {k: vars(v) for k, v in sorted(ledger.notetypes.items())},
        "notes": {k: vars(v) for k, v in sorted(ledger.notes.items())},
    }
    write_atomic(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def advance(old: Mapping[str, Entry], hashes: Iterable[tuple[str, str]], at: int) -> dict[str, Entry]:
    """Keep the time of every unchanged hash; give changed or new ones a newer time.

    A changed entry gets ``max(at, old + 1)`` so that its time always grows,
    even if the clock is behind the last build. Entries no longer built are
    dropped (they are retired elsewhere).
    """
    result: dict[str, Entry] = {}
    for key, digest in hashes:
        previous = old.get(key)
        if previous is not None and previous.hash == digest:
            result[key] = previous
        else:
            result[key] = Entry(digest, max(at, previous.mtime + 1) if previous else at)
    return result
