"""``dlflash errata`` is the notes' full review; ``--patch`` is a diff that applies and keeps the fact ids."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cardfiles import edit_basics
from click.testing import CliRunner
from projects import deck_sections

from dlflash.cli import main
from dlflash.sources.facts import load_facts, parse_facts

SIGLE = {"quote": "Sigle-label classification", "kind": "misnomer", "correct": "It is single-label classification.",
         "fix": "Single-label classification"}
HINGE_ID_FIX = {"quote": "**Hinge**", "kind": "misnomer", "correct": "A renamed heading term.", "fix": "**Hinge loss**"}


def record(cards: Path, card_id: str, departures: list[dict[str, str]]) -> None:
    def change(data: dict[str, Any]) -> None:
        next(c for c in data["cards"] if c["id"] == card_id)["departures"] = departures

    edit_basics(cards, change)


def test_the_review_lists_a_recorded_departure_by_kind_with_line_right_evidence_and_card(basics_cards: Path) -> None:
    record(basics_cards, "act-last-layer-by-task", [SIGLE])
    result = CliRunner().invoke(main, ["errata", "--cards", str(basics_cards)])
    assert result.exit_code == 0, result.output
    recorded = result.output.split("# Recorded departures, by kind")[1]
    # the deck records other misnomers too: look inside that kind's section, at this quote's entry
    misnomers = recorded.split("## misnomer (")[1].split("\n## ")[0]
    entry = misnomers.split("cheatsheet.md:46: `Sigle-label classification`")[1].split("\n### ")[0]
    assert "- also at lines 55" in entry
    assert "- right: It is single-label classification." in entry
    assert "- evidence: reviewed, not computed" in entry
    assert "- card: [act-last-layer-by-task] (" in entry
    assert "## Differs from PyTorch" in result.output.split("# Recorded departures")[0]


@pytest.mark.skipif(shutil.which("patch") is None or shutil.which("git") is None, reason="needs patch and git")
def test_the_patch_applies_with_patch_and_git_apply_and_keeps_the_fact_ids(
    basics_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(basics_cards, "act-last-layer-by-task", [SIGLE, HINGE_ID_FIX])
    project = basics_cards.parent
    before = [f.id for f in load_facts(basics_cards / "cheatsheet.md", deck_sections())]
    monkeypatch.chdir(project)  # the diff names the notes as the command was given them: cards/cheatsheet.md
    result = CliRunner().invoke(main, ["errata", "--cards", "cards", "--patch"])
    assert result.exit_code == 0, result.output
    diff = result.stdout
    assert "-  - **Softmax**: Sigle-label classification (last layer)" in diff
    assert "+  - **Softmax**: Single-label classification (last layer)" in diff
    # the heading-term fix would rename a fact id: left out, and said so
    assert "**Hinge loss**" not in diff and "is left out of the patch: it changes the fact id" in result.stderr
    for tool in (["patch", "-p0"], ["git", "apply", "-p0"]):
        copy = tmp_path / tool[0]
        shutil.copytree(basics_cards, copy / "cards")
        if tool[0] == "git":
            subprocess.run(["git", "init", "-q", str(copy)], check=True)
        subprocess.run(tool, cwd=copy, input=diff, text=True, check=True, capture_output=True)
        patched = (copy / "cards" / "cheatsheet.md").read_text("utf-8")
        assert "Sigle-label" not in patched
        assert [f.id for f in parse_facts(patched, "cheatsheet.md", deck_sections())] == before
