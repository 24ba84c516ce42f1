"""Bad usage and failures of the system end in one message and an exit status, never a traceback."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import with_settings

from dlflash.cli import main

REPO = Path(__file__).resolve().parent.parent
CARD = "title: Files\ncards:\n  - id: plain-card\n    type: basic\n    front: What is X?\n    back: Y.\n"


def project(tmp_path: Path) -> Path:
    cards = with_settings(tmp_path / "project") / "cards"
    cards.mkdir(parents=True)
    shutil.copy(REPO / "cards" / "cheatsheet.md", cards / "cheatsheet.md")
    (cards / "01-files.yaml").write_text(CARD, "utf-8")
    return cards


@pytest.mark.parametrize("command", ["build", "preview"])
def test_an_empty_out_is_a_usage_error_not_a_traceback(command: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [command, "--cards", str(project(tmp_path)), "--out", ""])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Invalid value for '--out': must name a file, not be empty" in result.output


def test_a_full_disk_names_the_file_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "deck.apkg"

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("dlflash.anki.package.write_atomic", full)
    result = CliRunner().invoke(main, ["build", "--cards", str(project(tmp_path)), "--out", str(out)])
    assert (result.exit_code, result.output) == (1, f"error: {out}: No space left on device\n")
    assert result.exception is None or isinstance(result.exception, SystemExit)
