"""``dlflash verify`` (card formulas against torch) and ``dlflash errata`` (the cheatsheet's formulas, as written)."""

from __future__ import annotations

import click

from dlflash.cli.app import cards_option, main
from dlflash.cli.progress import progress_bar
from dlflash.config import load_project
from dlflash.sources.cards import load_cards
from dlflash.sources.facts import load_facts
from dlflash.verify.cards import format_error, formula_cards, verify_cards
from dlflash.verify.errata import errata_markdown, find_errata
from dlflash.verify.runner import TOLERANCE


@main.command()
@cards_option
@click.argument("ids", nargs=-1)
def verify(cards_dir: str, ids: tuple[str, ...]) -> None:
    """Check every card formula (or the cards IDS) against its torch reference; exit 1 on any failure."""
    project = load_project(cards_dir)
    cards = load_cards(project.cards_dir)
    with progress_bar(len(formula_cards(cards, ids)), "verifying formulas") as advance:
        rows = verify_cards(project, cards, ids, done=lambda _row: advance(1))
    if not rows:
        click.echo("no card has a formula")
        return
    width = max(len("card"), *(len(r.card_id) for r in rows))
    ref_width = max(len("reference"), *(len(r.reference) for r in rows))
    click.echo(f"{'card':<{width}}  {'reference':<{ref_width}}  {'worst error':>11}  status")
    for row in rows:
        worst = format_error(row.outcome.worst_error)
        line = f"{row.card_id:<{width}}  {row.reference:<{ref_width}}  {worst:>11}  {row.status}"
        click.echo(line + (f"  ({row.outcome.failure})" if row.outcome.failure else ""))
    failed = sum(1 for r in rows if not r.outcome.passed)
    click.echo(f"{len(rows) - failed} of {len(rows)} formulas within {TOLERANCE:g} of torch")
    if failed:
        raise SystemExit(1)


@main.command()
@cards_option
def errata(cards_dir: str) -> None:
    """Print (Markdown) the cheatsheet's formulas and numbers evaluated as written against torch."""
    project = load_project(cards_dir)
    cards = load_cards(project.cards_dir)
    root = project.cards_dir.resolve().parent
    findings = find_errata(root, project.cheatsheet)
    facts = load_facts(project.cheatsheet)
    click.echo(errata_markdown(findings, str(project.cheatsheet), cards.cards, facts))
