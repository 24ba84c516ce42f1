"""Project settings: where things are, and ``[tool.dlflash]`` from pyproject.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from dlflash.errors import UsageError

DEFAULT_CARDS = "cards"
DEFAULT_DECK = "build/deep-learning.apkg"


@dataclass(frozen=True)
class Project:
    """The files of one deck project, found from its cards folder."""

    cards_dir: Path
    coverage_threshold: float = 100.0

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


def load_project(cards_dir: str | Path = DEFAULT_CARDS) -> Project:
    """Settings come from the pyproject.toml beside the cards folder, if any."""
    cards = Path(cards_dir)
    pyproject = cards.resolve().parent / "pyproject.toml"
    settings: dict[str, object] = {}
    if pyproject.is_file():
        try:
            settings = tomllib.loads(pyproject.read_text("utf-8")).get("tool", {}).get("dlflash", {})
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{pyproject}: invalid TOML: {exc}") from exc
    threshold = settings.get("coverage-threshold", 100)
    if not isinstance(threshold, int | float) or not 0 <= threshold <= 100:
        raise UsageError(
            f"{pyproject}: [tool.dlflash] coverage-threshold must be a number from 0 to 100: {threshold!r}"
        )
    return Project(cards_dir=cards, coverage_threshold=float(threshold))
