"""The review-load forecast: how many reviews a day the deck's cards ask for under FSRS.

Owns one pure stage, ``forecast(settings) -> Forecast``, run by fsrs-rs's own
simulator (the ``fsrs-rs-python`` package: the engine behind the simulator in
Anki's deck options) on a fresh deck of ``settings.cards`` cards — cards, not
notes: Anki schedules one card per cloze number and two per reversible note.

The simulator is configured the way Anki's backend configures it for a fresh
deck (rslib ``scheduler/fsrs/simulator.rs``, ``simulate_request_to_config``):

- no daily time cap (Anki passes ``f32::MAX``; fsrs-rs's default config stops
  a day after 1,800 s of work, which hid a third of the peak);
- Anki's default preset: 9,999 reviews a day, new cards past that limit,
  learning steps 1m 10m (two) and relearning 10m (one), maximum interval
  36,500 days;
- the population's first-rating and recall-rating probabilities, step
  transitions and seconds per answer (``default_simulator_config``), which is
  what Anki uses when a collection has no review log to measure them from.

What Anki adds and this cannot: its load balancer (on by default) fuzzes every
interval and moves it to a lighter day, which the Python binding offers no
hook for; it raises days 31-90 by a few percent (see ``tests/test_forecast_anki.py``).

A "review" is what both count as ``review_cnt``: a card from an earlier day
falling due (learning steps are not counted; a new card's first day is "new").
Each seed is one simulated learner; the forecast is the mean of ``SEEDS``, so a
run is reproducible and one learner's luck does not move the numbers.
Minutes come from the simulator's own seconds per answer (``cost_per_day``).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

import fsrs_rs_python as fsrs_rs

# ten simulated learners; fsrs-rs itself seeds its n-th sample with 42 + n
SEEDS = tuple(range(42, 52))
# Anki's default preset (deck options) and its simulator's request
REVIEW_LIMIT = 9999
MAX_INTERVAL = 36500
LEARNING_STEPS = 2
RELEARNING_STEPS = 1
# Anki's simulator has no daily time cap (f32::MAX in simulator.rs)
NO_TIME_CAP = 3.4e38
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs_rs.DEFAULT_PARAMETERS)
# The windows the report averages over (1-based days, inclusive).
EARLY_DAYS = (1, 30)
LATER_DAYS = (31, 90)


@dataclass(frozen=True)
class ForecastSettings:
    """What is simulated: a deck of ``cards`` (Anki cards, not notes), studied ``new_per_day`` at a time."""

    cards: int
    new_per_day: int = 20
    retention: float = 0.9
    days: int = 90


@dataclass(frozen=True)
class Forecast:
    """Per-day means over the seeds (index 0 is day 1) and the summary the report prints."""

    settings: ForecastSettings
    reviews: tuple[float, ...]
    new: tuple[float, ...]
    seconds: tuple[float, ...]
    # what ran the simulation and on which parameters, for the report's first line
    engine: str = f"fsrs-rs-python, FSRS-6 default parameters, mean of {len(SEEDS)} seeded runs"

    @property
    def peak_reviews(self) -> float:
        return max(self.reviews, default=0.0)

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


def _mean(values: tuple[float, ...], window: tuple[int, int]) -> float | None:
    first, last = window
    if first > len(values):
        return None
    return fmean(values[first - 1 : last])


def simulator_config(settings: ForecastSettings) -> fsrs_rs.SimulatorConfig:
    """fsrs-rs's config as Anki's backend builds it for a fresh deck (module docstring)."""
    config = fsrs_rs.default_simulator_config()
    config.deck_size = settings.cards
    config.learn_span = settings.days
    config.learn_limit = settings.new_per_day
    config.review_limit = REVIEW_LIMIT
    config.new_cards_ignore_review_limit = True
    config.max_ivl = float(MAX_INTERVAL)
    config.max_cost_perday = NO_TIME_CAP
    config.learning_step_count = LEARNING_STEPS
    config.relearning_step_count = RELEARNING_STEPS
    return config


def forecast(settings: ForecastSettings, parameters: tuple[float, ...] = DEFAULT_PARAMETERS) -> Forecast:
    """Simulate ``settings.days`` days of study once per seed and average them day by day."""
    _check(settings)
    config = simulator_config(settings)
    runs = [fsrs_rs.simulate(list(parameters), settings.retention, config, seed) for seed in SEEDS]
    return Forecast(
        settings,
        reviews=_daily_mean([run.review_cnt_per_day for run in runs]),
        new=_daily_mean([run.learn_cnt_per_day for run in runs]),
        seconds=_daily_mean([run.cost_per_day for run in runs]),
    )


def minimum_recommended_retention(
    settings: ForecastSettings, parameters: tuple[float, ...] = DEFAULT_PARAMETERS
) -> float:
    """The desired retention that costs the least time per card remembered (Anki's "minimum recommended")."""
    _check(settings)
    # fsrs-rs works in float32: 0.7 comes back as 0.69999998
    return round(float(fsrs_rs.optimal_retention(simulator_config(settings), list(parameters))), 4)


def _daily_mean(runs: list[list[int]] | list[list[float]]) -> tuple[float, ...]:
    return tuple(fmean(day) for day in zip(*runs, strict=True))


def _check(settings: ForecastSettings) -> None:
    # The CLI validates user input; reaching here with bad values is a programming error.
    if settings.cards < 0 or settings.new_per_day < 1 or settings.days < 1:
        raise ValueError(f"cards >= 0, new_per_day >= 1 and days >= 1 required: {settings}")
    if not 0.0 < settings.retention < 1.0:
        raise ValueError(f"retention must be between 0 and 1: {settings.retention!r}")
