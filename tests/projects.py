"""Temporary deck projects for tests: the real deck's settings and content, linked in."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dlflash.build import BuildReport
    from dlflash.config import Project
    from dlflash.model import CardSet, Problem

REPO = Path(__file__).resolve().parent.parent


def deck_sections() -> dict[str, str]:
    """The real deck's section ids (``[tool.dlflash.sections]``), for tests that parse its notes."""
    from dlflash.config import load_project

    return dict(load_project(REPO / "cards").sections)


def with_settings(root: Path) -> Path:
    """Give the project at ``root`` the deck's settings: its pyproject.toml, and the content it names.

    The settings name the content modules relative to the project root (``verify/references``,
    ``verify/figures.py``), so ``verify/`` is linked in rather than copied: one import per process.
    """
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    if not (root / "verify").exists():
        (root / "verify").symlink_to(REPO / "verify", target_is_directory=True)
    return root


def cards_folder(root: Path, files: Mapping[str, str]) -> Path:
    """A project at ``root`` with the deck's settings and a new cards folder holding ``files`` (name: text)."""
    cards = with_settings(root) / "cards"
    cards.mkdir()
    for name, text in files.items():
        (cards / name).write_text(text, "utf-8")
    return cards


def check_problems(project: Project, name: str) -> list[Problem]:
    """What the check ``name`` of ``dlflash check`` reports on ``project``, run as the CLI runs it."""
    from dlflash.checks.run import CHECKS, run_checks
    from dlflash.deck import open_deck

    with open_deck(project) as deck:
        return list(run_checks(deck, CHECKS.select([name])))


def build_project(project: Project, out: Path, at: int | None = None, cards: CardSet | None = None) -> BuildReport:
    """``dlflash build`` of ``project`` (its cards as loaded now, unless given) to ``out``."""
    from dlflash.build import build_deck
    from dlflash.deck import open_deck

    with open_deck(project, cards) as deck:
        return build_deck(deck, out, at)
