"""``dlflash sync``, ``retired`` and ``stats``: the deck in a collection, what left it, what it costs."""

from __future__ import annotations

from pathlib import Path

import click

from dlflash.anki.ledger import read_ledger
from dlflash.anki.retired import RETIRED_TAG_SEARCH, anki_search, read_retired
from dlflash.cli.app import cards_option, collection_option, main
from dlflash.cli.progress import stage
from dlflash.config import Project, load_project
from dlflash.deck import Deck, open_deck
from dlflash.errors import ProblemsError, UsageError
from dlflash.model import CardSet
from dlflash.report.collection_forecast import (
    DEFAULT_NEW_PER_DAY,
    DEFAULT_RETENTION,
    CollectionForecast,
    collection_forecast,
)
from dlflash.report.forecast import (
    DEFAULT_PARAMETERS,
    EARLY_DAYS,
    LATER_DAYS,
    Forecast,
    ForecastSettings,
    forecast,
    minimum_recommended_retention,
)
from dlflash.report.stats import deck_stats

# ids listed per line of the plan before "... and N more"
SHOWN_IDS = 20
FORECAST_PLOT = "build/forecast.png"


@main.command()
@collection_option("The Anki collection file (collection.anki2 in your profile folder); close Anki first.")
@cards_option
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--prune", is_flag=True, help="Delete the notes of removed cards instead of retiring them.")
@click.option(
    "--overwrite-edits",
    is_flag=True,
    help="Replace the fields you edited in Anki with the deck's (by default your edits are kept and listed).",
)
def sync(collection: str, cards_dir: str, dry_run: bool, prune: bool, overwrite_edits: bool) -> None:
    """Apply the deck to an Anki collection: add, update, retire notes; keep all reviews."""
    # imported here: only this command needs the anki package
    from dlflash.anki.sync import SyncRequest, plan_collection, sync_collection

    project = load_project(cards_dir)
    names = {r.guid: r.id for r in read_retired(project.retired_file)}
    # an imported note still has its package's mtime, the ledger's, until someone edits it
    ledger_times = {card_id: entry.mtime for card_id, entry in read_ledger(project.ledger).notes.items()}
    path = Path(collection)
    # the same notes and media `dlflash build` ships, figures drawn as there
    with open_deck(project) as deck:
        stage(f"rendering {len(deck.cards.cards)} cards")
        stage(f"{'planning' if dry_run else 'applying'} {len(deck.notes)} notes against {path}")
        request = SyncRequest(deck.notes, deck.media, names, prune, ledger_times, overwrite_edits)
        if dry_run:
            plan = plan_collection(path, request)
            click.echo(f"dry run: {path} was not changed; a sync would do this:")
        else:
            plan = sync_collection(path, request)
            click.echo(f"synced {path}:")
    for label, ids in (
        ("note types added", plan.notetypes_added),
        ("note types restyled", plan.notetypes_updated),
        ("added", plan.added),
        ("updated", plan.updated),
        ("restored", plan.restored),
        ("retired", plan.retired),
        ("pruned", plan.pruned),
        ("your edits kept (the card did not change)", plan.edits_kept),
        ("not updated, you edited them in Anki", plan.conflicts),
        ("left alone, you changed their note type in Anki", plan.other_type),
        ("media kept as yours, ours stored as", plan.media_renamed),
    ):
        if ids or label in ("added", "updated", "retired"):
            click.echo(f"  {label}: {len(ids)}{_listing(ids)}")
    click.echo(f"  unchanged: {len(plan.unchanged)}")
    if plan.conflicts:
        click.echo(
            "  the deck changed the cards you edited: your fields stay; `dlflash sync --overwrite-edits` "
            "replaces them with the deck's (copy what you want to keep first)"
        )


def _listing(ids: tuple[str, ...]) -> str:
    if not ids:
        return ""
    more = f", ... and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
    return " (" + ", ".join(ids[:SHOWN_IDS]) + more + ")"


@main.command()
@cards_option
def retired(cards_dir: str) -> None:
    """Print the Anki search that finds the notes of removed cards (to delete after an import)."""
    project = load_project(cards_dir)
    entries = read_retired(project.retired_file)
    if not entries:
        click.echo(f"no retired cards ({project.retired_file} lists none)")
        return
    click.echo(f"{len(entries)} retired card{'s' if len(entries) != 1 else ''}: {', '.join(r.id for r in entries)}")
    click.echo("After importing the deck, paste this search into Anki's browser and delete the notes it finds:")
    click.echo(anki_search(entries))
    click.echo(f"(notes retired by `dlflash sync` carry a tag instead: {RETIRED_TAG_SEARCH})")


