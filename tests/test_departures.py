"""A card's recorded departures quote the notes exactly, each quote with one kind (``dlflash check``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cardfiles import edit_basics
from click.testing import CliRunner

from dlflash.cli import main
from dlflash.model import Card, CardFile, CardSet, Departure, Source
from dlflash.sources.departures import closest_line, departure_problems, locate_departures

NOTES = "# Basics\n- **Softmax**: Sigle-label classification (last layer)\n- **CE**: Sigle-label classification.\n"


def deck(*departures: tuple[str, str, str]) -> CardSet:
    cards = tuple(
        Card(card_id, "basic", Source("cards/01-basics.yaml", 3 + n), front="q?", back="a",
             departures=(Departure(quote, kind, "right.", Source("cards/01-basics.yaml", 10 + n)),))  # type: ignore[arg-type]
        for n, (card_id, quote, kind) in enumerate(departures)
    )
    return CardSet("cards", (CardFile("cards/01-basics.yaml", 1, "basics", "Basics", cards),))


def test_a_quote_is_located_on_every_line_it_occurs() -> None:
    [located] = locate_departures(deck(("a", "Sigle-label", "misnomer")), NOTES)
    assert located.lines == (2, 3)


def test_a_quote_not_on_a_line_of_the_notes_is_a_located_problem_with_the_closest_line() -> None:
    [problem] = departure_problems(deck(("a", "Single-label classification", "misnomer")), NOTES, "notes.md")
    assert str(problem) == (
        "cards/01-basics.yaml:10: [a] departure quote is not on any line of notes.md: 'Single-label classification'"
        " (did you mean 'Sigle-label classification' at line 2?)"
    )


def test_a_quote_across_a_line_break_is_not_on_a_line() -> None:
    problems = list(departure_problems(deck(("a", "(last layer) - **CE**", "misnomer")), NOTES, "notes.md"))
    assert len(problems) == 1 and "is not on any line" in problems[0].message


def test_nothing_like_the_quote_gives_no_did_you_mean() -> None:
    assert closest_line(NOTES.splitlines(), "entirely unrelated words zzz") is None


def test_one_quote_recorded_with_two_kinds_is_refused_at_the_second() -> None:
    problems = list(departure_problems(
        deck(("a", "Sigle-label", "misnomer"), ("b", "Sigle-label", "needs-condition"),
             ("c", "Sigle-label", "misnomer")),
        NOTES, "notes.md",
    ))
    assert [(p.card_id, p.source.line) for p in problems] == [("b", 11)]
    message = problems[0].message
    assert "recorded as 'needs-condition' here but as 'misnomer' by [a] at cards/01-basics.yaml:10" in message


def test_check_fails_on_a_quote_that_is_not_in_the_notes(basics_cards: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        card = next(c for c in data["cards"] if c["id"] == "act-last-layer-by-task")
        card["departures"] = [{"quote": "Single-label classification (last layer)", "kind": "misnomer",
                               "correct": "Single-label.", "fix": "Single-label classification (last layer)"}]

    edit_basics(basics_cards, change)
    result = CliRunner().invoke(main, ["check", "--cards", str(basics_cards)])
    assert result.exit_code == 1
    assert "01-basics.yaml:" in result.output and "[act-last-layer-by-task] departure quote is not on any line" in (
        result.output
    )
    assert "(did you mean 'Sigle-label classification (last layer)' at line 46?)" in result.output
