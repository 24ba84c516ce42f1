"""Stage: a learner's collection joined back to the card files (``dlflash health``).

Owns the card-health report: for every note of the deck found in the
learner's collection, what its review history says about the card that made
it — the cards to rewrite first (leeches, the highest lapse rates and FSRS
difficulties), what the learner set aside (suspended, buried, flagged,
marked), the fixes they made in Anki (a word diff against what the deck
shipped), true retention per section against the desired retention, and the
notes the deck and the collection disagree on (retired, not yet imported).
Every line is located ``cards/F.yaml:LINE: [id] ...`` like a ``Problem``.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dlflash.anki.learner import QUEUE_BURIED, QUEUE_SUSPENDED, LearnerCard, LearnerNote
from dlflash.anki.notetypes import NOTE_TYPES
from dlflash.model import RenderedNote, Source

# Anki's default leech threshold (deck options, "Leech threshold") and its tags
LEECH_LAPSES = 8
LEECH_TAG = "leech"
MARKED_TAG = "marked"
# how many of the hardest cards to list
HARDEST_SHOWN = 10
FLAG_NAMES = {1: "red", 2: "orange", 3: "green", 4: "blue", 5: "pink", 6: "turquoise", 7: "purple"}
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class HealthLine:
    source: Source
    card_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: [{self.card_id}] {self.message}"


@dataclass(frozen=True)
class HealthSection:
    key: str  # the JSON name
    title: str
    lines: tuple[HealthLine, ...]


@dataclass(frozen=True)
class HealthReport:
    notes_in_collection: int
    sections: tuple[HealthSection, ...]

    def section(self, key: str) -> HealthSection:
        return next(s for s in self.sections if s.key == key)


@dataclass(frozen=True)
class RetiredNote:
    """A card removed from the sources, where ``cards/retired.yaml`` lists it."""

    card_id: str
    source: Source


def health_report(
    shipped: tuple[RenderedNote, ...],
    retired: Mapping[str, RetiredNote],
    learner: tuple[LearnerNote, ...],
    desired: Mapping[int, float],
) -> HealthReport:
    """Join the collection's notes (by GUID) to the rendered deck; ``desired`` maps deck id to retention."""
    by_guid = {n.guid: n for n in shipped}
    present = [(by_guid[n.guid], n) for n in learner if n.guid in by_guid]
    return HealthReport(
        notes_in_collection=len(present),
        sections=(
            HealthSection("leeches", f"leeches ({LEECH_LAPSES}+ lapses or tagged {LEECH_TAG})", _leeches(present)),
            HealthSection("hardest", "highest lapse rate and FSRS difficulty", _hardest(present)),
            HealthSection("set_aside", "suspended or buried", _set_aside(present)),
            HealthSection("flagged", "flagged or marked", _flagged(present)),
            HealthSection("edited", "fields edited in Anki (word diff: [-shipped-] {+yours+})", _edited(present)),
            HealthSection("retention", "true retention per section (review log)", _retention(present, desired)),
            HealthSection("retired", "in the collection, retired from the deck", _retired(learner, by_guid, retired)),
            HealthSection("not_imported", "in the deck, not yet in the collection", _not_imported(shipped, learner)),
        ),
    )


Pair = tuple[RenderedNote, LearnerNote]


def _line(note: RenderedNote, message: str) -> HealthLine:
    return HealthLine(note.source, note.card_id, message)


def _card_name(note: RenderedNote, card: LearnerCard) -> str:
    spec = NOTE_TYPES[note.note_type]
    return f"cloze {card.ordinal + 1}" if spec.cloze else spec.templates[card.ordinal][0].lower()


def _leeches(present: list[Pair]) -> tuple[HealthLine, ...]:
    lines = []
    for note, theirs in present:
        tagged = any(t.lower() == LEECH_TAG for t in theirs.tags)
        worst = max(theirs.cards, key=lambda c: c.lapses, default=None)
        if worst is not None and (tagged or worst.lapses >= LEECH_LAPSES):
            why = "tagged leech, " if tagged else ""
            lines.append(_line(note, f"{why}{worst.lapses} lapses in {worst.reps} reviews ({_card_name(note, worst)})"))
    return tuple(lines)


