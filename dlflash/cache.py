"""Base: the result cache under ``build/cache/``, so that a rebuild redoes only the work whose inputs changed.

A table is one file ``build/cache/<kind>/<name>.json``: a JSON header line (format and the
sha256 of the rest), then its entries as JSON, key -> value. The key is the sha256 of everything the value
depends on: the stage's inputs (a card's content in a canonical form, a
formula, a TeX string...), the source of the dlflash package, the versions of
the libraries that compute it, and whatever the caller adds (the reference's
source, the MathJax version). An entry that is missing, unreadable, for another
key or whose value does not match its checksum is a miss: the caller computes
the value again and the entry is rewritten (atomically, so an interrupted run
leaves no half entry). The output is therefore the same with and without the
cache; ``DLFLASH_CACHE=off`` turns it off.

Where a value is location-free (a note's fields, a formula's verdict), the
``Source`` fields (file and line) are left out of its key, so that a card moved
or shifted by an edit above it is still found.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from dlflash.fileio import write_atomic
from dlflash.model import Problem, Source

CACHE_ENV = "DLFLASH_CACHE"
CACHE_DIR = Path("build") / "cache"  # beside the cards folder, in the project's build outputs
FORMAT = 2  # bump when the entry layout changes
PACKAGE_DIR = Path(__file__).resolve().parent
# what the text stages run on: markdown-it-py and its plugins, Pygments for code
TEXT_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "Pygments")


def canonical(value: Any) -> Any:
    """A JSON-able form of a (frozen dataclass) value, the same on every run.

    Locations are left out: ``Source`` fields and fields marked ``metadata={"location": True}``.
    """
    kind = type(value)
    # the exact built-in types first: a key of 10,000 cards walks about half a million values
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if kind is tuple or kind is list:
        return [canonical(v) for v in value]
    if kind is dict:
        return {str(k): canonical(v) for k, v in sorted(value.items())}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            name: canonical(field)
            for name in _kept_fields(kind)
            if not isinstance(field := getattr(value, name), Source)
        }
    if isinstance(value, tuple | list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"no canonical form for {type(value).__name__}")


_KEPT: dict[type, tuple[str, ...]] = {}


def _kept_fields(cls: type) -> tuple[str, ...]:
    """The fields of a dataclass that keys include: all but those marked as locations (found once per class)."""
    kept = _KEPT.get(cls)
    if kept is None:
        kept = _KEPT[cls] = tuple(f.name for f in dataclasses.fields(cls) if not f.metadata.get("location"))
    return kept


def digest(*parts: Any) -> str:
    """sha256 of the parts' canonical JSON (``canonical`` already puts every mapping in one order)."""
    text = json.dumps([canonical(p) for p in parts], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """sha256 over the files' paths (relative to ``root``) and bytes, in path order."""
    sha = hashlib.sha256()
    for path in sorted(paths):
        sha.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
        sha.update(path.read_bytes() + b"\0")
    return sha.hexdigest()


@cache
def code_digest() -> str:
    """The dlflash package's source (modules, scripts, styles): any change to the code misses every entry."""
    files = (p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return files_digest(files, PACKAGE_DIR)


@cache
def versions(*distributions: str) -> tuple[tuple[str, str], ...]:
    """The installed versions of ``distributions``, read from their metadata (nothing is imported)."""
    found = []
    for name in distributions:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, "absent"))
    return tuple(found)


class Cache:
    """The tables of one project; ``folder`` None is no cache at all (every lookup misses, nothing is written).

    A table (``build/cache/<kind>/<name>.json``) maps keys to values; a run reads a
    table, looks up each item's key, computes what is missing and saves the table
    with exactly the entries it used, so stale entries do not pile up.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @classmethod
    def for_cards(cls, cards_dir: Path) -> Cache:
        """``build/cache`` beside the cards folder, unless ``DLFLASH_CACHE=off``."""
        if os.environ.get(CACHE_ENV, "").lower() in ("off", "0", "no"):
            return cls(None)
        return cls(cards_dir.resolve().parent / CACHE_DIR)

    def key(self, kind: str, *parts: Any) -> str:
        """The key of a value of ``kind`` computed from ``parts`` by this code."""
        return digest(FORMAT, kind, code_digest(), *parts)

    def _path(self, kind: str, name: str) -> Path:
        assert self.folder is not None
        return self.folder / kind / f"{name}.json"

    def table(self, kind: str, name: str) -> dict[str, Any]:
        """The entries of a table; empty when it is missing, unreadable or fails its checksum."""
        if self.folder is None:
            return {}
        try:
            header, _, body = self._path(kind, name).read_bytes().partition(b"\n")
            stored = json.loads(header)
            # the checksum is over the entries' bytes as written: no re-encoding of a large table to verify it
            if stored["format"] != FORMAT or stored["sha256"] != hashlib.sha256(body).hexdigest():
                return {}
            entries = json.loads(body)
        except (OSError, ValueError, KeyError, TypeError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def save(self, kind: str, name: str, entries: dict[str, Any], old: dict[str, Any] | None = None) -> None:
        """Write the table (atomically) unless it holds exactly ``old``: a header line, then the entries."""
        if self.folder is None or entries == old:
            return
        body = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        header = json.dumps({"format": FORMAT, "sha256": hashlib.sha256(body).hexdigest()}).encode("utf-8")
        write_atomic(self._path(kind, name), header + b"\n" + body)

    def lookup(self, kind: str, name: str, keys: dict[str, Callable[[], Any]]) -> dict[str, Any]:
        """Each key's value: the table's where it holds one, else computed; the table then holds exactly these."""
        old = self.table(kind, name)
        entries = {key: old[key] if key in old else make() for key, make in keys.items()}
        self.save(kind, name, entries, old)
        return entries


NO_CACHE = Cache(None)


def encode_problem(problem: Problem, anchor: Source) -> dict[str, Any]:
    """A problem of a card's, its line kept relative to the card's so that a moved card's entry still holds."""
    same = problem.source.path == anchor.path
    return {
        "path": None if same else problem.source.path,
        "line": problem.source.line - anchor.line if same else problem.source.line,
        "message": problem.message,
        "card_id": problem.card_id,
        "severity": problem.severity,
    }


def decode_problem(value: dict[str, Any], anchor: Source) -> Problem:
    path = value["path"]
    line = int(value["line"]) + (anchor.line if path is None else 0)
    card_id = value["card_id"]
    where = Source(anchor.path if path is None else str(path), line)
    message, who = str(value["message"]), None if card_id is None else str(card_id)
    return Problem(where, message, who, "warning") if value["severity"] == "warning" else Problem(where, message, who)
