"""Shared fixtures: a throw-away copy of the project's cards, and helpers for the real Anki backend."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from projects import REPO, with_settings

CARDS = REPO / "cards"


# What only a person's `dlflash build` (or `coverage --accept`) may change in the checkout.
COMMITTED = ("ledger.json", "retired.yaml", "coverage.lock")


@pytest.fixture(scope="session", autouse=True)
def committed_files_untouched() -> Iterator[None]:
    """No test may write the real deck's ledger, retired list or lock: tests build copies."""
    before = {name: _bytes(CARDS / name) for name in COMMITTED}
    yield
    changed = [name for name in COMMITTED if _bytes(CARDS / name) != before[name]]
    assert changed == [], f"a test changed cards/{', cards/'.join(changed)} of the checkout"


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


@pytest.fixture
def cards_copy(tmp_path: Path) -> Path:
    """The real cards folder copied to a temporary project (settings included), without its ledger.

    Without the ledger nothing was ever built there, so nothing was retired either: the copy leaves
    out ``retired.yaml`` too, the record of what the real deck's builds removed.
    """
    project = with_settings(tmp_path / "project")
    shutil.copytree(CARDS, project / "cards", ignore=shutil.ignore_patterns("ledger.json", "retired.yaml"))
    return project / "cards"


@pytest.fixture
def basics_cards(cards_copy: Path) -> Path:
    """The project's cards with only its basics file: a small deck whose counts other files cannot change."""
    for path in cards_copy.glob("[0-9][0-9]-*.yaml"):
        if path.name != "01-basics.yaml":
            path.unlink()
    return cards_copy
