"""Project settings: where things are, and ``[tool.dlflash]`` from pyproject.toml.

Everything about the deck's subject lives in the project, not in the engine: the deck's name
and description, the notes' section ids, and the content modules (the torch references and the
figure drawings) are settings, each path resolved against the project root (the folder holding
the cards folder and pyproject.toml). Every value is validated here, with a message naming the
file and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dlflash.errors import SourceFileError
from dlflash.model import CardFile

DEFAULT_CARDS = "cards"
DEFAULT_PACKAGE = "build/deck.apkg"
DEFAULT_DECK_NAME = "Deck"
# the parent deck's description; {cards}, {decks} and {notes} are filled in by the build
DEFAULT_DESCRIPTION = "{cards} in {decks} decks, one per section of the notes ({notes} in the dlflash sources)."
DESCRIPTION_FIELDS = {"cards": "", "decks": "", "notes": ""}
SETTINGS_TABLE = "[tool.dlflash]"


@dataclass(frozen=True)
class Project:
    """The files of one deck project, found from its cards folder, and its settings."""

    cards_dir: Path
    coverage_threshold: float = 100.0
    # the parent deck: a card file's deck is ``<deck_name>::NN Title``
    deck_name: str = DEFAULT_DECK_NAME
    description: str = DEFAULT_DESCRIPTION
    # generic slug of a top-level heading -> the section id facts get (keeps ids short and typo-proof)
    sections: tuple[tuple[str, str], ...] = ()
    # the content modules, absolute: a package whose import registers the references, a module of figures
    references: Path | None = None
    figures: Path | None = None
    # where `dlflash build` writes the .apkg when not told (relative to the working directory)
    package: str = DEFAULT_PACKAGE

    @property
    def root(self) -> Path:
        """The project folder (the cards folder's parent): no source file may lead out of it."""
        return self.cards_dir.resolve().parent

    @property
    def section_ids(self) -> Mapping[str, str]:
        return dict(self.sections)

    def deck_of(self, card_file: CardFile) -> str:
        """The Anki deck of one card file (Anki matches decks by this name)."""
        return f"{self.deck_name}::{card_file.label}"

    @property
    def cheatsheet(self) -> Path:
        return self.cards_dir / "cheatsheet.md"

    @property
    def media_dir(self) -> Path:
        """The images cards show by bare name: the build ships them, lint checks they exist."""
        return self.cards_dir / "media"

    @property
    def ledger(self) -> Path:
        return self.cards_dir / "ledger.json"

    @property
    def skip_file(self) -> Path:
        return self.cards_dir / "skip.yaml"

    @property
    def coverage_lock(self) -> Path:
        return self.cards_dir / "coverage.lock"

    @property
    def headings_file(self) -> Path:
        """Display names of the notes' headings for the context line (``sources.headings``)."""
        return self.cards_dir / "headings.yaml"

    @property
    def retired_file(self) -> Path:
        return self.cards_dir / "retired.yaml"

    @property
    def errata_file(self) -> Path | None:
        """Known errors of the notes' formulas, beside the references package."""
        return self.references.parent / "errata.yaml" if self.references else None

    @property
    def equivalent_mutants_file(self) -> Path | None:
        """Mutants of card formulas that compute the same thing, beside the references package."""
        return self.references.parent / "equivalent_mutants.yaml" if self.references else None


def load_project(cards_dir: str | Path = DEFAULT_CARDS) -> Project:
    """Settings come from the pyproject.toml beside the cards folder, if any."""
    cards = Path(cards_dir)
    root = cards.resolve().parent
    pyproject = root / "pyproject.toml"
    settings: dict[str, object] = {}
    if pyproject.is_file():
        settings = _dlflash_settings(pyproject)
    read = _Settings(pyproject, settings)
    threshold = read.value("coverage-threshold", 100, "a number from 0 to 100",
                           lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 100)
    return Project(
        cards_dir=cards,
        coverage_threshold=float(threshold),  # type: ignore[arg-type]
        deck_name=read.text("deck", DEFAULT_DECK_NAME, forbid="::"),
        description=read.description("description", DEFAULT_DESCRIPTION),
        sections=read.sections("sections"),
        references=read.path("references", root, folder=True),
        figures=read.path("figures", root, folder=False),
        package=read.text("package", DEFAULT_PACKAGE),
    )


class _Settings:
    """Reads and validates ``[tool.dlflash]`` keys; a bad value names the file and the key."""

    def __init__(self, pyproject: Path, table: Mapping[str, object]) -> None:
        self.pyproject, self.table = pyproject, table
        known = {"coverage-threshold", "deck", "description", "sections", "references", "figures", "package"}
        for key in table:
            if key not in known:
                self.fail(key, f"is not a setting (known: {', '.join(sorted(known))})", table[key])

    def fail(self, key: str, rule: str, value: object) -> None:
        raise SourceFileError(self.pyproject, f"{SETTINGS_TABLE} {key} {rule}: {value!r}")

    def value(self, key: str, default: object, rule: str, ok: object) -> object:
        value = self.table.get(key, default)
        if not ok(value):  # type: ignore[operator]
            self.fail(key, f"must be {rule}", value)
        return value

    def text(self, key: str, default: str, forbid: str = "") -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value.strip() or (forbid and forbid in value):
            extra = f" without {forbid!r}" if forbid else ""
            self.fail(key, f"must be a non-empty string{extra}", value)
        return str(value)

    def description(self, key: str, default: str) -> str:
        value = self.text(key, default)
        try:
            value.format(**DESCRIPTION_FIELDS)
        except (KeyError, IndexError, ValueError):
            self.fail(key, "may use only the fields {cards}, {decks} and {notes}", value)
        return value

    def sections(self, key: str) -> tuple[tuple[str, str], ...]:
        value = self.table.get(key, {})
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
        ):
            self.fail(key, "must be a table of heading slug = section id strings", value)
        assert isinstance(value, dict)
        return tuple(value.items())

    def path(self, key: str, root: Path, *, folder: bool) -> Path | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.fail(key, "must be a path relative to the project root", value)
        path = (root / str(value)).resolve()
        exists = (path / "__init__.py").is_file() if folder else path.is_file()
        if not exists:
            what = "a package folder (with __init__.py)" if folder else "a Python file"
            self.fail(key, f"must name {what} under {root}", value)
        return path


_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)$")


def _dlflash_settings(pyproject: Path) -> dict[str, object]:
    """``[tool.dlflash]``; a file that is not UTF-8 TOML is bad data (exit 1), named with its line."""
    data = pyproject.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFileError(pyproject, f"file must be UTF-8: byte {data[exc.start]:#04x} is not", line) from exc
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        message = _TOML_LINE.sub("", str(exc)).strip()
        raise SourceFileError(pyproject, f"invalid TOML: {message}", int(found.group(1)) if found else 1) from exc
    tool = document.get("tool", {})
    settings = tool.get("dlflash", {}) if isinstance(tool, dict) else None
    if not isinstance(settings, dict):
        raise SourceFileError(pyproject, f"[tool.dlflash] must be a table, not {settings!r}")
    return settings