@main.command()
@cards_option
@click.option("--forecast", "with_forecast", is_flag=True, help="Simulate the review load under FSRS.")
@click.option(
    "--new-per-day",
    type=click.IntRange(min=1),
    help=f"New cards a day [default: {DEFAULT_NEW_PER_DAY}, or your preset's with --collection].",
)
@click.option(
    "--retention",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    help=f"FSRS desired retention [default: {DEFAULT_RETENTION}, or your preset's with --collection].",
)
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650), help="Days to simulate.")
@click.option("--plot", is_flag=True, help=f"With --forecast, draw reviews per day to {FORECAST_PLOT}.")
@collection_option(
    "With --forecast, start from your Anki collection (collection.anki2): your cards' state, your "
    "preset and FSRS parameters. Only a copy is opened; the file is never written.",
    required=False,
)
def stats(
    cards_dir: str,
    with_forecast: bool,
    new_per_day: int | None,
    retention: float | None,
    days: int,
    plot: bool,
    collection: str | None,
) -> None:
    """Notes and cards by section, type and tag; formulas verified; facts covered; the review forecast."""
    project = load_project(cards_dir)
    if plot and not with_forecast:
        raise UsageError("--plot draws the forecast: add --forecast")
    if collection is not None and not with_forecast:
        raise UsageError("--collection starts the forecast from your collection: add --forecast")
    with open_deck(project) as deck:
        stage(f"rendering {len(deck.cards.cards)} notes to count their cards")
        rendered = deck.notes
        counts = deck_stats(deck.cards, rendered)
        facts_line = _facts_line(deck)
    cards = deck.cards
    click.echo(f"notes: {counts.notes} in {len(cards.files)} files, making {counts.cards} cards in Anki")
    click.echo("by section (notes, cards):")
    for name, notes, card_count in counts.by_section:
        click.echo(f"  {notes:4d} {card_count:4d}  {name}")
    click.echo("notes by type: " + ", ".join(f"{name} {count}" for name, count in counts.by_type))
    click.echo("notes by tag: " + (", ".join(f"{name} {count}" for name, count in counts.by_tag) or "none"))
    click.echo(_formulas_line(project, cards, counts.with_formula))
    click.echo(facts_line)
    if not with_forecast:
        return
    if collection is None:
        settings = ForecastSettings(
            counts.cards, new_per_day or DEFAULT_NEW_PER_DAY, retention or DEFAULT_RETENTION, days
        )
        result = forecast(settings)
        parameters = DEFAULT_PARAMETERS
        source_line = POPULATION_NOTE
    else:
        from dlflash.anki.snapshot import collection_snapshot

        stage(f"simulating from {collection}")
        with collection_snapshot(Path(collection)) as col:
            learner = collection_forecast(col, rendered, new_per_day=new_per_day, retention=retention, days=days)
        result, parameters, settings = learner.forecast, learner.parameters, learner.forecast.settings
        source_line = _state_line(learner)
    for line in forecast_lines(result):
        click.echo(line)
    click.echo(_minimum_retention_line(settings, parameters))
    click.echo(source_line)
    if plot:
        from dlflash.report.forecast_plot import write_forecast_plot  # matplotlib: only for --plot

        write_forecast_plot(result, Path(FORECAST_PLOT))
        click.echo(f"wrote {FORECAST_PLOT}")


POPULATION_NOTE = (
    "  these are population defaults (FSRS parameters, answer ratings, seconds per answer), not yours; "
    "`dlflash stats --forecast --collection PATH` starts from your collection"
)


def _state_line(learner: CollectionForecast) -> str:
    state, preset = learner.state, learner.preset
    where = f'preset "{preset.name}"' if preset else "no preset yet"
    return (
        f"  from your collection ({where}): {state.new} new, {state.learning} learning, {state.review} in review, "
        f"{state.set_aside} suspended or buried (left out), {state.not_imported} not yet imported (simulated as new)"
    )


def _minimum_retention_line(settings: ForecastSettings, parameters: tuple[float, ...]) -> str:
    try:
        best = minimum_recommended_retention(settings, parameters)
    except BaseException as exc:  # fsrs-rs raises when no minimum lies in 0.70-0.95
        if isinstance(exc, KeyboardInterrupt):
            raise
        return f"  minimum recommended retention: not found for this deck ({exc})"
    return (
        f"  minimum recommended retention: {best:.2f} (the least study time per card remembered; "
        "Anki's deck options compute the same from your own reviews)"
    )


def _formulas_line(project: Project, cards: CardSet, with_formula: int) -> str:
    if not with_formula:
        return "formulas: none"
    try:
        from dlflash.verify.cards import verify_cards  # torch: only when asked

        rows = verify_cards(project, cards)
    except ProblemsError as exc:
        return f"formulas: {with_formula}, not verifiable: {len(exc.problems)} problems (run `dlflash verify`)"
    passed = sum(row.outcome.passed for row in rows)
    return f"formulas: {passed} of {len(rows)} verified against PyTorch" + (
        f", {len(rows) - passed} FAILED" if passed < len(rows) else ""
    )


def _facts_line(deck: Deck) -> str:
    if deck.notes_text is None:
        return f"facts: no cheatsheet at {deck.project.cheatsheet}"
    report = deck.coverage
    covered, skipped = len(report.covered_ids), len(report.skipped_ids - report.covered_ids)
    return f"facts: {covered} covered, {skipped} skipped, of {len(report.facts)} ({report.percent:.1f}%)"


def forecast_lines(result: Forecast) -> list[str]:
    s = result.settings
    lines = [
        f"forecast: {s.cards} cards, {s.new_per_day} new/day, retention {s.retention:.2f}, {s.days} days "
        f"({result.engine})",
        f"  peak: {result.peak_reviews:.0f} reviews on day {result.peak_day}",
    ]
    for first, last in (EARLY_DAYS, LATER_DAYS):
        reviews, minutes = result.mean_reviews((first, last)), result.mean_minutes((first, last))
        if reviews is not None and minutes is not None:
            upto = min(last, s.days)
            lines.append(f"  days {first}-{upto}: {reviews:.1f} reviews/day, {minutes:.1f} minutes/day")
    return lines
