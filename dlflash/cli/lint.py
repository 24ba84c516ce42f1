"""``dlflash lint``: the card-quality rules, reported one line per problem."""

from __future__ import annotations

import click

from dlflash.checks.lint import RULES, lint_cards
from dlflash.cli.app import cards_option, describe, main
from dlflash.config import load_project
from dlflash.deck import open_deck
from dlflash.errors import ProblemsError


@main.command()
@cards_option
@click.option("--rules", "show_rules", is_flag=True, help="List the rules with their thresholds and sources, and stop.")
@click.option("--only", metavar="RULES", default="", help="Run only these rules, comma-separated (see --rules).")
def lint(cards_dir: str, show_rules: bool, only: str) -> None:
    """Check every card against the card-quality rules; errors fail, warnings are listed."""
    rules = RULES.select(name.strip() for name in only.split(",") if name.strip()) if only else RULES
    if show_rules:
        for rule in rules.values():
            click.echo(f"{rule.name}\t{rule.severity}\t{rule.threshold}\t{rule.source}")
        return
    with open_deck(load_project(cards_dir)) as deck:
        cards = deck.cards
        problems = lint_cards(cards, deck.media_available, rules)
    if any(p.severity == "error" for p in problems):
        raise ProblemsError(problems)
    warnings = problems
    for warning in warnings:
        click.echo(describe(warning), err=True)
    click.echo(f"ok: {len(cards.cards)} cards, {len(warnings)} warning{'s' if len(warnings) != 1 else ''}")
