"""`dlflash preview`: one self-contained page with every card, front and back, day and night, by deck."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from projects import with_settings

from dlflash.anki.cardview import note_cards
from dlflash.cli import main
from dlflash.config import load_project
from dlflash.deck import open_deck
from dlflash.preview import preview_page
from dlflash.render.fields import render_deck
from dlflash.render.mathjax import NODE_MODULES_ENV

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082"
)

pytestmark = pytest.mark.skipif(
    not (NODE_MODULES / "mathjax-full").is_dir(), reason="node_modules/mathjax-full is needed: run `make` or `npm ci`"
)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of the h2 headings."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_h2 = tag == "h2"

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.headings.append(data)
            self._in_h2 = False


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def classes(tags: Tags, tag: str) -> list[str]:
    return [attrs.get("class") or "" for name, attrs in tags.tags if name == tag]


@pytest.fixture(autouse=True)
def repo_node_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NODE_MODULES_ENV, str(NODE_MODULES))


@pytest.fixture
def small_deck(tmp_path: Path) -> Path:
    """A reversible, a cloze with two deletions and a basic card with an image, in two decks."""
    folder = with_settings(tmp_path) / "cards"
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "dot.png").write_bytes(PNG_1PX)
    first = [
        {"id": "mse", "type": "reversible", "front": "MSE", "back": "The L2 loss"},
        {
            "id": "act",
            "type": "cloze",
            "text": "Hidden layers use {{c1::ReLU}}; outputs use {{c2::softmax::a function}}.",
        },
    ]
    second = [
        {"id": "dot", "type": "basic", "front": "What is this?", "back": "![a dot](dot.png)", "media": ["dot.png"]}
    ]
    for name, title, cards in (("01-first.yaml", "First", first), ("02-second.yaml", "Second", second)):
        text = yaml.safe_dump({"title": title, "cards": cards}, sort_keys=False, width=1000)
        (folder / name).write_text(text, "utf-8")
    return folder


def test_every_card_of_the_real_deck_is_shown_front_and_back_in_day_and_night() -> None:
    project = load_project(REPO / "cards")
    with open_deck(project) as deck:
        html, count = preview_page(deck)
    cards = deck.cards
    notes = render_deck(project, cards)
    assert count == sum(len(note_cards(n)) for n in notes) >= len(notes)
    tags = parse(html)
    faces = classes(tags, "div")
    assert sum(c.startswith("face day") for c in faces) == 2 * count
    assert sum(c.startswith("face night") for c in faces) == 2 * count
    assert faces.count("card nightMode night_mode") == 2 * count
    assert faces.count("card") == 2 * count
    ids = {attrs.get("id") for name, attrs in tags.tags if name == "article"}
    assert ids == {f"note-{n.card_id}" for n in notes}


def test_cards_are_grouped_by_deck_in_deck_order(small_deck: Path) -> None:
    project = load_project(small_deck)
    with open_deck(project) as deck:
        html, _count = preview_page(deck)
    assert parse(html).headings == ["Deep Learning::01 First", "Deep Learning::02 Second"]
    assert html.index('id="note-act"') < html.index("Deep Learning::02 Second") < html.index('id="note-dot"')


def test_a_reversible_note_shows_both_directions_and_a_cloze_one_card_per_deletion(small_deck: Path) -> None:
    project = load_project(small_deck)
    with open_deck(project) as deck:
        html, count = preview_page(deck)
    assert count == 2 + 2 + 1
    for label in ("Forward · front · day", "Reverse · back · night", "Cloze 1 · front · day", "Cloze 2 · back · day"):
        assert label in html


def test_a_cloze_front_hides_the_deletion_and_the_back_reveals_it(small_deck: Path) -> None:
    project = load_project(small_deck)
    with open_deck(project) as deck:
        html, _count = preview_page(deck)
    assert '<span class="cloze" data-cloze="ReLU" data-ordinal="1">[...]</span>' in html
    assert '<span class="cloze" data-ordinal="1">ReLU</span>' in html
    assert '<span class="cloze" data-cloze="softmax" data-ordinal="2">[a function]</span>' in html
    assert '<span class="cloze" data-ordinal="2">softmax</span>' in html


def test_the_page_loads_nothing_from_outside_itself(small_deck: Path) -> None:
    project = load_project(small_deck)
    with open_deck(project) as deck:
        html, _count = preview_page(deck)
    tags = parse(html)
    outside = [
        (name, a)
        for name, a in tags.tags
        for key in ("src", "href")
        if (value := a.get(key)) and not value.startswith("data:")
    ]
    assert outside == []
    assert not [a for name, a in tags.tags if name in ("script", "link") and (a.get("src") or a.get("href"))]
    assert re.search(r"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';", html)
    assert "MathJax.startup" in html and len(html) > 1_000_000  # the MathJax bundle itself is inlined


def test_images_are_inlined_as_data_uris(small_deck: Path) -> None:
    project = load_project(small_deck)
    with open_deck(project) as deck:
        html, _count = preview_page(deck)
    assert '<img src="data:image/png;base64,iVBORw0KGgo' in html
    assert 'src="dot.png"' not in html


def test_preview_command_writes_the_page(small_deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "preview.html"
    result = CliRunner().invoke(main, ["preview", "--cards", str(small_deck), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}: 5 cards in 2 decks (MathJax inlined, no network needed)\n"
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_preview_command_without_node_modules_says_how_to_install_them(
    small_deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(NODE_MODULES_ENV, str(tmp_path / "nowhere"))
    out = tmp_path / "preview.html"
    result = CliRunner().invoke(main, ["preview", "--cards", str(small_deck), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output == (
        f"error: mathjax-full is not installed in {tmp_path / 'nowhere'}: "
        "run `make` or `npm ci` in the project folder\n"
    )
    assert not out.exists()
