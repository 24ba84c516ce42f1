"""`dlflash sync` against real Anki collections: add, review, change, sync again, retire, refuse."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from anki.collection import Collection
from anki.models import NotetypeId
from ankitools import held_open, import_package
from cardfiles import edit_basics
from click.testing import CliRunner, Result
from projects import build_project

from dlflash.anki import collection as ankicol
from dlflash.anki.guids import guid_for_id
from dlflash.anki.notetypes import NOTE_TYPES
from dlflash.anki.sync import ExistingNote, clash_name, merged_tags, plan_sync
from dlflash.anki.tags import RETIRED_TAG
from dlflash.cli import main
from dlflash.config import load_project
from dlflash.deck import open_deck
from dlflash.model import RenderedNote, Source
from dlflash.sources.cards import load_cards

if TYPE_CHECKING:
    from anki.cards import CardId  # imported after anki.collection, or anki's imports cycle
    from anki.notes import Note

SUSPENDED = -1  # Anki's queue number of a suspended card
EDITED_CARD = "loss-rmse-from-mse"
REMOVED_CARD = "gd-mini-batch"
RENAMED_CARD = "gd-batch-size-online"
USER_TAG = "my-exam"


@pytest.fixture
def cards(basics_cards: Path) -> Path:
    return basics_cards


def empty_collection(path: Path) -> Path:
    Collection(str(path)).close()
    return path


def sync(cards: Path, collection: Path, *extra: str) -> Result:
    args = ["sync", "--collection", str(collection), "--cards", str(cards), *extra]
    return CliRunner().invoke(main, args)


def synced_then_removed(cards: Path, tmp_path: Path) -> Path:
    """A new collection synced with the cards; then REMOVED_CARD taken out of the card file (not yet synced)."""
    collection = empty_collection(tmp_path / "collection.anki2")
    sync(cards, collection)
    remove_card(cards)
    return collection


def remove_card(cards: Path) -> None:
    edit_basics(cards, lambda d: d.update(cards=[c for c in d["cards"] if c["id"] != REMOVED_CARD]))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rendered(cards: Path) -> tuple[RenderedNote, ...]:
    """The notes exactly as build and sync ship them (figures resolved to their files)."""
    project = load_project(cards)
    with open_deck(project, load_cards(project.cards_dir)) as deck:
        return deck.notes


def card_rows(col: Collection) -> dict[CardId, tuple[Any, ...]]:
    rows = ankicol.db(col).all("select id, nid, did, type, queue, ivl, due, reps, lapses, factor, data from cards")
    return {row[0]: tuple(row[1:]) for row in rows}


def note_by_guid(col: Collection, guid: str) -> Note:
    (nid,) = ankicol.db(col).list("select id from notes where guid = ?", guid)
    return col.get_note(nid)


def test_sync_into_an_empty_collection_adds_every_card_under_our_note_types(cards: Path, tmp_path: Path) -> None:
    collection = empty_collection(tmp_path / "collection.anki2")
    notes = rendered(cards)

    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert f"added: {len(notes)} (" in result.output and "unchanged: 0" in result.output
    col = Collection(str(collection))
    try:
        assert col.note_count() == len(notes)
        for note in notes:
            stored = note_by_guid(col, note.guid)
            note_type = stored.note_type()
            assert note_type is not None and note_type["id"] == NOTE_TYPES[note.note_type].model_id
            assert tuple(stored.fields) == note.fields and tuple(stored.tags) == note.tags
            assert {col.decks.name(card.did) for card in stored.cards()} == {note.deck_name}
        assert col.fix_integrity()[1]  # Anki's own "Check Database" finds the note types sound
    finally:
        col.close()


def test_resync_after_reviews_updates_adds_and_retires_and_keeps_history_and_user_tags(
    cards: Path, tmp_path: Path
) -> None:
    collection = empty_collection(tmp_path / "collection.anki2")
    assert sync(cards, collection).exit_code == 0
    col = Collection(str(collection))
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        card.start_timer()
        col.sched.answerCard(card, 3)
    edited = note_by_guid(col, guid_for_id(EDITED_CARD))
    edited.tags.append(USER_TAG)
    col.update_note(edited)
    revlog = ankicol.db(col).all("select * from revlog order by id")
    before = card_rows(col)
    removed_nid = note_by_guid(col, guid_for_id(REMOVED_CARD)).id
    col.close()

    def change(data: dict[str, Any]) -> None:
        by_id = {c["id"]: c for c in data["cards"]}
        by_id[EDITED_CARD]["back"] = "Take the square root of the MSE."
        data["cards"] = [c for c in data["cards"] if c["id"] != REMOVED_CARD]
        data["cards"].append(
            {
                "id": "sync-new-card",
                "type": "basic",
                "front": "Which loss does `nn.L1Loss` compute?",
                "back": "The mean absolute error.",
                "tags": ["loss"],
                "covers": ["basics.loss-functions.regression.mae"],
            }
        )

    edit_basics(cards, change)
    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert "added: 1 (sync-new-card)" in result.output
    assert f"updated: 1 ({EDITED_CARD})" in result.output
    assert "retired: 1 (" in result.output
    col = Collection(str(collection))
    try:
        assert ankicol.db(col).all("select * from revlog order by id") == revlog
        after = card_rows(col)
        retired_cards = {cid for cid, row in before.items() if row[0] == removed_nid}
        for cid, row in before.items():
            if cid in retired_cards:
                assert after[cid][3] == SUSPENDED and after[cid][:3] + after[cid][4:] == row[:3] + row[4:]
            else:
                assert after[cid] == row
        edited = note_by_guid(col, guid_for_id(EDITED_CARD))
        want = next(n for n in rendered(cards) if n.card_id == EDITED_CARD)
        assert tuple(edited.fields) == want.fields and "Take the square root of the MSE." in edited["Back"]
        assert USER_TAG in edited.tags and any(t.startswith("dlflash::") for t in edited.tags)
        assert RETIRED_TAG in col.get_note(removed_nid).tags
        assert note_by_guid(col, guid_for_id("sync-new-card"))["Back"]
    finally:
        col.close()
    again = sync(cards, collection)
    assert "added: 0" in again.output and "updated: 0" in again.output and "retired: 0" in again.output


def test_renamed_card_keeps_its_note_through_its_alias(cards: Path, tmp_path: Path) -> None:
    collection = empty_collection(tmp_path / "collection.anki2")
    sync(cards, collection)
    col = Collection(str(collection))
    nid = note_by_guid(col, guid_for_id(RENAMED_CARD)).id
    count = col.note_count()
    col.close()

    def rename(data: dict[str, Any]) -> None:
        card = next(c for c in data["cards"] if c["id"] == RENAMED_CARD)
        card["id"], card["aliases"] = "gd-online-batch-size", [RENAMED_CARD]

    edit_basics(cards, rename)
    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert "added: 0" in result.output and "retired: 0" in result.output
    assert "updated: 1 (gd-online-batch-size)" in result.output  # its Source field names the new id
    col = Collection(str(collection))
    try:
        assert col.note_count() == count
        assert "gd-online-batch-size" in col.get_note(nid)["Source"]
    finally:
        col.close()


def test_prune_deletes_the_notes_of_removed_cards(cards: Path, tmp_path: Path) -> None:
    collection = synced_then_removed(cards, tmp_path)
    sync(cards, collection)  # retires it first: prune also removes already retired notes

    result = sync(cards, collection, "--prune")

    assert result.exit_code == 0, result.output
    assert "pruned: 1 (" in result.output
    col = Collection(str(collection))
    try:
        assert not ankicol.db(col).list("select id from notes where guid = ?", guid_for_id(REMOVED_CARD))
        assert col.note_count() == len(rendered(cards))
    finally:
        col.close()


def test_dry_run_prints_the_plan_and_leaves_every_byte(cards: Path, tmp_path: Path) -> None:
    collection = synced_then_removed(cards, tmp_path)
    files = {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()}

    result = sync(cards, collection, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "retired: 1 (" in result.output and "added: 0" in result.output
    assert {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()} == files


def test_locked_collection_is_refused_and_left_untouched(cards: Path, tmp_path: Path) -> None:
    collection = empty_collection(tmp_path / "collection.anki2")
    before = digest(collection)
    lock = sqlite3.connect(collection, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        result = sync(cards, collection)
        dry = sync(cards, collection, "--dry-run")
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    for run in (result, dry):
        assert run.exit_code == 1
        assert "open in Anki or locked" in run.output and "Nothing was changed" in run.output
    assert digest(collection) == before


def test_collection_open_in_another_anki_process_is_refused(cards: Path, tmp_path: Path) -> None:
    collection = empty_collection(tmp_path / "collection.anki2")
    with held_open(collection):
        result = sync(cards, collection)
    assert result.exit_code == 1
    assert "open in Anki or locked" in result.output


def test_note_type_with_our_id_and_an_added_field_is_refused_and_its_advice_works(cards: Path, tmp_path: Path) -> None:
    collection = empty_collection(tmp_path / "collection.anki2")
    sync(cards, collection)
    col = Collection(str(collection))
    basic = col.models.get(NotetypeId(NOTE_TYPES["basic"].model_id))
    assert basic is not None
    col.models.add_field(basic, col.models.new_field("Mnemonic"))
    col.models.update_dict(basic)
    col.close()
    before = digest(collection)

    result = sync(cards, collection)

    assert result.exit_code == 1
    assert f"(id {NOTE_TYPES['basic'].model_id}) has fields" in result.output and "'Mnemonic'" in result.output
    assert "Fields, delete the field ['Mnemonic']" in result.output and "rename the note type" not in result.output
    assert digest(collection) == before
    # what the advice says, done as Anki's note type editor does it
    col = Collection(str(collection))
    basic = col.models.get(NotetypeId(NOTE_TYPES["basic"].model_id))
    assert basic is not None
    col.models.remove_field(basic, next(f for f in basic["flds"] if f["name"] == "Mnemonic"))
    col.models.update_dict(basic)
    col.close()
    again = sync(cards, collection)
    assert again.exit_code == 0, again.output
    assert "added: 0" in again.output and "updated: 0" in again.output


def test_missing_collection_is_a_usage_error(cards: Path, tmp_path: Path) -> None:
    result = sync(cards, tmp_path / "nowhere.anki2")
    assert result.exit_code == 2
    assert "collection not found" in result.output
    assert not (tmp_path / "nowhere.anki2").exists()


def test_sync_after_an_apkg_import_finds_every_note_unchanged(cards: Path, tmp_path: Path) -> None:
    project = load_project(cards)
    apkg = tmp_path / "deck.apkg"
    build_project(project, apkg, at=1_700_000_000)
    collection = tmp_path / "collection.anki2"
    import_package(collection, apkg)

    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert "added: 0" in result.output and "updated: 0" in result.output and "note types added" not in result.output
    assert f"unchanged: {len(rendered(cards))}" in result.output


def test_changed_card_type_is_reported_at_the_card() -> None:
    note = RenderedNote("c", "g", Source("cards/01-x.yaml", 4), "cloze", "D", ("t", "", "", ""), ("dlflash::x",))
    existing = ExistingNote(1, "g", NOTE_TYPES["basic"].model_id, ("a", "b", "", "", ""), ("dlflash::x",))
    with pytest.raises(Exception, match=r"card type must stay") as info:
        plan_sync([note], [existing])
    assert str(info.value).startswith("cards/01-x.yaml:4: [c]")


def test_users_tags_stay_and_ours_are_replaced() -> None:
    assert merged_tags(("mine", "dlflash::old::x", "Other"), ("dlflash::new::y",)) == (
        "mine",
        "Other",
        "dlflash::new::y",
    )
    assert merged_tags(("mine", RETIRED_TAG), ("dlflash::a",)) == ("mine", "dlflash::a")


def test_a_retired_card_that_comes_back_is_restored_and_unsuspended(cards: Path, tmp_path: Path) -> None:
    collection = empty_collection(tmp_path / "collection.anki2")
    sync(cards, collection)
    original = (cards / "01-basics.yaml").read_text("utf-8")
    remove_card(cards)
    sync(cards, collection)
    (cards / "01-basics.yaml").write_text(original, "utf-8")

    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert f"restored: 1 ({REMOVED_CARD})" in result.output
    col = Collection(str(collection))
    try:
        note = note_by_guid(col, guid_for_id(REMOVED_CARD))
        assert RETIRED_TAG not in note.tags
        assert all(card.queue != SUSPENDED for card in note.cards())
    finally:
        col.close()


def test_media_of_a_card_is_copied_into_the_collections_media_folder(cards: Path, tmp_path: Path) -> None:
    (cards / "media").mkdir(exist_ok=True)
    picture = b"\x89PNG\r\n\x1a\n not really a picture"
    (cards / "media" / "dlflash-sync-test.png").write_bytes(picture)
    edit_basics(cards, lambda d: d["cards"][0].update(media=["dlflash-sync-test.png"]))
    collection = empty_collection(tmp_path / "collection.anki2")

    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert (tmp_path / "collection.media" / "dlflash-sync-test.png").read_bytes() == picture


MNEMONIC = "MY OWN MNEMONIC"


def set_field(collection: Path, card_id: str, field: str, value: str) -> None:
    col = Collection(str(collection))
    try:
        note = note_by_guid(col, guid_for_id(card_id))
        note[field] = value
        col.update_note(note)
    finally:
        col.close()


def field_of(collection: Path, card_id: str, field: str) -> str:
    col = Collection(str(collection))
    try:
        return str(note_by_guid(col, guid_for_id(card_id))[field])
    finally:
        col.close()


def change_back(cards: Path, card_id: str, back: str) -> None:
    def change(data: dict[str, Any]) -> None:
        next(c for c in data["cards"] if c["id"] == card_id)["back"] = back

    edit_basics(cards, change)


def test_a_learners_own_field_edit_survives_sync_and_a_changed_card_is_reported_not_overwritten(
    cards: Path, tmp_path: Path
) -> None:
    collection = empty_collection(tmp_path / "collection.anki2")
    sync(cards, collection)
    set_field(collection, EDITED_CARD, "Extra", MNEMONIC)

    unchanged_sources = sync(cards, collection)

    assert unchanged_sources.exit_code == 0, unchanged_sources.output
    assert "updated: 0" in unchanged_sources.output
    assert f"your edits kept (the card did not change): 1 ({EDITED_CARD})" in unchanged_sources.output
    assert field_of(collection, EDITED_CARD, "Extra") == MNEMONIC

    change_back(cards, EDITED_CARD, "Take the square root of the MSE.")
    dry = sync(cards, collection, "--dry-run")
    result = sync(cards, collection)

    for run in (dry, result):
        assert run.exit_code == 0, run.output
        assert "updated: 0" in run.output
        assert f"not updated, you edited them in Anki: 1 ({EDITED_CARD})" in run.output
        assert "--overwrite-edits" in run.output
    assert field_of(collection, EDITED_CARD, "Extra") == MNEMONIC
    assert "square root of the MSE" not in field_of(collection, EDITED_CARD, "Back")

    overwritten = sync(cards, collection, "--overwrite-edits")

    assert f"updated: 1 ({EDITED_CARD})" in overwritten.output, overwritten.output
    assert field_of(collection, EDITED_CARD, "Extra") != MNEMONIC
    assert "square root of the MSE" in field_of(collection, EDITED_CARD, "Back")
    assert "updated: 0" in sync(cards, collection).output


def test_an_imported_note_takes_a_changed_card_and_an_imported_note_the_learner_edited_keeps_the_edit(
    cards: Path, tmp_path: Path
) -> None:
    project = load_project(cards)
    apkg = tmp_path / "deck.apkg"
    build_project(project, apkg, at=1_700_000_000)  # writes the copy's ledger
    collection = tmp_path / "collection.anki2"
    import_package(collection, apkg)
    set_field(collection, REMOVED_CARD, "Extra", MNEMONIC)
    change_back(cards, EDITED_CARD, "Take the square root of the MSE.")
    change_back(cards, REMOVED_CARD, "A batch of a few dozen to a few hundred examples.")

    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert f"updated: 1 ({EDITED_CARD})" in result.output
    assert f"not updated, you edited them in Anki: 1 ({REMOVED_CARD})" in result.output
    assert "square root of the MSE" in field_of(collection, EDITED_CARD, "Back")
    assert field_of(collection, REMOVED_CARD, "Extra") == MNEMONIC


PICTURE = "dlflash-sync-test.png"


def with_picture(cards: Path, data: bytes) -> None:
    (cards / "media").mkdir(exist_ok=True)
    (cards / "media" / PICTURE).write_bytes(data)

    def show(data: dict[str, Any]) -> None:
        card = next(c for c in data["cards"] if c["id"] == EDITED_CARD)
        card["back"] = f"{card['back']} ![a picture]({PICTURE})"
        card["media"] = [PICTURE]

    edit_basics(cards, show)


def test_a_learners_media_file_of_our_name_is_kept_and_our_note_points_at_ours_stored_beside_it(
    cards: Path, tmp_path: Path
) -> None:
    ours, theirs = b"\x89PNG\r\n\x1a\n ours", b"\x89PNG\r\n\x1a\n the learner's own"
    with_picture(cards, ours)
    collection = empty_collection(tmp_path / "collection.anki2")
    (tmp_path / "collection.media").mkdir(exist_ok=True)
    (tmp_path / "collection.media" / PICTURE).write_bytes(theirs)

    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    stored = clash_name(PICTURE, hashlib.sha1(ours).hexdigest())
    assert f"media kept as yours, ours stored as: 1 ({PICTURE} -> {stored})" in result.output
    assert (tmp_path / "collection.media" / PICTURE).read_bytes() == theirs
    assert (tmp_path / "collection.media" / stored).read_bytes() == ours
    back = field_of(collection, EDITED_CARD, "Back")
    assert f'src="{stored}"' in back and f'src="{PICTURE}"' not in back
    again = sync(cards, collection)
    assert "updated: 0" in again.output and "added: 0" in again.output, again.output
    assert (tmp_path / "collection.media" / PICTURE).read_bytes() == theirs


def test_our_own_older_media_file_is_replaced_in_place(cards: Path, tmp_path: Path) -> None:
    with_picture(cards, b"\x89PNG\r\n\x1a\n first")
    collection = empty_collection(tmp_path / "collection.anki2")
    sync(cards, collection)
    (cards / "media" / PICTURE).write_bytes(b"\x89PNG\r\n\x1a\n second")

    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert "media kept as yours" not in result.output and "updated: 0" in result.output
    assert (tmp_path / "collection.media" / PICTURE).read_bytes() == b"\x89PNG\r\n\x1a\n second"
    assert [p.name for p in (tmp_path / "collection.media").glob("dlflash-sync-test*")] == [PICTURE]


def test_a_note_the_learner_changed_to_another_note_type_is_left_alone_not_added_twice(
    cards: Path, tmp_path: Path
) -> None:
    collection = empty_collection(tmp_path / "collection.anki2")
    sync(cards, collection)
    col = Collection(str(collection))
    note = note_by_guid(col, guid_for_id(EDITED_CARD))
    ours, stock = note.note_type(), col.models.by_name("Basic")
    assert ours is not None and stock is not None  # a new collection has the stock "Basic"
    col.models.change(ours, [note.id], stock, {0: 0, 1: 1}, {0: 0})
    count = col.note_count()
    col.close()

    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert f"left alone, you changed their note type in Anki: 1 ({EDITED_CARD})" in result.output
    assert "added: 0" in result.output
    col = Collection(str(collection))
    try:
        assert col.note_count() == count
        assert len(ankicol.db(col).list("select id from notes where guid = ?", guid_for_id(EDITED_CARD))) == 1
    finally:
        col.close()


def test_an_sqlite_file_that_is_not_an_anki_collection_is_refused_before_anki_opens_it(
    cards: Path, tmp_path: Path
) -> None:
    other = tmp_path / "collection.media.db2"
    db = sqlite3.connect(other)
    db.execute("create table media (fname text primary key, csum text)")
    db.commit()
    db.close()
    before = digest(other)

    result = sync(cards, other)

    assert result.exit_code == 1
    assert "not an Anki collection" in result.output and "without Anki's tables" in result.output
    assert "Traceback" not in result.output and digest(other) == before


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("notes.txt", b"my notes, not a database\n", "not an SQLite database"),
        ("backup.colpkg", b"PK\x03\x04 a zip", "a zip archive (a .colpkg backup"),
    ],
)
def test_a_text_file_or_colpkg_is_called_what_it_is_not_locked(
    cards: Path, tmp_path: Path, name: str, data: bytes, says: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)

    result = sync(cards, path)

    assert result.exit_code == 1
    assert says in result.output and "locked" not in result.output
    assert path.read_bytes() == data


def test_a_collection_not_named_anki2_keeps_its_media_in_its_own_media_folder(cards: Path, tmp_path: Path) -> None:
    with_picture(cards, b"\x89PNG\r\n\x1a\n ours")
    collection = tmp_path / "backup.db"
    empty_collection(tmp_path / "made.anki2").rename(collection)

    result = sync(cards, collection)

    assert result.exit_code == 0, result.output
    assert (tmp_path / "backup.media" / PICTURE).is_file()
    assert collection.is_file() and sqlite3.connect(collection).execute("select count() from notes").fetchone()[0]
