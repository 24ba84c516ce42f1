"""Bad card files get exact problem lines and leave every output as it was.

Each ``tests/corpus/<case>.yaml`` is written as ``cards/01-<case>.yaml`` into a
fresh project holding the real cheatsheet; ``<case>.expected`` holds the command
(``$ dlflash build`` or ``$ dlflash check``), the exact output lines (``CARDS``
stands for the temporary cards folder, ``PROJECT`` for its parent, ``OUT`` for the deck path) and the exit
status. Bytes a text file cannot keep safely in git or an editor are written as
markers: ``<TAB>`` a tab, ``<CR>`` a carriage return, ``<BOM>`` the UTF-8
byte-order mark, ``<FF>`` the byte 0xff, ``<U+XXXX>`` that character (in
UTF-8), and ``<c*N>`` the character ``c`` repeated ``N`` times. The list after "allowed:" in a formula message is the
formula vocabulary's, which grows; it is compared as ``allowed: ...``.

A case about another file of the project has a folder ``<case>.files/``: each file in it (markers
decoded) is written into the cards folder under its own relative path, over the copied one, and
``pyproject.toml.in`` beside it as ``pyproject.toml`` (named so that ruff and pytest do not read it as
their own settings); a folder in it holding only ``.keep`` becomes an empty folder.
"""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from dataclasses import dataclass
from os import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import with_settings

from dlflash.cli import main

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = sorted(p.stem for p in CORPUS.glob("*.yaml"))
# the previous deck a failed build must leave byte for byte
PREVIOUS = b"previous deck: a failed build must not touch these bytes\n"
# every case, alias bomb and deep nesting included, ends well within this on a loaded 2-core machine
CASE_SECONDS = 20.0
MARKERS = {b"<TAB>": b"\t", b"<CR>": b"\r", b"<BOM>": b"\xef\xbb\xbf", b"<FF>": b"\xff"}
REPEAT = re.compile(rb"<(.)\*(\d+)>")
CODE_POINT = re.compile(rb"<U\+([0-9A-F]{4})>")
VOCABULARY = re.compile(r"; allowed: .*$", re.MULTILINE)


@dataclass(frozen=True)
class Expected:
    command: str
    lines: list[str]
    exit_code: int


def read_expected(case: str) -> Expected:
    first, *lines, last = (CORPUS / f"{case}.expected").read_text("utf-8").splitlines()
    command = first.removeprefix("$ dlflash ")
    exit_match = re.fullmatch(r"\[exit (\d+)\]", last)
    assert command in ("build", "check") and exit_match, f"{case}.expected: bad header or footer"
    return Expected(command, lines, int(exit_match.group(1)))


def case_bytes(case: str) -> bytes:
    return decoded((CORPUS / f"{case}.yaml").read_bytes())


def decoded(data: bytes) -> bytes:
    for marker, value in MARKERS.items():
        data = data.replace(marker, value)
    data = CODE_POINT.sub(lambda m: chr(int(m.group(1), 16)).encode("utf-8"), data)
    return REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), data)


def project_with(tmp_path: Path, case: str) -> Path:
    """A project whose cards folder holds the cheatsheet and the one case file."""
    cards = with_settings(tmp_path / "project") / "cards"
    cards.mkdir()
    shutil.copy(REPO / "cards" / "cheatsheet.md", cards / "cheatsheet.md")
    (cards / f"01-{case}.yaml").write_bytes(case_bytes(case))
    extra = CORPUS / f"{case}.files"
    for path in sorted(extra.rglob("*")) if extra.is_dir() else ():
        relative = path.relative_to(extra)
        target = cards.parent / "pyproject.toml" if relative.name == "pyproject.toml.in" else cards / relative
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.name != ".keep":
            target.write_bytes(decoded(path.read_bytes()))
    return cards


def folder_state(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_broken_card_file_gets_its_exact_problems_and_changes_nothing(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = read_expected(case)
    cards = project_with(tmp_path, case)
    out_dir = tmp_path / "build"
    out_dir.mkdir()
    out = out_dir / "deck.apkg"
    out.write_bytes(PREVIOUS)
    monkeypatch.chdir(tmp_path)  # where a `touch pwned` would land
    cards_before = folder_state(cards)
    args = [expected.command, "--cards", str(cards)] + (["--out", str(out)] if expected.command == "build" else [])

    started = time.monotonic()
    result = CliRunner().invoke(main, args)
    elapsed = time.monotonic() - started

    shown = result.output.replace(str(cards), "CARDS").replace(str(out), "OUT").replace(str(cards.parent), "PROJECT")
    output = VOCABULARY.sub("; allowed: ...", shown)
    assert output.splitlines() == expected.lines
    assert result.exit_code == expected.exit_code, output
    assert "Traceback" not in output and elapsed < CASE_SECONDS
    assert not (tmp_path / "pwned").exists(), "a card file ran code"
    if expected.exit_code == 0:
        with zipfile.ZipFile(out) as package:
            assert package.namelist()[0] == "collection.anki2"
    else:
        assert out.read_bytes() == PREVIOUS
        assert folder_state(cards) == cards_before
    assert [p.name for p in out_dir.iterdir()] == ["deck.apkg"], "a temporary file was left behind"


def test_every_corpus_case_has_its_expected_lines() -> None:
    expected = sorted(p.stem for p in CORPUS.glob("*.expected"))
    assert expected == CASES


def test_interrupted_build_leaves_the_previous_deck_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cards = project_with(tmp_path, "bom-crlf-accepted")
    out = tmp_path / "build" / "deck.apkg"
    out.parent.mkdir()
    out.write_bytes(PREVIOUS)

    renamed: list[Path] = []

    def interrupted(src: str, dst: str) -> None:
        if not str(dst).endswith(".apkg"):
            return replace(src, dst)  # the ledger goes through
        renamed.append(Path(dst))
        assert zipfile.is_zipfile(src)  # the new deck was complete in its temporary file
        raise KeyboardInterrupt  # Ctrl-C just before the rename

    monkeypatch.setattr("dlflash.fileio.os.replace", interrupted)
    result = CliRunner().invoke(main, ["build", "--cards", str(cards), "--out", str(out)])
    assert result.exit_code == 1 and result.output == "\nAborted!\n"
    assert renamed == [out] and out.read_bytes() == PREVIOUS
    assert [p.name for p in out.parent.iterdir()] == ["deck.apkg"]
