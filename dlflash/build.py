"""The build: loaded cards to a written deck, with the ledger kept in step."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlflash.anki.ledger import now, read_ledger, write_ledger
from dlflash.anki.package import plan_package, write_package
from dlflash.anki.retired import record_retired
from dlflash.deck import Deck
from dlflash.fileio import exclusive


@dataclass(frozen=True)
class BuildReport:
    notes: int
    decks: int
    media: int
    changed: tuple[str, ...]  # card ids whose note gets a new mtime
    out: Path
    retired: tuple[str, ...] = ()  # ids removed from the sources, ever (cards/retired.yaml)


def build_deck(deck: Deck, out: Path, at: int | None = None) -> BuildReport:
    """Render, advance the ledger for changed notes, write the ledger, then the .apkg.

    The ledger is written first so that the package is the newest file and a
    second ``make deck`` sees nothing to do. Builds of one project take turns
    (a lock on the ledger's folder): two at once could each read the old
    ledger and leave the ledger of one beside the package of the other.
    """
    project = deck.project
    with exclusive(project.ledger.parent):
        old = read_ledger(project.ledger)
        retired = record_retired(project.retired_file, old.notes, deck.cards)
        package = plan_package(deck.notes, deck.media, old, now() if at is None else at, deck.descriptions)
        if package.ledger != old:
            write_ledger(project.ledger, package.ledger)
        write_package(package, out)
    notes = deck.notes
    changed = tuple(n.card_id for n in notes if old.notes.get(n.card_id) != package.ledger.notes[n.card_id])
    return BuildReport(
        len(notes), len({n.deck_name for n in notes}), len(deck.media), changed, out, tuple(r.id for r in retired)
    )
