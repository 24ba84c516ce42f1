"""The deck through the real consumer: Anki's own importer, review, rebuild, re-import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from ankitools import import_package
from cardfiles import edit_card_file
from projects import build_project

from dlflash.anki import collection as ankicol
from dlflash.anki import notetypes
from dlflash.anki.notetypes import NOTE_TYPES
from dlflash.config import load_project
from dlflash.sources.cards import load_cards

T0 = 1_700_000_000  # a fixed build time, far before any edit made in a test's collection
OUR_MODELS = {spec.name for spec in NOTE_TYPES.values()}
# the `imported` fixture: the collection, the package imported into it, its card count
Imported = tuple[Path, Path, int]


def build(cards_dir: Path, out: Path, at: int) -> int:
    project = load_project(cards_dir)
    cards = load_cards(project.cards_dir)
    build_project(project, out, cards=cards, at=at)
    return len(cards.cards)


def card_state(col: Collection) -> dict[int, tuple[int, int, int, int, int, int]]:
    rows = ankicol.db(col).all("select id, did, type, queue, ivl, due, reps from cards")
    return {row[0]: tuple(row[1:]) for row in rows}


def find_basics_file(cards_dir: Path) -> Path:
    return cards_dir / "01-basics.yaml"


@pytest.fixture
def imported(cards_copy: Path, tmp_path: Path) -> Imported:
    """The real deck built once at T0 and imported into a fresh collection."""
    apkg = tmp_path / "deck.apkg"
    count = build(cards_copy, apkg, T0)
    collection = tmp_path / "collection.anki2"
    import_package(collection, apkg)
    return collection, apkg, count


def test_import_creates_one_note_per_card_definition_with_rendered_sides(imported: Imported) -> None:
    collection, _, count = imported
    col = Collection(str(collection))
    try:
        assert col.note_count() == count
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            question, answer = card.question(), card.answer()
            for side in (question, answer):
                assert "{{" not in side and "}}" not in re.sub(r"\\\(.*?\\\)", "", side)
                assert re.sub(r"<[^>]+>|\s", "", re.sub(r"<style>.*?</style>", "", side, flags=re.S))
        note_types = set()
        for nid in col.find_notes(""):
            note_type = col.get_note(nid).note_type()
            assert note_type is not None
            note_types.add(note_type["name"])
        assert note_types <= OUR_MODELS
    finally:
        col.close()


def test_import_puts_cards_in_section_decks_with_hierarchical_tags(imported: Imported) -> None:
    collection, _, _ = imported
    col = Collection(str(collection))
    try:
        decks = {col.decks.name(col.get_card(cid).did) for cid in col.find_cards("")}
        assert decks and all(re.fullmatch(r"Deep Learning::\d\d .+", d) for d in decks)
        assert "Deep Learning::01 Know the basics" in decks
        for nid in col.find_notes(""):
            tags = col.get_note(nid).tags
            assert tags and all(t.startswith("dlflash::") for t in tags)
        assert col.find_notes("tag:dlflash::basics::loss")
    finally:
        col.close()


def test_rebuild_after_edits_updates_exactly_the_changed_note_and_keeps_reviews(
    imported: Imported, cards_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collection, apkg, count = imported
    col = Collection(str(collection))
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        card.start_timer()
        col.sched.answerCard(card, 3)
    reviews_before = ankicol.db(col).scalar("select count() from revlog")
    state_before = card_state(col)
    col.close()
    assert reviews_before == len(state_before)

    basics = find_basics_file(cards_copy)
    other_file = next(p for p in sorted(cards_copy.glob("[0-9][0-9]-*.yaml")) if p != basics)

    def edit_reorder_and_move(data: dict[str, Any]) -> None:
        by_id = {c["id"]: c for c in data["cards"]}
        by_id["loss-rmse-from-mse"]["back"] = "Take the square root of the MSE."
        moved = by_id.pop("gd-mini-batch")
        edit_card_file(other_file, lambda other: other["cards"].insert(0, moved))
        data["cards"] = list(reversed(list(by_id.values())))
        data["cards"].append(
            {
                "id": "roundtrip-new-card",
                "type": "basic",
                "front": "Which loss does `nn.L1Loss` compute?",
                "back": "The mean absolute error.",
                "tags": ["loss"],
                "covers": ["basics.loss-functions.regression.mae"],
            }
        )

    edit_card_file(basics, edit_reorder_and_move)
    new_css = notetypes.deck_css() + "\n.card { letter-spacing: 0.01em; } /* roundtrip */\n"
    monkeypatch.setattr(notetypes, "deck_css", lambda: new_css)
    build(cards_copy, apkg, T0 + 100)
    log = import_package(collection, apkg)

    assert len(log.new) == 1
    assert [n.fields[1] for n in log.updated] == ["Take the square root of the MSE."]
    # Anki logs a matched note it left alone as a "duplicate": every unchanged note, none created twice
    assert len(log.duplicate) == count - 1 and len(log.conflicting) == 0
    col = Collection(str(collection))
    try:
        assert col.note_count() == count + 1
        names = [m.name for m in col.models.all_names_and_ids()]
        assert sorted(n for n in names if n.startswith("dlflash")) == sorted(OUR_MODELS)
        assert ankicol.db(col).scalar("select count() from revlog") == reviews_before
        state_after = card_state(col)
        assert {cid: state_after[cid] for cid in state_before} == state_before
        for spec in NOTE_TYPES.values():
            note_type = col.models.by_name(spec.name)
            assert note_type is not None
            assert "/* roundtrip */" in note_type["css"]
    finally:
        col.close()


def test_users_own_edit_on_an_unchanged_card_survives_rebuild_and_reimport(
    imported: Imported, cards_copy: Path
) -> None:
    collection, apkg, _ = imported
    col = Collection(str(collection))
    (nid,) = col.find_notes('"Source:dlflash · gd-batch-size-online · *"')
    note = col.get_note(nid)
    note["Extra"] = "My own mnemonic: online = one."
    col.update_note(note)
    col.close()

    edit_card_file(
        find_basics_file(cards_copy),
        lambda data: data["cards"][-1].update(extra="Both count true positives in the numerator."),
    )
    build(cards_copy, apkg, T0 + 100)
    log = import_package(collection, apkg)

    assert len(log.updated) == 1
    col = Collection(str(collection))
    try:
        assert col.get_note(nid)["Extra"] == "My own mnemonic: online = one."
    finally:
        col.close()


def test_rebuilding_unchanged_sources_gives_identical_bytes_and_updates_nothing(
    imported: Imported, cards_copy: Path, tmp_path: Path
) -> None:
    collection, apkg, _ = imported
    first = apkg.read_bytes()
    build(cards_copy, apkg, T0 + 5000)  # a later clock changes nothing when content did not change
    assert apkg.read_bytes() == first
    log = import_package(collection, apkg)
    assert len(log.updated) == 0 and len(log.new) == 0


def test_two_fresh_builds_of_the_same_sources_are_byte_identical(cards_copy: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.apkg", tmp_path / "b.apkg"
    build(cards_copy, first, T0)
    (cards_copy / "ledger.json").unlink()
    build(cards_copy, second, T0)
    assert first.read_bytes() == second.read_bytes()
