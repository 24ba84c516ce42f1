"""Stage: rendered notes to ``build/deep-learning.apkg`` with genanki, byte-reproducibly.

genanki writes one timestamp into every note and the wall clock into the zip;
we give each note and note type its ledger time instead (see ``ledger``), fix
the zip's entry times and order, and number media by sorted name, so that the
same sources and ledger always give the same bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import genanki

from dlflash.anki import notetypes
from dlflash.anki.ledger import Entry, Ledger, advance, content_hash
from dlflash.anki.notetypes import NOTE_TYPES, NoteTypeSpec, genanki_model
from dlflash.errors import DlflashError
from dlflash.fileio import write_atomic
from dlflash.model import RenderedNote

# genanki derives note and card ids from a counter; a fixed start keeps them stable.
ID_BASE = 1_600_000_000_000
# zip entry times are part of the bytes; this is the earliest a zip can hold.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Package:
    """What the .apkg holds, before it is written."""

    notes: tuple[RenderedNote, ...]
    media: Mapping[str, Path]  # bare name -> file
    ledger: Ledger
    descriptions: Mapping[str, str] = field(default_factory=dict)  # deck name -> overview HTML


class _TimedNote(genanki.Note):  # type: ignore[misc]
    """A genanki note whose note and card mtime is its own, not the package's."""

    def __init__(self, mtime: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mtime = mtime

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        super().write_to_db(cursor, self.mtime, deck_id, id_gen)


def notetype_hash(spec: NoteTypeSpec) -> str:
    return content_hash(spec.model_id, spec.name, spec.fields, spec.templates, notetypes.deck_css())


def note_hash(note: RenderedNote) -> str:
    # what an import replaces: fields, tags, the note type (guid is the key itself)
    return content_hash(note.note_type, note.fields, note.tags, note.guid)


def plan_package(
    notes: Sequence[RenderedNote],
    media: Mapping[str, Path],
    old: Ledger,
    at: int,
    descriptions: Mapping[str, str] | None = None,
) -> Package:
    """Pair the notes with ledger times: unchanged content keeps its time.

    ``descriptions`` (deck name -> HTML) fill the decks' overview pages; a parent deck named
    there is written even though it holds no notes of its own, so that its page is not bare.
    """
    ledger = Ledger(
        notes=advance(old.notes, ((n.card_id, note_hash(n)) for n in notes), at),
        notetypes=advance(old.notetypes, ((s.name, notetype_hash(s)) for s in NOTE_TYPES.values()), at),
    )
    return Package(tuple(notes), dict(media), ledger, dict(descriptions or {}))


def deck_id(name: str) -> int:
    """Decks match on name in Anki; the id only has to be stable and in range."""
    return (1 << 30) | int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:7], 16)


def write_package(package: Package, out: Path) -> None:
    """Write the .apkg atomically; the previous file stays intact on any failure."""
    with tempfile.TemporaryDirectory(prefix="dlflash-") as tmp:
        db = Path(tmp) / "collection.anki2"
        _write_collection(package, db)
        write_atomic(out, _zip_bytes(db, package.media, Path(tmp) / "out.apkg"))


def _write_collection(package: Package, db: Path) -> None:
    models = {t: genanki_model(spec) for t, spec in NOTE_TYPES.items()}
    decks: dict[str, genanki.Deck] = {}

    def deck_named(name: str) -> genanki.Deck:
        description = package.descriptions.get(name, "")
        return decks.setdefault(name, genanki.Deck(deck_id(name), name, description=description))

    used = {n.deck_name for n in package.notes}
    for name in package.descriptions:  # parents first, so Anki makes them before their children
        if any(d == name or d.startswith(f"{name}::") for d in used):
            deck_named(name)
    for position, note in enumerate(package.notes):
        deck = deck_named(note.deck_name)
        deck.add_note(
            _TimedNote(
                package.ledger.notes[note.card_id].mtime,
                model=models[note.note_type],
                fields=list(note.fields),
                tags=list(note.tags),
                guid=note.guid,
                due=position,
            )
        )
    conn = sqlite3.connect(db)
    try:
        cursor = conn.cursor()
        # the notetype time is set below; genanki's `timestamp` only reaches the models
        genanki.Package(list(decks.values())).write_to_db(cursor, 0, itertools.count(ID_BASE))
        _set_notetype_times(cursor, package.ledger.notetypes)
        conn.commit()
    except (sqlite3.Error, ValueError, TypeError) as exc:
        raise DlflashError(f"could not write the deck's collection: {exc}") from exc
    finally:
        conn.close()


def _set_notetype_times(cursor: sqlite3.Cursor, times: Mapping[str, Entry]) -> None:
    (models_json,) = cursor.execute("SELECT models FROM col").fetchone()
    models = json.loads(models_json)
    by_id = {str(spec.model_id): spec.name for spec in NOTE_TYPES.values()}
    for model_id, model in models.items():
        if model_id in by_id:
            model["mod"] = times[by_id[model_id]].mtime
    cursor.execute("UPDATE col SET models = ?", (json.dumps(models, sort_keys=True),))


def _zip_bytes(db: Path, media: Mapping[str, Path], scratch: Path) -> bytes:
    names = sorted(media)
    with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        _add(out, "collection.anki2", db.read_bytes())
        _add(out, "media", json.dumps({str(i): n for i, n in enumerate(names)}).encode())
        for index, name in enumerate(names):
            _add(out, str(index), media[name].read_bytes())
    return scratch.read_bytes()


def _add(out: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    out.writestr(info, data)
