"""``dlflash preview``: one HTML page with every card as Anki would show it; ``--reviewer``: Anki's own page."""

from __future__ import annotations

from pathlib import Path

import click

from dlflash.cli.app import cards_option, main, out_option
from dlflash.config import load_project
from dlflash.deck import open_deck
from dlflash.errors import ProblemsError
from dlflash.model import Problem, Source
from dlflash.preview import DEFAULT_PREVIEW, write_preview


@main.command()
@cards_option
@out_option(DEFAULT_PREVIEW, "the page")
@click.option(
    "--reviewer",
    "reviewer_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Also show every card in Anki's desktop reviewer page (aqt's assets, headless Chromium) at phone, "
    "small and desktop sizes, day and night; fail on a finding; write DIR/contact-sheet.png.",
)
def preview(cards_dir: str, out: str, reviewer_dir: str | None) -> None:
    """Write one self-contained HTML page with every card, front and back, day and night."""
    project = load_project(cards_dir)
    with open_deck(project) as deck:
        count = write_preview(deck, Path(out))
        click.echo(f"wrote {out}: {count} cards in {len(deck.cards.files)} decks (MathJax inlined, no network needed)")
        if reviewer_dir is None:
            return
        from dlflash.reviewer import CONTACT_SHEET, review_deck  # needs the aqt wheel and Chromium

        measured = review_deck(deck, Path(reviewer_dir))
    click.echo(
        f"reviewer: {measured.faces} card sides in {measured.pages} pages; "
        f"wrote {Path(reviewer_dir) / Path(CONTACT_SHEET).name}"
    )
    if measured.findings:
        where = Source(str(project.cards_dir), 0)
        raise ProblemsError([Problem(where, str(f)) for f in measured.findings])
