"""``dlflash check``, ``dlflash build`` and ``dlflash deck`` (check, verify and build in one process)."""

from __future__ import annotations

from pathlib import Path

import click

from dlflash.build import build_deck
from dlflash.checks.run import CHECKS, Check, run_checks
from dlflash.cli.app import cards_option, describe, main, out_option
from dlflash.cli.formula import verify_deck
from dlflash.config import load_project
from dlflash.deck import Deck, open_deck
from dlflash.errors import ProblemsError
from dlflash.registry import Registry


@main.command()
@cards_option
@click.option(
    "--only",
    metavar="NAMES",
    default="",
    help=f"Run only these checks, comma-separated: {', '.join(CHECKS)} (the cards are always loaded and validated).",
)
def check(cards_dir: str, only: str) -> None:
    """Validate the card files and run every check; write nothing."""
    checks = CHECKS.select(name.strip() for name in only.split(",") if name.strip()) if only else CHECKS
    with open_deck(load_project(cards_dir)) as deck:
        _check(deck, checks)


def _check(deck: Deck, checks: Registry[Check] = CHECKS) -> None:
    problems = list(run_checks(deck, checks))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ProblemsError(problems)
    for warning in problems:
        click.echo(describe(warning), err=True)
    cards = deck.cards
    ran = "" if len(checks) == len(CHECKS) else f" ({', '.join(checks)})"
    click.echo(f"ok: {len(cards.cards)} cards in {len(cards.files)} files{ran}")


@main.command()
@cards_option
@out_option(None, "the .apkg (default: the project's `package` setting)")
def build(cards_dir: str, out: str | None) -> None:
    """Build the Anki package from the card files (and update cards/ledger.json)."""
    project = load_project(cards_dir)
    with open_deck(project) as deck:
        _build(deck, Path(out or project.package))


@main.command()
@cards_option
@out_option(None, "the .apkg (default: the project's `package` setting)")
def deck(cards_dir: str, out: str | None) -> None:
    """Check, verify and build in one process, as `make deck` does: the cards are loaded once.

    Work whose inputs did not change is read from build/cache; torch, matplotlib and
    node are started only for a changed formula, figure or math.
    """
    project = load_project(cards_dir)
    with open_deck(project) as deck:
        _check(deck)
        if not verify_deck(deck, table=False):
            raise SystemExit(1)
        _build(deck, Path(out or project.package))


def _build(deck: Deck, out: Path) -> None:
    report = build_deck(deck, out)
    click.echo(
        f"wrote {report.out}: {report.notes} notes in {report.decks} decks, {report.media} media files; "
        f"{len(report.changed)} notes with new content"
    )
    if report.retired:
        # Anki's importer never deletes a note: say so every time, until the list is cleared
        count = len(report.retired)
        removed = "1 removed card is" if count == 1 else f"{count} removed cards are"
        click.echo(f"{removed} listed in cards/retired.yaml; `dlflash retired` prints the Anki search for their notes")
