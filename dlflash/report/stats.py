"""Stage: a loaded deck to its counts (``dlflash stats``): cards by section, type and tag."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dlflash.model import CardSet


@dataclass(frozen=True)
class DeckStats:
    """Counts in deck order (sections) or by falling count, then name (types, tags)."""

    cards: int
    by_section: tuple[tuple[str, int], ...]
    by_type: tuple[tuple[str, int], ...]
    by_tag: tuple[tuple[str, int], ...]
    with_formula: int


def deck_stats(cards: CardSet) -> DeckStats:
    every = cards.cards
    return DeckStats(
        cards=len(every),
        by_section=tuple((f.deck_name.split("::")[-1], len(f.cards)) for f in cards.files),
        by_type=_ranked(Counter(c.type for c in every)),
        by_tag=_ranked(Counter(tag for c in every for tag in c.tags)),
        with_formula=sum(c.formula is not None for c in every),
    )


def _ranked(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
