"""A cold render split between processes gives the notes a serial render gives, problems included."""

from __future__ import annotations

from pathlib import Path

from dlflash.config import load_project
from dlflash.deck import open_deck
from dlflash.model import Card, Source
from dlflash.render.fields import MAX_RENDERED_CHARS, render_missing

REPO = Path(__file__).resolve().parent.parent


def test_two_processes_render_the_real_deck_as_one_does() -> None:
    with open_deck(load_project(REPO / "cards")) as deck:
        facts = {f.id: f for f in deck.facts}
        missing = [(card, deck.project.deck_of(f)) for f in deck.cards.files for card in f.cards]
        serial = render_missing(missing, facts, {}, deck.headings, workers=1)
        split = render_missing(missing, facts, {}, deck.headings, workers=2)
    assert len(split) == len(missing) and split == serial


def test_a_card_that_cannot_render_comes_back_as_its_problems_from_a_worker() -> None:
    # reference links amplify: this back renders to more than MAX_RENDERED_CHARS characters
    links = "[a][r] " * 8_000 + "\n\n[r]: https://example.org/" + "x" * 20
    bad = Card("too-long", "basic", Source("cards/01-a.yaml", 3), front="What is it?", back=links)
    good = Card("good", "basic", Source("cards/01-a.yaml", 9), front="What is it?", back="A plain answer.")
    serial = render_missing([(bad, "D"), (good, "D")], {}, {}, {}, workers=1)
    split = render_missing([(bad, "D"), (good, "D")], {}, {}, {}, workers=2)
    assert split == serial
    problems = split["too-long"]
    assert isinstance(problems, tuple)
    rule = f"field Back must render to at most {MAX_RENDERED_CHARS} characters"
    assert [p.message.split(", not")[0] for p in problems] == [rule]
    assert isinstance(split["good"], dict)
