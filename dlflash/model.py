"""The data that flows between the stages: frozen dataclasses, nothing else.

Every stage of the pipeline (load, coverage, verify, render, export) takes
values of these types and returns new ones; no stage mutates what it got.
Every value that came from a file keeps its ``Source`` (file and line), the
way markdown-it-py tokens keep ``Token.map``, so that any later stage can
report a problem at the line a person has to edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CardType = Literal["basic", "reversible", "cloze"]
CARD_TYPES: tuple[CardType, ...] = ("basic", "reversible", "cloze")


@dataclass(frozen=True, order=True)
class Source:
    """Where a value was written: a path as the user gave it, and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, reported as ``path:line: [card-id] message``."""

    source: Source
    message: str
    card_id: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        tag = f" [{self.card_id}]" if self.card_id else ""
        return f"{self.source}:{tag} {self.message}"


@dataclass(frozen=True)
class FormulaSpec:
    """A card's formula as written in YAML; ``dlflash.formula`` gives it meaning.

    ``steps`` is one expression or several ``name = expression`` assignments in
    Python/PyTorch syntax; ``step_lines`` are their lines in the card file.
    ``given`` maps each input symbol to its domain (``real[n]``, ``prob[n]``...).
    ``options`` holds the remaining keys (for example how to show the formula)
    so that the formula stage can validate them without the loader knowing them.
    """

    steps: tuple[str, ...]
    # where each step is written: a location, like ``source`` (left out of cache keys, see dlflash.cache)
    step_lines: tuple[int, ...] = field(metadata={"location": True})
    reference: str
    given: tuple[tuple[str, str], ...]
    source: Source
    options: tuple[tuple[str, object], ...] = ()

    def option(self, name: str, default: object = None) -> object:
        return dict(self.options).get(name, default)


# How a card departs from the notes it was written from (see ``Departure``).
DepartureKind = Literal[
    "wrong-formula", "wrong-number", "wrong-api", "wrong-description", "misnomer", "outdated", "needs-condition"
]
DEPARTURE_KINDS: tuple[DepartureKind, ...] = (
    "wrong-formula", "wrong-number", "wrong-api", "wrong-description", "misnomer", "outdated", "needs-condition"
)


@dataclass(frozen=True)
class Departure:
    """Where a card teaches something other than the notes: their exact words and what is right.

    ``quote`` must occur in the cheatsheet; ``fix``, when given, is the text that replaces the
    quote in a patch for the notes' author (typos, names, formulas, numbers).
    """

    quote: str
    kind: DepartureKind
    correct: str
    source: Source
    fix: str | None = None


@dataclass(frozen=True)
class ApiClaim:
    """A PyTorch fact a card states, in a form verify can check against the installed torch.

    ``name`` is a dotted name (``torch.nn.BatchNorm1d``, ``torch.Tensor.std``) or a small
    expression over torch (``torch.finfo(torch.float16).max``); ``defaults`` maps a parameter
    to the default the card states (YAML scalar text, e.g. ``"0.1"``, ``"(0.9, 0.999)"``);
    ``value`` is the value the card states for the name itself.
    """

    name: str
    source: Source
    defaults: tuple[tuple[str, str], ...] = ()
    value: str | None = None


@dataclass(frozen=True)
class Card:
    """One card definition from a ``cards/NN-section.yaml`` file."""

    id: str
    type: CardType
    source: Source
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    tags: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()
    formula: FormulaSpec | None = None
    media: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # a reason the lint may accept for a long answer (see dlflash.checks.lint)
    long_answer: str = ""
    departures: tuple[Departure, ...] = ()
    api: tuple[ApiClaim, ...] = ()


@dataclass(frozen=True)
class CardFile:
    """One YAML card file: a cheatsheet section with its cards, in file order."""

    path: str
    number: int
    slug: str
    title: str
    cards: tuple[Card, ...]
    # whole-line comments, (line, text from the '#'), in file order
    comments: tuple[tuple[int, str], ...] = ()
    # the sha256 of the text it was loaded from: what tells a later stage the whole file is unchanged
    text_sha256: str = ""

    @property
    def label(self) -> str:
        """``NN Title``: the file's deck under the project's parent deck (``Project.deck_of``)."""
        return f"{self.number:02d} {self.title}"


@dataclass(frozen=True)
class CardSet:
    """All card files of a deck, sorted by their number."""

    directory: str
    files: tuple[CardFile, ...]

    @property
    def cards(self) -> tuple[Card, ...]:
        return tuple(card for f in self.files for card in f.cards)


@dataclass(frozen=True)
class Fact:
    """One statement of the cheatsheet (see ``dlflash.sources.facts``)."""

    id: str
    heading_path: tuple[str, ...]
    text: str
    fingerprint: str
    source: Source


@dataclass(frozen=True)
class RenderedNote:
    """A card turned into the HTML fields of its Anki note type."""

    card_id: str
    guid: str
    source: Source
    note_type: CardType
    deck_name: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    media: tuple[str, ...] = field(default=())
