"""Shared fixtures: a throw-away copy of the project's cards, and helpers for the real Anki backend."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from projects import REPO, with_settings

CARDS = REPO / "cards"


@pytest.fixture
def cards_copy(tmp_path: Path) -> Path:
    """The real cards folder copied to a temporary project (settings included), without its ledger."""
    project = with_settings(tmp_path / "project")
    shutil.copytree(CARDS, project / "cards", ignore=shutil.ignore_patterns("ledger.json"))
    return project / "cards"


@pytest.fixture
def basics_cards(cards_copy: Path) -> Path:
    """The project's cards with only its basics file: a small deck whose counts other files cannot change."""
    for path in cards_copy.glob("[0-9][0-9]-*.yaml"):
        if path.name != "01-basics.yaml":
            path.unlink()
    return cards_copy
