"""Stage: the cards' recorded departures located in the notes (``dlflash check`` and the review).

A departure's ``quote`` is the notes' exact words: it must occur verbatim on one line of the
cheatsheet (a quote spanning a line break could not be fixed in place, nor found by a reader
with a text search). A quote may occur on several lines (a typo repeated); every such line is
kept, so a fix corrects them all. One quote recorded with two different kinds is a
contradiction between cards and is refused.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dlflash.config import Project
from dlflash.errors import DataError
from dlflash.messages import shown
from dlflash.model import Card, CardSet, Departure, Problem

# A line of the notes is offered as "did you mean" when this similar to the quote.
CLOSE_ENOUGH = 0.6
# How many characters a did-you-mean window may move or grow to align with the quote.
SLACK = 3


@dataclass(frozen=True)
class LocatedDeparture:
    """A departure with the card that records it and the 1-based notes lines where its quote occurs."""

    departure: Departure
    card: Card
    lines: tuple[int, ...]

    @property
    def line(self) -> int:
        return self.lines[0] if self.lines else 0


def quote_lines(notes_lines: Sequence[str], quote: str) -> tuple[int, ...]:
    """The 1-based lines of the notes that contain ``quote`` verbatim."""
    return tuple(number for number, text in enumerate(notes_lines, start=1) if quote in text)


def locate_departures(cards: CardSet, notes_text: str) -> list[LocatedDeparture]:
    """Every departure of every card, with its lines (empty when the quote is not in the notes)."""
    lines = notes_text.splitlines()
    return [
        LocatedDeparture(d, card, quote_lines(lines, d.quote)) for card in cards.cards for d in card.departures
    ]


def departure_problems(cards: CardSet, notes_text: str, notes_path: str) -> Iterator[Problem]:
    """Quotes that are not on a line of the notes; quotes recorded with different kinds."""
    notes_lines = notes_text.splitlines()
    first_kind: dict[str, LocatedDeparture] = {}
    for located in locate_departures(cards, notes_text):
        departure, card = located.departure, located.card
        if not located.lines:
            hint = closest_line(notes_lines, departure.quote)
            message = f"departure quote is not on any line of {notes_path}: {shown(departure.quote)}"
            if hint is not None:
                number, excerpt = hint
                message += f" (did you mean {shown(excerpt)} at line {number}?)"
            yield Problem(departure.source, message, card.id)
            continue
        seen = first_kind.setdefault(departure.quote, located)
        if seen.departure.kind != departure.kind:
            message = (
                f"departure quote {shown(departure.quote)} is recorded as {departure.kind!r} here but as "
                f"{seen.departure.kind!r} by [{seen.card.id}] at {seen.departure.source}: one quote, one kind"
                " (quote a different part of the line for each kind)"
            )
            yield Problem(departure.source, message, card.id)


def closest_line(notes_lines: Sequence[str], quote: str) -> tuple[int, str] | None:
    """The line (number, the stretch of it most like ``quote``) closest to a quote that is not there.

    Each line is cut to the window around its longest common run with the quote, so a short
    quote can match a long line; only computed for quotes that failed, so its cost is no concern.
    """
    best: tuple[float, int, str] | None = None
    for number, text in enumerate(notes_lines, start=1):
        if not text.strip():
            continue
        window = _window(text, quote)
        score = difflib.SequenceMatcher(None, quote, window, autojunk=False).ratio()
        if best is None or score > best[0]:
            best = (score, number, window)
    if best is None or best[0] < CLOSE_ENOUGH:
        return None
    return best[1], best[2]


def _window(text: str, quote: str) -> str:
    """The stretch of ``text`` most like ``quote``, near their longest common run.

    Starting a few characters either side and as many longer or shorter, so that a letter
    missing or added before the common run (``Sigle`` for ``Single``) still aligns.
    """
    if len(text) <= len(quote):
        return text
    match = difflib.SequenceMatcher(None, quote, text, autojunk=False).find_longest_match(
        0, len(quote), 0, len(text)
    )
    anchor = match.b - match.a
    candidates = {
        text[max(0, anchor + shift) : max(0, anchor + shift) + len(quote) + grow]
        for shift in range(-SLACK, SLACK + 1)
        for grow in range(-SLACK, SLACK + 1)
    }
    return max(sorted(candidates), key=lambda w: difflib.SequenceMatcher(None, quote, w, autojunk=False).ratio())


def departure_check(project: Project, cards: CardSet) -> Iterator[Problem]:
    """``dlflash check``: every departure's quote is on a line of the notes, with one kind."""
    if not any(card.departures for card in cards.cards):
        return
    if not project.cheatsheet.is_file():
        raise DataError(f"cheatsheet not found: {str(project.cheatsheet)!r}")
    yield from departure_problems(cards, project.cheatsheet.read_text("utf-8"), str(project.cheatsheet))
