"""Long commands show progress on a terminal (stderr) and write nothing extra when piped."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dlflash.cli import main
from dlflash.sources.cards import load_cards
from dlflash.verify.cards import formula_cards
from dlflash.verify.outcome import TOLERANCE


def _verify(cards: Path) -> tuple[int, str, str]:
    first = formula_cards(load_cards(cards))[0].id
    result = CliRunner().invoke(main, ["verify", "--cards", str(cards), first])
    return result.exit_code, result.stdout, result.stderr


def test_verify_piped_writes_only_its_table(cards_copy: Path) -> None:
    code, stdout, stderr = _verify(cards_copy)
    assert code == 0 and stderr == ""
    assert stdout.startswith("card ") and f"1 of 1 formulas within {TOLERANCE:g} of torch\n" in stdout


def test_verify_on_a_terminal_shows_progress_on_stderr_only(cards_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, piped, _ = _verify(cards_copy)
    monkeypatch.setattr("dlflash.cli.progress.on_terminal", lambda: True)
    code, stdout, stderr = _verify(cards_copy)
    assert code == 0 and stdout == piped
    assert "verifying formulas" in stderr
