"""Stage: rendered notes straight into an Anki collection (``dlflash sync``).

``plan_sync`` compares the collection with the rendered deck and says what
would change; ``sync_collection`` applies that plan. The rules, each because of
what a learner keeps in Anki:

- Notes match on GUID (``dlflash.anki.guids``), so renamed cards are followed through
  their aliases and a fixed typo updates the note in place.
- Only note fields and tags are written, never cards: scheduling, review
  history and the deck a user moved a card to stay as they are.
- Our tags are the ``dlflash::`` ones; the user's other tags are kept.
- A note of ours (our note type and a ``dlflash::`` tag) whose card was removed
  is retired: tagged ``dlflash::retired`` and its cards suspended. It is deleted
  only with ``prune``. A retired card that comes back is restored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from dlflash.anki import collection as ankicol
from dlflash.anki.notetypes import NOTE_TYPES
from dlflash.anki.tags import OUR_TAG_PREFIX, RETIRED_TAG
from dlflash.errors import CollectionRefused, ProblemsError
from dlflash.model import Problem, RenderedNote

if TYPE_CHECKING:
    from anki.cards import CardId
    from anki.collection import Collection
    from anki.decks import DeckId
    from anki.models import NotetypeDict, NotetypeId
    from anki.notes import Note, NoteId

FIELD_SEPARATOR = "\x1f"  # how Anki joins a note's fields in the notes table


@dataclass(frozen=True)
class ExistingNote:
    """One note of the collection, as ``SELECT id, guid, mid, flds, tags FROM notes`` has it."""

    nid: int
    guid: str
    mid: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def ours(self) -> bool:
        return self.mid in _OUR_MODEL_IDS and any(_is_ours(t) for t in self.tags)

    @property
    def retired(self) -> bool:
        return any(t.lower() == RETIRED_TAG for t in self.tags)


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


def plan_sync(
    notes: Sequence[RenderedNote],
    existing: Iterable[ExistingNote],
    *,
    names: Mapping[str, str] | None = None,
    prune: bool = False,
) -> SyncPlan:
    """Compare rendered notes with the collection's; ``names`` labels gone GUIDs by card id."""
    by_guid = {n.guid: n for n in existing}
    added, updated, restored, unchanged, problems = [], [], [], [], []
    for note in notes:
        old = by_guid.get(note.guid)
        if old is None:
            added.append(note.card_id)
        elif old.mid != NOTE_TYPES[note.note_type].model_id:
            problems.append(_type_changed(note, old))
        elif old.retired:
            restored.append(note.card_id)
        elif old.fields != note.fields or not _same_tags(old.tags, merged_tags(old.tags, note.tags)):
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
        tuple(added), tuple(updated), tuple(sorted(retired)), tuple(unchanged), tuple(restored), tuple(sorted(pruned))
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
    """Every note of our note types, read in one query (fields as Anki stores them)."""
    ids = ",".join(str(i) for i in sorted(_OUR_MODEL_IDS))
    rows = ankicol.db(col).all(f"SELECT id, guid, mid, flds, tags FROM notes WHERE mid IN ({ids}) ORDER BY id")
    return tuple(
        ExistingNote(nid, guid, mid, tuple(flds.split(FIELD_SEPARATOR)), tuple(tags.split()))
        for nid, guid, mid, flds, tags in rows
    )


