"""cards/headings.yaml: the context line and the deck overview show clean headings; ids and decks stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import cards_folder, check_problems

from dlflash.cli import main
from dlflash.config import load_project
from dlflash.deck import open_deck
from dlflash.render.fields import render_deck
from dlflash.sources.cards import load_cards

SMALL = """\
## 7. Sturctured data
- **Embeddings** for categorical variables.

> TODO: Read:
> - **Entity embeddings** of categories
"""
CARDS = """\
title: Structured data
cards:
  - id: struct-embeddings
    type: basic
    front: How are categorical variables fed to a network?
    back: Through learned embeddings.
    covers: [structured.embeddings]
  - id: struct-entity
    type: reversible
    front: Entity embeddings
    back: Learned vectors for categories
    covers: [structured.todo-read.entity-embeddings]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return cards_folder(tmp_path, {"cheatsheet.md": SMALL, "08-structured.yaml": CARDS})


def test_the_context_line_shows_the_display_names_and_fact_ids_stay(project: Path) -> None:
    (project / "headings.yaml").write_text('"Sturctured data": Structured data\n"TODO: Read": Further reading\n')
    notes = {n.card_id: n for n in render_deck(load_project(project), load_cards(project))}
    assert notes["struct-embeddings"].fields[3] == "Structured data"
    assert notes["struct-entity"].fields[3] == "Structured data \u203a Further reading"
    assert notes["struct-entity"].fields[4].startswith("dlflash · struct-entity · notes: structured.todo-read.")


def test_without_the_file_the_notes_headings_are_shown_as_written(project: Path) -> None:
    notes = {n.card_id: n for n in render_deck(load_project(project), load_cards(project))}
    assert notes["struct-entity"].fields[3] == "Sturctured data \u203a TODO: Read"


def test_every_bad_entry_is_reported_with_its_line(project: Path) -> None:
    (project / "headings.yaml").write_text(
        "# names\n"
        '"Sturctured dat": Structured data\n'
        '"TODO: Read": ""\n'
        '"Sturctured data": Sturctured data\n'
    )
    problems = [str(p) for p in check_problems(load_project("cards"), "headings")]
    assert problems == [
        "cards/headings.yaml:2: renames a heading the notes do not have: 'Sturctured dat'"
        " (did you mean 'Sturctured data'?)",
        "cards/headings.yaml:3: the display name of 'TODO: Read' must be one line of text",
        "cards/headings.yaml:4: the display name of 'Sturctured data' is the heading itself: drop it",
    ]
    result = CliRunner().invoke(main, ["check", "--cards", str(project)])
    assert "cards/headings.yaml:2: renames a heading the notes do not have" in result.output


def test_deck_descriptions_say_what_a_deck_covers_and_how_many_cards(project: Path) -> None:
    (project / "headings.yaml").write_text('"Sturctured data": Structured data\n"TODO: Read": Further reading\n')
    p = load_project(project)
    cards = load_cards(project)
    with open_deck(p, cards) as opened:
        descriptions = dict(opened.descriptions)
    deck = p.deck_of(cards.files[0])
    assert deck == "Deep Learning::08 Structured data"  # the name Anki matches on, unchanged
    # one basic card and both directions of the reversible one
    assert descriptions[deck].startswith("Structured data: 3 cards. It covers Further reading.")
    assert "From the notes&#x27; section “Structured data”" in descriptions[deck]
    assert descriptions[p.deck_name].startswith("A deep-learning cheatsheet as 3 cards in 1 decks")
