"""The review-load forecast: how many reviews a day the deck asks for under FSRS.

Owns one pure stage, ``forecast(settings) -> Forecast``: a day-by-day
simulation of one learner studying the deck with the ``fsrs`` package's
scheduler at its default (population) parameters, without fuzz.

Method (a seeded Monte Carlo, so every run gives the same numbers):

- Each day first reviews every card due that day, in order of due time, each at
  its due time (or the day's start if it fell due earlier), so the elapsed days
  fsrs sees are exactly the intervals it chose.
- The learner recalls a due card with the probability fsrs predicts for it
  (``get_card_retrievability`` at the review time); a recalled card is rated
  Hard, Good or Easy and a new card's first rating drawn with the population
  frequencies of fsrs-rs's simulator (``FIRST_RATINGS``, ``RECALL_RATINGS``);
  a forgotten card is rated Again. Every draw comes from one ``random.Random``
  with the fixed seed ``SEED``.
- Then up to ``new_per_day`` new cards are introduced at the day's start.
- Learning and relearning steps (fsrs's defaults, minutes apart) are passed with
  Good the same day, so every card ends its day in the Review state.
- "Reviews" of a day are the cards from earlier days that fell due on it (one per
  card, the way fsrs-rs's simulator counts ``review_cnt``); new cards are counted
  apart. Minutes add the seconds each event costs (``SECONDS_*`` below).

These are population defaults, not the user's own parameters or speed.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import fmean
from typing import Protocol

from fsrs import Card, Rating, Scheduler, State

# The seed of the learner's recall draws; changing it changes the numbers a little.
SEED = 20250101
# Any fixed instant works: the simulation only uses differences of times.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
# Population averages from fsrs-rs's simulator (SimulatorConfig::default in
# fsrs-rs src/simulation.rs), measured over many Anki users, not this user:
# how often a new card's first rating is Again/Hard/Good/Easy, how often a
# recalled card is rated Hard/Good/Easy, and the seconds each rating takes for a
# new card (learn_costs) and a due card (review_costs). ASSUMPTIONS for minutes.
FIRST_RATINGS = {Rating.Again: 0.24, Rating.Hard: 0.094, Rating.Good: 0.495, Rating.Easy: 0.171}
RECALL_RATINGS = {Rating.Hard: 0.224, Rating.Good: 0.631, Rating.Easy: 0.145}
LEARN_SECONDS = {Rating.Again: 33.79, Rating.Hard: 24.3, Rating.Good: 13.68, Rating.Easy: 6.5}
REVIEW_SECONDS = {Rating.Again: 23.0, Rating.Hard: 11.68, Rating.Good: 7.33, Rating.Easy: 5.6}
# The windows the report averages over (1-based days, inclusive).
EARLY_DAYS = (1, 30)
LATER_DAYS = (31, 90)


class Learner(Protocol):
    """Answers the cards: the first rating of a new card, the rating of a due one."""

    def first_rating(self) -> Rating: ...

    def review_rating(self, retrievability: float) -> Rating: ...


class SeededLearner:
    """The population learner of the module docstring, from a fixed-seed generator."""

    def __init__(self, seed: int = SEED) -> None:
        self._random = random.Random(seed)

    def first_rating(self) -> Rating:
        return self._draw(FIRST_RATINGS)

    def review_rating(self, retrievability: float) -> Rating:
        if self._random.random() >= retrievability:
            return Rating.Again
        return self._draw(RECALL_RATINGS)

    def _draw(self, weights: dict[Rating, float]) -> Rating:
        return self._random.choices(list(weights), weights=list(weights.values()))[0]


class GoodLearner:
    """Answers Good every time: the plain schedule fsrs gives a card never forgotten."""

    def first_rating(self) -> Rating:
        return Rating.Good

    def review_rating(self, retrievability: float) -> Rating:
        return Rating.Good


@dataclass(frozen=True)
class ForecastSettings:
    """What is simulated: a deck of ``cards``, studied ``new_per_day`` at a time."""

    cards: int
    new_per_day: int = 20
    retention: float = 0.9
    days: int = 90


@dataclass(frozen=True)
class Forecast:
    """Per-day counts (index 0 is day 1) and the summary the report prints."""

    settings: ForecastSettings
    reviews: tuple[int, ...]
    new: tuple[int, ...]
    lapses: tuple[int, ...]
    seconds: tuple[float, ...]

    @property
    def peak_reviews(self) -> int:
        return max(self.reviews, default=0)

    @property
    def peak_day(self) -> int:
        """The first day (1-based) with the most reviews."""
        return self.reviews.index(self.peak_reviews) + 1 if self.reviews else 0

    def mean_reviews(self, window: tuple[int, int]) -> float | None:
        """Mean reviews per day over a 1-based inclusive window; None if not simulated."""
        return _mean(self.reviews, window)

    def mean_minutes(self, window: tuple[int, int]) -> float | None:
        seconds = _mean(self.seconds, window)
        return None if seconds is None else seconds / 60.0


def _mean(values: tuple[float, ...] | tuple[int, ...], window: tuple[int, int]) -> float | None:
    first, last = window
    if first > len(values):
        return None
    return fmean(values[first - 1 : last])


def forecast(settings: ForecastSettings, learner: Learner | None = None) -> Forecast:
    """Simulate ``settings.days`` days of study; see the module docstring for the method."""
    _check(settings)
    scheduler = Scheduler(desired_retention=settings.retention, enable_fuzzing=False)
    who = learner if learner is not None else SeededLearner()
    # (due, card_id, card): the id breaks ties so the order never depends on Card
    queue: list[tuple[datetime, int, Card]] = []
    days: list[_Day] = []
    for day in range(settings.days):
        start = EPOCH + timedelta(days=day)
        today = _review_due(scheduler, who, queue, start, start + timedelta(days=1))
        first = day * settings.new_per_day
        for card_id in range(first, min(first + settings.new_per_day, settings.cards)):
            rating = who.first_rating()
            card = _answer(scheduler, Card(card_id=card_id, due=start), rating, start)
            heapq.heappush(queue, (card.due, card_id, card))
            today.add_new(rating)
        days.append(today)
    return Forecast(
        settings,
        reviews=tuple(d.reviews for d in days),
        new=tuple(d.new for d in days),
        lapses=tuple(d.lapses for d in days),
        seconds=tuple(d.seconds for d in days),
    )


@dataclass
class _Day:
    """The running tally of one simulated day (local to ``forecast``)."""

    reviews: int = 0
    new: int = 0
    lapses: int = 0
    seconds: float = 0.0

    def add_review(self, rating: Rating) -> None:
        self.reviews += 1
        self.lapses += rating == Rating.Again
        self.seconds += REVIEW_SECONDS[rating]

    def add_new(self, rating: Rating) -> None:
        self.new += 1
        self.seconds += LEARN_SECONDS[rating]


def _check(settings: ForecastSettings) -> None:
    # The CLI validates user input; reaching here with bad values is a programming error.
    if settings.cards < 0 or settings.new_per_day < 1 or settings.days < 1:
        raise ValueError(f"cards >= 0, new_per_day >= 1 and days >= 1 required: {settings}")
    if not 0.0 < settings.retention < 1.0:
        raise ValueError(f"retention must be between 0 and 1: {settings.retention!r}")


def _review_due(
    scheduler: Scheduler,
    learner: Learner,
    queue: list[tuple[datetime, int, Card]],
    start: datetime,
    end: datetime,
) -> _Day:
    """Review every card due before ``end``, each at its due time."""
    today = _Day()
    while queue and queue[0][0] < end:
        due, card_id, card = heapq.heappop(queue)
        when = max(due, start)
        rating = learner.review_rating(scheduler.get_card_retrievability(card, when))
        card = _answer(scheduler, card, rating, when)
        heapq.heappush(queue, (card.due, card_id, card))
        today.add_review(rating)
    return today


def _answer(scheduler: Scheduler, card: Card, rating: Rating, when: datetime) -> Card:
    """Rate the card, then pass its (re)learning steps so it leaves the day in Review."""
    card, _ = scheduler.review_card(card, rating, when)
    while card.state != State.Review:
        card, _ = scheduler.review_card(card, Rating.Good, card.due)
    return card
