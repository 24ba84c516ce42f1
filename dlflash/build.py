"""The build: loaded cards to a written deck, with the ledger kept in step."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dlflash.anki.ledger import now, read_ledger, write_ledger
from dlflash.anki.package import plan_package, write_package
from dlflash.anki.retired import record_retired
from dlflash.cache import Cache
from dlflash.config import Project
from dlflash.errors import ProblemsError, SourceFileError
from dlflash.fileio import exclusive
from dlflash.model import CardSet, Problem, RenderedNote
from dlflash.render.decks import deck_descriptions
from dlflash.render.fields import notes_headings, render_deck
from dlflash.render.figures import draw_card_figures, figure_names
from dlflash.sources.coverage import coverage_report
from dlflash.sources.files import present, regular_file


@dataclass(frozen=True)
class BuildReport:
    notes: int
    decks: int
    media: int
    changed: tuple[str, ...]  # card ids whose note gets a new mtime
    out: Path
    retired: tuple[str, ...] = ()  # ids removed from the sources, ever (cards/retired.yaml)


def media_files(
    project: Project, notes: tuple[RenderedNote, ...], generated: Mapping[str, Path] | None = None
) -> dict[str, Path]:
    """Each card's media: a ``generated`` file (a figure) or one in the media folder; all missing reported at once."""
    found: dict[str, Path] = {}
    problems = []
    for note in notes:
        for name in note.media:
            drawn = (generated or {}).get(name)
            if drawn is not None:
                found[name] = drawn
                continue
            path = project.media_dir / name
            if not path.exists() and not path.is_symlink():
                problems.append(Problem(note.source, f"media file must exist in {path.parent}: {name!r}", note.card_id))
                continue
            try:
                # a link out of the project would pack an outside file's bytes into the deck
                found[name] = regular_file(path, project.root)
            except SourceFileError as exc:
                problems.extend(
                    Problem(note.source, f"media file {name!r}: {p.message}", note.card_id) for p in exc.problems
                )
    if problems:
        raise ProblemsError(problems)
    return found


@dataclass(frozen=True)
class RenderedDeck:
    """What the deck ships: the notes and every media file they show, by bare name."""

    notes: tuple[RenderedNote, ...]
    media: Mapping[str, Path]
    descriptions: Mapping[str, str]  # deck name -> overview HTML


@contextmanager
def rendered_deck(project: Project, cards: CardSet) -> Iterator[RenderedDeck]:
    """Render the deck as it ships; its figures exist while the context is open.

    Figures are written into a temporary folder every time, drawn afresh unless the
    cache holds them from the same drawing code; ``build`` and ``sync`` both go through here.
    """
    if present(project.cheatsheet):
        # tags and contexts come from the covered facts: an unknown or stale one is never shipped
        problems = [p for p in coverage_report(project, cards).problems if p.severity == "error"]
        if problems:
            raise ProblemsError(problems)
    with tempfile.TemporaryDirectory(prefix="dlflash-figures-") as tmp:
        figures = draw_card_figures(project, cards, Path(tmp), Cache.for_cards(project.cards_dir))
        notes = render_deck(project, cards, figure_names(figures))
        facts, headings = notes_headings(project)
        descriptions = deck_descriptions(project, cards, notes, facts, headings)
        yield RenderedDeck(
            notes, media_files(project, notes, {path.name: path for path in figures.values()}), descriptions
        )


def build_deck(project: Project, cards: CardSet, out: Path, at: int | None = None) -> BuildReport:
    """Render, advance the ledger for changed notes, write the ledger, then the .apkg.

    The ledger is written first so that the package is the newest file and a
    second ``make deck`` sees nothing to do. Builds of one project take turns
    (a lock on the ledger's folder): two at once could each read the old
    ledger and leave the ledger of one beside the package of the other.
    """
    with exclusive(project.ledger.parent), rendered_deck(project, cards) as deck:
        old = read_ledger(project.ledger)
        retired = record_retired(project.retired_file, old.notes, cards)
        package = plan_package(deck.notes, deck.media, old, now() if at is None else at, deck.descriptions)
        if package.ledger != old:
            write_ledger(project.ledger, package.ledger)
        write_package(package, out)
    notes = deck.notes
    changed = tuple(n.card_id for n in notes if old.notes.get(n.card_id) != package.ledger.notes[n.card_id])
    return BuildReport(
        len(notes), len({n.deck_name for n in notes}), len(deck.media), changed, out, tuple(r.id for r in retired)
    )
