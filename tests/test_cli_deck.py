"""`dlflash check` and `dlflash build` as a user runs them: exit codes and output."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from dlflash.cli import main


def test_build_writes_the_deck_and_reports_counts(cards_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "deck.apkg"
    result = CliRunner().invoke(main, ["build", "--cards", str(cards_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out}: ")
    with zipfile.ZipFile(out) as package:
        assert package.namelist()[:2] == ["collection.anki2", "media"]
    assert (cards_copy / "ledger.json").is_file()


def test_broken_card_fails_with_one_line_per_problem_and_no_output(cards_copy: Path, tmp_path: Path) -> None:
    bad = cards_copy / "99-broken.yaml"
    bad.write_text("title: Broken\ncards:\n  - id: Bad_Id\n    type: basic\n    front: Q?\n", "utf-8")
    out = tmp_path / "deck.apkg"
    result = CliRunner().invoke(main, ["build", "--cards", str(cards_copy), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{bad}:3: [Bad_Id] 'id' must be lower-case kebab-case: 'Bad_Id'",
        f"{bad}:3: [Bad_Id] missing field 'back' (required for a basic card)",
        "2 problems found",
    ]
    assert not out.exists() and "Traceback" not in result.output


def test_failed_build_leaves_the_previous_deck_intact(cards_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--cards", str(cards_copy), "--out", str(out)]).exit_code == 0
    before = out.read_bytes()
    (cards_copy / "99-broken.yaml").write_text("title: [\n", "utf-8")
    result = runner.invoke(main, ["build", "--cards", str(cards_copy), "--out", str(out)])
    assert result.exit_code == 1 and out.read_bytes() == before


def test_missing_cards_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--cards", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.output == f"error: cards folder not found: '{tmp_path / 'nope'}'\n"


def test_unknown_command_suggests_the_closest(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["buidl"])
    assert result.exit_code == 2 and "Did you mean 'build'?" in result.output


def test_every_formula_that_cannot_render_is_reported_at_once(cards_copy: Path, tmp_path: Path) -> None:
    bad = cards_copy / "99-broken.yaml"
    card = """\
  - id: {id}
    type: basic
    front: What is this?
    back: A broadcast.
    tags: [test]
    covers: [basics.loss-functions.regression.mse]
    formula:
      steps: mean((y[:, None] - y_hat)**2)
      reference: mse_loss
"""
    bad.write_text("title: Broken\ncards:\n" + card.format(id="first-bad") + card.format(id="second-bad"), "utf-8")
    result = CliRunner().invoke(main, ["build", "--cards", str(cards_copy), "--out", str(tmp_path / "d.apkg")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "[first-bad]" in result.output and "[second-bad]" in result.output


def test_build_refuses_a_card_covering_an_unknown_fact(cards_copy: Path, tmp_path: Path) -> None:
    bad = cards_copy / "99-broken.yaml"
    bad.write_text(
        "title: Broken\ncards:\n  - id: typo-fact\n    type: basic\n    front: Q?\n    back: A.\n"
        "    tags: [test]\n    covers: [basics.gradient-descent.btach]\n",
        "utf-8",
    )
    out = tmp_path / "deck.apkg"
    result = CliRunner().invoke(main, ["build", "--cards", str(cards_copy), "--out", str(out)])
    assert result.exit_code == 1 and not out.exists()
    assert result.output.splitlines()[0] == (
        f"{bad}:3: [typo-fact] covers an unknown fact: 'basics.gradient-descent.btach'"
        " (did you mean 'basics.gradient-descent.batch'?)"
    )


def test_a_card_image_in_the_media_folder_passes_check_and_ships_in_the_build(cards_copy: Path, tmp_path: Path) -> None:
    # lint and build once looked in different folders, so no deck with an image could pass both
    (cards_copy / "media").mkdir()
    (cards_copy / "media" / "tiny.png").write_bytes(b"\x89PNG\r\n\x1a\n-not-really-a-png")
    card = (
        "  - id: media-folder-image\n    type: basic\n    front: Which picture is this?\n"
        "    back: \"![a tiny test picture](tiny.png)\"\n    media: [tiny.png]\n"
        "    tags: [media]\n    covers: [basics.chain-rule]\n"
    )
    basics = cards_copy / "01-basics.yaml"
    basics.write_text(basics.read_text("utf-8") + card, "utf-8")
    runner = CliRunner()
    checked = runner.invoke(main, ["lint", "--cards", str(cards_copy)])
    assert "media-folder-image" not in checked.output, checked.output
    out = tmp_path / "deck.apkg"
    built = runner.invoke(main, ["build", "--cards", str(cards_copy), "--out", str(out)])
    assert built.exit_code == 0, built.output
    with zipfile.ZipFile(out) as package:
        names = json.loads(package.read("media"))
        assert "tiny.png" in names.values()
