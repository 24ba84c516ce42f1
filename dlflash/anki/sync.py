"""Stage: rendered notes straight into an Anki collection (``dlflash sync``).

``plan_sync`` compares the collection with the rendered deck and says what
would change; ``sync_collection`` applies that plan (``plan_collection`` only
computes it, for ``--dry-run``); both take one ``SyncRequest``, so a dry run
plans exactly what a sync would do. The rules, each because of what a learner
keeps in Anki:

- Notes match on GUID (``dlflash.anki.guids``), so renamed cards are followed through
  their aliases and a fixed typo updates the note in place. A GUID is looked up
  across every note type: a note of ours that the learner changed to another
  note type is left alone and reported, never duplicated.
- Only note fields and tags are written, never cards: scheduling, review
  history and the deck a user moved a card to stay as they are.
- A learner's own edit of a field is never overwritten silently. The
  collection remembers (config key ``SYNC_RECORD_KEY``) a hash of the fields
  sync last wrote to each note; a note whose fields differ from that hash was
  edited in Anki and keeps its fields (reported; ``overwrite_edits`` takes the
  deck's version). A note without a record (imported from an ``.apkg``) counts
  as untouched only while its mtime is the ledger's for its card.
- Our tags are the ``dlflash::`` ones; the user's other tags are kept.
- A media file of the learner's with one of our names is kept; ours is stored
  under Anki's importer's name for a clash (``stem-<sha1>.ext``) and our notes
  point at it. A file with our name whose hash sync recorded is our older copy
  and is replaced.
- A note of ours (our note type and a ``dlflash::`` tag) whose card was removed
  is retired: tagged ``dlflash::retired`` and its cards suspended. It is deleted
  only with ``prune``. A retired card that comes back is restored.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

from dlflash.anki import collection as ankicol
from dlflash.anki.ledger import content_hash
from dlflash.anki.notetypes import NOTE_TYPES
from dlflash.anki.tags import OUR_TAG_PREFIX, RETIRED_TAG
from dlflash.errors import CollectionRefused, DlflashError, ProblemsError
from dlflash.model import Problem, RenderedNote

if TYPE_CHECKING:
    from anki.cards import CardId
    from anki.collection import Collection
    from anki.decks import DeckId
    from anki.models import NotetypeDict, NotetypeId
    from anki.notes import Note, NoteId

FIELD_SEPARATOR = "\x1f"  # how Anki joins a note's fields in the notes table
# the collection's config entry where sync remembers what it wrote: {"notes": {guid: hash}, "media": {name: sha1}}
SYNC_RECORD_KEY = "dlflashSync"


@dataclass(frozen=True)
class ExistingNote:
    """One note of the collection, as ``SELECT id, guid, mid, flds, tags, mod FROM notes`` has it."""

    nid: int
    guid: str
    mid: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    mod: int = 0

    @property
    def ours(self) -> bool:
        return self.mid in _OUR_MODEL_IDS and any(_is_ours(t) for t in self.tags)

    @property
    def retired(self) -> bool:
        return any(t.lower() == RETIRED_TAG for t in self.tags)


@dataclass(frozen=True)
class SyncRecord:
    """What sync last wrote into one collection: a hash of each note's fields, the sha1 of each media file."""

    notes: Mapping[str, str]
    media: Mapping[str, str]


EMPTY_RECORD = SyncRecord({}, {})


