"""Stage: the deck descriptions Anki's deck overview shows (what a deck covers, its size, its notes).

A deck is one card file (``Parent::NN Title``) under the project's parent deck.
Its description names the topics of the notes its cards cover (the context
line's second heading, as ``cards/headings.yaml`` shows it), how many cards
Anki makes of its notes, and the notes' section it comes from. Deck names are
never changed here: Anki matches decks by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from dlflash.anki.cardview import card_count
from dlflash.config import Project
from dlflash.model import CardSet, Fact, RenderedNote

# enough topics to say what a deck covers in one line of the overview page
MAX_TOPICS = 8


def deck_descriptions(
    project: Project,
    cards: CardSet,
    notes: Sequence[RenderedNote],
    facts: Mapping[str, Fact],
    headings: Mapping[str, str],
) -> dict[str, str]:
    """``deck name -> HTML description`` for the parent deck and every deck that has notes."""
    counts: dict[str, int] = {}
    for note in notes:
        counts[note.deck_name] = counts.get(note.deck_name, 0) + card_count(note)
    descriptions: dict[str, str] = {}
    # the notes as the sources name them, relative to the project root
    notes_file = project.cheatsheet.resolve().relative_to(project.root).as_posix()
    for card_file in cards.files:
        name = project.deck_of(card_file)
        if name not in counts:
            continue
        paths = [facts[c].heading_path for card in card_file.cards for c in card.covers if c in facts]
        section = next((path[0] for path in paths if path), "")
        topics = list(dict.fromkeys(headings.get(path[1], path[1]) for path in paths if len(path) > 1))
        shown = topics[:MAX_TOPICS] + (["…"] if len(topics) > MAX_TOPICS else [])
        covers = f" It covers {', '.join(shown)}." if shown else ""
        where = f" From the notes' section “{headings.get(section, section)}”" if section else " From the notes"
        descriptions[name] = escape(
            f"{card_file.title}: {_cards(counts[name])}.{covers}{where} ({notes_file} in the dlflash sources)."
        )
    total = sum(counts.values())
    descriptions[project.deck_name] = escape(
        project.description.format(cards=_cards(total), decks=len(counts), notes=notes_file)
    )
    return descriptions


def _cards(count: int) -> str:
    return f"{count} card" + ("" if count == 1 else "s")
