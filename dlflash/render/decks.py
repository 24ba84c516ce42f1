"""Stage: the deck descriptions Anki's deck overview shows (what a deck covers, its size, its notes).

A deck is one card file (``Deep Learning::NN Title``) under the parent deck.
Its description names the topics of the notes its cards cover (the context
line's second heading, as ``cards/headings.yaml`` shows it), how many cards
Anki makes of its notes, and the notes' section it comes from. Deck names are
never changed here: Anki matches decks by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from dlflash.anki.cardview import note_cards
from dlflash.model import CardSet, Fact, RenderedNote

PARENT_DECK = "Deep Learning"
NOTES_FILE = "cards/cheatsheet.md"
# enough topics to say what a deck covers in one line of the overview page
MAX_TOPICS = 8


def deck_descriptions(
    cards: CardSet, notes: Sequence[RenderedNote], facts: Mapping[str, Fact], headings: Mapping[str, str]
) -> dict[str, str]:
    """``deck name -> HTML description`` for the parent deck and every deck that has notes."""
    counts: dict[str, int] = {}
    for note in notes:
        counts[note.deck_name] = counts.get(note.deck_name, 0) + len(note_cards(note))
    descriptions: dict[str, str] = {}
    for card_file in cards.files:
        name = card_file.deck_name
        if name not in counts:
            continue
        paths = [facts[c].heading_path for card in card_file.cards for c in card.covers if c in facts]
        section = next((path[0] for path in paths if path), "")
        topics = list(dict.fromkeys(headings.get(path[1], path[1]) for path in paths if len(path) > 1))
        shown = topics[:MAX_TOPICS] + (["…"] if len(topics) > MAX_TOPICS else [])
        covers = f" It covers {', '.join(shown)}." if shown else ""
        where = f" From the notes' section “{headings.get(section, section)}”" if section else " From the notes"
        descriptions[name] = escape(
            f"{card_file.title}: {_cards(counts[name])}.{covers}{where} ({NOTES_FILE} in the dlflash sources)."
        )
    total = sum(counts.values())
    descriptions[PARENT_DECK] = escape(
        f"A deep-learning cheatsheet as {_cards(total)} in {len(counts)} decks, one per section of the notes "
        f"({NOTES_FILE} in the dlflash sources); every formula on a card is checked against PyTorch."
    )
    return descriptions


def _cards(count: int) -> str:
    return f"{count} card" + ("" if count == 1 else "s")
