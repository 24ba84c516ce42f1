"""Figures: drawn reproducibly from torch, named by content, resolved in cards, shipped and imported."""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from pathlib import Path

import pytest
from anki.collection import Collection
from ankitools import import_package
from click.testing import CliRunner
from projects import REPO, build_project, with_settings

from dlflash import deck as deck_module
from dlflash.cli import main
from dlflash.config import load_project
from dlflash.errors import ProblemsError
from dlflash.registry import Registry
from dlflash.render import figures
from dlflash.render.fields import render_card
from dlflash.render.figures import FigureSpec, figure_png, figure_problems, load_figures, render_figures
from dlflash.sources.cards import load_cards
from dlflash.text.markdown import figure_refs, to_html

T0 = 1_700_000_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGBA = 6  # PNG colour type with an alpha channel
MIN_CONTRAST = 3.0  # WCAG 2.1 non-text contrast (and large text)

# the real deck's drawings (verify/figures.py), found through its settings
DECK_FIGURES = load_figures(load_project(REPO / "cards"))
CARDS_YAML = """\
title: Pictures
cards:
  - id: pic-one-cycle
    type: basic
    front: "Which learning-rate schedule is this? ![a learning-rate curve](figure:lr-one-cycle)"
    back: 1cycle
    tags: [lr]
  - id: pic-plain
    type: basic
    front: What does ReLU return for negative inputs?
    back: Zero
"""


def _cards_dir(tmp_path: Path, text: str = CARDS_YAML) -> Path:
    cards = with_settings(tmp_path) / "cards"
    cards.mkdir()
    (cards / "01-pictures.yaml").write_text(text, "utf-8")
    return cards


def _build(cards_dir: Path, out: Path) -> tuple[str, ...]:
    project = load_project(cards_dir)
    return build_project(project, out, at=T0).changed


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data.startswith(PNG_SIGNATURE)
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module")
def rendered_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], dict[str, Path]]:
    first = render_figures(DECK_FIGURES, tmp_path_factory.mktemp("first"))
    second = render_figures(DECK_FIGURES, tmp_path_factory.mktemp("second"))
    return first, second


def test_every_figure_renders_to_identical_bytes_and_names_twice(rendered_twice) -> None:  # type: ignore[no-untyped-def]
    first, second = rendered_twice
    assert set(first) == set(DECK_FIGURES)
    for name in DECK_FIGURES:
        assert first[name].name == second[name].name
        assert first[name].read_bytes() == second[name].read_bytes(), name


def test_figure_file_name_is_bare_and_hashes_the_content(rendered_twice) -> None:  # type: ignore[no-untyped-def]
    first, _ = rendered_twice
    for name, path in first.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[: figures.HASH_CHARS]
        assert path.name == f"dlflash-{name}-{digest}.png"


def test_figures_are_transparent_pngs_of_their_size_without_software_text(rendered_twice) -> None:  # type: ignore[no-untyped-def]
    first, _ = rendered_twice
    for name, path in first.items():
        chunks = _png_chunks(path.read_bytes())
        width, height, _depth, colour_type = struct.unpack(">IIBB", chunks[0][1][:10])
        spec = DECK_FIGURES[name]
        assert (width, height) == (round(spec.size[0] * figures.DPI), round(spec.size[1] * figures.DPI))
        assert colour_type == RGBA
        assert not any(b"Software" in body for kind, body in chunks if kind in (b"tEXt", b"iTXt", b"zTXt"))


def test_figure_colours_contrast_with_day_and_night_backgrounds() -> None:
    for colour in (figures.INK, *figures.PALETTE):
        for background in (figures.DAY_BACKGROUND, figures.NIGHT_BACKGROUND):
            assert _contrast(colour, background) >= MIN_CONTRAST, (colour, background)


def test_figure_links_are_found_outside_code_only() -> None:
    text = "See ![curve](figure:lr-one-cycle) and `![x](figure:in-code)`\n\n- ![y](figure:activation-relu)"
    assert figure_refs(text) == ("lr-one-cycle", "activation-relu")


