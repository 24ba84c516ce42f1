"""`dlflash health` on a real collection reviewed through Anki's scheduler: every section, and no byte changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from ankitools import import_package
from cardfiles import edit_basics
from click.testing import CliRunner
from projects import with_settings

from dlflash.build import build_deck
from dlflash.cli import main
from dlflash.config import load_project
from dlflash.sources.cards import load_cards

AGAIN, GOOD = 1, 3


def build(cards: Path, out: Path, at: int) -> None:
    project = load_project(str(cards))
    build_deck(project, load_cards(project.cards_dir), out, at=at)


def answer(col: Collection, cid: int, ease: int) -> None:
    """Make the card due today (a review card) and answer it through Anki's scheduler."""
    col.sched.set_due_date([cid], "0")  # type: ignore[list-item]
    card = col.get_card(cid)  # type: ignore[arg-type]
    card.start_timer()
    col.sched.answerCard(card, ease)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Basics imported without its last card, reviewed, set aside, edited; then its first card retired."""
    import shutil

    root = tmp_path_factory.mktemp("health")
    repo = Path(__file__).resolve().parent.parent
    project = with_settings(root / "project")
    shutil.copytree(repo / "cards", project / "cards", ignore=shutil.ignore_patterns("ledger.json"))
    cards = project / "cards"
    for path in cards.glob("[0-9][0-9]-*.yaml"):
        if path.name != "01-basics.yaml":
            path.unlink()
    ids = [c.id for c in load_cards(cards).cards]
    retired_id, unimported_id = ids[0], ids[-1]
    kept = {}

    def drop(card_id: str) -> Any:
        def change(data: dict[str, Any]) -> None:
            kept[card_id] = next(c for c in data["cards"] if c["id"] == card_id)
            data["cards"] = [c for c in data["cards"] if c["id"] != card_id]

        return change

    edit_basics(cards, drop(unimported_id))
    build(cards, root / "first.apkg", at=1_700_000_000)
    collection = root / "collection.anki2"
    import_package(collection, root / "first.apkg")
    col = Collection(str(collection))
    try:
        by_id = {}
        for cid in col.find_cards("deck:*"):
            note = col.get_card(cid).note()
            by_id.setdefault(note.guid, []).append(cid)
        notes = {n.guid: n for n in (col.get_note(nid) for nid in col.find_notes(""))}
        guid_of = {}
        project_cfg = load_project(str(cards))
        from dlflash.render.fields import render_deck

        for rendered in render_deck(project_cfg, load_cards(project_cfg.cards_dir)):
            guid_of[rendered.card_id] = rendered.guid
        leech_id, hard_id, suspended_id, edited_id, flagged_id, marked_id = ids[1:7]
        # several days of ordinary reviews for the others, one card failed until it is a leech
        for guid in guid_of.values():
            for cid in by_id[guid]:
                answer(col, cid, GOOD)
        for _day in range(9):
            answer(col, by_id[guid_of[leech_id]][0], AGAIN)
        answer(col, by_id[guid_of[hard_id]][0], AGAIN)
        answer(col, by_id[guid_of[hard_id]][0], AGAIN)
        col.sched.suspend_cards(by_id[guid_of[suspended_id]][:1])
        note = notes[guid_of[edited_id]]
        field = note.keys()[1]
        note[field] = note[field] + " learner's addition"
        col.update_note(note)
        col.set_user_flag_for_cards(1, by_id[guid_of[flagged_id]][:1])
        marked = notes[guid_of[marked_id]]
        marked.add_tag("marked")
        col.update_note(marked)
    finally:
        col.close()

    def restore_and_retire(data: dict[str, Any]) -> None:
        data["cards"] = [c for c in data["cards"] if c["id"] != retired_id] + [kept[unimported_id]]

    edit_basics(cards, restore_and_retire)
    build(cards, root / "second.apkg", at=1_700_100_000)
    before = hashlib.sha256(collection.read_bytes()).hexdigest()
    text = CliRunner().invoke(main, ["health", "--collection", str(collection), "--cards", str(cards)])
    as_json = CliRunner().invoke(main, ["health", "--collection", str(collection), "--cards", str(cards), "--json"])
    return {
        "text": text,
        "json": as_json,
        "before": before,
        "after": hashlib.sha256(collection.read_bytes()).hexdigest(),
        "ids": dict(
            retired=retired_id, unimported=unimported_id, leech=leech_id, hard=hard_id,
            suspended=suspended_id, edited=edited_id, flagged=flagged_id, marked=marked_id,
        ),
    }


def ids_in(report: dict[str, Any], key: str) -> set[str]:
    return {line["id"] for line in report[key]}


def test_health_runs_and_leaves_every_byte_of_the_collection(reviewed: dict[str, Any]) -> None:
    assert reviewed["text"].exit_code == 0, reviewed["text"].output
    assert reviewed["json"].exit_code == 0, reviewed["json"].output
    assert reviewed["before"] == reviewed["after"]


def test_every_section_names_the_cards_the_learner_touched(reviewed: dict[str, Any]) -> None:
    report = json.loads(reviewed["json"].output)
    ids = reviewed["ids"]
    assert ids_in(report, "leeches") == {ids["leech"]}
    assert {ids["leech"], ids["hard"]} <= ids_in(report, "hardest")
    assert ids_in(report, "set_aside") == {ids["suspended"]}
    assert ids_in(report, "flagged") == {ids["flagged"], ids["marked"]}
    assert ids_in(report, "edited") == {ids["edited"]}
    assert "{+learner's addition+}" in report["edited"][0]["message"]
    assert ids_in(report, "retired") == {ids["retired"]}
    assert ids_in(report, "not_imported") == {ids["unimported"]}
    (section,) = report["retention"]
    assert "recalled in" in section["message"] and "desired 90%" in section["message"]


def test_every_text_line_is_located_at_its_card_file_and_line(reviewed: dict[str, Any]) -> None:
    report = json.loads(reviewed["json"].output)
    lines = [line for key, value in report.items() if isinstance(value, list) for line in value]
    assert lines
    for line in lines:
        assert f"{line['file']}:{line['line']}: [{line['id']}] {line['message']}" in reviewed["text"].output
        if line["id"] != reviewed["ids"]["retired"]:
            assert line["file"].endswith("01-basics.yaml")


def test_collection_open_without_a_lock_is_read_from_a_consistent_copy(tmp_path: Path, basics_cards: Path) -> None:
    # a reader that holds no exclusive lock (here: this process) is no reason to refuse; the
    # backup API copies a consistent state and the file keeps its bytes
    collection = tmp_path / "collection.anki2"
    col = Collection(str(collection))
    try:
        before = hashlib.sha256(collection.read_bytes()).hexdigest()
        result = CliRunner().invoke(main, ["health", "--collection", str(collection), "--cards", str(basics_cards)])
        assert hashlib.sha256(collection.read_bytes()).hexdigest() == before
    finally:
        col.close()
    assert result.exit_code == 0, result.output
    assert "0 notes of this deck" in result.output and "not yet in the collection:" in result.output
