"""``dlflash sync`` and ``dlflash retired``: the deck into a collection, and what left it."""

from __future__ import annotations

from pathlib import Path

import click

from dlflash.build import media_files
from dlflash.cli.app import cards_option, main
from dlflash.config import load_project
from dlflash.load import load_cards
from dlflash.render import render_deck
from dlflash.retired import RETIRED_TAG_SEARCH, anki_search, read_retired

# ids listed per line of the plan before "... and N more"
SHOWN_IDS = 20


@main.command()
@click.option(
    "--collection",
    "collection",
    required=True,
    type=click.Path(dir_okay=False),
    help="The Anki collection file (collection.anki2 in your profile folder); close Anki first.",
)
@cards_option
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--prune", is_flag=True, help="Delete the notes of removed cards instead of retiring them.")
def sync(collection: str, cards_dir: str, dry_run: bool, prune: bool) -> None:
    """Apply the deck to an Anki collection: add, update, retire notes; keep all reviews."""
    # imported here: only this command needs the anki package
    from dlflash.sync import plan_collection, sync_collection

    project = load_project(cards_dir)
    notes = render_deck(project, load_cards(project.cards_dir))
    names = {r.guid: r.id for r in read_retired(project.retired_file)}
    path = Path(collection)
    if dry_run:
        plan = plan_collection(path, notes, names, prune)
        click.echo(f"dry run: {path} was not changed; a sync would do this:")
    else:
        plan = sync_collection(path, notes, media_files(project, notes), names, prune)
        click.echo(f"synced {path}:")
    for label, ids in (
        ("note types added", plan.notetypes_added),
        ("note types restyled", plan.notetypes_updated),
        ("added", plan.added),
        ("updated", plan.updated),
        ("restored", plan.restored),
        ("retired", plan.retired),
        ("pruned", plan.pruned),
    ):
        if ids or label in ("added", "updated", "retired"):
            click.echo(f"  {label}: {len(ids)}{_listing(ids)}")
    click.echo(f"  unchanged: {len(plan.unchanged)}")


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