def test_figure_link_renders_as_its_hashed_file_with_alt_text_and_joins_the_media(tmp_path: Path) -> None:
    card = load_cards(_cards_dir(tmp_path)).cards[0]
    note = render_card(card, "Deck", {}, {"lr-one-cycle": "dlflash-lr-one-cycle-0123abcd.png"})
    assert (
        '<img src="dlflash-lr-one-cycle-0123abcd.png" alt="a learning-rate curve" class="figure" />' in note.fields[0]
    )
    assert note.media == ("dlflash-lr-one-cycle-0123abcd.png",)


def test_markdown_without_figures_leaves_images_alone() -> None:
    assert to_html("![a](figure:x)") == '<img src="figure:x" alt="a" />'


def test_unknown_figure_is_a_problem_at_the_card_with_did_you_mean(tmp_path: Path) -> None:
    cards = load_cards(_cards_dir(tmp_path, CARDS_YAML.replace("figure:lr-one-cycle", "figure:lr-one-cylce")))
    problems = list(figure_problems(DECK_FIGURES, cards))
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'cards' / '01-pictures.yaml'}:3: [pic-one-cycle] figure must be one of the project's figures:"
        " 'lr-one-cylce' (did you mean 'lr-one-cycle'?)"
    ]


def test_build_with_an_unknown_figure_fails_and_writes_nothing(tmp_path: Path) -> None:
    cards = _cards_dir(tmp_path, CARDS_YAML.replace("figure:lr-one-cycle", "figure:one-cycle"))
    out = tmp_path / "deck.apkg"
    result = CliRunner().invoke(main, ["build", "--cards", str(cards), "--out", str(out)])
    assert result.exit_code != 0
    assert "[pic-one-cycle] figure must be one of the project's figures: 'one-cycle'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    with pytest.raises(ProblemsError):
        _build(cards, out)


def test_build_ships_the_figure_in_the_package_media(tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    _build(_cards_dir(tmp_path), out)
    with zipfile.ZipFile(out) as apkg:
        media = json.loads(apkg.read("media"))
        png = figure_png(DECK_FIGURES["lr-one-cycle"])
        assert list(media.values()) == [figures.file_name("lr-one-cycle", png)]
        (index,) = media
        assert apkg.read(index) == png


def test_build_with_figures_is_byte_identical_twice(tmp_path: Path) -> None:
    cards = _cards_dir(tmp_path)
    _build(cards, tmp_path / "one.apkg")
    _build(cards, tmp_path / "two.apkg")
    assert (tmp_path / "one.apkg").read_bytes() == (tmp_path / "two.apkg").read_bytes()


def test_a_changed_figure_gets_a_new_name_and_its_note_new_content(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cards = _cards_dir(tmp_path)
    assert set(_build(cards, tmp_path / "one.apkg")) == {"pic-one-cycle", "pic-plain"}
    old = DECK_FIGURES["lr-one-cycle"]
    resized = Registry("figure", [(n, FigureSpec(n, old.draw, (5.0, 3.0)) if n == old.name else spec)
                                  for n, spec in DECK_FIGURES.items()])
    monkeypatch.setattr(deck_module, "load_figures", lambda _project: resized)
    assert _build(cards, tmp_path / "two.apkg") == ("pic-one-cycle",)


def test_imported_deck_holds_the_figure_file_and_shows_it(tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    _build(_cards_dir(tmp_path), out)
    collection = tmp_path / "user" / "collection.anki2"
    collection.parent.mkdir()
    import_package(collection, out)
    name = figures.file_name("lr-one-cycle", figure_png(DECK_FIGURES["lr-one-cycle"]))
    col = Collection(str(collection))
    try:
        media_dir = Path(col.media.dir())
        (note_id,) = col.find_notes('"Front:*figure*"')
        front = col.get_note(note_id)["Front"]
    finally:
        col.close()
    assert (media_dir / name).read_bytes() == figure_png(DECK_FIGURES["lr-one-cycle"])
    assert f'src="{name}"' in front
