"""The .apkg route's retired list: `dlflash build` records removed cards, `dlflash retired` finds their notes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from anki.collection import Collection
from ankitools import import_package
from cardfiles import edit_basics
from click.testing import CliRunner
from projects import build_project

from dlflash.anki.guids import guid_for_id
from dlflash.anki.retired import RetiredCard, anki_search, read_retired
from dlflash.cli import main
from dlflash.config import load_project

T0 = 1_700_000_000
REMOVED = "gd-mini-batch"
RENAMED = "gd-batch-size-online"


@pytest.fixture
def cards(basics_cards: Path) -> Path:
    return basics_cards


def build(cards: Path, out: Path, at: int = T0) -> None:
    project = load_project(cards)
    build_project(project, out, at=at)


def remove(card_id: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.update(cards=[c for c in data["cards"] if c["id"] != card_id])


def test_build_records_a_removed_card_once_and_forgets_it_when_it_returns(cards: Path, tmp_path: Path) -> None:
    retired_file = load_project(cards).retired_file
    original = (cards / "01-basics.yaml").read_text("utf-8")
    build(cards, tmp_path / "deck.apkg")
    assert not retired_file.exists()

    edit_basics(cards, remove(REMOVED))
    build(cards, tmp_path / "deck.apkg", T0 + 10)
    assert read_retired(retired_file) == (RetiredCard(REMOVED, guid_for_id(REMOVED)),)
    recorded = retired_file.read_bytes()
    build(cards, tmp_path / "deck.apkg", T0 + 20)
    assert retired_file.read_bytes() == recorded

    (cards / "01-basics.yaml").write_text(original, "utf-8")
    build(cards, tmp_path / "deck.apkg", T0 + 30)
    assert read_retired(retired_file) == ()


def test_a_renamed_card_is_not_retired(cards: Path, tmp_path: Path) -> None:
    build(cards, tmp_path / "deck.apkg")

    def rename(data: dict[str, Any]) -> None:
        card = next(c for c in data["cards"] if c["id"] == RENAMED)
        card["id"], card["aliases"] = "gd-online-batch-size", [RENAMED]

    edit_basics(cards, rename)
    build(cards, tmp_path / "deck.apkg", T0 + 10)
    assert read_retired(load_project(cards).retired_file) == ()


def test_retired_search_finds_exactly_the_removed_cards_notes_in_anki(cards: Path, tmp_path: Path) -> None:
    apkg, collection = tmp_path / "deck.apkg", tmp_path / "collection.anki2"
    build(cards, apkg)
    import_package(collection, apkg)
    edit_basics(cards, remove(REMOVED))
    build(cards, apkg, T0 + 10)
    import_package(collection, apkg)  # the importer keeps the removed card's note

    result = CliRunner().invoke(main, ["retired", "--cards", str(cards)])

    assert result.exit_code == 0, result.output
    assert f"1 retired card: {REMOVED}" in result.output
    search = result.output.splitlines()[2]
    assert search == anki_search(read_retired(load_project(cards).retired_file))
    col = Collection(str(collection))
    try:
        found = col.find_notes(search)
        assert [col.get_note(nid).guid for nid in found] == [guid_for_id(REMOVED)]
    finally:
        col.close()


def test_retired_with_nothing_retired_says_so(cards: Path) -> None:
    result = CliRunner().invoke(main, ["retired", "--cards", str(cards)])
    assert result.exit_code == 0
    assert "no retired cards" in result.output


def test_unreadable_retired_list_is_reported_not_ignored(cards: Path) -> None:
    load_project(cards).retired_file.write_text("- id: [unclosed\n", "utf-8")
    result = CliRunner().invoke(main, ["retired", "--cards", str(cards)])
    assert result.exit_code == 1
    assert "retired list is not readable" in result.output


def test_build_says_when_removed_cards_wait_to_be_deleted_in_anki(cards: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    runner = CliRunner()
    first = runner.invoke(main, ["build", "--cards", str(cards), "--out", str(out)])
    assert first.exit_code == 0 and "removed cards" not in first.output
    edit_basics(cards, remove(REMOVED))
    second = runner.invoke(main, ["build", "--cards", str(cards), "--out", str(out)])
    assert second.exit_code == 0
    assert second.output.splitlines()[-1] == (
        "1 removed card is listed in cards/retired.yaml; `dlflash retired` prints the Anki search for their notes"
    )


def retired_command(cards: Path) -> Any:
    return CliRunner().invoke(main, ["retired", "--cards", str(cards)])


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"id": ".*", "guid": guid_for_id(".*")}, "'id' must be a card id in kebab-case: '.*'"),
        ({"id": "a", "guid": "x"}, "'guid' must be the GUID of 'a'"),
        ({"id": 7, "guid": "x"}, "'id' must be a card id in kebab-case: 7"),
        ({"id": "a"}, "must have exactly 'id' and 'guid'"),
    ],
)
def test_a_retired_list_entry_that_is_not_a_card_id_is_refused_before_any_search(
    cards: Path, entry: dict[str, Any], says: str
) -> None:
    path = load_project(cards).retired_file
    path.write_text(yaml.safe_dump([entry]), "utf-8")
    result = retired_command(cards)
    assert result.exit_code == 1
    assert f"{path}: retired list is not readable (entry 1" in result.output and says in result.output
    assert "delete the notes" not in result.output


def test_a_retired_id_listed_twice_is_refused(cards: Path) -> None:
    path = load_project(cards).retired_file
    path.write_text(yaml.safe_dump([{"id": "a", "guid": guid_for_id("a")}] * 2), "utf-8")
    result = retired_command(cards)
    assert result.exit_code == 1 and "each id must be listed once, 'a' is listed again" in result.output


def test_the_retired_search_escapes_every_id_so_it_matches_only_that_id_in_anki(tmp_path: Path) -> None:
    # built by hand, past the reader's check: the search itself must not widen
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        basic = col.models.by_name("Basic")
        assert basic is not None
        for source in ("dlflash · a.b", "dlflash · aXb", 'dlflash · q"x*_', "dlflash · other"):
            note = col.new_note(basic)
            note["Front"], note["Back"] = "x", source
            col.add_note(note, 1)  # type: ignore[arg-type]

        def found(card_id: str) -> list[str]:
            search = anki_search([RetiredCard(card_id, guid_for_id(card_id))]).replace("Source:", "Back:")
            return [col.get_note(n)["Back"] for n in col.find_notes(search)]

        assert found(".*") == []
        assert found("a.b") == ["dlflash · a.b"]
        assert found('q"x*_') == ['dlflash · q"x*_']
    finally:
        col.close()
