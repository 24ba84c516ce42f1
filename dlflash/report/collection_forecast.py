"""Stage: the review-load forecast from where a learner is (``dlflash stats --forecast --collection``).

Owns the joining of a learner's collection with the deck: this deck's cards
are the cards of the collection's notes whose GUID the deck ships (retired
notes and foreign notes of our note types are not the deck's load); Anki's
own simulator (``dlflash.anki.simulator``) starts from their real state (new,
learning, review, their memory states) and adds the deck's cards not yet
imported as new cards; the FSRS parameters, desired retention and new cards
a day are the learner's preset's (``dlflash.anki.preset``), the last two
unless the command line gives them. Runs on an already copied collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dlflash.anki.collection import db
from dlflash.anki.notetypes import OUR_CARDS_SEARCH
from dlflash.anki.preset import LearnerPreset, ids_list, learner_preset
from dlflash.anki.simulator import LEARNING_STEPS, RELEARNING_STEPS, simulate_search
from dlflash.model import RenderedNote
from dlflash.report.forecast import DEFAULT_PARAMETERS, Forecast, ForecastSettings
from dlflash.report.stats import cards_per_note

if TYPE_CHECKING:
    from anki.collection import Collection

# Anki's cards.queue numbers (anki.consts): new, learning (intraday, interday), review
QUEUE_NEW = 0
QUEUE_LEARNING = (1, 3)
QUEUE_REVIEW = 2
# Anki's default preset, for a collection that has none of this deck's cards yet
DEFAULT_RETENTION = 0.9
DEFAULT_NEW_PER_DAY = 20
# a search that selects nothing: nid 0 is never a note
NO_CARDS_SEARCH = "nid:0"


@dataclass(frozen=True)
class CollectionState:
    """This deck's cards as the collection holds them, and the deck's cards it does not hold yet."""

    new: int
    learning: int
    review: int
    set_aside: int  # suspended or buried: the simulator leaves them out
    not_imported: int

    @property
    def cards(self) -> int:
        return self.new + self.learning + self.review + self.set_aside + self.not_imported


@dataclass(frozen=True)
class CollectionForecast:
    forecast: Forecast
    state: CollectionState
    preset: LearnerPreset | None  # None: the collection has none of this deck's cards
    parameters: tuple[float, ...]  # the FSRS parameters simulated with


def collection_forecast(
    col: Collection,
    shipped: tuple[RenderedNote, ...],
    *,
    new_per_day: int | None,
    retention: float | None,
    days: int,
) -> CollectionForecast:
    """Simulate ``days`` days from the collection's state; ``None`` settings come from the learner's preset."""
    present = _present_note_ids(col, {n.guid for n in shipped})
    search = "nid:" + ",".join(str(nid) for nid in present.values()) if present else NO_CARDS_SEARCH
    per_note = cards_per_note(shipped)
    state = _state(col, search, sum(per_note[n.card_id] for n in shipped if n.guid not in present))
    preset = learner_preset(col, search)
    settings = ForecastSettings(
        cards=state.cards,
        new_per_day=new_per_day or (preset.new_per_day if preset and preset.new_per_day else DEFAULT_NEW_PER_DAY),
        retention=retention or (preset.desired_retention if preset else DEFAULT_RETENTION),
        days=days,
    )
    parameters = preset.parameters if preset and preset.parameters else DEFAULT_PARAMETERS
    simulated = simulate_search(
        col,
        search,
        parameters=parameters,
        retention=settings.retention,
        new_per_day=settings.new_per_day,
        days=days,
        extra_new_cards=state.not_imported,
        learning_steps=preset.learning_steps if preset else LEARNING_STEPS,
        relearning_steps=preset.relearning_steps if preset else RELEARNING_STEPS,
    )
    engine = "Anki's simulator from your collection, " + (
        preset.describe_parameters() if preset else "default FSRS parameters (no card of this deck in it yet)"
    )
    result = Forecast(
        settings,
        reviews=tuple(float(n) for n in simulated.reviews),
        new=tuple(float(n) for n in simulated.new),
        seconds=simulated.seconds,
        engine=engine,
    )
    return CollectionForecast(result, state, preset, parameters)


def _present_note_ids(col: Collection, guids: set[str]) -> dict[str, int]:
    """The collection's note id for every shipped GUID it holds (of our note types)."""
    our_notes = ids_list(col.find_notes(OUR_CARDS_SEARCH))
    return {
        guid: nid for nid, guid in db(col).all(f"SELECT id, guid FROM notes WHERE id IN {our_notes}") if guid in guids
    }


def _state(col: Collection, search: str, not_imported: int) -> CollectionState:
    ids = ids_list(col.find_cards(search))
    queues = [queue for (queue,) in db(col).all(f"SELECT queue FROM cards WHERE id IN {ids}")]
    return CollectionState(
        new=sum(q == QUEUE_NEW for q in queues),
        learning=sum(q in QUEUE_LEARNING for q in queues),
        review=sum(q == QUEUE_REVIEW for q in queues),
        set_aside=sum(q < 0 for q in queues),
        not_imported=not_imported,
    )
