"""``dlflash lint``: the card-quality rules, reported one line per problem."""

from __future__ import annotations

import click

from dlflash.checks.lint import RULES, available_media, lint_cards
from dlflash.cli.app import cards_option, describe, main
from dlflash.config import load_project
from dlflash.errors import ProblemsError
from dlflash.sources.cards import load_cards


@main.command()
@cards_option
@click.option("--rules", "show_rules", is_flag=True, help="List the rules with their thresholds and sources, and stop.")
def lint(cards_dir: str, show_rules: bool) -> None:
    """Check every card against the card-quality rules; errors fail, warnings are listed."""
    if show_rules:
        for rule in RULES:
            click.echo(f"{rule.name}\t{rule.severity}\t{rule.threshold}\t{rule.source}")
        return
    project = load_project(cards_dir)
    cards = load_cards(project.cards_dir)
    problems = lint_cards(cards, available_media(project))
    if any(p.severity == "error" for p in problems):
        raise ProblemsError(problems)
    warnings = problems
    for warning in warnings:
        click.echo(describe(warning), err=True)
    click.echo(f"ok: {len(cards.cards)} cards, {len(warnings)} warning{'s' if len(warnings) != 1 else ''}")
