"""``dlflash health``: the learner's collection read back onto the card files (text or ``--json``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dlflash.anki.retired import read_retired
from dlflash.cli.app import cards_option, collection_option, main
from dlflash.cli.progress import stage
from dlflash.config import Project, load_project
from dlflash.deck import open_deck
from dlflash.model import Source
from dlflash.report.health import RetiredNote, health_report, report_json


@main.command()
@collection_option("The Anki collection file (collection.anki2); only a copy is opened, the file is never written.")
@cards_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def health(collection: str, cards_dir: str, as_json: bool) -> None:
    """Leeches, hardest cards, set-aside, flagged, edited notes, retention per section: each at its card's file:line."""
    from dlflash.anki.learner import desired_retention, read_learner_notes
    from dlflash.anki.snapshot import collection_snapshot

    project = load_project(cards_dir)
    # with its figures drawn, so an image's file name is the one the deck ships
    with open_deck(project) as deck:
        stage(f"rendering {len(deck.cards.cards)} notes as the deck ships them")
        shipped = deck.notes
    with collection_snapshot(Path(collection)) as col:
        learner = read_learner_notes(col)
        desired = {d: desired_retention(col, d) for d in {c.deck_id for n in learner for c in n.cards}}
    report = health_report(shipped, _retired(project), learner, desired)
    if as_json:
        click.echo(json.dumps(report_json(report), indent=2, ensure_ascii=False))
        return
    click.echo(f"{collection}: {report.notes_in_collection} notes of this deck")
    for section in report.sections:
        click.echo(f"{section.title}: {len(section.lines)}")
        for line in section.lines:
            click.echo(f"  {line}")


def _retired(project: Project) -> dict[str, RetiredNote]:
    """The retired cards by GUID, each at its line of the retired list."""
    path = project.retired_file
    lines = path.read_text("utf-8").splitlines() if path.is_file() else []
    found = {}
    for entry in read_retired(path):
        line = next((i for i, text in enumerate(lines, 1) if entry.guid in text or f"id: {entry.id}" in text), 1)
        found[entry.guid] = RetiredNote(entry.id, Source(str(path), line))
    return found