def check_notetypes(col: Collection, path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Refuse a collection whose note type with our id has other fields or lacks our templates.

    Returns the names of our note types to add and of those whose look (templates, CSS) to update.
    """
    to_add, to_update, wrong = [], [], []
    for spec in NOTE_TYPES.values():
        fields = ankicol.field_names(col, spec.model_id)
        if fields is None:
            to_add.append(spec.name)
        elif fields != spec.fields:
            wrong.append(f"note type {spec.model_id} has fields {list(fields)}, dlflash needs {list(spec.fields)}")
        elif missing := [n for n, _, _ in spec.templates if n not in ankicol.template_names(col, spec.model_id)]:
            wrong.append(f"note type {spec.model_id} lacks the card templates {missing}")
        elif ankicol.looks_differ(col, spec):
            to_update.append(spec.name)
    if wrong:
        raise CollectionRefused(
            f"{path}: " + "; ".join(wrong) + ". Anki would treat dlflash's notes as another note type; "
            "nothing was changed (rename the note type in Anki and sync again to get a fresh copy)"
        )
    return tuple(to_add), tuple(to_update)


def plan_collection(
    path: Path, notes: Sequence[RenderedNote], names: Mapping[str, str] | None = None, prune: bool = False
) -> SyncPlan:
    """The plan for ``path``, computed on a copy so that the file's bytes stay as they are."""
    with ankicol.open_collection(path, copy=True) as col:
        return _plan(col, path, notes, names, prune)


def _plan(
    col: Collection, path: Path, notes: Sequence[RenderedNote], names: Mapping[str, str] | None, prune: bool
) -> SyncPlan:
    to_add, to_update = check_notetypes(col, path)
    plan = plan_sync(notes, read_notes(col), names=names, prune=prune)
    return SyncPlan(
        plan.added, plan.updated, plan.retired, plan.unchanged, plan.restored, plan.pruned, to_add, to_update
    )


def sync_collection(
    path: Path,
    notes: Sequence[RenderedNote],
    media: Mapping[str, Path],
    names: Mapping[str, str] | None = None,
    prune: bool = False,
) -> SyncPlan:
    """Apply the plan to the collection at ``path``; return what was done."""
    with ankicol.open_collection(path) as col:
        plan = _plan(col, path, notes, names, prune)
        for spec in NOTE_TYPES.values():
            if spec.name in plan.notetypes_added:
                ankicol.install_notetype(col, spec)
        if not plan.notetypes_added:
            _apply(col, plan, notes, media)
            return plan
    # col.models caches note types: the installed ids are only seen after a reopen
    with ankicol.open_collection(path) as col:
        _apply(col, plan, notes, media)
    return plan


def _apply(col: Collection, plan: SyncPlan, notes: Sequence[RenderedNote], media: Mapping[str, Path]) -> None:
    for spec in NOTE_TYPES.values():
        ankicol.refresh_looks(col, spec)
    existing = {n.guid: n for n in read_notes(col)}
    by_id = {n.card_id: n for n in notes}
    for card_id in plan.added:
        _add(col, by_id[card_id])
    changed = [*plan.updated, *plan.restored]
    col.update_notes([_updated(col, existing[by_id[c].guid], by_id[c]) for c in changed])
    restored = [existing[by_id[c].guid].nid for c in plan.restored]
    if restored:
        col.sched.unsuspend_cards(_card_ids(col, restored))
    gone = [n for n in existing.values() if n.ours and n.guid not in {x.guid for x in notes}]
    if plan.pruned:
        col.remove_notes(cast("list[NoteId]", [n.nid for n in gone]))
    elif plan.retired:
        _retire(col, [n for n in gone if not n.retired])
    for name, source in sorted(media.items()):
        _write_media(col, name, source)


def _add(col: Collection, note: RenderedNote) -> None:
    notetype = col.models.get(cast("NotetypeId", NOTE_TYPES[note.note_type].model_id))
    new = col.new_note(cast("NotetypeDict", notetype))
    new.guid = note.guid
    new.fields = list(note.fields)
    new.tags = list(note.tags)
    deck = col.decks.id(note.deck_name)
    col.add_note(new, cast("DeckId", deck))


def _updated(col: Collection, old: ExistingNote, note: RenderedNote) -> Note:
    anki_note = col.get_note(cast("NoteId", old.nid))
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
    data = source.read_bytes()
    target = Path(col.media.dir()) / name
    if target.is_file() and target.read_bytes() == data:
        return
    # write_data would rename on a clash; our names are unique, so a clash is our older file
    target.unlink(missing_ok=True)
    col.media.write_data(name, data)
