"""Every card as Anki's desktop reviewer shows it (aqt's page assets, Anki's MathJax), in headless Chromium.

At 375x667, 800x600 and 1280x900, day and night: no horizontal scroll of the page, a question's
figure fits the phone and desktop windows with its question text, no MathJax error, and text
contrast of at least 4.5:1 as axe-core measures it. ``dlflash.reviewer`` says how. Without
Chromium the test is skipped (failed under CI), as the preview test is.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from projects import with_settings

from dlflash.config import load_project
from dlflash.deck import open_deck
from dlflash.reviewer import Face, chromium_path, measured_faces, review_deck

REPO = Path(__file__).resolve().parent.parent


def need_browser() -> None:
    if chromium_path() is None:
        reason = "Chromium not found: install Debian's `chromium` (make test does where apt is available)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser test")
        pytest.skip(reason)
    pytest.importorskip("anki")


def test_every_card_of_the_real_deck_passes_in_the_reviewer(monkeypatch: pytest.MonkeyPatch) -> None:
    need_browser()
    monkeypatch.chdir(REPO)
    project = load_project("cards")
    # every card measured; the contact sheet (a few cards photographed) is `make preview`'s, tested below
    with open_deck(project) as deck:
        measured = review_deck(deck)
    project_cards = deck.cards
    assert measured.faces >= len(project_cards.cards)  # every note at least once
    assert [str(f) for f in measured.findings] == []


BAD = {
    "title": "Test",
    "cards": [
        {
            "id": "wide-math",
            "type": "basic",
            "front": "What is it?",
            # an inline formula cannot wrap: on a phone it pushes the page sideways
            "back": r"It is \(" + " + ".join(f"x_{{{i}}}" for i in range(40)) + r"\) or \(\foo{x}\).",
        },
        {"id": "faint", "type": "basic", "front": "What is faint?", "back": "Grey text."},
    ],
}


def test_the_reviewer_test_sees_page_scroll_math_errors_and_low_contrast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_browser()
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "01-test.yaml").write_text(yaml.safe_dump(BAD), "utf-8")
    monkeypatch.chdir(tmp_path)
    os.symlink(REPO / "node_modules", tmp_path / "node_modules")
    with_settings(tmp_path)
    from dlflash.anki import notetypes

    css = notetypes.deck_css() + "\n.answer { color: #aaaaaa; }\n"
    monkeypatch.setattr(notetypes, "deck_css", lambda: css)
    project = load_project("cards")
    with open_deck(project) as deck:
        findings = review_deck(deck, tmp_path / "shots").findings
    assert (tmp_path / "shots" / "contact-sheet.png").read_bytes().startswith(b"\x89PNG")
    rules = {(f.face.split(" ")[0], f.rule, f.viewport) for f in findings}
    assert ("wide-math", "horizontal scroll", "375x667") in rules
    assert ("wide-math", "MathJax error", "375x667") in rules
    assert ("faint", "contrast below 4.5:1", "1280x900") in rules
    assert not any(f.rule == "horizontal scroll" and f.viewport == "1280x900" and "faint" in f.face for f in findings)


def test_answers_and_cloze_questions_stand_for_every_side() -> None:
    faces = [
        Face("a", "Card 1", 0, "question", "q"),
        Face("a", "Card 1", 0, "answer", "q a"),
        Face("c", "Cloze", 0, "question", "[...]"),
        Face("c", "Cloze", 0, "answer", "text"),
    ]
    assert [(f.card_id, f.side) for f in measured_faces(faces)] == [("a", "answer"), ("c", "question"), ("c", "answer")]
