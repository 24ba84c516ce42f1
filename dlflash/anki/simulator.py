"""Anki's own FSRS simulator, run by the backend on cards of a collection (``stats --forecast --collection``).

Owns the request Anki's deck options send to ``simulate_fsrs_review``: the
simulator starts from the real state of the cards the search selects (new,
learning, review, with their memory states) and measures the answer ratings
and seconds per answer from the collection's review log where it has one
(rslib ``scheduler/fsrs/simulator.rs``). Nothing is written by it, but Anki
fills in missing memory states while preparing: run it on a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anki.collection import Collection

# Anki's default preset, as its deck options send them
REVIEW_LIMIT = 9999
MAX_INTERVAL = 36500
LEARNING_STEPS = 2
RELEARNING_STEPS = 1


@dataclass(frozen=True)
class SimulatedDays:
    """The backend's answer, one entry per day (index 0 is today)."""

    reviews: tuple[int, ...]
    new: tuple[int, ...]
    seconds: tuple[float, ...]


def simulate_search(
    col: Collection,
    search: str,
    *,
    parameters: tuple[float, ...],
    retention: float,
    new_per_day: int,
    days: int,
    extra_new_cards: int = 0,
    learning_steps: int = LEARNING_STEPS,
    relearning_steps: int = RELEARNING_STEPS,
) -> SimulatedDays:
    """Simulate the cards ``search`` selects (plus ``extra_new_cards`` not yet in the collection).

    The step counts are the preset's (Anki's default preset unless given).
    """
    from anki.scheduler_pb2 import SimulateFsrsReviewRequest

    request = SimulateFsrsReviewRequest(
        params=list(parameters),
        desired_retention=retention,
        deck_size=extra_new_cards,
        days_to_simulate=days,
        new_limit=new_per_day,
        review_limit=REVIEW_LIMIT,
        max_interval=MAX_INTERVAL,
        search=search,
        new_cards_ignore_review_limit=True,
        learning_step_count=learning_steps,
        relearning_step_count=relearning_steps,
        easy_days_percentages=[1.0] * 7,
        historical_retention=0.9,
    )
    response = col._backend.simulate_fsrs_review(request)
    return SimulatedDays(
        reviews=tuple(response.daily_review_count),
        new=tuple(response.daily_new_count),
        seconds=tuple(response.daily_time_cost),
    )
