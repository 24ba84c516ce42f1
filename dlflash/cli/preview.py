"""``dlflash preview``: one HTML page with every card as Anki would show it."""

from __future__ import annotations

from pathlib import Path

import click

from dlflash.cli.app import cards_option, main, out_option
from dlflash.config import load_project
from dlflash.preview import DEFAULT_PREVIEW, write_preview
from dlflash.sources.cards import load_cards


@main.command()
@cards_option
@out_option(DEFAULT_PREVIEW, "the page")
def preview(cards_dir: str, out: str) -> None:
    """Write one self-contained HTML page with every card, front and back, day and night."""
    project = load_project(cards_dir)
    cards = load_cards(project.cards_dir)
    count = write_preview(project, cards, Path(out))
    click.echo(f"wrote {out}: {count} cards in {len(cards.files)} decks (MathJax inlined, no network needed)")