@dataclass(frozen=True)
class SyncPlan:
    """What a sync does: card ids (or ``guid:...`` for notes whose card is gone)."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    retired: tuple[str, ...]
    unchanged: tuple[str, ...]
    restored: tuple[str, ...] = ()
    pruned: tuple[str, ...] = ()
    notetypes_added: tuple[str, ...] = ()
    notetypes_updated: tuple[str, ...] = ()
    edits_kept: tuple[str, ...] = ()  # edited in Anki, the card did not change: the learner's fields stay
    conflicts: tuple[str, ...] = ()  # edited in Anki and changed in the deck: the learner's fields stay
    other_type: tuple[str, ...] = ()  # our GUID under a note type that is not ours: left alone
    media_renamed: tuple[str, ...] = ()  # "ours -> stored name": the learner has a file of that name

    @property
    def changes(self) -> bool:
        return any(
            (
                self.added,
                self.updated,
                self.retired,
                self.restored,
                self.pruned,
                self.notetypes_added,
                self.notetypes_updated,
            )
        )


_OUR_MODEL_IDS = frozenset(spec.model_id for spec in NOTE_TYPES.values())


def _is_ours(tag: str) -> bool:
    return tag.lower().startswith(OUR_TAG_PREFIX)


def merged_tags(existing: Iterable[str], ours: Iterable[str]) -> tuple[str, ...]:
    """The user's own tags, then ours (the retired tag goes: the card is back or still here)."""
    return (*(t for t in existing if not _is_ours(t)), *ours)


def _same_tags(a: Iterable[str], b: Iterable[str]) -> bool:
    # Anki sorts a note's tags and compares them without case
    return {t.lower() for t in a} == {t.lower() for t in b}


def fields_hash(fields: Sequence[str]) -> str:
    return content_hash(list(fields))


def _take_ours(
    old: ExistingNote, note: RenderedNote, record: SyncRecord, ledger_times: Mapping[str, int]
) -> bool | None:
    """True: the collection has what sync (or an import) last gave it; False: the learner edited it.

    None: their fields and ours differ and nothing says who changed them.
    """
    written = record.notes.get(old.guid)
    if written is not None:
        return fields_hash(old.fields) == written
    # an imported note keeps the package's mtime until someone edits it
    if ledger_times.get(note.card_id) == old.mod:
        return True
    return None


def plan_sync(
    notes: Sequence[RenderedNote],
    existing: Iterable[ExistingNote],
    *,
    names: Mapping[str, str] | None = None,
    prune: bool = False,
    record: SyncRecord = EMPTY_RECORD,
    ledger_times: Mapping[str, int] | None = None,
    overwrite_edits: bool = False,
) -> SyncPlan:
    """Compare rendered notes with the collection's; ``names`` labels gone GUIDs by card id.

    ``record`` is what sync last wrote there; ``ledger_times`` the committed mtime of each card id.
    """
    by_guid = {n.guid: n for n in existing}
    times = ledger_times or {}
    added, updated, restored, unchanged, problems = [], [], [], [], []
    kept: list[str] = []
    conflicts: list[str] = []
    other: list[str] = []
    for note in notes:
        old = by_guid.get(note.guid)
        if old is None:
            added.append(note.card_id)
            continue
        if old.mid not in _OUR_MODEL_IDS:
            other.append(note.card_id)
            continue
        if old.mid != NOTE_TYPES[note.note_type].model_id:
            problems.append(_type_changed(note, old))
            continue
        same_tags = _same_tags(old.tags, merged_tags(old.tags, note.tags))
        if old.fields != note.fields and not overwrite_edits:
            clean = _take_ours(old, note, record, times)
            if clean is not True:
                edited_only = clean is False and record.notes.get(old.guid) == fields_hash(note.fields)
                (kept if edited_only else conflicts).append(note.card_id)
                if old.retired:
                    restored.append(note.card_id)
                continue
        if old.retired:
            restored.append(note.card_id)
        elif old.fields != note.fields or not same_tags:
            updated.append(note.card_id)
        else:
            unchanged.append(note.card_id)
    if problems:
        raise ProblemsError(problems)
    current = {n.guid for n in notes}
    gone = [n for n in by_guid.values() if n.ours and n.guid not in current]
    label = names or {}
    retired = [] if prune else [_label(n, label) for n in gone if not n.retired]
    pruned = [_label(n, label) for n in gone] if prune else []
    return SyncPlan(
        tuple(added),
        tuple(updated),
        tuple(sorted(retired)),
        tuple(unchanged),
        tuple(restored),
        tuple(sorted(pruned)),
        edits_kept=tuple(kept),
        conflicts=tuple(conflicts),
        other_type=tuple(other),
    )


def _label(note: ExistingNote, names: Mapping[str, str]) -> str:
    return names.get(note.guid, f"guid:{note.guid}")


