"""The FSRS review-load forecast: a hand-checked schedule, stable numbers, sane totals."""

from __future__ import annotations

import pytest
from fsrs import Card, Rating, Scheduler, State

from dlflash.report.forecast import (
    EARLY_DAYS,
    EPOCH,
    LATER_DAYS,
    Forecast,
    ForecastSettings,
    GoodLearner,
    SeededLearner,
    forecast,
)

# REFERENCES.md: fsrs-optimizer's and fsrs-rs's simulators give about 67-72 reviews/day
# over days 30-89 for 1,000 cards at 20 new/day and retention 0.9. Our simulator passes
# (re)learning steps with py-fsrs's own same-day logic instead of fsrs-rs's session
# offsets, and lands ~20% lower (52-59 over seeds 1-10); a ±30% band still catches a
# broken simulation (counting learning steps, never failing, wrong due days).
REFERENCE_MID = 69.5
REFERENCE_TOLERANCE = 0.30


def review_days(result: Forecast) -> list[int]:
    return [day for day, count in enumerate(result.reviews, start=1) if count]


def test_one_card_always_good_is_reviewed_on_the_hand_computed_days() -> None:
    # By hand from fsrs 6.3.2's default parameters w (retention 0.9, so interval = round(S)):
    # day 1: S0 = w2 = 2.3065; the 10-minute step is short-term:
    #        S = S0 * exp(w17 * w18) * S0**-w19 = 2.2938 -> interval 2 -> day 3
    # day 3: R = 0.9091, S = 10.954 -> interval 11 -> day 14
    # day 14: R = 0.8997, S = 46.293 -> interval 46 -> day 60
    # day 60: R = 0.9004, S = 162.97 -> interval 163 -> day 223
    result = forecast(ForecastSettings(cards=1, new_per_day=20, retention=0.9, days=250), GoodLearner())
    assert review_days(result) == [3, 14, 60, 223]
    assert result.new[0] == 1 and sum(result.new) == 1
    assert sum(result.lapses) == 0


def test_one_card_schedule_matches_driving_fsrs_directly() -> None:
    scheduler = Scheduler(desired_retention=0.9, enable_fuzzing=False)
    card = Card(card_id=0, due=EPOCH)
    card, _ = scheduler.review_card(card, Rating.Good, EPOCH)
    expected = []
    while True:
        while card.state != State.Review:
            card, _ = scheduler.review_card(card, Rating.Good, card.due)
        day = (card.due - EPOCH).days + 1
        if day > 250:
            break
        expected.append(day)
        card, _ = scheduler.review_card(card, Rating.Good, card.due)
    result = forecast(ForecastSettings(cards=1, retention=0.9, days=250), GoodLearner())
    assert review_days(result) == expected


def test_two_runs_give_identical_numbers() -> None:
    settings = ForecastSettings(cards=300, new_per_day=20, retention=0.9, days=90)
    assert forecast(settings) == forecast(settings)


def test_a_different_seed_gives_different_draws() -> None:
    settings = ForecastSettings(cards=300, new_per_day=20, retention=0.9, days=90)
    assert forecast(settings, SeededLearner(1)).reviews != forecast(settings, SeededLearner(2)).reviews


def test_new_cards_are_introduced_at_most_n_a_day_until_the_deck_is_done() -> None:
    result = forecast(ForecastSettings(cards=45, new_per_day=20, days=5))
    assert result.new == (20, 20, 5, 0, 0)
    assert result.reviews[0] == 0


def test_higher_retention_asks_for_more_reviews() -> None:
    low = forecast(ForecastSettings(cards=400, new_per_day=20, retention=0.8, days=90))
    high = forecast(ForecastSettings(cards=400, new_per_day=20, retention=0.95, days=90))
    assert sum(high.reviews) > sum(low.reviews)
    assert sum(high.lapses) < sum(low.lapses)


def test_thousand_cards_at_twenty_a_day_is_near_the_reference_load() -> None:
    result = forecast(ForecastSettings(cards=1000, new_per_day=20, retention=0.9, days=90))
    days_30_to_89 = result.reviews[29:89]
    mean = sum(days_30_to_89) / len(days_30_to_89)
    assert mean == pytest.approx(REFERENCE_MID, rel=REFERENCE_TOLERANCE)
    assert 1 <= result.peak_day <= 90
    assert result.peak_reviews == max(result.reviews)


def test_summary_windows_average_the_right_days() -> None:
    result = forecast(ForecastSettings(cards=200, new_per_day=10, days=40))
    assert result.mean_reviews(EARLY_DAYS) == pytest.approx(sum(result.reviews[:30]) / 30)
    assert result.mean_reviews(LATER_DAYS) == pytest.approx(sum(result.reviews[30:40]) / 10)
    assert result.mean_reviews((41, 90)) is None
    minutes = result.mean_minutes(EARLY_DAYS)
    assert minutes is not None and minutes == pytest.approx(sum(result.seconds[:30]) / 30 / 60)


@pytest.mark.parametrize(
    "settings",
    [
        ForecastSettings(cards=10, new_per_day=0),
        ForecastSettings(cards=10, retention=1.0),
        ForecastSettings(cards=10, days=0),
    ],
)
def test_impossible_settings_are_rejected(settings: ForecastSettings) -> None:
    with pytest.raises(ValueError):
        forecast(settings)