def _hardest(present: list[Pair]) -> tuple[HealthLine, ...]:
    rated = [
        (card.lapses / card.reps, card.difficulty or 0.0, note, card)
        for note, theirs in present
        for card in theirs.cards
        if card.reps and (card.lapses or card.difficulty is not None)
    ]
    rated.sort(key=lambda r: (-r[0], -r[1], r[2].card_id, r[3].ordinal))
    return tuple(
        _line(
            note,
            f"lapse rate {rate:.0%} ({card.lapses} of {card.reps})"
            + (f", difficulty {difficulty:.1f}" if card.difficulty is not None else "")
            + f" ({_card_name(note, card)})",
        )
        for rate, difficulty, note, card in rated[:HARDEST_SHOWN]
    )


def _set_aside(present: list[Pair]) -> tuple[HealthLine, ...]:
    lines = []
    for note, theirs in present:
        for card in theirs.cards:
            if card.queue == QUEUE_SUSPENDED:
                lines.append(_line(note, f"suspended ({_card_name(note, card)})"))
            elif card.queue in QUEUE_BURIED:
                lines.append(_line(note, f"buried ({_card_name(note, card)})"))
    return tuple(lines)


def _flagged(present: list[Pair]) -> tuple[HealthLine, ...]:
    lines = []
    for note, theirs in present:
        if any(t.lower() == MARKED_TAG for t in theirs.tags):
            lines.append(_line(note, "marked"))
        lines.extend(
            _line(note, f"{FLAG_NAMES.get(c.flags, str(c.flags))} flag ({_card_name(note, c)})")
            for c in theirs.cards
            if c.flags
        )
    return tuple(lines)


def _edited(present: list[Pair]) -> tuple[HealthLine, ...]:
    lines = []
    for note, theirs in present:
        names = NOTE_TYPES[note.note_type].fields
        for name, ours, yours in zip(names, note.fields, theirs.fields, strict=False):
            if ours != yours:
                lines.append(_line(note, f"{name}: {word_diff(ours, yours)}"))
    return tuple(lines)


def word_diff(shipped: str, edited: str) -> str:
    """The changed words of a field, HTML tags dropped: ``[-old-] {+new+}`` with a few words of context."""
    old, new = _words(shipped), _words(edited)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            same = old[i1:i2]
            parts.append(" ".join(same) if len(same) <= 6 else " ".join([*same[:3], "...", *same[-3:]]))
            continue
        if i2 > i1:
            parts.append("[-" + " ".join(old[i1:i2]) + "-]")
        if j2 > j1:
            parts.append("{+" + " ".join(new[j1:j2]) + "+}")
    return " ".join(p for p in parts if p)


def _words(field: str) -> list[str]:
    return html.unescape(_TAG.sub(" ", field)).split()


def _retention(present: list[Pair], desired: Mapping[int, float]) -> tuple[HealthLine, ...]:
    sections: dict[str, tuple[RenderedNote, list[LearnerCard]]] = {}
    for note, theirs in present:
        sections.setdefault(note.deck_name, (note, []))[1].extend(theirs.cards)
    lines = []
    for first, cards in sections.values():
        reviews, recalled = sum(c.reviews for c in cards), sum(c.recalled for c in cards)
        if not reviews:
            continue
        wanted = desired.get(cards[0].deck_id, 0.9)
        verdict = "below" if recalled / reviews < wanted else "at or above"
        lines.append(
            HealthLine(
                first.source,
                first.card_id,
                f"{first.deck_name.split('::')[-1]}: {recalled / reviews:.0%} recalled in {reviews} reviews, "
                f"{verdict} the desired {wanted:.0%}",
            )
        )
    return tuple(lines)


def _retired(
    learner: tuple[LearnerNote, ...], by_guid: Mapping[str, RenderedNote], retired: Mapping[str, RetiredNote]
) -> tuple[HealthLine, ...]:
    lines = []
    for theirs in learner:
        if theirs.guid in by_guid:
            continue
        known = retired.get(theirs.guid)
        if known is not None:
            lines.append(HealthLine(known.source, known.card_id, "retired, still in the collection: delete its note"))
        else:
            lines.append(HealthLine(Source("?", 0), theirs.guid, "a note of our note types no card nor retired has"))
    return tuple(lines)


def _not_imported(shipped: tuple[RenderedNote, ...], learner: tuple[LearnerNote, ...]) -> tuple[HealthLine, ...]:
    have = {n.guid for n in learner}
    return tuple(_line(n, "not in the collection yet: import the deck") for n in shipped if n.guid not in have)


def report_json(report: HealthReport) -> dict[str, object]:
    """The report as plain data for ``--json``."""
    return {
        "notes_in_collection": report.notes_in_collection,
        **{
            s.key: [
                {"file": x.source.path, "line": x.source.line, "id": x.card_id, "message": x.message} for x in s.lines
            ]
            for s in report.sections
        },
    }
