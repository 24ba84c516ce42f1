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
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlflash.errors import DlflashError
from dlflash.fileio import write_atomic
from dlflash.sources.cards import ID_RE

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


# Anki keeps a note's mtime as an unsigned 32-bit number of seconds: a negative or larger one wraps
MTIME_MAX = 2**32 - 1
HASH_RE = re.compile(r"^[0-9a-f]{16}$")


def read_ledger(path: Path) -> Ledger:
    """The committed ledger; every entry checked (ids like card ids, hashes, mtimes Anki can store)."""
    if not path.is_file():
        return Ledger({}, {})
    try:
        data = json.loads(path.read_text("utf-8"), object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        raise _unreadable(path, str(exc)) from exc
    problems = list(_ledger_problems(data))
    if problems:
        raise _unreadable(path, "; ".join(problems))
    return Ledger(
        notes={k: Entry(v["hash"], v["mtime"]) for k, v in data["notes"].items()},
        notetypes={k: Entry(v["hash"], v["mtime"]) for k, v in data["notetypes"].items()},
    )


def _unreadable(path: Path, why: str) -> DlflashError:
    return DlflashError(f"{path}: ledger is not readable ({why}); restore it from git")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # counted once: list.count per key made reading a 100,000-note ledger quadratic (minutes)
    counts = Counter(k for k, _ in pairs)
    if twice := sorted(k for k, n in counts.items() if n > 1):
        raise ValueError(f"each key must appear once, {twice[0]!r} appears twice")
    return dict(pairs)


def _ledger_problems(data: object) -> Iterator[str]:
    if not isinstance(data, dict):
        yield f"the ledger must be a JSON object, not {type(data).__name__}"
        return
    if data.get("version") != LEDGER_VERSION:
        yield f"'version' must be {LEDGER_VERSION}: {data.get('version')!r}"
    for section in ("notetypes", "notes"):
        entries = data.get(section)
        if not isinstance(entries, dict):
            yield f"{section!r} must be an object of entries: {entries!r}"[:200]
            continue
        for key, entry in entries.items():
            if section == "notes" and not ID_RE.match(key):
                yield f"a note key must be a card id in kebab-case: {key!r}"
            yield from (f"{section}[{key!r}]: {p}" for p in _entry_problems(entry))


def _entry_problems(entry: object) -> Iterator[str]:
    if not isinstance(entry, dict) or set(entry) != {"hash", "mtime"}:
        yield f"an entry must be {{\"hash\": ..., \"mtime\": ...}}: {entry!r}"[:200]
        return
    digest, mtime = entry["hash"], entry["mtime"]
    if not isinstance(digest, str) or not HASH_RE.match(digest):
        yield f"'hash' must be 16 hex digits: {digest!r}"
    if type(mtime) is not int or not 0 < mtime <= MTIME_MAX:
        yield f"'mtime' must be whole seconds from 1 to {MTIME_MAX}: {mtime!r}"


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
