"""Shared fixtures: a throw-away copy of the project's cards, and helpers for the real Anki backend."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CARDS = REPO / "cards"


@pytest.fixture
def cards_copy(tmp_path: Path) -> Path:
    """The real cards folder copied to a temporary project (pyproject included), without its ledger."""
    project = tmp_path / "project"
    shutil.copytree(CARDS, project / "cards", ignore=shutil.ignore_patterns("ledger.json"))
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    return project / "cards"