def _type_changed(note: RenderedNote, old: ExistingNote) -> Problem:
    want = NOTE_TYPES[note.note_type].name
    return Problem(
        note.source,
        f"card type must stay what the collection's note has (note type id {old.mid}), not "
        f"{note.note_type!r} ({want!r}): Anki cannot convert a note and keep its cards; "
        "give the card a new id instead",
        note.card_id,
    )


def read_notes(col: Collection) -> tuple[ExistingNote, ...]:
    """Every note, read in one query: fields of our note types as Anki stores them, GUIDs of all.

    Notes of other note types are read (without their fields) so that a GUID of ours
    under another note type is found and never added a second time.
    """
    ids = ",".join(str(i) for i in sorted(_OUR_MODEL_IDS))
    rows = ankicol.db(col).all(
        f"SELECT id, guid, mid, CASE WHEN mid IN ({ids}) THEN flds ELSE '' END, tags, mod FROM notes ORDER BY id"
    )
    return tuple(
        ExistingNote(nid, guid, mid, tuple(flds.split(FIELD_SEPARATOR)), tuple(tags.split()), mod)
        for nid, guid, mid, flds, tags, mod in rows
    )


def read_record(col: Collection) -> SyncRecord:
    """What sync last wrote into this collection (nothing, for one it never synced)."""
    raw = col.get_config(SYNC_RECORD_KEY, None)
    if not isinstance(raw, dict):
        return EMPTY_RECORD
    notes, media = raw.get("notes"), raw.get("media")

    def strings(value: object) -> dict[str, str]:
        if not isinstance(value, dict):
            return {}
        return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}

    return SyncRecord(strings(notes), strings(media))


def _write_record(col: Collection, record: SyncRecord) -> None:
    value = {"notes": dict(sorted(record.notes.items())), "media": dict(sorted(record.media.items()))}
    col.set_config(SYNC_RECORD_KEY, value)


