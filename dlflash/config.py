"""Project settings: where things are, and ``[tool.dlflash]`` from pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dlflash.errors import SourceFileError

DEFAULT_CARDS = "cards"
DEFAULT_DECK = "build/deep-learning.apkg"


@dataclass(frozen=True)
class Project:
    """The files of one deck project, found from its cards folder."""

    cards_dir: Path
    coverage_threshold: float = 100.0

    @property
    def root(self) -> Path:
        """The project folder (the cards folder's parent): no source file may lead out of it."""
        return self.cards_dir.resolve().parent

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
        settings = _dlflash_settings(pyproject)
    threshold = settings.get("coverage-threshold", 100)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 100:
        message = f"[tool.dlflash] coverage-threshold must be a number from 0 to 100: {threshold!r}"
        raise SourceFileError(pyproject, message)
    return Project(cards_dir=cards, coverage_threshold=float(threshold))


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
