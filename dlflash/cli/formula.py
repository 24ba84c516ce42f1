"""``dlflash verify`` (card formulas and API claims against torch) and ``dlflash errata`` (the notes reviewed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from dlflash.cache import versions
from dlflash.cli.app import cards_option, describe, main
from dlflash.cli.progress import progress_bar
from dlflash.config import load_project
from dlflash.deck import Deck, open_deck
from dlflash.errors import DataError, ProblemsError
from dlflash.sources.departures import departure_problems, locate_departures
from dlflash.verify.claim_cache import cached_claims
from dlflash.verify.claims import api_cards
from dlflash.verify.outcome import TOLERANCE

if TYPE_CHECKING:
    from dlflash.verify.claims import ClaimResult

# torch and the modules that run it are imported inside the commands that verify:
# `dlflash --help` and every other command start without them


@main.command()
@cards_option
@click.argument("ids", nargs=-1)
def verify(cards_dir: str, ids: tuple[str, ...]) -> None:
    """Check every card formula and API claim (or those of the cards IDS) against torch; exit 1 on any failure."""
    with open_deck(load_project(cards_dir)) as deck:
        if not verify_deck(deck, ids):
            raise SystemExit(1)


def verify_deck(deck: Deck, ids: tuple[str, ...] = (), table: bool = True) -> bool:
    """Verify and print the table (or, with ``table`` False, only the failures and the totals); True when all pass.

    Verdicts come from the cache where the formula, the references and torch are
    unchanged; torch is imported only to verify the others.
    """
    from dlflash.verify.cards import format_error, formula_cards, verify_cards

    project, cards, cache = deck.project, deck.cards, deck.cache
    selected_formulas = formula_cards(cards, ids, also_known=[c.id for c in api_cards(cards)])
    with progress_bar(len(selected_formulas), "verifying formulas") as advance:
        formula_ids = tuple(c.id for c in selected_formulas) if ids else ()
        rows = verify_cards(project, cards, formula_ids, done=lambda _row: advance(1)) if selected_formulas else []
    claims = cached_claims(cache, api_cards(cards, ids))
    if not rows and not claims:
        click.echo("no card has a formula or an API claim")
        return True
    lines = [
        *((r.card_id, r.reference, format_error(r.outcome.worst_error), r.status, r.outcome.failure) for r in rows),
        *((c.card_id, c.claim.name, "api", c.status, _claim_note(c)) for c in claims),
    ]
    shown = lines if table else [line for line in lines if line[3] == "FAIL"]
    if shown:
        width = max(len("card"), *(len(r[0]) for r in shown))
        ref_width = max(len("reference"), *(len(r[1]) for r in shown))
        click.echo(f"{'card':<{width}}  {'reference':<{ref_width}}  {'worst error':>11}  status")
        for card_id, reference, worst, status, note in shown:
            line = f"{card_id:<{width}}  {reference:<{ref_width}}  {worst:>11}  {status}"
            click.echo(line + (f"  ({note})" if note else ""))
    failed = sum(1 for r in rows if not r.outcome.passed)
    wrong = sum(1 for c in claims if not c.passed)
    unchecked = sum(len(c.unchecked) for c in claims)
    if rows:
        click.echo(f"{len(rows) - failed} of {len(rows)} formulas within {TOLERANCE:g} of torch")
    if claims:
        note = f"; {unchecked} stated default{'s' if unchecked != 1 else ''} could not be checked" if unchecked else ""
        torch_version = dict(versions("torch"))["torch"]
        click.echo(f"{len(claims) - wrong} of {len(claims)} API claims match torch {torch_version}{note}")
    return not failed and not wrong


def _claim_note(result: ClaimResult) -> str:
    """Why a claim failed, else how it was checked and what could not be."""
    if result.failure:
        return result.failure
    return "; ".join((result.checked, *result.unchecked))


@main.command()
@cards_option
@click.option("--patch", "as_patch", is_flag=True, help="Print a unified diff fixing the notes in place instead.")
def errata(cards_dir: str, as_patch: bool) -> None:
    """Print (Markdown) the notes' full review: computed errata and the cards' recorded departures."""
    with open_deck(load_project(cards_dir)) as deck:
        _errata(deck, as_patch)


def _errata(deck: Deck, as_patch: bool) -> None:
    from dlflash.report.patch import patch_notes, unified_diff
    from dlflash.report.review import Review, fixes, review_markdown
    from dlflash.verify.errata import find_errata

    project, cards = deck.project, deck.cards
    notes_path = str(project.cheatsheet)
    if deck.notes_text is None:
        raise DataError(f"cheatsheet not found: {notes_path!r}")
    notes = deck.notes_text
    problems = list(departure_problems(cards, notes, notes_path))
    if problems:
        raise ProblemsError(problems)
    review = Review(
        notes_path, tuple(find_errata(project)), tuple(locate_departures(cards, notes)),
        tuple(cached_claims(deck.cache, api_cards(cards))),
    )
    if not as_patch:
        click.echo(review_markdown(review, cards.cards, deck.facts))
        return
    patch = patch_notes(notes, notes_path, fixes(review), project.section_ids)
    for problem in patch.problems:
        click.echo(describe(problem), err=True)
    click.echo(unified_diff(notes, patch.text, notes_path), nl=False)
    click.echo(f"{len(patch.applied)} fixes in the patch", err=True)
