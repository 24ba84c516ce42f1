"""The deck context: one project's sources and what the stages compute from them, each computed once.

Every check (``checks.run``), the build, the preview, the reviewer test, sync and the reports take
a ``Deck`` instead of ``(project, cards)`` plus files read again: the cards are loaded once, the
notes parsed into facts once, coverage worked out once, the figures drawn once, and the deck
rendered once, as it ships. Each is computed on first use (``functools.cached_property``) and
kept, so a command pays only for what it asks for: ``dlflash check`` on a deck with no figures
never imports matplotlib, ``dlflash lint`` never renders.

A ``Deck`` lives inside ``open_deck``: the figures it draws are files in a folder that exists
while the context is open (the build packs them; the preview and the reviewer test show them).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from dlflash.cache import Cache
from dlflash.config import Project
from dlflash.errors import ProblemsError, SourceFileError
from dlflash.model import CardSet, Fact, Problem, RenderedNote
from dlflash.registry import Registry
from dlflash.render.decks import deck_descriptions
from dlflash.render.fields import render_deck
from dlflash.render.figures import FigureSpec, figure_names, figure_problems, load_figures, render_figures, used_figures
from dlflash.sources.cards import load_cards
from dlflash.sources.coverage import CoverageReport, coverage_report
from dlflash.sources.facts import parse_facts
from dlflash.sources.files import present, read_source_text, regular_file
from dlflash.sources.headings import load_headings


@dataclass(frozen=True, eq=False)
class Deck:
    """A project with its loaded cards; everything else is computed from them on first use."""

    project: Project
    cards: CardSet
    figure_dir: Path  # where ``figure_files`` are drawn; owned by ``open_deck``

    @cached_property
    def cache(self) -> Cache:
        return Cache.for_cards(self.project.cards_dir)

    @cached_property
    def notes_text(self) -> str | None:
        """The cheatsheet's text, or None for a project without one."""
        path = self.project.cheatsheet
        return read_source_text(path) if present(path) else None

    @cached_property
    def facts(self) -> tuple[Fact, ...]:
        """The cheatsheet's facts (none without a cheatsheet)."""
        if self.notes_text is None:
            return ()
        return parse_facts(self.notes_text, str(self.project.cheatsheet), self.project.section_ids)

    @cached_property
    def headings(self) -> Mapping[str, str]:
        """The display names of the notes' headings (``headings.yaml``), validated."""
        return load_headings(self.project.headings_file, self.facts)

    @cached_property
    def coverage(self) -> CoverageReport:
        return coverage_report(self.project, self.cards, self.facts)

    @cached_property
    def media_available(self) -> frozenset[str]:
        """The files of the media folder, the folder the build ships media from."""
        folder = self.project.media_dir
        return frozenset(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else frozenset()

    @cached_property
    def figures(self) -> Registry[FigureSpec]:
        """The project's figures; not imported at all when no card uses one."""
        return load_figures(self.project) if used_figures(self.cards) else Registry("figure")

    @cached_property
    def figure_files(self) -> Mapping[str, Path]:
        """Each figure the cards use, drawn into ``figure_dir`` (from the cache where its drawing is unchanged)."""
        problems = list(figure_problems(self.figures, self.cards))
        if problems:
            raise ProblemsError(problems)
        return render_figures(self.figures, self.figure_dir, used_figures(self.cards), self.cache)

    @cached_property
    def notes(self) -> tuple[RenderedNote, ...]:
        """Every card rendered as it ships, in deck order, its figures drawn.

        Tags and context lines come from the covered facts, so a deck with an unknown or stale
        fact is never rendered: those coverage errors are raised instead.
        """
        if self.notes_text is not None:
            errors = [p for p in self.coverage.problems if p.severity == "error"]
            if errors:
                raise ProblemsError(errors)
        names = figure_names(self.figure_files)
        return render_deck(self.project, self.cards, names, {f.id: f for f in self.facts}, self.headings)

    @cached_property
    def media(self) -> Mapping[str, Path]:
        """Every media file the notes show, by bare name: a drawn figure or a file of the media folder."""
        return media_files(self.project, self.notes, {path.name: path for path in self.figure_files.values()})

    @cached_property
    def descriptions(self) -> Mapping[str, str]:
        """Deck name -> the HTML of its description in the deck overview."""
        return deck_descriptions(self.project, self.cards, self.notes, {f.id: f for f in self.facts}, self.headings)


@contextmanager
def open_deck(project: Project, cards: CardSet | None = None) -> Iterator[Deck]:
    """The deck of ``project`` (its cards loaded now unless given); drawn figures last while it is open."""
    loaded = load_cards(project.cards_dir) if cards is None else cards
    with tempfile.TemporaryDirectory(prefix="dlflash-figures-") as tmp:
        yield Deck(project, loaded, Path(tmp))


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
