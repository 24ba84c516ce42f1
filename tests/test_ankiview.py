"""The preview's cards are exactly the HTML real Anki renders for the same notes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from anki.collection import Collection
from ankitools import import_package
from projects import build_project

from dlflash.anki.cardview import card_count, cloze_numbers, note_cards, render_clozes
from dlflash.config import load_project
from dlflash.deck import open_deck
from dlflash.sources.cards import load_cards

T0 = 1_700_000_000
# clozes with a hint, math, quotes, a line break, non-ASCII text, and a cloze nested in another
TRICKY_CLOZE = {
    "id": "zz-tricky-cloze",
    "type": "cloze",
    "text": (
        'Café\'s π: {{c1::first::a hint}} and {{c2::"second"\n\\(x<y\\)}} '
        "and {{c3::outer {{c4::inner}} end}} and {{c5::é\u2013π & co}}."
    ),
    "covers": ["basics.gradient-descent.batch"],
}


def anki_cards(collection: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(note guid, our card name) -> Anki's question and answer, without the leading <style>."""
    col = Collection(str(collection))
    try:
        found = {}
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            cloze = card.note_type()["type"] == 1
            name = f"Cloze {card.ord + 1}" if cloze else card.template()["name"]
            found[(card.note().guid, name)] = tuple(
                re.sub(r"^<style>.*?</style>", "", html, flags=re.S) for html in (card.question(), card.answer())
            )
        return found  # type: ignore[return-value]
    finally:
        col.close()


def test_every_card_matches_what_anki_renders(cards_copy: Path, tmp_path: Path) -> None:
    deck = cards_copy / "01-basics.yaml"
    data = yaml.safe_load(deck.read_text("utf-8"))
    data["cards"].append(TRICKY_CLOZE)
    deck.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), "utf-8")
    project = load_project(cards_copy)
    cards = load_cards(project.cards_dir)
    build_project(project, tmp_path / "deck.apkg", cards=cards, at=T0)
    import_package(tmp_path / "collection.anki2", tmp_path / "deck.apkg")

    with open_deck(project, cards) as shipped:  # the notes as shipped, figures included
        notes = shipped.notes
    ours = {(note.guid, view.name): (view.question, view.answer) for note in notes for view in note_cards(note)}
    assert ours == anki_cards(tmp_path / "collection.anki2")
    assert any(view.name == "Reverse" for note in notes for view in note_cards(note))
    # the count the stats and deck descriptions use, without rendering: the same cards Anki made
    assert sum(card_count(note) for note in notes) == len(ours)
    assert all(card_count(note) == len(note_cards(note)) for note in notes)


def test_a_nested_cloze_makes_no_card_of_its_own() -> None:
    assert cloze_numbers("{{c1::a {{c2::b}} c}} {{c3::d}}") == (1, 3)


def test_revealing_every_cloze_keeps_only_their_content() -> None:
    assert render_clozes("a {{c1::b::hint}} {{c2::c {{c3::d}}}} {{c4::unclosed", None, answer=True) == (
        "a b c d {{c4::unclosed"
    )


def test_a_cloze_front_hides_the_active_deletion_and_shows_the_others() -> None:
    text = "{{c1::softmax::activation}} and {{c2::sigmoid}}"
    assert render_clozes(text, 2, answer=False) == (
        '<span class="cloze-inactive" data-ordinal="1">softmax</span> and '
        '<span class="cloze" data-cloze="sigmoid" data-ordinal="2">[...]</span>'
    )
    assert render_clozes(text, 1, answer=False).startswith(
        '<span class="cloze" data-cloze="softmax" data-ordinal="1">[activation]</span>'
    )
