"""``dlflash check`` and ``dlflash build``: validate the sources, write the deck."""

from __future__ import annotations

from pathlib import Path

import click

from dlflash.build import build_deck
from dlflash.checks.run import run_checks
from dlflash.cli.app import cards_option, describe, main, out_option
from dlflash.config import load_project
from dlflash.errors import ProblemsError
from dlflash.sources.cards import load_cards


@main.command()
@cards_option
def check(cards_dir: str) -> None:
    """Validate the card files and run every check; write nothing."""
    project = load_project(cards_dir)
    cards = load_cards(project.cards_dir)
    problems = list(run_checks(project, cards))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ProblemsError(problems)
    for warning in problems:
        click.echo(describe(warning), err=True)
    click.echo(f"ok: {len(cards.cards)} cards in {len(cards.files)} files")


@main.command()
@cards_option
@out_option(None, "the .apkg (default: the project's `package` setting)")
def build(cards_dir: str, out: str | None) -> None:
    """Build the Anki package from the card files (and update cards/ledger.json)."""
    project = load_project(cards_dir)
    cards = load_cards(project.cards_dir)
    report = build_deck(project, cards, Path(out or project.package))
    click.echo(
        f"wrote {report.out}: {report.notes} notes in {report.decks} decks, {report.media} media files; "
        f"{len(report.changed)} notes with new content"
    )
    if report.retired:
        # Anki's importer never deletes a note: say so every time, until the list is cleared
        count = len(report.retired)
        removed = "1 removed card is" if count == 1 else f"{count} removed cards are"
        click.echo(f"{removed} listed in cards/retired.yaml; `dlflash retired` prints the Anki search for their notes")
