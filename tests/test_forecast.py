"""The FSRS review-load forecast through fsrs-rs-python: configured as Anki does, stable numbers, sane totals."""

from __future__ import annotations

from statistics import fmean

import fsrs_rs_python as fsrs_rs
import pytest

from dlflash.report.forecast import (
    EARLY_DAYS,
    LATER_DAYS,
    SEEDS,
    ForecastSettings,
    forecast,
    minimum_recommended_retention,
    simulator_config,
)


def test_two_runs_give_identical_numbers() -> None:
    settings = ForecastSettings(cards=300, new_per_day=20, retention=0.9, days=90)
    assert forecast(settings) == forecast(settings)


def test_the_forecast_is_the_day_by_day_mean_of_the_seeded_runs() -> None:
    settings = ForecastSettings(cards=200, new_per_day=10, retention=0.9, days=40)
    runs = [fsrs_rs.simulate(fsrs_rs.DEFAULT_PARAMETERS, 0.9, simulator_config(settings), s) for s in SEEDS]
    day_30 = sum(run.review_cnt_per_day[29] for run in runs) / len(runs)
    assert forecast(settings).reviews[29] == pytest.approx(day_30)


def test_new_cards_are_introduced_at_most_n_a_day_until_the_deck_is_done() -> None:
    result = forecast(ForecastSettings(cards=45, new_per_day=20, days=5))
    assert result.new == (20, 20, 5, 0, 0)
    assert result.reviews[0] == 0


def test_no_daily_time_cap_holds_back_the_peak_as_in_anki() -> None:
    # fsrs-rs's default config stops a day after 1,800 s; Anki's simulator (and so ours) never does
    settings = ForecastSettings(cards=796, new_per_day=20, retention=0.9, days=90)
    capped = simulator_config(settings)
    capped.max_cost_perday = fsrs_rs.default_simulator_config().max_cost_perday
    runs = [fsrs_rs.simulate(fsrs_rs.DEFAULT_PARAMETERS, 0.9, capped, s).review_cnt_per_day for s in SEEDS]
    peak_capped = max(fmean(day) for day in zip(*runs, strict=True))
    result = forecast(settings)
    assert max(result.seconds) > capped.max_cost_perday
    assert result.peak_reviews > peak_capped


def test_higher_retention_asks_for_more_reviews() -> None:
    low = forecast(ForecastSettings(cards=400, new_per_day=20, retention=0.8, days=90))
    high = forecast(ForecastSettings(cards=400, new_per_day=20, retention=0.95, days=90))
    assert sum(high.reviews) > sum(low.reviews)


def test_summary_windows_average_the_right_days() -> None:
    result = forecast(ForecastSettings(cards=200, new_per_day=10, days=40))
    assert result.mean_reviews(EARLY_DAYS) == pytest.approx(sum(result.reviews[:30]) / 30)
    assert result.mean_reviews(LATER_DAYS) == pytest.approx(sum(result.reviews[30:40]) / 10)
    assert result.mean_reviews((41, 90)) is None
    minutes = result.mean_minutes(EARLY_DAYS)
    assert minutes is not None and minutes == pytest.approx(sum(result.seconds[:30]) / 30 / 60)


def test_minimum_recommended_retention_lies_in_ankis_range_and_below_the_default() -> None:
    best = minimum_recommended_retention(ForecastSettings(cards=796, new_per_day=20, days=90))
    assert 0.70 <= best <= 0.95
    assert best < 0.9


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
