"""``dlflash check``, ``dlflash build`` and ``dlflash deck`` (check, verify and build in one process)."""

from __future__ import annotations

from pathlib import Path

import click

from dlflash.build import build_deck
from dlflash.checks.run import run_checks
from dlflash.cli.app import cards_option, describe, main, out_option
from dlflash.cli.formula import verify_deck
from dlflash.config import Project, load_project
from dlflash.errors import ProblemsError
from dlflash.model import CardSet
from dlflash.sources.cards import load_cards


@main.command()
@cards_option
def check(cards_dir: str) -> None:
    """Validate the card files and run every check; write nothing."""
    project = load_project(cards_dir)
    _check(project, load_cards(project.cards_dir))


def _check(project: Project, cards: CardSet) -> None:
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
    _build(project, load_cards(project.cards_dir), Path(out or project.package))


@main.command()
@cards_option
@out_option(None, "the .apkg (default: the project's `package` setting)")
def deck(cards_dir: str, out: str | None) -> None:
    """Check, verify and build in one process, as `make deck` does: the cards are loaded once.

    Work whose inputs did not change is read from build/cache; torch, matplotlib and
    node are started only for a changed formula, figure or math.
    """
    project = load_project(cards_dir)
    cards = load_cards(project.cards_dir)
    _check(project, cards)
    if not verify_deck(project, cards, table=False):
        raise SystemExit(1)
    _build(project, cards, Path(out or project.package))


def _build(project: Project, cards: CardSet, out: Path) -> None:
    report = build_deck(project, cards, out)
    click.echo(
        f"wrote {report.out}: {report.notes} notes in {report.decks} decks, {report.media} media files; "
        f"{len(report.changed)} notes with new content"
    )
    if report.retired:
        # Anki's importer never deletes a note: say so every time, until the list is cleared
        count = len(report.retired)
        removed = "1 removed card is" if count == 1 else f"{count} removed cards are"
        click.echo(f"{removed} listed in cards/retired.yaml; `dlflash retired` prints the Anki search for their notes")
