"""Stage: a loaded and rendered deck to its counts (``dlflash stats``): notes and cards by section, type and tag.

A note is one entry of a card file; a card is what Anki schedules: one per
cloze number of a cloze note, one per template of the others (two for a
reversible note). Cards are counted from the rendered notes with
``note_cards``, the same reading of the templates the preview shows, so the
count is the one Anki makes on import.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dlflash.anki.cardview import card_count
from dlflash.model import CardSet, RenderedNote


@dataclass(frozen=True)
class DeckStats:
    """Counts in deck order (sections) or by falling count, then name (types, tags); types and tags count notes."""

    notes: int
    cards: int
    by_section: tuple[tuple[str, int, int], ...]  # (section, notes, cards)
    by_type: tuple[tuple[str, int], ...]
    by_tag: tuple[tuple[str, int], ...]
    with_formula: int


def cards_per_note(notes: tuple[RenderedNote, ...]) -> dict[str, int]:
    """How many Anki cards each note (by card id) makes."""
    return {note.card_id: card_count(note) for note in notes}


def deck_stats(cards: CardSet, notes: tuple[RenderedNote, ...]) -> DeckStats:
    every = cards.cards
    per_note = cards_per_note(notes)
    return DeckStats(
        notes=len(every),
        cards=sum(per_note.values()),
        by_section=tuple(
            (f.label, len(f.cards), sum(per_note[c.id] for c in f.cards)) for f in cards.files
        ),
        by_type=_ranked(Counter(c.type for c in every)),
        by_tag=_ranked(Counter(tag for c in every for tag in c.tags)),
        with_formula=sum(c.formula is not None for c in every),
    )


def _ranked(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
