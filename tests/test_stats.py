"""`dlflash stats`: the deck's counts, and the forecast printed and plotted from the simulation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dlflash.anki.cardview import cloze_numbers
from dlflash.cli import main
from dlflash.config import load_project
from dlflash.model import RenderedNote
from dlflash.render.fields import render_deck
from dlflash.report.forecast import EARLY_DAYS, LATER_DAYS, ForecastSettings, forecast
from dlflash.report.stats import deck_stats
from dlflash.sources.cards import load_cards

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def cards(basics_cards: Path) -> Path:
    return basics_cards


def stats(cards: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["stats", "--cards", str(cards), *extra])
    return result.exit_code, result.output


def counts(cards: Path):  # type: ignore[no-untyped-def]
    project = load_project(str(cards))
    loaded = load_cards(project.cards_dir)
    return deck_stats(loaded, render_deck(project, loaded))


def test_counts_match_the_card_file(cards: Path) -> None:
    data = yaml.safe_load((cards / "01-basics.yaml").read_text("utf-8"))["cards"]
    result = counts(cards)
    assert result.notes == len(data)
    assert dict(result.by_type) == dict(Counter(c["type"] for c in data))
    assert dict(result.by_tag) == dict(Counter(t for c in data for t in c.get("tags", [])))
    assert result.by_section == (("01 Know the basics", len(data), result.cards),)
    assert [count for _, count in result.by_tag] == sorted((count for _, count in result.by_tag), reverse=True)


def test_stats_prints_sections_types_tags_formulas_and_facts(cards: Path) -> None:
    code, output = stats(cards)
    found = counts(cards)
    assert code == 0, output
    assert f"notes: {found.notes} in 1 files, making {found.cards} cards in Anki" in output
    assert f"{found.notes:4d} {found.cards:4d}  01 Know the basics" in output
    assert "notes by type: " + ", ".join(f"{n} {c}" for n, c in found.by_type) in output
    assert "formulas: " in output and "facts: " in output and "covered" in output
    assert "forecast" not in output


def test_forecast_prints_the_simulations_numbers_the_same_every_run(cards: Path) -> None:
    code, output = stats(cards, "--forecast", "--new-per-day", "10", "--retention", "0.85", "--days", "60")
    _, again = stats(cards, "--forecast", "--new-per-day", "10", "--retention", "0.85", "--days", "60")
    expected = forecast(ForecastSettings(counts(cards).cards, 10, 0.85, 60))
    assert code == 0, output
    assert output == again
    assert f"peak: {expected.peak_reviews:.0f} reviews on day {expected.peak_day}" in output
    early, later = expected.mean_reviews(EARLY_DAYS), expected.mean_reviews(LATER_DAYS)
    assert early is not None and later is not None
    assert f"days 1-30: {early:.1f} reviews/day" in output and f"days 31-60: {later:.1f} reviews/day" in output
    assert "population defaults" in output and "not yours" in output
    assert "minimum recommended retention: 0." in output


def test_plot_writes_the_same_png_twice(cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = stats(cards, "--forecast", "--plot", "--days", "40")
    first = (tmp_path / "build" / "forecast.png").read_bytes()
    stats(cards, "--forecast", "--plot", "--days", "40")
    assert code == 0, output
    assert "wrote build/forecast.png" in output
    assert first.startswith(PNG_MAGIC)
    assert (tmp_path / "build" / "forecast.png").read_bytes() == first


def test_plot_without_forecast_is_a_usage_error(cards: Path) -> None:
    code, output = stats(cards, "--plot")
    assert code == 2
    assert "--plot draws the forecast: add --forecast" in output


@pytest.mark.parametrize(("option", "value"), [("--retention", "1.0"), ("--new-per-day", "0"), ("--days", "0")])
def test_impossible_forecast_settings_are_refused(cards: Path, option: str, value: str) -> None:
    code, output = stats(cards, "--forecast", option, value)
    assert code == 2
    assert f"Invalid value for '{option}'" in output


def test_cloze_and_reversible_notes_count_as_the_cards_anki_makes(cards: Path) -> None:
    # the basics file holds all three note types: a cloze note is a card per cloze number, a reversible two
    project = load_project(str(cards))
    loaded = load_cards(project.cards_dir)
    notes = render_deck(project, loaded)
    expected: dict[str, Callable[[RenderedNote], int]] = {
        "basic": lambda n: 1,
        "reversible": lambda n: 2,
        "cloze": lambda n: len(cloze_numbers(n.fields[0])),
    }
    assert {n.note_type for n in notes} == set(expected)
    result = counts(cards)
    assert result.cards == sum(expected[n.note_type](n) for n in notes)
    assert result.cards > result.notes
