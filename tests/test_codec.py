"""The loaded cards kept in the cache come back equal, field for field, locations included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dlflash.cache import CACHE_DIR, CACHE_ENV
from dlflash.codec import decode, encode
from dlflash.model import Card, CardFile, Problem, Source
from dlflash.sources.cards import LOAD_CACHE, load_cards

REPO = Path(__file__).resolve().parent.parent
CARD = encode(Card("x", "basic", Source("a.yaml", 1)))


def test_every_card_file_of_the_real_deck_decodes_to_an_equal_value() -> None:
    cards = load_cards(REPO / "cards")
    for card_file in cards.files:
        assert decode(CardFile, encode(card_file)) == card_file, card_file.path
    assert any(card.formula is not None and card.formula.options for card in cards.cards)  # object-typed values
    assert any(card.departures and card.api for card in cards.cards)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"id": "x", "type": "basic"}, id="missing-field"),
        pytest.param({**CARD, "type": "essay"}, id="literal-not-allowed"),
        pytest.param({**CARD, "tags": "loss"}, id="string-for-tuple"),
        pytest.param({**CARD, "source": ["a.yaml", 1]}, id="array-for-object"),
    ],
)
def test_a_value_of_the_wrong_shape_is_refused(value: object) -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        decode(Card, value)


def test_problem_round_trips() -> None:
    problem = Problem(Source("cards/01-a.yaml", 3), "bad", "card-id", "warning")
    assert decode(Problem, encode(problem)) == problem


def test_cards_load_the_same_with_a_cold_warm_corrupt_or_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cards_dir = tmp_path / "cards"
    shutil.copytree(REPO / "cards", cards_dir)
    monkeypatch.setenv(CACHE_ENV, "off")
    without = load_cards(cards_dir)
    monkeypatch.delenv(CACHE_ENV)
    assert load_cards(cards_dir) == without  # cold: writes one table per card file
    tables = sorted((tmp_path / CACHE_DIR / LOAD_CACHE).glob("*.json"))
    assert len(tables) == len(without.files)
    assert load_cards(cards_dir) == without  # warm: read back
    for table in tables:
        table.write_bytes(table.read_bytes()[:-40])
    assert load_cards(cards_dir) == without  # corrupt: loaded afresh


def test_an_edited_card_file_is_loaded_afresh_from_the_cache(tmp_path: Path) -> None:
    cards_dir = tmp_path / "cards"
    shutil.copytree(REPO / "cards", cards_dir)
    load_cards(cards_dir)
    path = cards_dir / "01-basics.yaml"
    path.write_text(path.read_text("utf-8").replace("back: The whole dataset", "back: All of the dataset", 1), "utf-8")
    backs = [c.back for c in load_cards(cards_dir).cards if c.back.startswith("All of the dataset")]
    assert backs
