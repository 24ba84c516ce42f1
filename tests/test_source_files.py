"""Source files are read only as regular files inside the project: links out, FIFOs, devices, huge files are refused."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import with_settings

from dlflash.cli import main
from dlflash.sources.files import MAX_SOURCE_BYTES

REPO = Path(__file__).resolve().parent.parent
CARD = "title: Files\ncards:\n  - id: plain-card\n    type: basic\n    front: What is X?\n    back: Y.\n"
PICTURED = CARD + "    media: [figure.png]\n"


def project(tmp_path: Path, card_text: str = CARD) -> Path:
    cards = with_settings(tmp_path / "project") / "cards"
    cards.mkdir(parents=True)
    shutil.copy(REPO / "cards" / "cheatsheet.md", cards / "cheatsheet.md")
    (cards / "01-files.yaml").write_text(card_text, "utf-8")
    return cards


def build(cards: Path, tmp_path: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["build", "--cards", str(cards), "--out", str(tmp_path / "deck.apkg")])
    assert "Traceback" not in result.output
    return result.exit_code, result.output.replace(str(cards), "CARDS").splitlines()


def test_a_card_file_linked_from_outside_the_project_is_refused(tmp_path: Path) -> None:
    cards = project(tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text(CARD.replace("plain-card", "outside-card"), "utf-8")
    (cards / "02-linked.yaml").symlink_to(outside)
    code, lines = build(cards, tmp_path)
    assert code == 1
    assert lines[0] == (
        f"CARDS/02-linked.yaml:1: a symbolic link must not lead out of the project ({cards.parent}): "
        f"it leads to {str(outside)!r}"
    )


def test_a_card_file_linked_inside_the_project_is_read(tmp_path: Path) -> None:
    cards = project(tmp_path)
    (cards.parent / "drafts").mkdir()
    (cards.parent / "drafts" / "other.yaml").write_text(CARD.replace("plain-card", "other-card"), "utf-8")
    (cards / "02-linked.yaml").symlink_to(Path("..") / "drafts" / "other.yaml")
    code, lines = build(cards, tmp_path)
    assert code == 0, lines
    assert "2 notes in 2 decks" in lines[0]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("02-pipe.yaml", id="a-card-file-is-refused-without-waiting-for-a-writer"),
        pytest.param("skip.yaml", id="a-skip-file-is-refused-not-taken-for-missing"),
    ],
)
def test_a_source_file_that_is_a_fifo_is_refused(tmp_path: Path, name: str) -> None:
    cards = project(tmp_path)
    os.mkfifo(cards / name)
    code, lines = build(cards, tmp_path)
    assert (code, lines) == (1, [f"CARDS/{name}:1: must be a regular file, not a FIFO (named pipe)", "1 problem found"])


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_card_file_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    cards = project(tmp_path)
    (cards / "02-zero.yaml").symlink_to("/dev/zero")
    code, lines = build(cards, tmp_path)
    assert code == 1
    assert lines[0].startswith("CARDS/02-zero.yaml:1: a symbolic link must not lead out of the project")


def test_a_card_file_larger_than_the_bound_is_refused_unread(tmp_path: Path) -> None:
    cards = project(tmp_path)
    with (cards / "02-huge.yaml").open("wb") as huge:
        huge.truncate(MAX_SOURCE_BYTES + 1)  # sparse: the size is what counts, not reading it
    code, lines = build(cards, tmp_path)
    assert lines == [
        f"CARDS/02-huge.yaml:1: file must be at most {MAX_SOURCE_BYTES} bytes, not {MAX_SOURCE_BYTES + 1}",
        "1 problem found",
    ]
    assert code == 1


def test_a_media_file_linked_from_outside_the_project_is_not_packed(tmp_path: Path) -> None:
    cards = project(tmp_path, PICTURED)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"SECRET BYTES")
    (cards / "media").mkdir()
    (cards / "media" / "figure.png").symlink_to(secret)
    code, lines = build(cards, tmp_path)
    assert code == 1
    assert lines[0].startswith(
        "CARDS/01-files.yaml:3: [plain-card] media file 'figure.png': a symbolic link must not lead out of the project"
    )
    assert not (tmp_path / "deck.apkg").exists()


def test_a_media_folder_linked_from_outside_the_project_is_not_packed(tmp_path: Path) -> None:
    cards = project(tmp_path, PICTURED)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "figure.png").write_bytes(b"SECRET BYTES")
    (cards / "media").symlink_to(tmp_path / "elsewhere")
    code, lines = build(cards, tmp_path)
    assert code == 1 and "must not lead out of the project" in lines[0]


def test_a_media_file_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    cards = project(tmp_path, PICTURED)
    (cards / "media").mkdir()
    os.mkfifo(cards / "media" / "figure.png")
    code, lines = build(cards, tmp_path)
    assert (code, lines[0]) == (
        1,
        "CARDS/01-files.yaml:3: [plain-card] media file 'figure.png': must be a regular file, not a FIFO (named pipe)",
    )


def test_a_media_file_linked_inside_the_project_is_packed(tmp_path: Path) -> None:
    cards = project(tmp_path, PICTURED)
    (cards / "media").mkdir()
    (cards.parent / "art.png").write_bytes(b"PNG BYTES")
    (cards / "media" / "figure.png").symlink_to(cards.parent / "art.png")
    code, lines = build(cards, tmp_path)
    assert code == 0, lines
    with zipfile.ZipFile(tmp_path / "deck.apkg") as package:
        assert package.read("0") == b"PNG BYTES"