def check_notetypes(col: Collection, path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Refuse a collection whose note type with our id has other fields or lacks our templates.

    Returns the names of our note types to add and of those whose look (templates, CSS) to update.
    """
    to_add, to_update, wrong = [], [], []
    for spec in NOTE_TYPES.values():
        fields = ankicol.field_names(col, spec.model_id)
        name = ankicol.notetype_name(col, spec.model_id)
        if fields is None:
            to_add.append(spec.name)
        elif fields != spec.fields:
            wrong.append(_fields_advice(name or spec.name, spec.model_id, fields, spec.fields))
        elif missing := [n for n, _, _ in spec.templates if n not in ankicol.template_names(col, spec.model_id)]:
            wrong.append(
                f"note type {name!r} (id {spec.model_id}) lacks the card templates {missing}: in Anki, "
                f"Tools > Manage Note Types > {name} > Cards, add them back (or rename a template back)"
            )
        elif ankicol.looks_differ(col, spec):
            to_update.append(spec.name)
    if wrong:
        raise CollectionRefused(
            f"{path}: " + "; ".join(wrong) + ". dlflash writes its notes' fields in this order and would put them "
            "in the wrong places; nothing was changed. Close Anki after the change and sync again"
        )
    return tuple(to_add), tuple(to_update)


def _fields_advice(name: str, model_id: int, have: Sequence[str], want: Sequence[str]) -> str:
    """What to do in Anki so that the note type has our fields again (renaming the note type keeps its id)."""
    extra = [f for f in have if f not in want]
    missing = [f for f in want if f not in have]
    steps = []
    if extra:
        plural = "s" if len(extra) > 1 else ""
        steps.append(f"delete the field{plural} {extra} (copy what you wrote there into Extra first)")
    if missing:
        steps.append(f"add or rename fields back to {missing}")
    if not extra and not missing:
        steps.append(f"reposition the fields to the order {list(want)}")
    return (
        f"note type {name!r} (id {model_id}) has fields {list(have)}, dlflash needs {list(want)}: in Anki, "
        f"Tools > Manage Note Types > {name} > Fields, " + " and ".join(steps)
    )


@dataclass(frozen=True)
class SyncRequest:
    """What to sync into a collection, the same for the plan (``--dry-run``) and for applying it.

    ``names`` labels gone GUIDs by card id; ``ledger_times`` is the committed mtime of each card id.
    """

    notes: Sequence[RenderedNote]
    media: Mapping[str, Path]
    names: Mapping[str, str] = field(default_factory=dict)
    prune: bool = False
    ledger_times: Mapping[str, int] = field(default_factory=dict)
    overwrite_edits: bool = False


def plan_collection(path: Path, request: SyncRequest) -> SyncPlan:
    """The plan for ``path``, computed on a copy so that the file's bytes stay as they are."""
    with ankicol.open_collection(path, copy=True) as col:
        return _plan(col, path, request)[0]


@dataclass(frozen=True)
class _MediaPlan:
    stored: Mapping[str, str]  # our name -> the name it has in the collection
    write: Mapping[str, Path]  # stored name -> our file, for those to (re)write
    record: Mapping[str, str]  # stored name -> sha1, what the record says afterwards


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def clash_name(name: str, sha1: str) -> str:
    """Anki's importer's name for an incoming file whose name is taken: ``stem-<sha1>.ext``."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-{sha1}.{ext}" if dot and stem else f"{name}-{sha1}"


def plan_media(media: Mapping[str, Path], folder: Path, record: Mapping[str, str]) -> _MediaPlan:
    """Where each of our files goes: its name, unless the learner has a different file there."""
    stored, write, after = {}, {}, dict(record)
    for name, source in sorted(media.items()):
        data = source.read_bytes()
        digest = _sha1(data)
        target = folder / name
        have = _sha1(target.read_bytes()) if target.is_file() else None
        if have is not None and have != digest and record.get(name) != have:
            # theirs: keep it, store ours beside it as Anki's importer would
            name_used = clash_name(name, digest)
            alt = folder / name_used
            if not (alt.is_file() and _sha1(alt.read_bytes()) == digest):
                write[name_used] = source
        else:
            name_used = name
            if have != digest:
                write[name] = source
        stored[name] = name_used
        after[name_used] = digest
    return _MediaPlan(stored, write, after)


def _pointing_at(note: RenderedNote, stored: Mapping[str, str]) -> RenderedNote:
    """The note with its ``<img src>`` turned to the names its media have in the collection."""
    renamed = {n: stored[n] for n in note.media if stored.get(n, n) != n}
    if not renamed:
        return note
    fields = note.fields
    for name, new in renamed.items():
        pattern = re.compile(r'(<img\b[^>]*?\bsrc=")' + re.escape(html.escape(name)) + '(")')
        fields = tuple(pattern.sub(r"\g<1>" + html.escape(new).replace("\\", "\\\\") + r"\g<2>", f) for f in fields)
    media = tuple(stored.get(n, n) for n in note.media)
    return replace(note, fields=fields, media=media)


def _plan(
    col: Collection, path: Path, request: SyncRequest
) -> tuple[SyncPlan, tuple[RenderedNote, ...], _MediaPlan, SyncRecord]:
    to_add, to_update = check_notetypes(col, path)
    record = read_record(col)
    files = plan_media(request.media, ankicol.media_folder(path), record.media)
    shipped = tuple(_pointing_at(n, files.stored) for n in request.notes)
    plan = plan_sync(
        shipped,
        read_notes(col),
        names=request.names,
        prune=request.prune,
        record=record,
        ledger_times=request.ledger_times,
        overwrite_edits=request.overwrite_edits,
    )
    renamed = tuple(f"{ours} -> {theirs}" for ours, theirs in sorted(files.stored.items()) if ours != theirs)
    return (
        replace(plan, notetypes_added=to_add, notetypes_updated=to_update, media_renamed=renamed),
        shipped,
        files,
        record,
    )


def sync_collection(path: Path, request: SyncRequest) -> SyncPlan:
    """Apply the plan to the collection at ``path``; return what was done."""
    with ankicol.open_collection(path) as col:
        plan, shipped, files, record = _plan(col, path, request)
        for spec in NOTE_TYPES.values():
            if spec.name in plan.notetypes_added:
                ankicol.install_notetype(col, spec)
        if not plan.notetypes_added:
            _apply(col, plan, shipped, files, record)
            return plan
    # col.models caches note types: the installed ids are only seen after a reopen
    with ankicol.open_collection(path) as col:
        _apply(col, plan, shipped, files, record)
    return plan


def _apply(
    col: Collection, plan: SyncPlan, notes: Sequence[RenderedNote], files: _MediaPlan, record: SyncRecord
) -> None:
    # media first: a note never points at a file that is not there yet
    for name, source in sorted(files.write.items()):
        _write_media(col, name, source)
    for spec in NOTE_TYPES.values():
        ankicol.refresh_looks(col, spec)
    existing = {n.guid: n for n in read_notes(col)}
    by_id = {n.card_id: n for n in notes}
    for card_id in plan.added:
        _add(col, by_id[card_id])
    kept = {*plan.edits_kept, *plan.conflicts}
    changed = [*plan.updated, *plan.restored]
    col.update_notes([_updated(col, existing[by_id[c].guid], by_id[c], c not in kept) for c in changed])
    # a kept note still gets our tags (the learner's own stay): only its fields are theirs
    retagged = [
        by_id[c]
        for c in kept - set(plan.restored)
        if not _same_tags(existing[by_id[c].guid].tags, merged_tags(existing[by_id[c].guid].tags, by_id[c].tags))
    ]
    col.update_notes([_updated(col, existing[n.guid], n, False) for n in retagged])
    restored = [existing[by_id[c].guid].nid for c in plan.restored]
    if restored:
        col.sched.unsuspend_cards(_card_ids(col, restored))
    gone = [n for n in existing.values() if n.ours and n.guid not in {x.guid for x in notes}]
    if plan.pruned:
        col.remove_notes(cast("list[NoteId]", [n.nid for n in gone]))
    elif plan.retired:
        _retire(col, [n for n in gone if not n.retired])
    written = dict(record.notes)
    for note in notes:
        if note.card_id not in kept and note.card_id not in plan.other_type:
            written[note.guid] = fields_hash(note.fields)
    for old in gone if plan.pruned else ():
        written.pop(old.guid, None)
    _write_record(col, SyncRecord(written, files.record))


def _add(col: Collection, note: RenderedNote) -> None:
    notetype = col.models.get(cast("NotetypeId", NOTE_TYPES[note.note_type].model_id))
    new = col.new_note(cast("NotetypeDict", notetype))
    new.guid = note.guid
    new.fields = list(note.fields)
    new.tags = list(note.tags)
    deck = col.decks.id(note.deck_name)
    col.add_note(new, cast("DeckId", deck))


def _updated(col: Collection, old: ExistingNote, note: RenderedNote, fields: bool = True) -> Note:
    anki_note = col.get_note(cast("NoteId", old.nid))
    if fields:
        anki_note.fields = list(note.fields)
    anki_note.tags = list(merged_tags(old.tags, note.tags))
    return anki_note


def _retire(col: Collection, gone: Sequence[ExistingNote]) -> None:
    retired = []
    for old in gone:
        anki_note = col.get_note(cast("NoteId", old.nid))
        anki_note.tags = [*old.tags, RETIRED_TAG]
        retired.append(anki_note)
    col.update_notes(retired)
    col.sched.suspend_cards(_card_ids(col, [n.nid for n in gone]))


def _card_ids(col: Collection, nids: Sequence[int]) -> list[CardId]:
    marks = ",".join(str(n) for n in nids)
    return cast("list[CardId]", ankicol.db(col).list(f"SELECT id FROM cards WHERE nid IN ({marks}) ORDER BY id"))


def _write_media(col: Collection, name: str, source: Path) -> None:
    """Write one file the media plan chose: a new name, or our own older file of that name."""
    target = Path(col.media.dir()) / name
    # write_data would rename on a clash; the plan already chose the name (and checked whose file it is)
    target.unlink(missing_ok=True)
    used = col.media.write_data(name, source.read_bytes())
    if used != name:
        raise DlflashError(f"{target}: Anki stored the media file as {used!r}; sync again")
