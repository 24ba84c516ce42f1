"""What a learner's collection holds about our notes: cards' scheduling, fields, tags, review log.

Owns the reading of an (already copied) collection for ``dlflash health``:
one ``LearnerNote`` per note of our note types, with its cards and the
review-log counts its retention is computed from. Read with SQL on the
tables Anki documents (``notes``, ``cards``, ``revlog``) plus the backend's
deck configs; nothing is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dlflash.anki.collection import db
from dlflash.anki.notetypes import NOTE_TYPES

if TYPE_CHECKING:
    from anki.collection import Collection

# Anki's field separator in notes.flds, and its queue numbers (anki.consts)
FIELD_SEPARATOR = "\x1f"
QUEUE_SUSPENDED = -1
QUEUE_BURIED = (-2, -3)
# revlog.type 1 is a review of a card in the review state; ease 1 is Again
REVLOG_REVIEW = 1


@dataclass(frozen=True)
class LearnerCard:
    card_id: int
    ordinal: int
    queue: int
    reps: int
    lapses: int
    flags: int
    difficulty: float | None  # FSRS difficulty 1-10, when FSRS has a memory state
    reviews: int  # revlog reviews of the card in the review state
    recalled: int  # ... of which not Again
    deck_id: int


@dataclass(frozen=True)
class LearnerNote:
    guid: str
    note_type: str  # our CardType name
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    cards: tuple[LearnerCard, ...]


def read_learner_notes(col: Collection) -> tuple[LearnerNote, ...]:
    """Every note of our note types with its cards, in note-id order."""
    kinds = {spec.model_id: name for name, spec in NOTE_TYPES.items()}
    marks = ",".join(str(m) for m in kinds)
    review_counts = {
        cid: (total, recalled)
        for cid, total, recalled in db(col).all(
            f"SELECT cid, count(), sum(ease > 1) FROM revlog WHERE type = {REVLOG_REVIEW} GROUP BY cid"
        )
    }
    cards: dict[int, list[LearnerCard]] = {}
    for cid, nid, ordinal, queue, reps, lapses, flags, data, did in db(col).all(
        f"SELECT c.id, c.nid, c.ord, c.queue, c.reps, c.lapses, c.flags, c.data, c.did FROM cards c "
        f"JOIN notes n ON n.id = c.nid WHERE n.mid IN ({marks}) ORDER BY c.nid, c.ord"
    ):
        total, recalled = review_counts.get(cid, (0, 0))
        cards.setdefault(nid, []).append(
            LearnerCard(cid, ordinal, queue, reps, lapses, flags & 0b111, _difficulty(data), total, recalled, did)
        )
    return tuple(
        LearnerNote(
            guid, kinds[mid], tuple(flds.split(FIELD_SEPARATOR)), tuple(tags.split()), tuple(cards.get(nid, ()))
        )
        for nid, guid, mid, flds, tags in db(col).all(
            f"SELECT id, guid, mid, flds, tags FROM notes WHERE mid IN ({marks}) ORDER BY id"
        )
    )


def _difficulty(data: str) -> float | None:
    # cards.data is JSON; FSRS keeps difficulty under "d" (1-10) once it has a memory state
    try:
        value = json.loads(data or "{}").get("d")
    except (ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, int | float) else None


def desired_retention(col: Collection, deck_id: int) -> float:
    """The desired retention of the preset the deck uses (Anki's default 0.9 when unset)."""
    config = col.decks.config_dict_for_deck_id(deck_id)  # type: ignore[arg-type]
    return float(config.get("desiredRetention", 0.9))
